#include "parser/ast.h"
#include "rules/fix.h"
#include "rules/helpers.h"

namespace migrasafe {
namespace {

// REFRESH ... CONCURRENTLY may run in a transaction block, but needs a
// populated view with a unique index on plain columns and no WHERE, and
// cannot be combined with WITH NO DATA: fix only when the catalog knows all
// that (and not in a body, which runs against a schema not known then).
std::optional<Fix> fix(const StatementView& v, const QualifiedName& view) {
  const ViewInfo* info = v.ctx.catalog().view(view);
  if (v.stmt.embedded() || !info || !info->materialized || !info->populated || ast::flag(v.stmt.node, "skipData")) return std::nullopt;
  if (!v.ctx.catalog().has_plain_unique_index(view)) return std::nullopt;
  auto at = fixes::after_leading_keywords(v, {"REFRESH", "MATERIALIZED", "VIEW"});
  if (!at) return std::nullopt;
  return fixes::add_concurrently(*at);
}

void check(const StatementView& v, Report& r) {
  if (v.stmt.tag != StmtKind::RefreshMatViewStmt || ast::flag(v.stmt.node, "concurrent") || !v.effects.target) return;
  const QualifiedName& view = *v.effects.target;
  if (v.ctx.created_in_migration(view)) return;
  Diagnostic& d = r.add(RuleId::refresh_matview_non_concurrently, v.stmt.begin, v.stmt.end,
        "REFRESH MATERIALIZED VIEW `" + rules::display(view) +
            "` recomputes the whole view under an ACCESS EXCLUSIVE lock: every query that reads it waits until "
            "the refresh finishes",
        "Use REFRESH MATERIALIZED VIEW CONCURRENTLY " + rules::display(view) +
            ": it takes an EXCLUSIVE lock, so reads continue while it runs. It needs a unique index on the view "
            "(CREATE UNIQUE INDEX ... ON " + rules::display(view) +
            " (...)) and a view that has been populated once; it is slower, so keep the plain form for the "
            "first fill.");
  d.fix = fix(v, view);
}

}  // namespace
const RuleHooks hooks_refresh_matview_non_concurrently{check, nullptr, {StmtKind::RefreshMatViewStmt}};
}  // namespace migrasafe
