#include "engine/plan.h"

#include <sys/stat.h>

#include <algorithm>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "parser/largest_first.h"
#include "parser/large_stacks.h"
#include "sources/paths.h"

namespace migrasafe {

void plan_units(const MigrationSet& set, std::size_t set_index, const std::vector<InputFile>& inputs,
                const std::vector<std::size_t>& set_inputs, std::vector<char>& covered, std::vector<WorkUnit>& units) {
  std::unordered_map<std::string_view, std::size_t> index_of;  // a file list's thousand paths share long prefixes
  index_of.reserve(set_inputs.size());
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
    if (m.up_section) {  // a part of a file: dbmate, Liquibase
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
  for (const std::string& p : paths) {
    struct stat st;  // a stat, not a path object, for each of a file list's thousand files
    if (p != "-" && ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) dirs.emplace_back(p);
  }
  return dirs;
}

bool is_under(const std::filesystem::path& path, const std::filesystem::path& dir) {
  return path_is_under(path.native(), dir.native());
}

namespace {

// A migration set's inputs and the directories whose migrasafe.sum it checks.
struct SetInputs {
  std::vector<std::size_t> inputs;
  std::vector<std::filesystem::path> sum_dirs;
};

// Each directory named on the command line is its own migration set (a
// project's history: one project must not see another's tables); every
// other input (files, globs, stdin) belongs to one set of loose files, which
// share one history. A file or directory under two directories named goes
// with the first.
std::vector<SetInputs> group_by_set(const std::vector<InputFile>& inputs, const std::vector<std::string>& paths) {
  // A path that discovery took as a file, spelt as named, is no directory:
  // only the others are asked (a file list names a thousand files).
  std::unordered_set<std::string_view> files_named;
  for (const InputFile& in : inputs)
    if (!in.from_stdin) files_named.insert(in.path);
  std::vector<std::string> maybe_dirs;
  for (const std::string& p : paths)
    if (!files_named.count(p)) maybe_dirs.push_back(p);
  std::vector<std::filesystem::path> dirs = sum_dirs(maybe_dirs);
  std::vector<std::string> real_dirs;
  std::vector<std::string_view> prefixes;  // each real directory without a trailing '/'
  for (const std::filesystem::path& d : dirs) real_dirs.push_back(real_path_string(d.native()));
  for (std::string_view dir : real_dirs) {
    if (dir.size() > 1 && dir.back() == '/') dir.remove_suffix(1);
    prefixes.push_back(dir);
  }
  // Absolute real paths have no "//", "." or ".." part: a file is under a
  // directory only if its path begins with the directory's (checked first: a
  // run names a thousand files and a dozen directories).
  auto first_dir_holding = [&](const std::string& path) {
    if (real_dirs.empty()) return std::size_t{0};  // loose files only: no real path needed
    const std::string real = real_path_string(path);
    std::size_t d = 0;
    while (d < real_dirs.size()) {
      if ((!prefixes[d].starts_with('/') || real.starts_with(prefixes[d])) && path_is_under(real, real_dirs[d])) break;
      ++d;
    }
    return d;
  };
  std::vector<SetInputs> by_dir(dirs.size() + 1);  // the last: loose files
  for (std::size_t d = 0; d < dirs.size(); ++d) {
    std::size_t owner = d;  // a directory inside (or equal to) an earlier one is that one's set
    for (std::size_t e = 0; e < d; ++e)
      if (path_is_under(real_dirs[d], real_dirs[e])) {  // or equal
        owner = e;
        break;
      }
    by_dir[owner].sum_dirs.push_back(dirs[d]);
  }
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    bool on_disk = !inputs[i].from_stdin || inputs[i].named;
    std::size_t d = on_disk ? first_dir_holding(inputs[i].path) : dirs.size();
    by_dir[d].inputs.push_back(i);
  }
  std::vector<SetInputs> sets;
  for (SetInputs& set : by_dir)
    if (!set.inputs.empty() || !set.sum_dirs.empty()) sets.push_back(std::move(set));
  return sets;
}

}  // namespace

RunPlan plan_run(const std::vector<InputFile>& inputs, const std::vector<std::string>& read_paths,
                 std::optional<Layout> layout, const TextOverride& text_of, const ChangedFiles* since) {
  RunPlan plan;
  // The migration set orders the replay, pairs up and down scripts and says
  // whether the tool wraps each migration in a transaction. Every file is
  // analysed once (dbmate: once per section, merged); unnamed stdin and
  // anything the set does not hold run last, as plain files.
  std::vector<SetInputs> groups = group_by_set(inputs, read_paths);
  plan.sets.resize(groups.size());  // sized once: units point into the sets
  plan.histories.resize(groups.size());
  // The sets are independent, and the parse workers wait for the whole plan:
  // each core plans the next set not taken yet, the largest first; cores
  // beyond the sets' count plan a set's files side by side (a file list is
  // one set).
  const std::vector<std::size_t> by_size =
      largest_first(groups.size(), [&](std::size_t k) { return groups[k].inputs.size(); });
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  const unsigned set_threads = static_cast<unsigned>(std::min<std::size_t>(cores, groups.size()));
  const unsigned threads_per_set = std::max(1u, cores / std::max(1u, set_threads));
  for_each_index_on_large_stacks(set_threads, groups.size(), [&](std::size_t taken) {
    const std::size_t k = by_size[taken];
    std::vector<InputFile> files;
    for (std::size_t i : groups[k].inputs) files.push_back(inputs[i]);
    plan.sets[k] = build_migration_set(files, layout, text_of, threads_per_set);
    // History integrity: the set against itself, the git base and migrasafe.sum
    // in each directory named.
    plan.histories[k] = check_history(plan.sets[k], groups[k].sum_dirs, since);
  });
  std::vector<char> covered(inputs.size(), 0);
  for (std::size_t k = 0; k < groups.size(); ++k)
    plan_units(plan.sets[k], k, inputs, groups[k].inputs, covered, plan.units);
  for (std::size_t k = 0; k < groups.size(); ++k)
    for (std::size_t i : groups[k].inputs)
      if (!covered[i]) plan.units.push_back({nullptr, k, {{i, ScriptPart::Whole, false}}});
  return plan;
}

}  // namespace migrasafe
