#include "parser/ast.h"
#include "rules/helpers.h"

namespace migrasafe {
namespace {

void check(const StatementView& v, Report& r) {
  if (v.stmt.tag != StmtKind::TruncateStmt) return;
  bool cascade = ast::str(v.stmt.node, "behavior") == "DROP_CASCADE";
  for (const Consequence* truncated : v.effects.of_kind(ConsequenceKind::RowsTruncated)) {
    const Consequence& loss = *truncated;
    if (v.ctx.created_in_migration(loss.object) || v.ctx.created_by_undone_migration(loss.object)) continue;
    if (rules::dropped_later_in_transaction(v, loss.object)) continue;  // reported as the DROP
    const TableInfo* info = v.ctx.catalog().table(loss.object);
    if (info && info->temporary) continue;  // the session's own scratch rows
    r.add(RuleId::truncate_table, v.stmt.begin, v.stmt.end,
          "TRUNCATE `" + rules::display(loss.object) + "` deletes every row" +
              (cascade ? ", and CASCADE also empties every table with a foreign key to it" : "") +
              ", under an ACCESS EXCLUSIVE lock that blocks every read and write",
          "If the rows must go, delete them in batches (DELETE ... WHERE id IN (SELECT ... LIMIT 1000)) so the "
          "table stays available, and list dependent tables explicitly instead of CASCADE. Keep a copy first if "
          "the data may be needed.");
  }
}

}  // namespace
const RuleHooks hooks_truncate_table{check, nullptr, {StmtKind::TruncateStmt}};
}  // namespace migrasafe
