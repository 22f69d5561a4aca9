// `migrasafe explain`: for a release engineer, per statement, what it locks,
// what that blocks, whether it rewrites or scans, and for how long.
#include <vector>

#include "reporters/reporters.h"
#include "rules/consequences.h"

namespace migrasafe {
namespace {

int depth(const ParsedFile& p, const Statement& s) {
  int d = 0;
  for (const Statement* up = &s; up->parent >= 0; up = &p.statements[static_cast<std::size_t>(up->parent)]) ++d;
  return d;
}

// Text that did not become a statement (a syntax error, content skipped):
// shown where it is, with its message, so explain hides nothing of the file.
void write_unparsed(std::ostream& out, const FileResult& f, const Diagnostic& d) {
  const LineIndex& lines = f.parsed.source->lines;
  Position at = lines.position(d.begin);
  std::string_view text = f.parsed.source->text;
  std::string_view line = text.substr(lines.line_start(at.line), lines.line_end(at.line) - lines.line_start(at.line));
  bool error = d.rule == RuleId::syntax_error;
  out << "  line " << at.line << ": " << visible_controls(one_line_summary(line)) << "\n";
  if (error)
    out << "    error  " << visible_controls(d.message) << " (column " << at.column << "): not analysed\n";
  else
    out << "    skips  " << visible_controls(d.message) << "\n";
}

}  // namespace

void write_statement_effects(std::ostream& out, const FileResult& f, std::size_t i,
                             const std::vector<const Diagnostic*>& findings, const std::string& indent) {
  const Effects& e = f.effects[i];
  const Statement& s = f.parsed.statements[i];
  const LineIndex& lines = f.parsed.source->lines;
  if (s.deferred) out << indent << "runs   when the function or procedure is called, not by this migration\n";
  std::string held = lock_held_until(lines, s, f.holds[i]);
  for (const RelationLock& l : e.locks)
    out << indent << "lock   " << visible_controls(l.relation.str()) << ": " << pg_lock_name(l.mode) << ", blocks "
        << lock_blocks(l.mode) << "; held until " << held << "\n";
  if (!e.locks_unknown.empty())
    out << indent << "lock   unknown" << (e.locks.empty() ? "" : " beyond these") << ": " << visible_controls(e.locks_unknown.str()) << "\n";
  if (!e.locks.empty()) out << indent << "work   " << effects_work(e) << "\n";
  if (i < f.sizes.size() && !f.sizes[i].empty()) out << indent << "size   " << visible_controls(f.sizes[i]) << "\n";
  if (!e.transaction_allowed) out << indent << "note   cannot run inside a transaction block\n";
  // An advisory consequence is one no rule reports (rules/consequences.cpp says why): `check` stays silent on it.
  auto advisory = [](const Consequence& c) { return is_advisory(c.kind) ? " (advisory: check reports no finding)" : ""; };
  for (const Consequence& c : e.data_loss) out << indent << "loses  " << visible_controls(c.what) << advisory(c) << "\n";
  for (const Consequence& c : e.compat_breaks) out << indent << "breaks " << visible_controls(c.what) << advisory(c) << "\n";
  if (!findings.empty()) {
    out << indent << "finds  ";
    for (std::size_t k = 0; k < findings.size(); ++k)
      out << (k ? ", " : "") << rule_info(findings[k]->rule).code << " " << rule_info(findings[k]->rule).name;
    out << "\n";
  }
  // A statement (or a body) PostgreSQL would reject: its error, where it is.
  for (const Diagnostic* d : findings) {
    if (d->rule != RuleId::syntax_error) continue;
    Position at = lines.position(d->begin);
    if (s.kind == kUnparsedKind)
      out << indent << "error  " << visible_controls(d->message) << " (column " << at.column << "): not analysed\n";
    else
      out << indent << "error  " << visible_controls(d->message) << " (line " << at.line << ")\n";
  }
}

void write_explain_text(std::ostream& out, const RunResult& run) {
  for (const FileResult& f : run.files) {
    out << visible_controls(f.path) << "\n";
    if (!f.input_error.empty()) {
      out << "  cannot analyse: " << f.input_error << "\n\n";
      continue;
    }
    const LineIndex& lines = f.parsed.source->lines;
    // Syntax errors and skipped content outside every statement, in file order.
    std::vector<const Diagnostic*> unparsed;
    for (const Diagnostic& d : f.diagnostics)
      if ((d.rule == RuleId::syntax_error || d.rule == RuleId::skipped_content) &&
          f.parsed.statement_at(d.begin) == std::string::npos)
        unparsed.push_back(&d);
    auto next_unparsed = unparsed.begin();
    auto findings_of = findings_by_statement(f);
    for (std::size_t i = 0; i < f.parsed.statements.size(); ++i) {
      const Statement& s = f.parsed.statements[i];
      for (; next_unparsed != unparsed.end() && (*next_unparsed)->begin < s.begin; ++next_unparsed)
        write_unparsed(out, f, **next_unparsed);
      // A body's statements are indented under the DO block or function.
      std::string indent(2 + 2 * static_cast<std::size_t>(depth(f.parsed, s)), ' ');
      out << indent << "line " << lines.position(s.begin).line << ": " << visible_controls(statement_summary(f, i)) << "\n";
      indent += "  ";
      write_statement_effects(out, f, i, findings_of[i], indent);
    }
    for (; next_unparsed != unparsed.end(); ++next_unparsed) write_unparsed(out, f, **next_unparsed);
    out << "\n";
  }
}

}  // namespace migrasafe
