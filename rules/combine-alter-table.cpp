#include "rules/helpers.h"

namespace migrasafe {
namespace {

bool heavy(Tri rewrite, Tri scan) { return rewrite != Tri::No || scan != Tri::No; }

// The second of consecutive ALTER TABLE statements on one existing table
// that each need ACCESS EXCLUSIVE. Outside a transaction each waits in the
// lock queue on its own; inside one the lock is already held, so only a
// repeated rewrite or scan costs extra.
void check(const StatementView& v, Report& r) {
  const auto& prev = v.ctx.previous();
  if (v.stmt.tag != StmtKind::AlterTableStmt || !prev || prev->kind != "AlterTableStmt" || !v.effects.target ||
      prev->target != v.effects.target)
    return;
  if (v.effects.lock_on(*v.effects.target) != LockMode::AccessExclusive || prev->target_lock != LockMode::AccessExclusive)
    return;
  bool both_heavy = heavy(prev->rewrite, prev->scan) && heavy(v.effects.rewrite, v.effects.scan);
  if (v.ctx.in_transaction() && !both_heavy) return;
  if (rules::target_created_in_migration(v)) return;  // last: the dearest test
  if (r.reported_since(RuleId::combine_alter_table, prev->begin)) return;  // once per run of statements
  std::string table = rules::display(*v.effects.target);
  std::string why = v.ctx.in_transaction()
                        ? "each of them reads or rewrites the whole table again"
                        : "each one queues for the lock separately, and every query that arrives meanwhile waits "
                          "behind it";
  r.add(RuleId::combine_alter_table, v.stmt.begin, v.stmt.end,
        "this ALTER TABLE follows another one on `" + table + "`, and both take an ACCESS EXCLUSIVE lock: " + why,
        "Combine the actions into one statement, separated by commas (ALTER TABLE " + table +
            " ADD COLUMN a int, ADD COLUMN b int;): PostgreSQL takes the lock once and does at most one pass "
            "over the table.");
}

}  // namespace
const RuleHooks hooks_combine_alter_table{check, nullptr, {StmtKind::AlterTableStmt}};
}  // namespace migrasafe
