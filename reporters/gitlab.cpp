// GitLab Code Quality report (a JSON array of Code Climate issues), for
// `artifacts: reports: codequality:`. Severity: error -> critical, a warning
// that fails the job (--fail-on warning or lower) -> major, other warnings ->
// minor, note -> info. Fingerprints come from
// finding_fingerprints(): stable across runs and machines, and unchanged when
// unrelated lines are added above a finding. Messages are passed through
// visible_controls(); paths are relative to the repository root (RunResult::root),
// which is what GitLab matches them against.
#include <nlohmann/json.hpp>

#include "parser/sha256.h"
#include "reporters/reporters.h"

namespace migrasafe {
namespace {

std::string_view gitlab_severity(Severity s, std::optional<Severity> fail_on) {
  switch (s) {
    case Severity::Error: return "critical";
    case Severity::Warning: return fail_on && *fail_on <= Severity::Warning ? "major" : "minor";
    case Severity::Note: return "info";
  }
  return "minor";
}

}  // namespace

void write_gitlab(std::ostream& out, const RunResult& run, std::optional<Severity> fail_on) {
  nlohmann::json issues = nlohmann::json::array();
  for (const FileResult& f : run.files) {
    std::string path = report_path(run, f);
    if (!f.input_error.empty()) {
      issues.push_back({{"type", "issue"},
                        {"description", "cannot analyse: " + visible_controls(f.input_error)},
                        {"check_name", "input-error"},
                        {"fingerprint", sha256_hex(path + '\0' + "input-error")},
                        {"severity", "critical"},
                        {"location", {{"path", path}, {"lines", {{"begin", 1}, {"end", 1}}}}}});
      continue;
    }
    std::vector<std::string> fingerprints = finding_fingerprints(f, path);
    for (std::size_t i = 0; i < f.diagnostics.size(); ++i) {
      const Diagnostic& d = f.diagnostics[i];
      const RuleInfo& info = rule_info(d.rule);
      Range r = range_of(f, d.begin, d.end);
      int end_line = r.end.line > r.start.line && r.end.column == 1 ? r.end.line - 1 : r.end.line;
      nlohmann::json issue = {
          {"type", "issue"},
          {"description", std::string(info.code) + " " + std::string(info.name) + ": " + visible_controls(d.message)},
          {"check_name", info.name},
          {"fingerprint", fingerprints[i]},
          {"severity", gitlab_severity(d.severity, fail_on)},
          {"categories", nlohmann::json::array({"Bug Risk"})},
          {"location", {{"path", path}, {"lines", {{"begin", r.start.line}, {"end", end_line}}}}}};
      if (!d.help.empty()) issue["content"] = {{"body", visible_controls(d.help, true)}};
      issues.push_back(std::move(issue));
    }
  }
  out << issues.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
}

}  // namespace migrasafe
