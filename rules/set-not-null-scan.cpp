#include "parser/ast.h"
#include "rules/helpers.h"

namespace migrasafe {
namespace {

std::string recipe(const QualifiedName& table, const std::string& column, int pg_version) {
  std::string t = rules::display(table);
  std::string check = table.name + "_" + column + "_not_null";
  if (pg_version < 12)
    return "Before PostgreSQL 12 SET NOT NULL always scans the table. Keep a CHECK (" + column +
           " IS NOT NULL) constraint instead (add it NOT VALID, then VALIDATE it in a later transaction), or run "
           "this in a maintenance window.";
  if (pg_version >= 18)
    return "On PostgreSQL 18, in separate transactions: ALTER TABLE " + t + " ADD CONSTRAINT " + check +
           " NOT NULL " + column + " NOT VALID; (instant; new rows are checked from then on), then ALTER TABLE " + t +
           " VALIDATE CONSTRAINT " + check + "; which scans under SHARE UPDATE EXCLUSIVE, without blocking reads or "
           "writes, and leaves the column NOT NULL. (The CHECK (" + column + " IS NOT NULL) NOT VALID, VALIDATE, SET "
           "NOT NULL recipe of older versions works too.)";
  std::string steps = "In separate transactions: ALTER TABLE " + t + " ADD CONSTRAINT " + check + " CHECK (" +
                      column + " IS NOT NULL) NOT VALID; then ALTER TABLE " + t + " VALIDATE CONSTRAINT " + check +
                      "; (scans without blocking reads or writes), then ALTER TABLE " + t + " ALTER COLUMN " +
                      column + " SET NOT NULL; (no scan: the valid CHECK proves it) and finally DROP CONSTRAINT " +
                      check + ".";
  return steps;
}

// PostgreSQL 18's ALTER TABLE ... ADD CONSTRAINT n NOT NULL col, which the
// PostgreSQL 15 grammar rejects: read from its words (TokenReading), one
// action per added NOT NULL.
void check_unparsed(const StatementView& v, Report& r) {
  const TokenReading& reading = *v.stmt.reading;
  if (!v.effects.target || rules::target_created_in_migration(v) ||
      v.effects.actions.size() != reading.not_null.size())
    return;
  const QualifiedName& table = *v.effects.target;
  for (std::size_t i = 0; i < reading.not_null.size(); ++i) {
    if (v.effects.actions[i].scan == Tri::No) continue;
    const auto& nn = reading.not_null[i];
    r.add(RuleId::set_not_null_scan, nn.begin, nn.end,
          "ADD CONSTRAINT ... NOT NULL " + nn.column + " on `" + rules::display(table) +
              "` reads every row to prove there are no NULLs while holding an ACCESS EXCLUSIVE lock, which blocks "
              "every read and write until the scan ends (read from the statement's words: PostgreSQL 15's grammar "
              "cannot parse it)",
          recipe(table, nn.column, v.ctx.pg_version()));
  }
}

void check(const StatementView& v, Report& r) {
  if (v.stmt.kind == kUnparsedKind) {
    if (v.stmt.reading && !v.stmt.reading->not_null.empty()) check_unparsed(v, r);
    return;
  }
  rules::for_each_command(v, "AT_SetNotNull", [&](const ActionEffect& a, const Json& cmd) {
    if (a.scan == Tri::No) return;
    const QualifiedName& table = *v.effects.target;
    std::string column(ast::str(cmd, "name"));
    auto [b, e] = rules::alter_command_span(v, a.command);
    r.add(RuleId::set_not_null_scan, b, e,
          "SET NOT NULL on `" + rules::display(table) + "." + column +
              "` reads every row to prove there are no NULLs while holding an ACCESS EXCLUSIVE lock, which blocks "
              "every read and write until the scan ends",
          recipe(table, column, v.ctx.pg_version()));
  });
}

}  // namespace
const RuleHooks hooks_set_not_null_scan{check, nullptr, {StmtKind::AlterTableStmt, StmtKind::UnparsedStmt}};
}  // namespace migrasafe
