#include "parser/ast.h"
#include "rules/helpers.h"

namespace migrasafe {
namespace {

void check(const StatementView& v, Report& r) {
  const auto n = ast::fields_of<"RenameStmt">(v.stmt);
  auto renamed = v.effects.of_kind(ConsequenceKind::TableRenamed);
  if (renamed.empty()) return;
  const QualifiedName& table = renamed.front()->object;
  if (v.ctx.created_in_migration(table) || v.ctx.created_by_undone_migration(table)) return;
  // A view with the old name created later in the file keeps old code
  // working, and so does a table swap: another table renamed to the old name
  // (ALTER TABLE t RENAME TO t_old; ALTER TABLE t_new RENAME TO t).
  for (const Statement& later : v.file.statements) {
    if (later.begin <= v.stmt.begin || later.deferred) continue;
    if (later.kind == "ViewStmt" && ast::field(later.node, "view") &&
        v.ctx.qualify_range_var(*ast::field(later.node, "view")) == table)
      return;
    if (later.kind == "RenameStmt" && ast::str(later.node, "renameType") == "OBJECT_TABLE" &&
        ast::field(later.node, "relation") && ast::str(later.node, "newname") == table.name &&
        v.ctx.qualify_range_var(*ast::field(later.node, "relation")).schema == table.schema)
      return;
  }
  std::string from = rules::display(table), to(ast::str(n, "newname"));
  // ALTER TABLE ... RENAME also renames views: call the relation what it is.
  const ViewInfo* view = v.ctx.catalog().view(table);
  std::string noun = !view ? "table" : view->materialized ? "materialized view" : "view";
  r.add(RuleId::rename_table, v.stmt.begin, v.stmt.end,
        "renaming " + noun + " `" + from + "` to `" + to +
            "` breaks every query of the application release still running that uses `" + from + "`",
        "Rename in steps: rename the table and create a view with the old name (CREATE VIEW " + from +
            " AS SELECT * FROM " + to + "; simple views are updatable) in the same transaction, deploy code that "
            "uses `" + to + "`, then drop the view in a later release.");
}

}  // namespace
const RuleHooks hooks_rename_table{check, nullptr, {StmtKind::RenameStmt}};
}  // namespace migrasafe
