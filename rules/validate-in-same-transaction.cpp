#include "parser/ast.h"
#include "rules/helpers.h"

namespace migrasafe {
namespace {

void check(const StatementView& v, Report& r) {
  if (v.stmt.tag != StmtKind::AlterTableStmt || !v.effects.target || !v.ctx.in_transaction()) return;
  const QualifiedName& table = *v.effects.target;
  for (const ActionEffect& a : v.effects.actions) {
    const Json* cmd = rules::alter_command(v.stmt, a.command);
    if (!cmd || ast::str(*cmd, "subtype") != "AT_ValidateConstraint") continue;
    std::string name(ast::str(*cmd, "name"));
    if (!v.ctx.added_not_valid_in_transaction(table, name)) continue;
    auto held = v.ctx.held_lock(table);
    auto [b, e] = rules::alter_command_span(v, a.command);
    r.add(RuleId::validate_in_same_transaction, b, e,
          "VALIDATE CONSTRAINT `" + name + "` runs in the same transaction that added it NOT VALID: the " +
              std::string(sql_lock_name(held.value_or(LockMode::ShareUpdateExclusive))) + " lock this transaction holds on `" +
              rules::display(table) + "` since then is kept, so the validation scan blocks " +
              std::string(lock_blocks(held.value_or(LockMode::ShareUpdateExclusive))) + " just as a plain ADD would",
          "Commit after adding the constraint NOT VALID, and validate it in a later transaction (or migration): "
          "VALIDATE alone takes only SHARE UPDATE EXCLUSIVE, so reads and writes continue during the scan.");
  }
}

}  // namespace
const RuleHooks hooks_validate_in_same_transaction{check, nullptr, {StmtKind::AlterTableStmt}};
}  // namespace migrasafe
