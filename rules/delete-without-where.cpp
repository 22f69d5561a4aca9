#include "analysis/ast.h"
#include "rules/helpers.h"

namespace migrasafe {
namespace {

void check(const StatementView& v, Report& r) {
  if (v.stmt.kind != "DeleteStmt" || ast::field(v.stmt.node, "whereClause") || !v.effects.target) return;
  const QualifiedName& table = *v.effects.target;
  if (v.ctx.created_in_migration(table)) return;
  auto [b, e] = rules::head_span(v, ast::location(*ast::field(v.stmt.node, "relation")));
  r.add(RuleId::delete_without_where, b, e,
        "DELETE FROM `" + rules::display(table) + "` has no WHERE clause: it deletes every row in one transaction",
        "Add the WHERE clause that selects the rows meant to go. To empty a large table, delete in batches "
        "(DELETE ... WHERE id IN (SELECT id ... LIMIT 1000)) outside the DDL transaction, after keeping a copy if "
        "the data may be needed.");
}

}  // namespace
const RuleHooks hooks_delete_without_where{check, nullptr};
}  // namespace migrasafe
