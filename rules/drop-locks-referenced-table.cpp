#include "parser/ast.h"
#include "rules/helpers.h"

namespace migrasafe {
namespace {

// DROP TABLE t, or ALTER TABLE t DROP CONSTRAINT fk: the effects carry the
// ACCESS EXCLUSIVE lock on the table the foreign key points at.
void check(const StatementView& v, Report& r) {
  bool drop_table = v.stmt.tag == StmtKind::DropStmt && ast::str(v.stmt.node, "removeType") == "OBJECT_TABLE";
  bool drop_constraint = false;
  if (v.stmt.tag == StmtKind::AlterTableStmt)
    for (const ActionEffect& a : v.effects.actions) {
      const Json* cmd = rules::alter_command(v.stmt, a.command);
      drop_constraint = drop_constraint || (cmd && ast::str(*cmd, "subtype") == "AT_DropConstraint");
    }
  // With a lock_timeout in effect the wait is bounded: the recipe is followed.
  if ((!drop_table && !drop_constraint) || v.ctx.timeout_ms("lock_timeout")) return;
  std::string dropped;
  if (drop_table) {
    for (const RelationLock& l : v.effects.locks)
      if (l.role == LockRole::Named) dropped += (dropped.empty() ? "" : ", ") + rules::display(l.relation);
  } else {
    dropped = rules::display(*v.effects.target);
  }
  for (const RelationLock& l : v.effects.locks) {
    if (l.role != LockRole::ReferencedByKey || l.mode != LockMode::AccessExclusive || v.ctx.created_in_migration(l.relation)) continue;
    // Dropped later in the same transaction: that DROP takes the same lock anyway.
    if (rules::dropped_later_in_transaction(v, l.relation)) continue;
    std::string name = rules::display(l.relation);
    r.add(RuleId::drop_locks_referenced_table, v.stmt.begin, v.stmt.end,
          std::string(drop_table ? "dropping `" + dropped + "`" : "dropping a foreign key of `" + dropped + "`") +
              " also takes an ACCESS EXCLUSIVE lock on `" + name +
              "`, the table its foreign key references, to remove the key's triggers there: every read and write "
              "of `" + name + "` waits while the lock is queued and held",
          "Set a short lock_timeout first (SET lock_timeout = '2s') and retry on timeout; drop the foreign key on "
          "its own before dropping the table, at a quiet time for `" + name + "`.");
  }
}

}  // namespace
const RuleHooks hooks_drop_locks_referenced_table{check, nullptr, {StmtKind::DropStmt, StmtKind::AlterTableStmt}};
}  // namespace migrasafe
