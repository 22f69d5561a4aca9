// GitHub Actions workflow commands, one line per finding:
//   ::error file=PATH,line=L,col=C,endLine=EL,endColumn=EC,title=CODE rule-name::message%0Ahelp
// Everything that comes from the input is escaped so a crafted file cannot
// end the command early, start another one, or put ANSI sequences in the log.
#include <string>

#include "reporters/reporters.h"

namespace migrasafe {
namespace {

std::string_view command(Severity s) {
  switch (s) {
    case Severity::Error: return "error";
    case Severity::Warning: return "warning";
    case Severity::Note: return "notice";
  }
  return "warning";
}

// The runner's escaping (actions/toolkit escapeData / escapeProperty).
ByteEscapes command_escapes(bool property) {
  ByteEscapes e{};
  e['%'] = "%25";
  e['\r'] = "%0D";
  e['\n'] = "%0A";
  if (property) {
    e[':'] = "%3A";
    e[','] = "%2C";
  }
  return e;
}

std::string escape(std::string_view s, bool property) {
  static const ByteEscapes in_property = command_escapes(true), in_data = command_escapes(false);
  return escape_bytes(visible_controls(s, true), property ? in_property : in_data);
}

}  // namespace

void write_github(std::ostream& out, const RunResult& run) {
  for (const FileResult& f : run.files) {
    std::string file = escape(report_path(run, f), true);
    if (!f.input_error.empty()) {
      out << "::error file=" << file << ",title=" << escape("migrasafe: cannot analyse", true)
          << "::" << escape(f.path + ": " + f.input_error, false) << "\n";
      continue;
    }
    for (const Diagnostic& d : f.diagnostics) {
      const RuleInfo& info = rule_info(d.rule);
      Range r = range_of(f, d.begin, d.end);
      // The range's end is exclusive; GitHub wants the last line (and, only
      // for a single-line range, the last character's column).
      int end_line = r.end.line > r.start.line && r.end.column == 1 ? r.end.line - 1 : r.end.line;
      out << "::" << command(d.severity) << " file=" << file << ",line=" << r.start.line << ",col=" << r.start.column
          << ",endLine=" << end_line;
      if (r.end.line == r.start.line) out << ",endColumn=" << std::max(r.start.column, r.end.column - 1);
      out << ",title=" << escape(std::string(info.code) + " " + std::string(info.name), true) << "::"
          << escape(d.help.empty() ? d.message : d.message + "\n" + d.help, false) << "\n";
    }
  }
}

}  // namespace migrasafe
