#include "parser/ast.h"
#include "rules/helpers.h"

namespace migrasafe {
namespace {

// The DELETEs a statement runs: itself, and data-modifying CTEs (WITH d AS
// (DELETE FROM t RETURNING *) SELECT ...), which run in full.
void collect_deletes(const Json& node, std::string_view kind, std::vector<const Json*>& out) {
  if (kind == "DeleteStmt") out.push_back(&node);
  const Json* with = ast::field(node, "withClause");
  if (!with) return;
  const Json* clause = ast::as(*with, "WithClause");
  for (const Json& c : ast::list(clause ? *clause : *with, "ctes")) {
    const Json* cte = ast::as(c, "CommonTableExpr");
    const Json* query = cte ? ast::field(*cte, "ctequery") : nullptr;
    if (query) collect_deletes(ast::inner(*query), ast::kind(*query), out);
  }
}

void check(const StatementView& v, Report& r) {
  std::vector<const Json*> deletes;
  collect_deletes(v.stmt.node, v.stmt.kind, deletes);
  for (const Json* del : deletes) {
    const Json* rel = ast::field(*del, "relation");
    if (!rel || ast::field(*del, "whereClause")) continue;
    QualifiedName table = v.ctx.qualify_range_var(*rel);
    if (rules::rows_not_at_stake(v, table)) continue;
    auto [b, e] = rules::head_span(v, ast::location(*rel));
    Diagnostic& d = r.add(RuleId::delete_without_where, b, e,
          "DELETE FROM `" + rules::display(table) + "` has no WHERE clause: it deletes every row in one transaction",
          "Add the WHERE clause that selects the rows meant to go. To empty a large table, delete in batches "
          "(DELETE ... WHERE id IN (SELECT id ... LIMIT 1000)) outside the DDL transaction, after keeping a copy if "
          "the data may be needed.");
    // docs/severity.md: a function body runs when the application calls it, not as this migration.
    if (v.stmt.deferred) d.severity = Severity::Warning;
  }
}

}  // namespace
const RuleHooks hooks_delete_without_where{check, nullptr, every_statement};
}  // namespace migrasafe
