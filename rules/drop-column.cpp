#include "parser/ast.h"
#include "rules/helpers.h"

namespace migrasafe {
namespace {

// The history knows every column of the table and this is not one: no data
// is certainly lost. Without IF EXISTS the statement fails, with IF EXISTS it
// does nothing, unless the column was added outside the migrations analysed
// (an older install's schema, say): a warning, not an error.
void report_absent_column(Report& r, const QualifiedName& table, const std::string& column, bool if_exists,
                          std::uint32_t b, std::uint32_t e) {
  std::string name = rules::display(table);
  std::string outside = "unless `" + column + "` was added outside the migrations analysed (by hand or by the application)";
  if (if_exists) {
    r.add(RuleId::drop_column, b, e,
          "DROP COLUMN IF EXISTS `" + column + "`: no earlier migration gives `" + name + "` a column `" + column +
              "`, so this drops nothing, " + outside + ", whose data it then deletes",
          "Check the column name; if the column does exist outside the migrations (an older install, say), deploy code "
          "that no longer uses it first, and copy its data elsewhere if it may be needed.")
        .severity = Severity::Warning;
    return;
  }
  r.add(RuleId::drop_column, b, e,
        "DROP COLUMN `" + column + "`: no earlier migration gives `" + name + "` a column `" + column +
            "`, so the statement fails with \"column does not exist\", " + outside + ", whose data it then deletes",
        "Check the column name (or the order of the migrations); add IF EXISTS if the column may be missing.")
      .severity = Severity::Warning;
}

void check(const StatementView& v, Report& r) {
  rules::for_each_command(v, "AT_DropColumn", [&](const ActionEffect& a, const Json& cmd) {
    const QualifiedName& table = *v.effects.target;
    std::string column(ast::str(cmd, "name"));
    if (v.ctx.column_created_by_undone_migration(table, column)) return;  // a down script undoing its up
    // Nobody's data yet, or the column swap (ADD new; UPDATE SET new = f(old); DROP old; RENAME new TO old).
    if (rules::column_new_in_migration(v, table, column) || rules::column_swapped_in_transaction(v, table, column)) return;
    // A later DELETE or TRUNCATE in the transaction deletes the rows anyway (and is reported).
    if (rules::emptied_later_in_transaction(v, table)) return;
    auto [b, e] = rules::alter_command_span(v, a.command);
    if (rules::column_absent_from_history(v, table, column)) {
      report_absent_column(r, table, column, ast::flag(cmd, "missing_ok"), b, e);
      return;
    }
    std::string cascade = ast::str(cmd, "behavior") == "DROP_CASCADE"
                              ? "; CASCADE also drops the views and constraints that depend on it"
                              : "";
    bool loses_data = std::any_of(v.effects.data_loss.begin(), v.effects.data_loss.end(), [&](const Consequence& c) {
      return c.kind == ConsequenceKind::ColumnDeleted && c.command == a.command && c.column == column;
    });
    if (!loses_data) {
      // A generated column: its values are computed from other columns, so
      // only code that still reads it is affected.
      r.add(RuleId::drop_column, b, e,
            "DROP COLUMN `" + column + "` of `" + rules::display(table) +
                "` loses no data (it is a generated column, computed from other columns), but application code "
                "still running that reads `" + column + "` fails until the column is back" + cascade,
            "Deploy code that no longer reads `" + column + "` first, or re-create the column in the same "
            "transaction.")
          .severity = Severity::Note;
      return;
    }
    Diagnostic& d = r.add(RuleId::drop_column, b, e,
          "DROP COLUMN `" + column + "` permanently deletes its data from `" + rules::display(table) +
              "`, and application code still running that reads or writes `" + column + "` fails as soon as it runs" +
              cascade,
          "Contract in steps: first deploy code that no longer reads or writes `" + column +
              "` (ORMs that cache columns need it ignored explicitly), copy the data elsewhere if it may be needed, "
              "and drop the column in a later migration.");
    // CREATE TABLE IF NOT EXISTS earlier in the file: the table (and the
    // column's data) may or may not be there, so the loss is not certain.
    if (v.ctx.created_if_not_exists(table)) {
      d.severity = Severity::Warning;
      d.message += " (if `" + rules::display(table) + "` already existed when CREATE TABLE IF NOT EXISTS ran)";
    }
  });
}

}  // namespace
const RuleHooks hooks_drop_column{check, nullptr, {StmtKind::AlterTableStmt}};
}  // namespace migrasafe
