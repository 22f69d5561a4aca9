#include "rules/helpers.h"

namespace migrasafe {
namespace {

// The effects list every DELETE without WHERE a statement runs: itself, and
// data-modifying CTEs (WITH d AS (DELETE FROM t RETURNING *) SELECT ...),
// which run in full.
void check(const StatementView& v, Report& r) {
  for (const Consequence* deleted : v.effects.of_kind(ConsequenceKind::AllRowsDeleted)) {
    const QualifiedName& table = deleted->object;
    if (rules::rows_not_at_stake(v, table)) continue;
    auto [b, e] = rules::head_span(v, deleted->location);
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
