#include "parser/ast.h"
#include "rules/helpers.h"

namespace migrasafe {
namespace {

void check(const StatementView& v, Report& r) {
  rules::for_each_command(v, "AT_AlterColumnType", [&](const ActionEffect& a, const Json& cmd) {
    const QualifiedName& table = *v.effects.target;
    std::string column(ast::str(cmd, "name"));
    // Without a rewrite the change can still scan: to rebuild the column's
    // indexes when the operator class changes (this rule's, its message names
    // any CHECK re-check too) or only to re-check CHECK constraints
    // (retype-constrained-column's).
    bool rebuilds_indexes = a.rewrite == Tri::No && a.rebuilds_indexes;
    if (a.rewrite == Tri::No && !rebuilds_indexes) return;
    auto [b, e] = rules::alter_command_span(v, a.command);
    std::string verb = a.rewrite == Tri::Yes ? "rewrites the whole table and rebuilds its indexes"
                       : rebuilds_indexes    ? "does not rewrite the table but rebuilds the indexes on the column"
                                             : "may rewrite the whole table and rebuild its indexes";
    r.add(RuleId::alter_column_type, b, e,
          "changing the type of `" + rules::display(table) + "." + column + "` " + verb + " (" + a.reason +
              ") while holding an ACCESS EXCLUSIVE lock, which blocks every read and write until it finishes; "
              "application code still running may also break on the new type",
          "Expand and contract instead: add a new column with the new type, keep it in sync from the old one "
          "with a trigger, backfill existing rows in batches, switch the application to the new column, and drop "
          "the old one in a later release. Changes PostgreSQL does without a rewrite: varchar(n) to a longer "
          "varchar or text, numeric(p,s) to a larger p with the same s, a higher timestamp precision.");
  });
}

}  // namespace
const RuleHooks hooks_alter_column_type{check, nullptr, {StmtKind::AlterTableStmt}};
}  // namespace migrasafe
