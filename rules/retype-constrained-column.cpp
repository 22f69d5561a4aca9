#include "parser/ast.h"
#include "rules/helpers.h"

namespace migrasafe {
namespace {

// A type change without a rewrite that still scans: PostgreSQL drops and
// re-adds the column's CHECK constraints and verifies them against every row.
// A certain or possible rewrite, or an index rebuild, is reported by
// alter-column-type alone (its message names the re-check too): one rule
// owns each fact.
void check(const StatementView& v, Report& r) {
  rules::for_each_command(v, "AT_AlterColumnType", [&](const ActionEffect& a, const Json& cmd) {
    if (a.rewrite != Tri::No || a.rebuilds_indexes) return;
    const QualifiedName& table = *v.effects.target;
    std::string column(ast::str(cmd, "name"));
    auto checks = checks_using_column(table, column, v.ctx);
    if (checks.empty()) return;
    std::string names;
    for (const auto& c : checks) names += (names.empty() ? "`" : "`, `") + c;
    names += "`";
    auto [b, e] = rules::alter_command_span(v, a.command);
    r.add(RuleId::retype_constrained_column, b, e,
"changing the type of `" + rules::display(table) + "." + column + "` " +
              "does not rewrite the table, but PostgreSQL" +
              " re-create the CHECK constraint" + (checks.size() > 1 ? "s " : " ") + names +
              " on it and check every row while holding an ACCESS EXCLUSIVE lock, which blocks every read and "
              "write until the scan ends",
          "Drop the constraint" + std::string(checks.size() > 1 ? "s" : "") + " first (ALTER TABLE " +
              rules::display(table) + " DROP CONSTRAINT ...), change the type, then add " +
              (checks.size() > 1 ? "them" : "it") + " back with NOT VALID and VALIDATE CONSTRAINT in a later "
              "transaction (a scan under SHARE UPDATE EXCLUSIVE, which does not block reads or writes).");
  });
}

}  // namespace
const RuleHooks hooks_retype_constrained_column{check, nullptr, {StmtKind::AlterTableStmt}};
}  // namespace migrasafe
