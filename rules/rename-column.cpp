#include "parser/ast.h"
#include "rules/helpers.h"

namespace migrasafe {
namespace {

void check(const StatementView& v, Report& r) {
  const auto n = ast::fields_of<"RenameStmt">(v.stmt);
  auto renamed = v.effects.of_kind(ConsequenceKind::ColumnRenamed);
  if (renamed.empty()) return;
  const QualifiedName& table = renamed.front()->object;
  std::string from(ast::str(n, "subname")), to(ast::str(n, "newname")), t = rules::display(table);
  // Not in use yet, or a down script renaming back what its up script renamed.
  if (v.ctx.created_in_migration(table) || v.ctx.column_created_by_undone_migration(table, from)) return;
  // A column this migration added has no readers yet; and in a column swap
  // the old name is taken over, in the same transaction, by a copy of it.
  if (rules::column_new_in_migration(v, table, from) || rules::column_swapped_in_transaction(v, table, from)) return;
  r.add(RuleId::rename_column, v.stmt.begin, v.stmt.end,
        "renaming `" + t + "." + from + "` to `" + to +
            "` breaks every query of the application release still running that uses `" + from +
            "` (they fail as soon as this commits)",
        "Expand and contract: add `" + to + "`, write both columns (or sync them with a trigger), backfill, "
        "switch reads to `" + to + "`, and drop `" + from + "` in a later release. Or keep the database name "
        "and rename only in the application's mapping.");
}

}  // namespace
const RuleHooks hooks_rename_column{check, nullptr, {StmtKind::RenameStmt}};
}  // namespace migrasafe
