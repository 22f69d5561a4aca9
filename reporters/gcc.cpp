// gcc-style lines for editors and problem matchers, exactly one per finding:
//   path:line:col: severity: message [CODE rule-name]
// Line breaks and other control characters from the input are shown escaped
// (\x0a), so a finding never spans two lines.
#include <string>

#include "reporters/reporters.h"

namespace migrasafe {

void write_gcc(std::ostream& out, const RunResult& run) {
  for (const FileResult& f : run.files) {
    std::string path = visible_controls(f.path);
    if (!f.input_error.empty()) {
      out << path << ":1:1: error: cannot analyse: " << visible_controls(f.input_error) << " [migrasafe]\n";
      continue;
    }
    for (const Diagnostic& d : f.diagnostics) {
      const RuleInfo& info = rule_info(d.rule);
      Position p = range_of(f, d.begin, d.end).start;
      out << path << ":" << p.line << ":" << p.column << ": " << severity_name(d.severity) << ": "
          << visible_controls(d.message) << " [" << info.code << " " << info.name << "]\n";
    }
  }
}

}  // namespace migrasafe
