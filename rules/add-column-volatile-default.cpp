#include "parser/ast.h"
#include "rules/helpers.h"

namespace migrasafe {
namespace {

void check(const StatementView& v, Report& r) {
  rules::for_each_command(v, "AT_AddColumn", [&](const ActionEffect& a, const Json& cmd) {
    if (a.rewrite == Tri::No) return;
    const QualifiedName& table = *v.effects.target;
    const Json* def = ast::field(cmd, "def");
    auto col = def ? ast::as<"ColumnDef">(*def) : nullptr;
    std::string column = col ? std::string(ast::str(*col, "colname")) : "?";
    auto [b, e] = rules::alter_command_span(v, a.command);
    std::string verb = a.rewrite == Tri::Yes ? "rewrites" : "may rewrite";
    r.add(RuleId::add_column_volatile_default, b, e,
          "ADD COLUMN `" + column + "` " + verb + " every row of `" + rules::display(table) + "` (" + a.reason +
              ") while holding an ACCESS EXCLUSIVE lock, which blocks every read and write until it finishes",
          "Add the column without a default (or with a constant one), then ALTER COLUMN " + column +
              " SET DEFAULT ... so new rows get the value, backfill existing rows in batches (UPDATE ... WHERE id "
              "BETWEEN ... outside the DDL transaction), and only then add NOT NULL through a validated CHECK. For "
              "serial or identity columns, create the sequence, set the default to nextval() and backfill the same "
              "way.");
  });
}

}  // namespace
const RuleHooks hooks_add_column_volatile_default{check, nullptr, {StmtKind::AlterTableStmt}};
}  // namespace migrasafe
