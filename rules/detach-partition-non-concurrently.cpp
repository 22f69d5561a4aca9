#include "analysis/ast.h"
#include "rules/helpers.h"

namespace migrasafe {
namespace {

void check(const StatementView& v, Report& r) {
  if (v.ctx.pg_version() < 14) return;  // no concurrent form before PostgreSQL 14
  rules::for_each_command(v, "AT_DetachPartition", [&](const ActionEffect& a, const Json& cmd) {
    const Json* def = ast::field(cmd, "def");
    const Json* pc = def ? ast::as(*def, "PartitionCmd") : nullptr;
    if (!pc || ast::flag(*pc, "concurrent")) return;
    std::string partition = ast::field(*pc, "name") ? rules::display(v.ctx.qualify_range_var(*ast::field(*pc, "name"))) : "?";
    auto [b, e] = rules::alter_command_span(v, a.command);
    std::string parent = rules::display(*v.effects.target);
    r.add(RuleId::detach_partition_non_concurrently, b, e,
          "DETACH PARTITION `" + partition + "` takes an ACCESS EXCLUSIVE lock on `" + parent +
              "`, which blocks every read and write of the whole partitioned table while the lock is waited for "
              "and held",
          "Use ALTER TABLE " + parent + " DETACH PARTITION " + partition +
              " CONCURRENTLY in a migration that runs outside a transaction block: it takes SHARE UPDATE "
              "EXCLUSIVE on the parent. It is not allowed when the table has a default partition; if it is "
              "interrupted, finish it with DETACH PARTITION ... FINALIZE.");
  });
}

}  // namespace
const RuleHooks hooks_detach_partition_non_concurrently{check, nullptr};
}  // namespace migrasafe
