// `migrasafe explain`: for a release engineer, per statement, what it locks,
// what that blocks, whether it rewrites or scans, and for how long.
#include "reporters/reporters.h"

namespace migrasafe {
namespace {

std::string work(const Effects& e) {
  if (e.rewrite == Tri::Yes) return "rewrites the table and its indexes";
  if (e.rewrite == Tri::Unknown) return "may rewrite the table (depends on the schema)";
  if (e.scan == Tri::Yes) return "reads the whole table";
  if (e.scan == Tri::Unknown) return "may read the whole table";
  return "catalog only";
}

int depth(const ParsedFile& p, const Statement& s) {
  int d = 0;
  for (const Statement* up = &s; up->parent >= 0; up = &p.statements[static_cast<std::size_t>(up->parent)]) ++d;
  return d;
}

}  // namespace

void write_explain_text(std::ostream& out, const RunResult& run) {
  for (const FileResult& f : run.files) {
    out << f.path << "\n";
    if (!f.input_error.empty()) {
      out << "  cannot analyse: " << f.input_error << "\n\n";
      continue;
    }
    const LineIndex& lines = f.parsed.source->lines;
    auto findings_of = findings_by_statement(f);
    for (std::size_t i = 0; i < f.parsed.statements.size(); ++i) {
      const Effects& e = f.effects[i];
      const LockHold& hold = f.holds[i];
      const Statement& s = f.parsed.statements[i];
      // A body's statements are indented under the DO block or function.
      std::string indent(2 + 2 * static_cast<std::size_t>(depth(f.parsed, s)), ' ');
      out << indent << "line " << lines.position(s.begin).line << ": " << statement_summary(f, i) << "\n";
      indent += "  ";
      if (s.deferred) out << indent << "runs   when the function or procedure is called, not by this migration\n";
      std::string held = "the end of the statement";
      if (s.deferred)
        held = "the end of the caller's transaction";
      else if (hold.until_transaction_end)
        held = hold.transaction_end ? "the end of the transaction (line " +
                                          std::to_string(lines.position(*hold.transaction_end).line) + ")"
                                    : "the end of the transaction (the runner's COMMIT)";
      for (const RelationLock& l : e.locks)
        out << indent << "lock   " << l.relation.str() << ": " << pg_lock_name(l.mode) << ", blocks " << lock_blocks(l.mode)
            << "; held until " << held << "\n";
      if (!e.locks.empty()) out << indent << "work   " << work(e) << "\n";
      if (!e.transaction_allowed) out << indent << "note   cannot run inside a transaction block\n";
      for (const Consequence& c : e.data_loss) out << indent << "loses  " << c.what << "\n";
      for (const Consequence& c : e.compat_breaks) out << indent << "breaks " << c.what << "\n";
      const auto& findings = findings_of[i];
      if (!findings.empty()) {
        out << indent << "finds  ";
        for (std::size_t k = 0; k < findings.size(); ++k)
          out << (k ? ", " : "") << rule_info(findings[k]->rule).code << " " << rule_info(findings[k]->rule).name;
        out << "\n";
      }
    }
    out << "\n";
  }
}

}  // namespace migrasafe
