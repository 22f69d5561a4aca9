// `sources`: the detected layout and the migrations in the order the tool runs them.
#include <iostream>
#include <map>
#include <memory>

#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "reporters/reporters.h"
#include "sources/discovery.h"

namespace migrasafe::cli {
namespace {

// The detected layout and the ordered migrations.
int run_sources(const std::vector<std::string>& paths, const std::string& format, const std::string& layout) {
  std::vector<InputError> errors;
  std::vector<InputFile> inputs = discover(paths, "", errors);
  if (std::any_of(inputs.begin(), inputs.end(), [](const InputFile& f) { return f.from_stdin; })) {
    std::cerr << "migrasafe: error: `sources` reads files, not stdin (`-`)\n";
    return kExitUsage;
  }
  MigrationSet set = build_migration_set(inputs, forced_layout(layout));
  for (const InputError& e : errors) std::cerr << "migrasafe: error: " << e.path << ": " << e.message << "\n";
  // dbmate sections as line ranges.
  std::map<std::string, std::shared_ptr<const SourceFile>> texts;
  auto lines_of = [&](const std::string& path, ByteRange r) -> std::pair<int, int> {
    auto& src = texts[path];
    if (!src) {
      std::string err;
      src = std::make_shared<const SourceFile>(path, read_input({path, false}, err).value_or(""));
    }
    int first = src->lines.position(r.begin).line;
    int last = src->lines.position(r.end > r.begin ? r.end - 1 : r.begin).line;
    return {first, std::max(first, last)};
  };
  auto section = [&](const std::string& path, const std::optional<ByteRange>& r) {
    if (!r) return path;
    auto [first, last] = lines_of(path, *r);
    return path + ":" + std::to_string(first) + "-" + std::to_string(last);
  };
  std::size_t files = 0;
  for (const auto& [l, n] : set.files_by_layout) files += n;
  if (format == "json") {
    nlohmann::json doc;
    doc["layout"] = layout_name(set.layout);
    doc["forced"] = set.forced;
    doc["mixed"] = set.mixed();
    doc["files"] = files;
    doc["files_by_layout"] = nlohmann::json::object();
    for (const auto& [l, n] : set.files_by_layout) doc["files_by_layout"][std::string(layout_name(l))] = n;
    nlohmann::json list = nlohmann::json::array();
    for (const Migration& m : set.migrations) {
      nlohmann::json j{{"version", m.version},
                       {"name", m.name},
                       {"layout", layout_name(m.layout)},
                       {"up", m.up.empty() ? nlohmann::json() : nlohmann::json(m.up)},
                       {"down", m.down ? nlohmann::json(*m.down) : nlohmann::json()},
                       {"transaction", m.transaction},
                       {"down_transaction", m.down_transaction},
                       {"repeatable", m.repeatable}};
      if (m.verify) j["verify"] = *m.verify;
      if (m.snapshot) j["snapshot"] = true;  // a schema dump, replayed after the migrations
      for (auto [key, r] : {std::pair{"up_section", m.up_section}, std::pair{"down_section", m.down_section}}) {
        if (!r) continue;
        auto [first, last] = lines_of(m.up, *r);
        j[key] = {{"begin", r->begin}, {"end", r->end}, {"line", first}, {"end_line", last}};
      }
      list.push_back(std::move(j));
    }
    doc["migrations"] = std::move(list);
    doc["notes"] = set.notes;
    std::cout << doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  } else {
    std::cout << "layout: " << layout_name(set.layout) << (set.forced ? " (--layout)" : "");
    if (set.mixed()) {
      std::cout << ", mixed (";
      bool first = true;
      for (const auto& [l, n] : set.files_by_layout) {
        std::cout << (first ? "" : ", ") << layout_name(l) << " " << count_of(n, "file");
        first = false;
      }
      std::cout << ")";
    }
    // The file count only when it says more than the migration count (down scripts, sections).
    std::cout << "\nmigrations: " << set.migrations.size();
    if (files != set.migrations.size()) std::cout << " (" << count_of(files, "file") << ")";
    std::cout << "\n";
    std::vector<std::vector<std::string>> rows;
    rows.push_back({"#", "version", "name", "tx", "up", "down"});
    if (set.mixed()) rows.back().insert(rows.back().begin() + 1, "layout");
    for (std::size_t i = 0; i < set.migrations.size(); ++i) {
      const Migration& m = set.migrations[i];
      std::vector<std::string> row{std::to_string(i + 1), m.repeatable ? "R" : m.version.empty() ? "-" : visible_controls(m.version),
                                   m.name.empty() ? "-" : visible_controls(m.name), m.transaction ? "yes" : "no",
                                   m.up.empty() ? "-" : visible_controls(section(m.up, m.up_section)),
                                   m.down ? visible_controls(section(*m.down, m.down_section)) : "-"};
      if (set.mixed()) row.insert(row.begin() + 1, std::string(layout_name(m.layout)));
      rows.push_back(std::move(row));
    }
    print_columns(std::cout, rows);
    for (const std::string& n : set.notes) std::cout << "note: " << n << "\n";
  }
  return errors.empty() ? kExitClean : kExitInput;
}

}  // namespace

void add_sources_command(CLI::App& app, std::vector<Command>& commands) {
  struct Args {
    std::vector<std::string> paths;
    std::string format = "text", layout = "auto";
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "sources", "Show the detected migration-tool layout and the migrations in the order the tool runs them");
  cmd->add_option("paths", a->paths, "Files, directories (searched for *.sql) or globs")->required();
  cmd->add_option("-f,--format", a->format, "Output format")->check(CLI::IsMember({"text", "json"}))->capture_default_str();
  cmd->add_option("--layout", a->layout, "Migration-tool layout (default: detected)")
      ->check(CLI::IsMember(layout_choices()))
      ->capture_default_str();
  commands.push_back({cmd, [a] { return run_sources(a->paths, a->format, a->layout); }});
}

}  // namespace migrasafe::cli
