#include <algorithm>

#include "parser/ast.h"
#include "rules/helpers.h"

namespace migrasafe {
namespace {

void check(const StatementView& v, Report& r) {
  auto allowed = v.effects.of_kind(ConsequenceKind::NullsAllowed);
  rules::for_each_command(v, "AT_DropNotNull", [&](const ActionEffect& a, const Json& cmd) {
    const QualifiedName& table = *v.effects.target;
    std::string column(ast::str(cmd, "name"));
    // The compatibility break the effects record for this sub-command.
    if (std::none_of(allowed.begin(), allowed.end(), [&](const Consequence* c) { return c->command == a.command; })) return;
    if (rules::column_new_in_migration(v, table, column)) return;  // no reader relies on it yet
    if (v.ctx.not_null_set_by_undone_migration(table, column)) return;  // a down script undoing its up
    std::string where = rules::display(table) + "." + column;
    auto [b, e] = rules::alter_command_span(v, a.command);
    r.add(RuleId::drop_not_null, b, e,
          "DROP NOT NULL on `" + where +
              "` lets NULLs in: code of the release still running may not expect them, and once a NULL is stored "
              "rolling back (SET NOT NULL) fails",
          "Deploy code that handles NULL in `" + column +
              "` first, and make sure nothing depends on the column being set (unique keys, joins, reports). If "
              "the goal is to stop writing the column, keep it NOT NULL with a DEFAULT (ALTER COLUMN " + column +
              " SET DEFAULT ...) until it is dropped.");
  });
}

}  // namespace
const RuleHooks hooks_drop_not_null{check, nullptr, {StmtKind::AlterTableStmt}};
}  // namespace migrasafe
