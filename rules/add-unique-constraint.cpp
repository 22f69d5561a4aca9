#include "parser/ast.h"
#include "rules/helpers.h"

namespace migrasafe {
namespace {

void check(const StatementView& v, Report& r) {
  rules::for_each_added_constraint(v, [&](const ActionEffect& a, const Json& con) {
    if (!ast::str(con, "indexname").empty()) return;  // USING INDEX: the index already exists
    std::string_view type = ast::str(con, "contype");
    const char* what = type == "CONSTR_PRIMARY" ? "PRIMARY KEY" : type == "CONSTR_UNIQUE" ? "UNIQUE" : type == "CONSTR_EXCLUSION" ? "EXCLUDE" : nullptr;
    if (!what) return;
    std::string table = rules::display(*v.effects.target);
    auto [b, e] = rules::alter_command_span(v, a.command);
    std::string help =
        type == "CONSTR_EXCLUSION"
            ? "An exclusion constraint cannot be added from an index built concurrently: add it in a maintenance "
              "window, or enforce the rule in a new table that starts empty."
            : "Build the index first without blocking: CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS <name> ON " +
                  table + " (...); (outside a transaction block), then ALTER TABLE " + table +
                  " ADD CONSTRAINT <name> " + what + " USING INDEX <name>; which only takes a brief lock." +
                  (type == "CONSTR_PRIMARY" ? " Make the key columns NOT NULL first (see primary-key-on-nullable-columns), "
                                              "or ADD PRIMARY KEY scans the table to check them."
                                            : "");
    r.add(RuleId::add_unique_constraint, b, e,
          std::string("ADD ") + what + " builds an index over all of `" + table +
              "` while holding an ACCESS EXCLUSIVE lock, which blocks every read and write until the build ends",
          help);
  });
}

}  // namespace
const RuleHooks hooks_add_unique_constraint{check, nullptr, {StmtKind::AlterTableStmt}};
}  // namespace migrasafe
