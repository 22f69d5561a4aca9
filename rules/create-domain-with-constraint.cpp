// create-domain-with-constraint: CREATE DOMAIN with CHECK or NOT NULL. The
// constraint is shared by every column of every table that uses the domain,
// so changing it later checks all of them at once (alter-domain-add-constraint),
// and a domain's NOT NULL is not enforced everywhere (outer joins, composite
// fields, PL/pgSQL variables read NULL values).
#include "parser/ast.h"
#include "rules/helpers.h"

namespace migrasafe {
namespace {

void check(const StatementView& v, Report& r) {
  const auto n = ast::fields_of<"CreateDomainStmt">(v.stmt);
  if (v.stmt.tag != StmtKind::CreateDomainStmt) return;
  const Json& cons = ast::list(n, "constraints");
  long first = -1;
  for (const Json& c : cons)
    if (auto con = ast::as<"Constraint">(c)) {
      std::string_view type = ast::str(*con, "contype");  // DEFAULT and NULL are not constraints
      if ((type == "CONSTR_CHECK" || type == "CONSTR_NOTNULL") && (first < 0 || ast::location(*con) < first))
        first = ast::location(*con);
    }
  if (first < 0) return;
  QualifiedName domain = v.ctx.qualify_names(ast::strings(ast::list(n, "domainname")));
  r.add(RuleId::create_domain_with_constraint, rules::at(v.stmt, first), v.stmt.end,
        "Domain `" + rules::display(domain) + "` has a constraint: every column that uses the domain shares it, so "
        "changing it later (ALTER DOMAIN ... ADD CONSTRAINT) checks every such column of every table at once while "
        "blocking writes to them",
        "Create the domain without constraints and put CHECK constraints on the table columns, where ALTER TABLE "
        "... ADD CONSTRAINT ... NOT VALID and VALIDATE CONSTRAINT can change them one table at a time without "
        "blocking writes. A NOT NULL belongs on the column too: a domain's NOT NULL is not enforced on values that "
        "come from outer joins or composite types.");
}

}  // namespace
const RuleHooks hooks_create_domain_with_constraint{check, nullptr, {StmtKind::CreateDomainStmt}};
}  // namespace migrasafe
