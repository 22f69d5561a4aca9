#include "parser/ast.h"
#include "rules/fix.h"
#include "rules/helpers.h"

namespace migrasafe {
namespace {

// DETACH ... CONCURRENTLY cannot run in a transaction block or a function
// body, and is refused when the parent has a DEFAULT partition. (The grammar
// keeps DETACH the only sub-command of its ALTER TABLE.)
std::optional<Fix> fix(const StatementView& v, std::uint32_t command_end) {
  const TableInfo* parent = v.ctx.catalog().table(*v.effects.target);
  if (!fixes::outside_transaction(v) || (parent && parent->default_partition)) return std::nullopt;
  return fixes::add_concurrently(command_end);
}

void check(const StatementView& v, Report& r) {
  if (v.ctx.pg_version() < 14) return;  // no concurrent form before PostgreSQL 14
  rules::for_each_command(v, "AT_DetachPartition", [&](const ActionEffect& a, const Json& cmd) {
    const Json* def = ast::field(cmd, "def");
    auto pc = def ? ast::as<"PartitionCmd">(*def) : nullptr;
    if (!pc || ast::flag(*pc, "concurrent")) return;
    std::string partition = ast::field(*pc, "name") ? rules::display(v.ctx.qualify_range_var(*ast::field(*pc, "name"))) : "?";
    auto [b, e] = rules::alter_command_span(v, a.command);
    std::string parent = rules::display(*v.effects.target);
    Diagnostic& d = r.add(RuleId::detach_partition_non_concurrently, b, e,
          "DETACH PARTITION `" + partition + "` takes an ACCESS EXCLUSIVE lock on `" + parent +
              "`, which blocks every read and write of the whole partitioned table while the lock is waited for "
              "and held",
          "Use ALTER TABLE " + parent + " DETACH PARTITION " + partition +
              " CONCURRENTLY in a migration that runs outside a transaction block: it takes SHARE UPDATE "
              "EXCLUSIVE on the parent. It is not allowed when the table has a default partition; if it is "
              "interrupted, finish it with DETACH PARTITION ... FINALIZE.");
    d.fix = fix(v, e);
  });
}

}  // namespace
const RuleHooks hooks_detach_partition_non_concurrently{check, nullptr, {StmtKind::AlterTableStmt}};
}  // namespace migrasafe
