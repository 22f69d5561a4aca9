#include "rules/helpers.h"

namespace migrasafe {
namespace {

void check(const StatementView& v, Report& r) {
  if (v.effects.transaction_allowed || !v.ctx.in_transaction()) return;
  r.add(RuleId::forbidden_in_transaction, v.stmt.begin, v.stmt.end,
        v.effects.forbidden_in_transaction.str() + " cannot run inside a transaction block; here it runs inside " +
            rules::transaction_origin(v) + ", so it fails with an error and the migration stops",
        "Move it to a migration of its own that the runner executes without a transaction (golang-migrate: no "
        "BEGIN/COMMIT in the file; Flyway: executeInTransaction=false; dbmate: `-- migrate:up transaction:false`; "
        "Rails: disable_ddl_transaction!). Make it safe to retry with IF [NOT] EXISTS.");
}

}  // namespace
const RuleHooks hooks_forbidden_in_transaction{check, nullptr, every_statement};
}  // namespace migrasafe
