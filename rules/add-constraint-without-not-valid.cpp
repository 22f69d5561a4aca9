#include "parser/ast.h"
#include "rules/fix.h"
#include "rules/helpers.h"

namespace migrasafe {
namespace {

// NOT VALID goes after the constraint (constraint attributes may come in any
// order). PostgreSQL before 18 refuses a NOT VALID foreign key on a
// partitioned table: no fix there.
std::optional<Fix> fix(const StatementView& v, bool fk, std::uint32_t command_end) {
  const TableInfo* info = v.ctx.catalog().table(*v.effects.target);
  if (fk && info && info->partitioned && v.ctx.pg_version() < 18) return std::nullopt;
  return Fix{"Add NOT VALID (then run VALIDATE CONSTRAINT in a later transaction)",
             {TextEdit{command_end, command_end, " NOT VALID"}}};
}

void check(const StatementView& v, Report& r) {
  rules::for_each_added_constraint(v, [&](const ActionEffect& a, const Json& con) {
    if (a.scan != Tri::Yes) return;
    std::string_view type = ast::str(con, "contype");
    if (type != "CONSTR_CHECK" && type != "CONSTR_FOREIGN") return;
    bool fk = type == "CONSTR_FOREIGN";
    std::string table = rules::display(*v.effects.target);
    std::string name(ast::str(con, "conname"));
    if (name.empty()) name = "<name>";
    auto [b, e] = rules::alter_command_span(v, a.command);
    std::string blocks = fk ? "SHARE ROW EXCLUSIVE locks on `" + table + "` and the referenced table, which block all writes to both"
                            : "an ACCESS EXCLUSIVE lock on `" + table + "`, which blocks every read and write";
    Diagnostic& d = r.add(RuleId::add_constraint_without_not_valid, b, e,
          std::string("adding ") + (fk ? "a FOREIGN KEY" : "a CHECK constraint") + " to `" + table +
              "` without NOT VALID checks every existing row while holding " + blocks + " until the scan ends",
          "Add it with NOT VALID (only new and updated rows are checked; the lock is brief), commit, and in a "
          "later transaction run ALTER TABLE " + table + " VALIDATE CONSTRAINT " + name +
              "; which scans with SHARE UPDATE EXCLUSIVE and lets reads and writes continue.");
    d.fix = fix(v, fk, e);
  });
}

}  // namespace
const RuleHooks hooks_add_constraint_without_not_valid{check, nullptr, {StmtKind::AlterTableStmt}};
}  // namespace migrasafe
