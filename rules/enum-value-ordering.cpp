// enum-value-ordering: ALTER TYPE ... ADD VALUE without BEFORE or AFTER. The
// new value sorts after every existing one, which matters wherever the enum
// is ordered: ORDER BY, <, >, BETWEEN, min()/max(), range partitions.
#include "parser/ast.h"
#include "rules/helpers.h"

namespace migrasafe {
namespace {

void check(const StatementView& v, Report& r) {
  const auto n = ast::fields_of<"AlterEnumStmt">(v.stmt);
  if (v.stmt.tag != StmtKind::AlterEnumStmt || !ast::field(n, "newVal") || ast::field(n, "oldVal") || ast::field(n, "newValNeighbor"))
    return;  // RENAME VALUE has an oldVal
  QualifiedName type = v.ctx.qualify_names(ast::strings(ast::list(n, "typeName")));
  std::string value(ast::str(n, "newVal"));
  std::string last;
  if (const EnumInfo* e = v.ctx.catalog().enum_type(type); e && !e->values.empty()) last = e->values.back();
  r.add(RuleId::enum_value_ordering, v.stmt.begin, v.stmt.end,
        "ALTER TYPE `" + rules::display(type) + "` ADD VALUE '" + value + "' gives no position, so '" + value +
            "' sorts after every existing value" + (last.empty() ? "" : " (after '" + last + "')") +
            "; ORDER BY, comparisons (<, >, BETWEEN), min() and max() on the enum follow that order",
        "If the enum's order means something (severity, workflow stage, size), say where the value belongs: ADD VALUE '" +
            value + "' BEFORE '...' or AFTER '...'. If the order is irrelevant, add AFTER the current last value to "
            "make that explicit.");
}

}  // namespace
const RuleHooks hooks_enum_value_ordering{check, nullptr, {StmtKind::AlterEnumStmt}};
}  // namespace migrasafe
