#include "parser/ast.h"
#include "rules/helpers.h"

namespace migrasafe {
namespace {

void check(const StatementView& v, Report& r) {
  rules::for_each_command(v, "AT_AttachPartition", [&](const ActionEffect& a, const Json& cmd) {
    const Json* def = ast::field(cmd, "def");
    auto pc = def ? ast::as<"PartitionCmd">(*def) : nullptr;
    if (!pc || !ast::field(*pc, "name")) return;
    QualifiedName partition = v.ctx.qualify_range_var(*ast::field(*pc, "name"));
    // An empty table made by this migration, or one with a validated CHECK
    // (which may imply the bound), does not need the long scan.
    if (v.ctx.created_in_migration(partition) || v.ctx.has_valid_check(partition)) return;
    std::string p = rules::display(partition), parent = rules::display(*v.effects.target);
    auto [b, e] = rules::alter_command_span(v, a.command);
    r.add(RuleId::attach_partition_scan, b, e,
          "ATTACH PARTITION `" + p + "` reads every row of `" + p +
              "` to check it fits the partition bound, holding an ACCESS EXCLUSIVE lock on it (and a SHARE "
              "UPDATE EXCLUSIVE lock on `" + parent + "`) for the whole scan; a default partition is scanned too",
          "Before attaching, add a CHECK constraint on `" + p +
              "` that matches the bound exactly, as NOT VALID, and VALIDATE it in a separate transaction (no "
              "blocking); ATTACH PARTITION then skips the scan. Drop the CHECK afterwards.");
  });
}

}  // namespace
const RuleHooks hooks_attach_partition_scan{check, nullptr, {StmtKind::AlterTableStmt}};
}  // namespace migrasafe
