#include "analysis/context.h"
#include "rules/helpers.h"

namespace migrasafe {
namespace {

int line_of(const StatementView& v, std::uint32_t offset) { return v.file.source->lines.position(offset).line; }

std::string a_lock(LockMode m) {
  return std::string(m == LockMode::AccessExclusive || m == LockMode::Exclusive ? "an " : "a ") + std::string(sql_lock_name(m));
}

// A bulk row change after DDL on the same table in one transaction: the DDL's
// lock is held for the whole backfill. An ACCESS EXCLUSIVE lock is left to
// lock-held-across-statements.
void after_ddl(const StatementView& v, Report& r, const QualifiedName& table) {
  auto held = v.ctx.held_lock(table);
  if (!held || *held < LockMode::ShareUpdateExclusive || *held == LockMode::AccessExclusive) return;
  r.add(RuleId::backfill_in_schema_transaction, v.stmt.begin, v.stmt.end,
        "this statement changes rows of `" + rules::display(table) + "` in bulk inside " +
            rules::transaction_origin(v) + ", which already holds " + a_lock(*held) + " lock on it from a schema change: the lock, which blocks " + std::string(lock_blocks(*held)) +
            ", is kept until COMMIT, so it lasts as long as the whole backfill",
        "Commit the schema change first, then backfill in separate transactions in batches (for example by "
        "primary-key ranges), and keep data migrations out of the schema migration.");
}

// DDL after a bulk row change of the same table in one transaction: the
// changed rows stay locked while the DDL waits for and holds its lock.
void after_backfill(const StatementView& v, Report& r, const QualifiedName& table, std::uint32_t since) {
  auto mode = v.effects.lock_on(table);
  if (!mode || !blocks_writes(*mode)) return;
  // Held since earlier in the transaction: this statement adds nothing on top.
  if (auto held = v.ctx.held_lock(table); held && (*held == LockMode::AccessExclusive || *held == *mode)) return;
  r.add(RuleId::backfill_in_schema_transaction, v.stmt.begin, v.stmt.end,
        "this statement takes " + a_lock(*mode) + " lock on `" + rules::display(table) +
            "` in the transaction that changed its rows in bulk at line " + std::to_string(line_of(v, since)) +
            ": the changed rows stay locked against other writers until COMMIT, and this lock, which blocks " +
            std::string(lock_blocks(*mode)) + ", is added on top while the transaction is already long",
        "Run the backfill in its own transactions, in batches, before or after the schema migration, and commit "
        "before changing the schema.");
}

void check(const StatementView& v, Report& r) {
  if (!v.ctx.in_transaction() || !v.effects.target || v.ctx.created_in_migration(*v.effects.target)) return;
  // Once per transaction (the runner's transaction is the whole file).
  if (r.reported_since(RuleId::backfill_in_schema_transaction, v.ctx.transaction_begin().value_or(0))) return;
  const QualifiedName& table = *v.effects.target;
  if (is_bulk_dml(v.stmt)) after_ddl(v, r, table);
  else if (auto since = v.ctx.backfilled_in_transaction(table)) after_backfill(v, r, table, *since);
}

}  // namespace
const RuleHooks hooks_backfill_in_schema_transaction{check, nullptr};
}  // namespace migrasafe
