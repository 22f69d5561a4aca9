#include "analysis/ast.h"
#include "rules/helpers.h"

namespace migrasafe {
namespace {

void check(const StatementView& v, Report& r) {
  if (v.stmt.kind != "RefreshMatViewStmt" || ast::flag(v.stmt.node, "concurrent") || !v.effects.target) return;
  const QualifiedName& view = *v.effects.target;
  if (v.ctx.created_in_migration(view)) return;
  r.add(RuleId::refresh_matview_non_concurrently, v.stmt.begin, v.stmt.end,
        "REFRESH MATERIALIZED VIEW `" + rules::display(view) +
            "` recomputes the whole view under an ACCESS EXCLUSIVE lock: every query that reads it waits until "
            "the refresh finishes",
        "Use REFRESH MATERIALIZED VIEW CONCURRENTLY " + rules::display(view) +
            ": it takes an EXCLUSIVE lock, so reads continue while it runs. It needs a unique index on the view "
            "(CREATE UNIQUE INDEX ... ON " + rules::display(view) +
            " (...)) and a view that has been populated once; it is slower, so keep the plain form for the "
            "first fill.");
}

}  // namespace
const RuleHooks hooks_refresh_matview_non_concurrently{check, nullptr};
}  // namespace migrasafe
