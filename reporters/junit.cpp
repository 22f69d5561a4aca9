// JUnit XML for CI test-report views: one <testcase> per file (classname
// "migrasafe", name = the path, time = seconds spent parsing and analysing
// it). A file fails with one <failure> listing its
// findings at or above --fail-on; findings below it go to <system-out>. A
// file that could not be read is an <error>. Text is XML-escaped; characters
// XML 1.0 cannot carry (most control characters) are shown escaped instead.
#include <cstdio>
#include <optional>
#include <sstream>
#include <string>

#include "reporters/reporters.h"

namespace migrasafe {
namespace {

// Attribute values are normalized by parsers: line breaks and tabs in them
// are kept as character references.
ByteEscapes xml_escapes(bool attribute) {
  ByteEscapes e{};
  e['&'] = "&amp;";
  e['<'] = "&lt;";
  e['>'] = "&gt;";
  e['\r'] = "&#13;";
  if (attribute) {
    e['"'] = "&quot;";
    e['\''] = "&apos;";
    e['\n'] = "&#10;";
    e['\t'] = "&#9;";
  }
  return e;
}

std::string xml(std::string_view s, bool attribute) {
  static const ByteEscapes in_attribute = xml_escapes(true), in_text = xml_escapes(false);
  return escape_bytes(visible_controls(s, true), attribute ? in_attribute : in_text);
}

std::string plural(std::size_t n, std::string_view word) {
  return std::to_string(n) + " " + std::string(word) + (n == 1 ? "" : "s");
}

// Seconds with millisecond precision, as JUnit's `time` attribute.
std::string seconds_attribute(double seconds) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.3f", seconds);
  return buffer;
}

std::string finding_line(const FileResult& f, const Diagnostic& d) {
  const RuleInfo& info = rule_info(d.rule);
  Position p = range_of(f, d.begin, d.end).start;
  std::string s = f.path + ":" + std::to_string(p.line) + ":" + std::to_string(p.column) + ": " +
                  std::string(severity_name(d.severity)) + " [" + std::string(info.code) + " " +
                  std::string(info.name) + "]: " + d.message + "\n";
  if (!d.help.empty()) s += "  help: " + d.help + "\n";
  return s;
}

}  // namespace

void write_junit(std::ostream& out, const RunResult& run, std::optional<Severity> fail_on) {
  std::size_t failures = 0, errors = 0;
  double total_seconds = 0;
  std::ostringstream cases;
  for (const FileResult& f : run.files) {
    total_seconds += f.seconds;
    cases << "    <testcase classname=\"migrasafe\" name=\"" << xml(f.path, true) << "\" file=\""
          << xml(f.path, true) << "\" time=\"" << seconds_attribute(f.seconds) << "\">\n";
    if (!f.input_error.empty()) {
      ++errors;
      cases << "      <error message=\"" << xml("cannot analyse: " + f.input_error, true) << "\" type=\"input-error\">"
            << xml(f.path + ": cannot analyse: " + f.input_error, false) << "</error>\n";
      cases << "    </testcase>\n";
      continue;
    }
    std::string failing, other;
    std::size_t n_fail = 0, n_err = 0, n_warn = 0, n_note = 0;
    for (const Diagnostic& d : f.diagnostics) {
      if (fail_on && d.severity >= *fail_on) {
        ++n_fail;
        (d.severity == Severity::Error ? n_err : d.severity == Severity::Warning ? n_warn : n_note)++;
        failing += finding_line(f, d);
      } else {
        other += finding_line(f, d);
      }
    }
    if (n_fail) {
      ++failures;
      std::string message = plural(n_fail, "finding") + " at or above " + std::string(severity_name(*fail_on)) + ":";
      std::string sep = " ";
      if (n_err) message += sep + plural(n_err, "error"), sep = ", ";
      if (n_warn) message += sep + plural(n_warn, "warning"), sep = ", ";
      if (n_note) message += sep + plural(n_note, "note");
      Severity worst = n_err ? Severity::Error : n_warn ? Severity::Warning : Severity::Note;
      cases << "      <failure message=\"" << xml(message, true) << "\" type=\"" << severity_name(worst) << "\">"
            << xml(failing, false) << "</failure>\n";
    }
    if (!other.empty()) cases << "      <system-out>" << xml(other, false) << "</system-out>\n";
    cases << "    </testcase>\n";
  }
  std::string totals = "tests=\"" + std::to_string(run.files.size()) + "\" failures=\"" + std::to_string(failures) +
                       "\" errors=\"" + std::to_string(errors) + "\" time=\"" + seconds_attribute(total_seconds) + "\"";
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out << "<testsuites name=\"migrasafe\" " << totals << ">\n";
  out << "  <testsuite name=\"migrasafe\" " << totals << " skipped=\"0\">\n";
  out << cases.str();
  out << "  </testsuite>\n</testsuites>\n";
}

}  // namespace migrasafe
