#include "parser/ast.h"
#include "rules/helpers.h"

namespace migrasafe {
namespace {

// The first string constant in the statement that is a value this
// transaction added to an enum (and its location).
const Json* find_new_value(const Json& node, const std::map<std::string, QualifiedName>& added) {
  if (node.is_array()) {
    for (const Json& v : node)
      if (const Json* hit = find_new_value(v, added)) return hit;
    return nullptr;
  }
  if (!node.is_object()) return nullptr;
  if (auto c = ast::as<"A_Const">(node)) {
    const Json* sval = ast::field(*c, "sval");
    return sval && added.count(std::string(ast::str(*sval, "sval"))) ? c : nullptr;
  }
  for (const auto& member : node.items())
    if (const Json* hit = find_new_value(member.value, added)) return hit;
  return nullptr;
}

void check(const StatementView& v, Report& r) {
  const auto& added = v.ctx.enum_values_added_in_transaction();
  if (added.empty() || !v.ctx.in_transaction() || v.stmt.tag == StmtKind::AlterEnumStmt) return;
  const Json* hit = find_new_value(v.stmt.node, added);
  if (!hit) return;
  std::string value(ast::str(*ast::field(*hit, "sval"), "sval"));
  long loc = ast::location(*hit);
  std::uint32_t b = loc >= 0 ? rules::at(v.stmt, loc) : v.stmt.begin;
  std::uint32_t e = loc >= 0 ? b + static_cast<std::uint32_t>(value.size() + 2) : v.stmt.end;
  r.add(RuleId::new_enum_value_in_transaction, b, std::min(e, v.stmt.end),
        "'" + value + "' was added to enum `" + rules::display(added.at(value)) +
            "` in this transaction: if this statement uses it as that enum, PostgreSQL fails with \"unsafe use "
            "of new value\" until the transaction that added it commits",
        "Commit after ALTER TYPE ... ADD VALUE (its own migration, or a COMMIT right after it) and use the new "
        "value in a later transaction.");
}

}  // namespace
const RuleHooks hooks_new_enum_value_in_transaction{check, nullptr, every_statement};
}  // namespace migrasafe
