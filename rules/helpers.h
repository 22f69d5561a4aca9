#pragma once
// Shared pieces for rule implementations: spans inside a statement and how
// object names are shown in messages.
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "parser/ast.h"
#include "analysis/names.h"
#include "rules/rule.h"

namespace migrasafe::rules {

using Span = std::pair<std::uint32_t, std::uint32_t>;

// A name as messages show it: unqualified in public, qualified elsewhere.
std::string display(const QualifiedName& n);

using migrasafe::ident_value;  // parser/lexer.h

// File offset of a parse-tree location in the statement (its start when the
// statement's text could not be placed exactly, as in a quoted body).
inline std::uint32_t at(const Statement& s, long location) {
  if (!s.exact) return s.begin;
  return static_cast<std::uint32_t>(s.location_base + static_cast<std::uint32_t>(location));
}

// From the statement's start to the end of the token at `location` (e.g.
// "CREATE INDEX i ON orders"); the whole statement if the location is unknown.
Span head_span(const StatementView& v, long location);

// The text of ALTER TABLE sub-command `index` ("ADD COLUMN c int ...").
Span alter_command_span(const StatementView& v, int index);

// The AlterTableCmd node at `index` of an ALTER TABLE statement, or of its
// list of commands (`cmds`, read once for many look-ups).
inline const Json* alter_command_in(const Json& cmds, int index) {
  if (index < 0 || static_cast<std::size_t>(index) >= cmds.size()) return nullptr;
  return ast::as<"AlterTableCmd">(cmds[static_cast<std::size_t>(index)]);
}
inline const Json* alter_command(const Statement& s, int index) { return alter_command_in(ast::list(s.node, "cmds"), index); }

// A later statement of the same transaction drops `rel` (a table, view or
// sequence, by DROP or DROP SCHEMA ... CASCADE) or, for an index, its table:
// whatever this statement does to it is undone before anyone else sees it,
// and the later DROP is reported on its own.
bool dropped_later_in_transaction(const StatementView& v, const QualifiedName& rel);
// A later statement of the same transaction deletes every row of `table`
// (DELETE without WHERE, TRUNCATE): what this statement does to its rows is
// lost anyway, and that statement is reported on its own.
bool emptied_later_in_transaction(const StatementView& v, const QualifiedName& table);
// The index the engine builds once per file, before the replay.
StatementIndex index_statements(const ParsedFile& file);
// A RangeVar's name as written, [schema,] name: Context::qualify_names reads
// it as Context::qualify_range_var reads the node, so a summary kept for a
// later statement is qualified with that statement's search_path.
std::vector<std::string> written_relation(const Json& range_var);
// Adds the names of the columns `expr` reads (the last name of each column
// reference, subqueries included).
void add_column_refs(const Json& expr, std::set<std::string>& out);

// ALTER TABLE ... ADD COLUMN IF NOT EXISTS on a table this file created with
// CREATE TABLE IF NOT EXISTS: the file expects the table may be an older one,
// with rows.
bool expects_existing_table(const StatementView& v);

// Whether for_each_command also visits tables the same transaction drops
// later: a hazard of the sub-command (a lock, a scan, lost data) is then
// covered by the DROP, but a failure (Keep) still happens first.
enum class TablesDroppedLater { Skip, Keep };

// The same questions about the statement's target (false without one),
// asked by most rules of an ALTER TABLE: answered once per statement
// (StatementView::facts) rather than once per rule.
bool target_created_in_migration(const StatementView& v);
bool target_dropped_later_in_transaction(const StatementView& v);
// The target is not in use by others: created by this migration (and not
// expected to exist already, expects_existing_table) or, with Skip, dropped
// later in the same transaction.
bool target_not_in_use(const StatementView& v, TablesDroppedLater dropped_later);

// Calls fn(action_effect, alter_table_cmd) for every ALTER TABLE sub-command
// of the given subtype ("AT_AddColumn", ...) on a table that existed before
// this migration (tables the migration created are not in use yet).
template <class Fn>
void for_each_command(const StatementView& v, std::string_view subtype, Fn fn,
                      TablesDroppedLater dropped_later = TablesDroppedLater::Skip) {
  if (v.stmt.tag != StmtKind::AlterTableStmt || !v.effects.target) return;
  // Decided on the first matching sub-command, not before: most statements
  // have none, and the table's history is dearer to look up than a subtype.
  std::optional<bool> skip;
  const Json& cmds = ast::list(v.stmt.node, "cmds");
  for (const ActionEffect& a : v.effects.actions) {
    const Json* cmd = alter_command_in(cmds, a.command);
    if (!cmd || ast::str(*cmd, "subtype") != subtype) continue;
    if (!skip) skip = target_not_in_use(v, dropped_later);
    if (!*skip) fn(a, *cmd);
  }
}

// Calls fn(action_effect, constraint) for every ADD CONSTRAINT on an existing table.
template <class Fn>
void for_each_added_constraint(const StatementView& v, Fn fn) {
  for_each_command(v, "AT_AddConstraint", [&](const ActionEffect& a, const Json& cmd) {
    const Json* def = ast::field(cmd, "def");
    if (auto con = def ? ast::as<"Constraint">(*def) : nullptr) fn(a, *con);
  });
}

// Rows of `table` that no one else's data is in: the table was created by
// this migration, is temporary, or is dropped or emptied later in the same
// transaction (that DROP, DELETE or TRUNCATE is the finding).
bool rows_not_at_stake(const StatementView& v, const QualifiedName& table);

// The table an UPDATE or DELETE (`kind`: "UpdateStmt", "DeleteStmt") changes
// in every row because it has no WHERE clause, when the table existed before
// this migration and its rows are at stake (rows_not_at_stake); nullopt otherwise.
std::optional<QualifiedName> unfiltered_dml_target(const StatementView& v, std::string_view kind);

// Whether an earlier statement of this file created `table` or added
// `column` to it: it holds no data the running release wrote yet.
bool column_new_in_migration(const StatementView& v, const QualifiedName& table, const std::string& column);
// An earlier statement of this file added `column` with ADD COLUMN IF NOT
// EXISTS (and none without it): new, unless the column was already there.
bool column_added_if_not_exists(const StatementView& v, const QualifiedName& table, const std::string& column);
// The replayed history knows every column of `table` (created by the
// migrations with columns the model could read, not a partition, whose
// parent may have gained columns, nor one this migration creates IF NOT
// EXISTS) and `column` is not one of them.
bool column_absent_from_history(const StatementView& v, const QualifiedName& table, const std::string& column);

// The file hook of a history rule (sources/history.h): reports the issues
// the history check attached to the file's role, on its first line.
template <RuleId id>
void report_history_issues(const FileView& v, Report& r) {
  const std::string& text = v.file.source->text;
  std::size_t eol = text.find('\n');
  std::uint32_t end = static_cast<std::uint32_t>(eol == std::string::npos ? text.size() : eol);
  if (end > 0 && text[end - 1] == '\r') --end;
  for (const HistoryIssue& issue : v.role.history)
    if (issue.rule == id) r.add(id, 0, end, issue.message, issue.help);
}

// The statements that run in the same transaction as v.stmt, as indexes into
// v.file.statements (function bodies left out: they run when called). Empty
// when v.stmt runs in no transaction block of its own file's making: then
// nothing after it can undo what it does.
struct TransactionStatements {
  std::vector<std::size_t> before;  // in file order
  std::vector<std::size_t> after;
};
TransactionStatements transaction_statements(const StatementView& v);

// The same statements as a range of v.file.statements, v.stmt in it: those of
// [first, end) that are not v.stmt and not deferred. A rule that looks for a
// few statements (the index lists them) tests them against the range rather
// than listing the whole transaction.
struct TransactionSpan {
  std::size_t first = 0, end = 0;  // empty: no transaction
  bool holds(std::size_t i) const { return i >= first && i < end; }
};
TransactionSpan transaction_span(const StatementView& v);


// The column swap: a later statement of the same transaction renames a column
// this migration added to `column`, and an earlier one filled that column
// from `column` (UPDATE t SET new = f(column)). Dropping or renaming away
// `column` then loses nothing and breaks no reader: the name survives the
// transaction with the old values in it.
bool column_swapped_in_transaction(const StatementView& v, const QualifiedName& table, const std::string& column);

// "the transaction opened at line 3" / "the transaction the runner wraps around the file"
std::string transaction_origin(const StatementView& v);

}  // namespace migrasafe::rules
