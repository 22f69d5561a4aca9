#include "parser/ast.h"
#include "rules/helpers.h"

namespace migrasafe {
namespace {

void check(const StatementView& v, Report& r) {
  if (v.stmt.tag != StmtKind::CreateEnumStmt) return;
  QualifiedName type = v.ctx.qualify_names(ast::strings(ast::list(v.stmt.node, "typeName")));
  std::string t = rules::display(type);
  r.add(RuleId::create_enum, v.stmt.begin, v.stmt.end,
        "enum `" + t + "` is hard to change later: a value can be added (ALTER TYPE ... ADD VALUE, not usable "
        "until its transaction commits) but never removed or reordered without rebuilding every column that uses it",
        "If the set of values may change, store them in a lookup table with a foreign key to it, or in a text "
        "column with a CHECK (value IN (...)) constraint, which can be replaced (NOT VALID, then "
        "VALIDATE) without rewriting the table.");
}

}  // namespace
const RuleHooks hooks_create_enum{check, nullptr, {StmtKind::CreateEnumStmt}};
}  // namespace migrasafe
