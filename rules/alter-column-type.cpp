#include "analysis/ast.h"
#include "rules/helpers.h"

namespace migrasafe {
namespace {

void check(const StatementView& v, Report& r) {
  rules::for_each_command(v, "AT_AlterColumnType", [&](const ActionEffect& a, const Json& cmd) {
    if (a.rewrite == Tri::No) return;
    const QualifiedName& table = *v.effects.target;
    std::string column(ast::str(cmd, "name"));
    auto [b, e] = rules::alter_command_span(v, a.command);
    std::string verb = a.rewrite == Tri::Yes ? "rewrites the whole table and rebuilds its indexes"
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
const RuleHooks hooks_alter_column_type{check, nullptr};
}  // namespace migrasafe
