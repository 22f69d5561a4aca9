#include "engine/plan.h"

#include <map>
#include <string>

namespace migrasafe {

void plan_units(const MigrationSet& set, std::size_t set_index, const std::vector<InputFile>& inputs,
                const std::vector<std::size_t>& set_inputs, std::vector<char>& covered, std::vector<WorkUnit>& units) {
  std::map<std::string, std::size_t> index_of;
  for (std::size_t i : set_inputs)
    if (!inputs[i].from_stdin || inputs[i].named) index_of.emplace(inputs[i].path, i);
  for (const Migration& m : set.migrations) {
    WorkUnit unit{&m, set_index, {}};
    auto add = [&](const std::string& path, ScriptPart part, bool transaction) {
      auto it = index_of.find(path);
      if (it == index_of.end()) return;  // on disk, but not among the files asked about
      unit.scripts.push_back({it->second, part, transaction});
      covered[it->second] = 1;
    };
    if (!m.up.empty()) add(m.up, ScriptPart::Up, m.transaction);
    if (m.layout == Layout::Dbmate) {
      if (m.down_section) add(m.up, ScriptPart::Down, m.down_transaction);
    } else if (m.down) {
      add(*m.down, ScriptPart::Down, m.down_transaction);
    }
    if (m.verify) add(*m.verify, ScriptPart::Verify, false);
    if (!unit.scripts.empty()) units.push_back(std::move(unit));
  }
}

}  // namespace migrasafe

namespace migrasafe {

std::vector<std::filesystem::path> sum_dirs(const std::vector<std::string>& paths) {
  std::vector<std::filesystem::path> dirs;
  std::error_code ec;
  for (const std::string& p : paths)
    if (p != "-" && std::filesystem::is_directory(p, ec)) dirs.emplace_back(p);
  return dirs;
}

RunPlan plan_run(const std::vector<InputFile>& inputs, const std::vector<std::string>& read_paths,
                 std::optional<Layout> layout, const std::string* stdin_text, const ChangedFiles* since) {
  RunPlan plan;
  // The migration set orders the replay, pairs up and down scripts and says
  // whether the tool wraps each migration in a transaction. Every file is
  // analysed once (dbmate: once per section, merged); unnamed stdin and
  // anything the set does not hold run last, as plain files.
  std::vector<std::size_t> all(inputs.size());
  for (std::size_t i = 0; i < inputs.size(); ++i) all[i] = i;
  plan.sets.push_back(build_migration_set(inputs, layout, stdin_text));
  // History integrity: the set against itself, the git base and migrasafe.sum
  // in each directory named.
  plan.histories.push_back(check_history(plan.sets.back(), sum_dirs(read_paths), since));
  std::vector<char> covered(inputs.size(), 0);
  plan_units(plan.sets.back(), 0, inputs, all, covered, plan.units);
  for (std::size_t i = 0; i < inputs.size(); ++i)
    if (!covered[i]) plan.units.push_back({nullptr, 0, {{i, ScriptPart::Whole, false}}});
  return plan;
}

}  // namespace migrasafe
