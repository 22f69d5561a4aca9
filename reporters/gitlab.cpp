// GitLab Code Quality report (a JSON array of Code Climate issues), for
// `artifacts: reports: codequality:`. Severity: error -> critical, a warning
// that fails the job (--fail-on warning or lower) -> major, other warnings ->
// minor, note -> info. Fingerprints come from
// finding_fingerprints(): stable across runs and machines, and unchanged when
// unrelated lines are added above a finding. Messages are passed through
// visible_controls(); paths are relative to the repository root (RunResult::root),
// which is what GitLab matches them against.
#include "parser/sha256.h"
#include "reporters/json_writer.h"
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

// An issue's members in sorted order, as nlohmann::json (which wrote this
// report first) orders them.
void put_location(JsonWriter& w, const std::string& path, int begin_line, int end_line) {
  w.key("location");
  w.begin_object();
  w.key("lines");
  w.begin_object();
  w.field("begin", begin_line);
  w.field("end", end_line);
  w.end_object();
  w.field("path", path);
  w.end_object();
}

}  // namespace

void write_gitlab(std::ostream& out, const RunResult& run, std::optional<Severity> fail_on) {
  JsonWriter w(out, JsonEscapes::Nlohmann);
  w.begin_array();
  for (const FileResult& f : run.files) {
    std::string path = report_path(run, f);
    if (!f.input_error.empty()) {
      w.begin_object();
      w.field("check_name", "input-error");
      w.field("description", "cannot analyse: " + visible_controls(f.input_error));
      w.field("fingerprint", sha256_hex(path + '\0' + "input-error"));
      put_location(w, path, 1, 1);
      w.field("severity", "critical");
      w.field("type", "issue");
      w.end_object();
      continue;
    }
    std::vector<std::string> fingerprints = finding_fingerprints(f, path);
    for (std::size_t i = 0; i < f.diagnostics.size(); ++i) {
      const Diagnostic& d = f.diagnostics[i];
      const RuleInfo& info = rule_info(d.rule);
      Range r = range_of(f, d.begin, d.end);
      int end_line = r.end.line > r.start.line && r.end.column == 1 ? r.end.line - 1 : r.end.line;
      w.begin_object();
      w.key("categories");
      w.begin_array();
      w.value("Bug Risk");
      w.end_array();
      w.field("check_name", info.name);
      if (!d.help.empty()) {
        w.key("content");
        w.begin_object();
        w.field("body", visible_controls(d.help, true));
        w.end_object();
      }
      w.field("description", std::string(info.code) + " " + std::string(info.name) + ": " + visible_controls(d.message));
      w.field("fingerprint", fingerprints[i]);
      put_location(w, path, r.start.line, end_line);
      w.field("severity", gitlab_severity(d.severity, fail_on));
      w.field("type", "issue");
      w.end_object();
    }
  }
  w.end_array();
}

}  // namespace migrasafe
