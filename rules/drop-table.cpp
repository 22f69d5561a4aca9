#include "analysis/ast.h"
#include "rules/helpers.h"

namespace migrasafe {
namespace {

void check(const StatementView& v, Report& r) {
  const Json& n = v.stmt.node;
  if (v.stmt.kind != "DropStmt") return;
  std::string_view type = ast::str(n, "removeType");
  if (type != "OBJECT_TABLE" && type != "OBJECT_FOREIGN_TABLE") return;
  for (const RelationLock& l : v.effects.locks) {
    if (v.ctx.created_in_migration(l.relation) || v.ctx.created_by_undone_migration(l.relation)) continue;
    std::string name = rules::display(l.relation);
    r.add(RuleId::drop_table, v.stmt.begin, v.stmt.end,
          "DROP TABLE `" + name + "` permanently deletes the table and all its rows" +
              (ast::str(n, "behavior") == "DROP_CASCADE" ? ", and CASCADE also drops views and foreign keys that depend on it" : "") +
              "; code still running that uses it fails",
          "Stop using `" + name + "` in the application first and deploy that. If the data may be needed, rename "
          "the table (e.g. to " + l.relation.name + "_archived) or dump it, and drop it in a later migration.");
  }
}

}  // namespace
const RuleHooks hooks_drop_table{check, nullptr};
}  // namespace migrasafe
