// alter-domain-add-constraint: ALTER DOMAIN ... ADD CONSTRAINT (validated) or
// SET NOT NULL checks every value of every column that uses the domain, in
// every table, holding a SHARE lock on each table (writes blocked) until done.
#include "parser/ast.h"
#include "rules/helpers.h"

namespace migrasafe {
namespace {

// The domain was created earlier in this file: no table can be using it yet
// beyond what this migration built.
bool created_in_file(const StatementView& v, const QualifiedName& domain) {
  for (const Statement& s : v.file.statements) {
    if (s.begin >= v.stmt.begin) break;
    if (s.tag == StmtKind::CreateDomainStmt && v.ctx.qualify_names(ast::strings(ast::list(s.node, "domainname"))) == domain)
      return true;
  }
  return false;
}

void check(const StatementView& v, Report& r) {
  const auto n = ast::fields_of<"AlterDomainStmt">(v.stmt);
  if (v.stmt.tag != StmtKind::AlterDomainStmt) return;
  std::string_view sub = ast::str(n, "subtype");
  const Json* def = ast::field(n, "def");
  auto con = def ? ast::as<"Constraint">(*def) : nullptr;
  bool add = sub == "C" && con && !ast::flag(*con, "skip_validation");
  if (!add && sub != "O") return;  // O: SET NOT NULL
  QualifiedName domain = v.ctx.qualify_names(ast::strings(ast::list(n, "typeName")));
  if (created_in_file(v, domain)) return;
  std::string what = add ? "ADD CONSTRAINT" : "SET NOT NULL";
  std::string help =
      add ? "Add it NOT VALID (instant: only new values are checked), then VALIDATE CONSTRAINT in a later "
            "transaction. Before PostgreSQL 19 the validation still takes a SHARE lock on each table that uses the "
            "domain; for large tables put a CHECK on the table columns instead (ALTER TABLE ... ADD CONSTRAINT ... "
            "NOT VALID, then VALIDATE CONSTRAINT, which lets writes continue)."
          : "SET NOT NULL on a domain cannot be deferred with NOT VALID: add CHECK (VALUE IS NOT NULL) NOT VALID and "
            "VALIDATE it later, or put NOT NULL on the table columns (through a validated CHECK on PostgreSQL 12+).";
  r.add(RuleId::alter_domain_add_constraint, v.stmt.begin, v.stmt.end,
        "ALTER DOMAIN `" + rules::display(domain) + "` " + what + " checks every value of every column that uses "
        "the domain, in every table, holding a SHARE lock on each table (writes blocked) until the check finishes",
        help);
}

}  // namespace
const RuleHooks hooks_alter_domain_add_constraint{check, nullptr, {StmtKind::AlterDomainStmt}};
}  // namespace migrasafe
