#include "parser/ast.h"
#include "rules/helpers.h"

namespace migrasafe {
namespace {

bool is_begin(const Statement& s) {
  std::string_view k = s.tag == StmtKind::TransactionStmt ? ast::str(s.node, "kind") : "";
  return k == "TRANS_STMT_BEGIN" || k == "TRANS_STMT_START";
}

bool ends_transaction(const Statement& s) {
  std::string_view k = s.tag == StmtKind::TransactionStmt ? ast::str(s.node, "kind") : "";
  return k == "TRANS_STMT_COMMIT" || k == "TRANS_STMT_ROLLBACK" || k == "TRANS_STMT_PREPARE";
}

// Appends COMMIT; at the end of the file (closing the last statement first
// when its semicolon is missing).
Fix append_commit(const ParsedFile& f) {
  const std::string& text = f.source->text;
  const Statement& last = f.statements.back();
  std::vector<TextEdit> edits;
  if (text.find(';', last.end) == std::string::npos) edits.push_back({last.end, last.end, ";"});
  auto size = static_cast<std::uint32_t>(text.size());
  edits.push_back({size, size, std::string(text.empty() || text.back() == '\n' ? "" : "\n") + "COMMIT;\n"});
  return {"Append COMMIT;", std::move(edits)};
}

void check(const StatementView& v, Report& r) {
  // A BEGIN inside an open transaction does nothing (transaction-nesting).
  if (!is_begin(v.stmt) || v.ctx.in_transaction()) return;
  const auto& all = v.file.statements;
  if (&v.stmt < all.data() || &v.stmt >= all.data() + all.size()) return;  // not a top-level statement
  for (const Statement* s = &v.stmt + 1; s < all.data() + all.size(); ++s)
    if (ends_transaction(*s)) return;
  Diagnostic& d = r.add(
      RuleId::uncommitted_transaction, v.stmt.begin, v.stmt.end,
      "this BEGIN opens a transaction block that no COMMIT or ROLLBACK in the file closes: run by psql or a "
      "driver, the transaction stays open until the connection closes and PostgreSQL then rolls it back, so "
      "every change of the migration silently disappears while the runner reports success; a runner that wraps "
      "the file in its own transaction commits it instead, and the locks taken here are held until then",
      "End the transaction explicitly: add COMMIT; after the last statement of the block (or ROLLBACK; for a "
      "dry run), or remove the BEGIN and let the migration runner manage the transaction.");
  d.fix = append_commit(v.file);
}

}  // namespace
const RuleHooks hooks_uncommitted_transaction{check, nullptr, {StmtKind::TransactionStmt}};
}  // namespace migrasafe
