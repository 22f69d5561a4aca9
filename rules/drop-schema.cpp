#include "analysis/ast.h"
#include "rules/helpers.h"

namespace migrasafe {
namespace {

void check(const StatementView& v, Report& r) {
  const Json& n = v.stmt.node;
  if (v.stmt.kind != "DropStmt" || ast::str(n, "removeType") != "OBJECT_SCHEMA") return;
  bool cascade = ast::str(n, "behavior") == "DROP_CASCADE";
  for (const Json& obj : ast::list(n, "objects")) {
    const Json* s = ast::as(obj, "String");
    if (!s) continue;
    std::string name(ast::str(*s, "sval"));
    Diagnostic& d = r.add(RuleId::drop_schema, v.stmt.begin, v.stmt.end,
          "DROP SCHEMA `" + name + "`" +
              (cascade ? " CASCADE deletes every table, view, function and type in it, with all their data"
                       : " deletes the schema (it fails if anything is still in it)"),
          "Drop the objects inside it one by one in earlier migrations, after the application stopped using "
          "them, so each loss is visible in review; then drop the empty schema without CASCADE.");
    // docs/severity.md: without CASCADE it loses nothing (it fails instead if the schema is not empty).
    if (!cascade) d.severity = Severity::Warning;
  }
}

}  // namespace
const RuleHooks hooks_drop_schema{check, nullptr};
}  // namespace migrasafe
