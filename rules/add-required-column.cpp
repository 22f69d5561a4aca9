#include "analysis/ast.h"
#include "rules/helpers.h"

namespace migrasafe {
namespace {

// NOT NULL with nothing that fills existing rows: no default (or DEFAULT NULL),
// and not an identity, generated or serial column.
bool needs_value_for_existing_rows(const Json& col) {
  const Json* type = ast::field(col, "typeName");
  if (type) {
    auto names = ast::strings(ast::list(*type, "names"));
    if (!names.empty() && names.back().find("serial") != std::string::npos) return false;
  }
  bool not_null = false;
  for (const Json& c : ast::list(col, "constraints")) {
    const Json* con = ast::as(c, "Constraint");
    if (!con) continue;
    std::string_view t = ast::str(*con, "contype");
    if (t == "CONSTR_NOTNULL" || t == "CONSTR_PRIMARY") not_null = true;
    if (t == "CONSTR_IDENTITY" || t == "CONSTR_GENERATED") return false;
    if (t == "CONSTR_DEFAULT") {
      const Json* expr = ast::field(*con, "raw_expr");
      const Json* k = expr ? ast::as(*expr, "A_Const") : nullptr;
      if (!(k && ast::flag(*k, "isnull"))) return false;
    }
  }
  return not_null;
}

void check(const StatementView& v, Report& r) {
  rules::for_each_command(v, "AT_AddColumn", [&](const ActionEffect& a, const Json& cmd) {
    const QualifiedName& table = *v.effects.target;
    const Json* def = ast::field(cmd, "def");
    const Json* col = def ? ast::as(*def, "ColumnDef") : nullptr;
    if (!col || !needs_value_for_existing_rows(*col)) return;
    std::string column(ast::str(*col, "colname"));
    auto [b, e] = rules::alter_command_span(v, a.command);
    std::string fast_default = v.ctx.pg_version() >= 11
                                   ? " (a constant default is stored in the catalog, no rewrite)"
                                   : " (before PostgreSQL 11 a default rewrites the table; prefer the nullable path)";
    r.add(RuleId::add_required_column, b, e,
          "ADD COLUMN `" + column + "` is NOT NULL with no default: it fails with \"column contains null values\" "
              "as soon as `" + rules::display(table) +
              "` has a row, and INSERTs from application code that does not set it fail afterwards",
          "Give it a DEFAULT" + fast_default +
              ", or add it nullable, backfill existing rows in batches, deploy code that writes it, and then add "
              "NOT NULL through a validated CHECK (" + column + " IS NOT NULL).");
  }, rules::TablesDroppedLater::Keep);  // the ADD fails before the DROP runs
}

}  // namespace
const RuleHooks hooks_add_required_column{check, nullptr};
}  // namespace migrasafe
