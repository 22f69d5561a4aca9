// Writing a baseline file (`migrasafe baseline`); reading and applying one is
// the engine's (engine/baseline.h).
#include <algorithm>
#include <tuple>

#include <nlohmann/json.hpp>

#include "engine/baseline.h"
#include "reporters/reporters.h"

namespace fs = std::filesystem;

namespace migrasafe {

std::vector<BaselineEntry> baseline_entries(const RunResult& run, const fs::path& root) {
  std::vector<BaselineEntry> out;
  for_each_fingerprint(run, root, [&](const FileResult& f, const std::string& path, std::size_t i, const std::string& print) {
    const Diagnostic& d = f.diagnostics[i];
    const RuleInfo& info = rule_info(d.rule);
    std::string statement;
    for (std::size_t s = 0; s < f.parsed.statements.size(); ++s)
      if (d.begin >= f.parsed.statements[s].begin && d.begin <= f.parsed.statements[s].end) {
        statement = visible_controls(statement_summary(f, s, 100));
        break;
      }
    out.push_back({path, std::string(info.code), std::string(info.name), print, statement});
  });
  std::sort(out.begin(), out.end(), [](const BaselineEntry& a, const BaselineEntry& b) {
    return std::tie(a.path, a.code, a.fingerprint) < std::tie(b.path, b.code, b.fingerprint);
  });
  return out;
}

std::string baseline_json(const std::vector<BaselineEntry>& entries) {
  nlohmann::ordered_json findings = nlohmann::ordered_json::array();
  for (const BaselineEntry& e : entries) {
    nlohmann::ordered_json j;
    j["path"] = e.path;
    j["code"] = e.code;
    j["rule"] = e.rule;
    j["fingerprint"] = e.fingerprint;
    j["statement"] = e.statement;
    findings.push_back(std::move(j));
  }
  nlohmann::ordered_json doc;
  doc["migrasafe_baseline"] = kBaselineVersion;
  doc["paths_relative_to"] = "the git repository root (or the working directory outside a repository)";
  doc["findings"] = std::move(findings);
  return doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace migrasafe
