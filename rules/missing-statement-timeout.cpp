#include "rules/helpers.h"

namespace migrasafe {
namespace {

// Opt-in. Only statements that do long work (a rewrite or a full scan) while
// holding a lock that blocks traffic on a table others use: a statement
// timeout bounds how long traffic waits for them. Cheap catalog-only DDL is
// left to missing-lock-timeout.
void check(const StatementView& v, Report& r) {
  if (r.reported(RuleId::missing_statement_timeout)) return;
  if (v.effects.rewrite == Tri::No && v.effects.scan == Tri::No) return;
  const RelationLock* worst = nullptr;
  for (const RelationLock& l : v.effects.locks) {
    if (!blocks_writes(l.mode) || v.ctx.created_in_migration(l.relation)) continue;
    if (!worst || l.mode > worst->mode) worst = &l;
  }
  if (!worst || v.ctx.timeout_ms("statement_timeout")) return;
  std::string state = v.ctx.no_timeout_reason("statement_timeout");
  std::string work = v.effects.rewrite != Tri::No ? "rewrites" : "reads every row of";
  r.add(RuleId::missing_statement_timeout, v.stmt.begin, v.stmt.end,
        "This statement " + work + " a table while holding " + std::string(sql_lock_name(worst->mode)) +
            " on `" + rules::display(worst->relation) + "`, which blocks " + std::string(lock_blocks(worst->mode)) +
            ", and " + state + ": nothing stops it if it takes far longer than expected (reported once per file)",
        "Bound it: SET statement_timeout = '...'; before the statement (SET LOCAL inside a transaction), sized to "
        "what the application can tolerate, and run it again off-peak or with a safer recipe if it times out. "
        "PostgreSQL 17+ also has transaction_timeout for locks held across statements.");
}

}  // namespace
const RuleHooks hooks_missing_statement_timeout{check, nullptr, every_statement};
}  // namespace migrasafe
