#include "analysis/ast.h"
#include "rules/helpers.h"

namespace migrasafe {
namespace {

void check(const StatementView& v, Report& r) {
  auto target = rules::unfiltered_dml_target(v, "DeleteStmt");
  if (!target) return;
  const QualifiedName& table = *target;
  auto [b, e] = rules::head_span(v, ast::location(*ast::field(v.stmt.node, "relation")));
  Diagnostic& d = r.add(RuleId::delete_without_where, b, e,
        "DELETE FROM `" + rules::display(table) + "` has no WHERE clause: it deletes every row in one transaction",
        "Add the WHERE clause that selects the rows meant to go. To empty a large table, delete in batches "
        "(DELETE ... WHERE id IN (SELECT id ... LIMIT 1000)) outside the DDL transaction, after keeping a copy if "
        "the data may be needed.");
  // docs/severity.md: a function body runs when the application calls it, not as this migration.
  if (v.stmt.deferred) d.severity = Severity::Warning;
}

}  // namespace
const RuleHooks hooks_delete_without_where{check, nullptr};
}  // namespace migrasafe
