#include "parser/ast.h"
#include "rules/helpers.h"

namespace migrasafe {
namespace {

std::string_view transaction_kind(const Statement& s) {
  return s.tag == StmtKind::TransactionStmt ? ast::str(s.node, "kind") : std::string_view();
}

bool begin_before(const StatementView& v) {
  const auto& all = v.file.statements;
  if (&v.stmt < all.data() || &v.stmt >= all.data() + all.size()) return false;
  for (const Statement* s = v.file.statements.data(); s < &v.stmt; ++s) {
    std::string_view k = transaction_kind(*s);
    if (k == "TRANS_STMT_BEGIN" || k == "TRANS_STMT_START") return true;
  }
  return false;
}

// No top-level statement follows this one in the file.
bool last_statement(const StatementView& v) {
  for (const Statement& s : v.file.statements)
    if (s.begin > v.stmt.begin && !s.embedded()) return false;
  return true;
}

void nested_begin(const StatementView& v, Report& r) {
  bool runner = !v.ctx.in_explicit_transaction();
  std::string where = rules::transaction_origin(v);
  r.add(RuleId::transaction_nesting, v.stmt.begin, v.stmt.end,
        "BEGIN inside " + where + ": PostgreSQL only warns that a transaction is in progress and does not start a "
        "new one, so the first COMMIT or ROLLBACK after it ends the " + (runner ? "runner's" : "outer") +
        " transaction early, and the statements after that run one by one in autocommit",
        runner ? "The migration runner already wraps this file in a transaction: remove BEGIN and COMMIT from the "
                 "file, or mark the migration as non-transactional in the runner if it must manage its own blocks."
               : "Remove the inner BEGIN (and its COMMIT), or close the first transaction before opening the next; "
                 "use SAVEPOINT for a nested unit of work.");
}

void stray_end(const StatementView& v, Report& r, std::string_view kind) {
  std::string word = kind == "TRANS_STMT_ROLLBACK" ? "ROLLBACK" : "COMMIT";
  if (!v.ctx.in_transaction()) {
    r.add(RuleId::transaction_nesting, v.stmt.begin, v.stmt.end,
          word + " with no transaction open: PostgreSQL only warns, and the statements before it did not run as "
          "one transaction" + (word == "ROLLBACK" ? " and are not rolled back" : ""),
          "Remove the " + word + ", or add the BEGIN it was meant to close at the start of the block.");
    return;
  }
  // Inside the runner's transaction; a BEGIN earlier in the file was already reported.
  if (v.ctx.in_explicit_transaction() || begin_before(v)) return;
  if (v.ctx.in_implicit_block()) {
    // A COMMIT that ends the file commits the implicit block as it would have
    // ended anyway: the file still runs as one unit (PostgreSQL only warns).
    if (word == "COMMIT" && last_statement(v)) return;
    r.add(RuleId::transaction_nesting, v.stmt.begin, v.stmt.end,
          word + " with no BEGIN in a file sent as one query: PostgreSQL " +
              (word == "COMMIT" ? "commits" : "rolls back") +
              " the statements before it as one implicit transaction and warns that no transaction is in progress; "
              "the statements after it run in a new implicit transaction",
          "Remove the " + word + ", or put BEGIN before the statements it is meant to close.");
    return;
  }
  r.add(RuleId::transaction_nesting, v.stmt.begin, v.stmt.end,
        word + " ends the transaction the migration runner wraps around the file (--assume-in-transaction): the "
        "statements after it run in autocommit, outside the runner's transaction, and the runner's own COMMIT then "
        "finds no transaction",
        "Remove the " + word + " and let the runner end the transaction, or mark the migration as non-transactional "
        "in the runner.");
}

void check(const StatementView& v, Report& r) {
  std::string_view k = transaction_kind(v.stmt);
  // A BEGIN in a multi-statement query's implicit block just makes it explicit.
  if ((k == "TRANS_STMT_BEGIN" || k == "TRANS_STMT_START") && v.ctx.in_transaction() && !v.ctx.in_implicit_block())
    nested_begin(v, r);
  else if (k == "TRANS_STMT_COMMIT" || k == "TRANS_STMT_ROLLBACK") stray_end(v, r, k);
}

}  // namespace
const RuleHooks hooks_transaction_nesting{check, nullptr, {StmtKind::TransactionStmt}};
}  // namespace migrasafe
