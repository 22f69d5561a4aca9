#include "parser/ast.h"
#include "rules/helpers.h"

namespace migrasafe {
namespace {

std::string recipe(const std::string& table, const std::vector<std::string>& columns, bool using_index, int pg) {
  std::string col = columns.empty() ? "<column>" : columns.front();
  std::string check = col + "_not_null";
  if (pg < 12)
    return "Before PostgreSQL 12 nothing spares this scan: make the key columns NOT NULL (SET NOT NULL, also a scan "
           "under ACCESS EXCLUSIVE) in a maintenance window, or on a small table.";
  std::string steps =
      "Prove the key columns NOT NULL first, without a long lock: ALTER TABLE " + table + " ADD CONSTRAINT " + check +
      " CHECK (" + col + " IS NOT NULL) NOT VALID; then, in a later transaction, ALTER TABLE " + table +
      " VALIDATE CONSTRAINT " + check + "; (scans under SHARE UPDATE EXCLUSIVE, so reads and writes continue), for "
      "each key column. With the validated CHECK in place ADD PRIMARY KEY skips the scan; drop the CHECK afterwards.";
  if (!using_index)
    steps += " Build the index first too: CREATE UNIQUE INDEX CONCURRENTLY, then ADD CONSTRAINT ... PRIMARY KEY USING "
             "INDEX.";
  return steps;
}

void check(const StatementView& v, Report& r) {
  rules::for_each_added_constraint(v, [&](const ActionEffect& a, const Json& con) {
    if (ast::str(con, "contype") != "CONSTR_PRIMARY") return;
    const QualifiedName& table = *v.effects.target;
    NullableKey key = primary_key_nullable_columns(con, table, v.stmt.node, v.ctx);
    bool using_index = !ast::str(con, "indexname").empty();
    // Without USING INDEX, add-unique-constraint already reports the statement
    // and its help covers NOT NULL: only a known nullable column adds news.
    if (key.columns.empty() && (!key.unknown || !using_index)) return;
    std::string cols;
    for (const auto& c : key.columns) cols += (cols.empty() ? "`" : "`, `") + c;
    if (!cols.empty()) cols += "`";
    std::string what = key.columns.empty()
                           ? "may have to make its key columns NOT NULL (the migrations analysed do not show that they "
                             "are), which reads every row"
                           : "has to make " + cols + " NOT NULL first, which reads every row to prove there are no NULLs";
    auto [b, e] = rules::alter_command_span(v, a.command);
    r.add(RuleId::primary_key_on_nullable_columns, b, e,
          "ADD PRIMARY KEY" + std::string(using_index ? " USING INDEX" : "") + " on `" + rules::display(table) + "` " +
              what + " while holding an ACCESS EXCLUSIVE lock, which blocks every read and write until the scan ends",
          recipe(rules::display(table), key.columns, using_index, v.ctx.pg_version()));
  });
}

}  // namespace
const RuleHooks hooks_primary_key_on_nullable_columns{check, nullptr, {StmtKind::AlterTableStmt}};
}  // namespace migrasafe
