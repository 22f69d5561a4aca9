#include "parser/ast.h"
#include "rules/helpers.h"

namespace migrasafe {
namespace {

bool is_partitioned(const StatementView& v, const QualifiedName& table) {
  const TableInfo* t = v.ctx.catalog().table(table);
  return t && !t->partitions.empty();
}

// DROP TABLE IF EXISTS of a table no earlier migration creates, in a schema
// whose tables the history does define: most likely nothing is dropped (a
// typo, a table an older release never created), unless the table was
// created outside the migrations analysed.
bool unknown_to_history(const StatementView& v, const QualifiedName& table) {
  if (!ast::flag(v.stmt.node, "missing_ok") || v.ctx.catalog().table(table)) return false;
  return v.ctx.catalog().has_tables_in_schema(table.schema);
}

void check(const StatementView& v, Report& r) {
  const auto n = ast::fields_of<"DropStmt">(v.stmt);
  if (v.stmt.tag != StmtKind::DropStmt) return;
  std::string_view type = ast::str(n, "removeType");
  if (type != "OBJECT_TABLE" && type != "OBJECT_FOREIGN_TABLE") return;
  for (const Consequence& loss : v.effects.data_loss) {
    if (loss.kind != ConsequenceKind::TableDeleted) continue;  // a foreign table's rows stay on the remote server
    const QualifiedName& table = loss.object;
    if (v.ctx.created_in_migration(table) || v.ctx.created_by_undone_migration(table)) continue;
    std::string name = rules::display(table);
    std::string help = "Stop using `" + name + "` in the application first and deploy that. If the data may be needed, rename "
                       "the table (e.g. to " + table.name + "_archived) or dump it, and drop it in a later migration.";
    if (unknown_to_history(v, table)) {
      r.add(RuleId::drop_table, v.stmt.begin, v.stmt.end,
            "DROP TABLE IF EXISTS `" + name + "`: no earlier migration creates `" + name +
                "`: it drops nothing, unless the table was created outside the migrations analysed (before them, "
                "by the application or by hand), whose rows are then deleted",
            "Check the table name; if the table does exist outside the migrations, " + help)
          .severity = Severity::Warning;
      continue;
    }
    auto copy = v.ctx.rows_copied_from(table);
    if (copy && (v.ctx.catalog().table(copy->into) || v.ctx.created_in_migration(copy->into))) {
      std::string into = rules::display(copy->into);
      r.add(RuleId::drop_table, v.stmt.begin, v.stmt.end,
            "DROP TABLE `" + name + "` after its rows were copied into `" + into + "` (line " +
                std::to_string(v.file.source->lines.position(copy->at).line) +
                "): the data is kept there, but code still running that uses `" + name +
                "` fails, and rows it writes after the copy are lost",
            "Deploy code that uses `" + into + "` (or writes to both) before this migration, and copy and drop in one "
            "transaction, or drop `" + name + "` in a later migration once nothing writes to it.")
          .severity = Severity::Warning;
      continue;
    }
    r.add(RuleId::drop_table, v.stmt.begin, v.stmt.end,
          "DROP TABLE `" + name + "` permanently deletes the table and all its rows" +
              (is_partitioned(v, table) ? ", including every partition" : "") +
              (ast::str(n, "behavior") == "DROP_CASCADE" ? ", and CASCADE also drops views and foreign keys that depend on it" : "") +
              "; code still running that uses it fails",
          help);
  }
}

}  // namespace
const RuleHooks hooks_drop_table{check, nullptr, {StmtKind::DropStmt}};
}  // namespace migrasafe
