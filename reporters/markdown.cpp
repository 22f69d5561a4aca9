// Markdown for a pull-request comment (GitHub, GitLab): a heading, a summary
// table, then for each file with findings its statements that have findings
// (line, summary, locks and modes, rewrite/scan, how long locks are held) and
// the findings with severity, code, rule, message and help.
// All text from the input is escaped: HTML-significant characters become
// entities and Markdown punctuation is backslash-escaped, line breaks and
// control characters are shown escaped, so nothing from a migration can
// start a block, break a table, open a code span or inject HTML.
#include <optional>
#include <string>

#include "reporters/reporters.h"

namespace migrasafe {

std::string markdown_escape(std::string_view s) {
  static constexpr ByteEscapes escapes = [] {
    ByteEscapes e{};
    e['&'] = "&amp;";
    e['<'] = "&lt;";
    e['>'] = "&gt;";
    // Inline Markdown: code spans, emphasis, links/images, strikethrough,
    // table cells, math. Text from the input never starts a line, so
    // block-level markers (#, -, +, =, 1.) need no escaping.
    e['\\'] = "\\\\";
    e['`'] = "\\`";
    e['*'] = "\\*";
    e['_'] = "\\_";
    e['['] = "\\[";
    e[']'] = "\\]";
    e['~'] = "\\~";
    e['|'] = "\\|";
    e['$'] = "\\$";
    return e;
  }();
  return escape_bytes(visible_controls(s), escapes);
}

namespace {

std::string md(std::string_view s) { return markdown_escape(s); }

std::string plural(std::size_t n, std::string_view word) {
  return std::to_string(n) + " " + std::string(word) + (n == 1 ? "" : "s");
}

// Findings grouped by the statement they are in (in file order); findings
// outside any statement (syntax errors, psql meta-commands) each form their own group.
struct Group {
  std::optional<std::size_t> statement;
  std::vector<const Diagnostic*> findings;
};

std::vector<Group> groups_of(const FileResult& f) {
  const auto& statements = f.parsed.statements;
  std::vector<Group> out;
  for (const Diagnostic& d : f.diagnostics) {
    std::optional<std::size_t> in;
    if (std::size_t s = f.parsed.statement_at(d.begin); s < statements.size()) in = s;
    if (in && !out.empty() && out.back().statement == in) out.back().findings.push_back(&d);
    else out.push_back({in, {&d}});
  }
  return out;
}

void write_statement(std::ostream& out, const FileResult& f, std::size_t i) {
  const Statement& s = f.parsed.statements[i];
  const Effects& e = f.effects[i];
  out << "#### Line " << range_of(f, s.begin, s.end).start.line << ": <code>" << md(statement_summary(f, i))
      << "</code>\n\n";
  out << "Locks: ";
  if (e.locks.empty()) out << (e.locks_unknown.empty() ? "none" : "unknown");
  for (std::size_t k = 0; k < e.locks.size(); ++k) {
    if (k) out << ", ";
    out << "`" << pg_lock_name(e.locks[k].mode) << "` on <code>" << md(e.locks[k].relation.str()) << "</code>";
  }
  if (!e.locks.empty()) out << " (held until the end of the " << held_until_name(f.holds[i]) << ")";
  out << " · rewrite: " << tri_name(e.rewrite) << " · scan: " << tri_name(e.scan) << "\n\n";
}

void write_finding(std::ostream& out, const FileResult& f, const Diagnostic& d) {
  const RuleInfo& info = rule_info(d.rule);
  Position p = range_of(f, d.begin, d.end).start;
  out << "- **" << severity_name(d.severity) << "** `" << info.code << "` [" << info.name << "]("
      << rule_doc_url(info) << ") at " << p.line << ":" << p.column << ": " << md(d.message) << "\n";
  if (!d.help.empty()) out << "  <br>**Help:** " << md(d.help) << "\n";
}

}  // namespace

void write_markdown(std::ostream& out, const RunResult& run) {
  Counts c = count(run);
  out << "## migrasafe\n\n";
  if (c.findings() == 0) {
    out << "No findings";
  } else {
    out << "**" << plural(c.errors, "error") << ", " << plural(c.warnings, "warning") << ", "
        << plural(c.notes, "note") << "**";
  }
  out << " in " << plural(c.files, "file") << ".";
  if (c.input_errors) out << " " << plural(c.input_errors, "file") << " could not be read.";
  out << "\n\n";
  out << "| Files | Statements | Errors | Warnings | Notes |\n";
  out << "|---:|---:|---:|---:|---:|\n";
  out << "| " << c.files << " | " << c.statements << " | " << c.errors << " | " << c.warnings << " | " << c.notes
      << " |\n";

  if (c.input_errors) {
    out << "\n### Files that could not be read\n\n";
    for (const FileResult& f : run.files)
      if (!f.input_error.empty()) out << "- <code>" << md(f.path) << "</code>: " << md(f.input_error) << "\n";
  }

  for (const FileResult& f : run.files) {
    if (!f.input_error.empty() || f.diagnostics.empty()) continue;
    out << "\n### <code>" << md(f.path) << "</code>\n\n";
    bool first = true;
    for (const Group& g : groups_of(f)) {
      if (!first) out << "\n";
      first = false;
      if (g.statement) {
        write_statement(out, f, *g.statement);
      } else {
        const Diagnostic& d = *g.findings.front();
        std::string_view text = std::string_view(f.parsed.source->text).substr(d.begin, d.end - d.begin);
        out << "#### Line " << range_of(f, d.begin, d.end).start.line << ": <code>" << md(one_line_summary(text))
            << "</code>\n\n";
      }
      for (const Diagnostic* d : g.findings) write_finding(out, f, *d);
    }
  }
}

}  // namespace migrasafe
