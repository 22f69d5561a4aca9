#include "parser/ast.h"
#include "rules/helpers.h"

namespace migrasafe {
namespace {

void check(const StatementView& v, Report& r) {
  for (const Consequence* dropped : v.effects.of_kind(ConsequenceKind::DatabaseDeleted))
    r.add(RuleId::drop_database, v.stmt.begin, v.stmt.end,
          "DROP DATABASE `" + dropped->object.name + "` deletes the whole database and everything in it",
          "Do not drop databases from a migration: it cannot run in a transaction, cannot be undone by a down "
          "script, and belongs in an operator's runbook with a backup taken first.");
}

}  // namespace
const RuleHooks hooks_drop_database{check, nullptr, {StmtKind::DropdbStmt}};
}  // namespace migrasafe
