#include "rules/helpers.h"

namespace migrasafe {
namespace {

void check(const StatementView& v, Report& r) {
  if (r.reported(RuleId::missing_lock_timeout) || v.ctx.timeout_ms("lock_timeout")) return;
  // The strongest lock that blocks traffic, on a table others can be using.
  const RelationLock* worst = nullptr;
  for (const RelationLock& l : v.effects.locks) {
    if (!blocks_writes(l.mode) || v.ctx.created_in_migration(l.relation)) continue;
    if (!worst || l.mode > worst->mode) worst = &l;
  }
  if (!worst) return;
  std::string state = v.ctx.setting("lock_timeout") ? "lock_timeout is set to 0 (off)" : "no lock_timeout is set";
  r.add(RuleId::missing_lock_timeout, v.stmt.begin, v.stmt.end,
        "This statement requests " + std::string(worst->mode == LockMode::AccessExclusive || worst->mode == LockMode::Exclusive ? "an " : "a ") +
            std::string(sql_lock_name(worst->mode)) + " lock on `" +
            rules::display(worst->relation) + "` and " + state +
            ": if it has to wait behind a long-running query, every query queued after it on the table waits too, "
            "and the lock blocks " + std::string(lock_blocks(worst->mode)) +
            " (reported once per file)",
        "Set a short lock timeout before the first such statement, e.g. SET lock_timeout = '5s'; (SET LOCAL inside "
        "a transaction, which also works behind PgBouncer in transaction mode), and retry the migration if it "
        "times out.");
}

}  // namespace
const RuleHooks hooks_missing_lock_timeout{check, nullptr};
}  // namespace migrasafe
