#include "analysis/ast.h"
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

void check(const StatementView& v, Report& r) {
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
const RuleHooks hooks_set_not_null_scan{check, nullptr};
}  // namespace migrasafe
