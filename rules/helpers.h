#pragma once
// Shared pieces for rule implementations: spans inside a statement and how
// object names are shown in messages.
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "analysis/ast.h"
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

// The AlterTableCmd node at `index` of an ALTER TABLE statement.
const Json* alter_command(const Statement& s, int index);

// Calls fn(action_effect, alter_table_cmd) for every ALTER TABLE sub-command
// of the given subtype ("AT_AddColumn", ...) on a table that existed before
// this migration (tables the migration created are not in use yet).
template <class Fn>
void for_each_command(const StatementView& v, std::string_view subtype, Fn fn) {
  if (v.stmt.kind != "AlterTableStmt" || !v.effects.target || v.ctx.created_in_migration(*v.effects.target)) return;
  for (const ActionEffect& a : v.effects.actions) {
    const Json* cmd = alter_command(v.stmt, a.command);
    if (cmd && ast::str(*cmd, "subtype") == subtype) fn(a, *cmd);
  }
}

// Calls fn(action_effect, constraint) for every ADD CONSTRAINT on an existing table.
template <class Fn>
void for_each_added_constraint(const StatementView& v, Fn fn) {
  for_each_command(v, "AT_AddConstraint", [&](const ActionEffect& a, const Json& cmd) {
    const Json* def = ast::field(cmd, "def");
    if (const Json* con = def ? ast::as(*def, "Constraint") : nullptr) fn(a, *con);
  });
}

// The table an UPDATE or DELETE (`kind`: "UpdateStmt", "DeleteStmt") changes
// in every row because it has no WHERE clause, when the table existed before
// this migration; nullopt otherwise.
std::optional<QualifiedName> unfiltered_dml_target(const StatementView& v, std::string_view kind);

// Whether an earlier statement of this file created `table` or added
// `column` to it: it holds no data the running release wrote yet.
bool column_new_in_migration(const StatementView& v, const QualifiedName& table, const std::string& column);
// A down script that does nothing: only whitespace, semicolons and comments.
// `irreversible`: one of its comments says the migration cannot be undone.
bool is_empty_script(std::string_view text, bool& irreversible);

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

// "the transaction opened at line 3" / "the transaction the runner wraps around the file"
std::string transaction_origin(const StatementView& v);

}  // namespace migrasafe::rules
