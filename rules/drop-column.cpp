#include "analysis/ast.h"
#include "rules/helpers.h"

namespace migrasafe {
namespace {

void check(const StatementView& v, Report& r) {
  if (v.stmt.kind != "AlterTableStmt" || !v.effects.target) return;
  const QualifiedName& table = *v.effects.target;
  if (v.ctx.created_in_migration(table)) return;
  for (const ActionEffect& a : v.effects.actions) {
    const Json* cmd = rules::alter_command(v.stmt, a.command);
    if (!cmd || ast::str(*cmd, "subtype") != "AT_DropColumn") continue;
    std::string column(ast::str(*cmd, "name"));
    if (v.ctx.column_created_by_undone_migration(table, column)) continue;  // a down script undoing its up
    auto [b, e] = rules::alter_command_span(v, a.command);
    std::string cascade = ast::str(*cmd, "behavior") == "DROP_CASCADE"
                              ? "; CASCADE also drops the views and constraints that depend on it"
                              : "";
    r.add(RuleId::drop_column, b, e,
          "DROP COLUMN `" + column + "` permanently deletes its data from `" + rules::display(table) +
              "`, and application code still running that reads or writes `" + column + "` fails as soon as it runs" +
              cascade,
          "Contract in steps: first deploy code that no longer reads or writes `" + column +
              "` (ORMs that cache columns need it ignored explicitly), copy the data elsewhere if it may be needed, "
              "and drop the column in a later migration.");
  }
}

}  // namespace
const RuleHooks hooks_drop_column{check, nullptr};
}  // namespace migrasafe
