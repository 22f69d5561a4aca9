#include "analysis/ast.h"
#include "rules/helpers.h"

namespace migrasafe {
namespace {

bool is_partitioned(const StatementView& v, const QualifiedName& table) {
  const TableInfo* t = v.ctx.catalog().table(table);
  return t && !t->partitions.empty();
}

void check(const StatementView& v, Report& r) {
  const Json& n = v.stmt.node;
  if (v.stmt.kind != "DropStmt") return;
  std::string_view type = ast::str(n, "removeType");
  if (type != "OBJECT_TABLE" && type != "OBJECT_FOREIGN_TABLE") return;
  for (const Consequence& loss : v.effects.data_loss) {
    const QualifiedName& table = loss.object;
    if (v.ctx.created_in_migration(table) || v.ctx.created_by_undone_migration(table)) continue;
    std::string name = rules::display(table);
    r.add(RuleId::drop_table, v.stmt.begin, v.stmt.end,
          "DROP TABLE `" + name + "` permanently deletes the table and all its rows" +
              (is_partitioned(v, table) ? ", including every partition" : "") +
              (ast::str(n, "behavior") == "DROP_CASCADE" ? ", and CASCADE also drops views and foreign keys that depend on it" : "") +
              "; code still running that uses it fails",
          "Stop using `" + name + "` in the application first and deploy that. If the data may be needed, rename "
          "the table (e.g. to " + table.name + "_archived) or dump it, and drop it in a later migration.");
  }
}

}  // namespace
const RuleHooks hooks_drop_table{check, nullptr};
}  // namespace migrasafe
