#include "parser/ast.h"
#include "rules/helpers.h"

namespace migrasafe {
namespace {

void check(const StatementView& v, Report& r) {
  const auto n = ast::fields_of<"IndexStmt">(v.stmt);
  // A unique index needs every column it enforces; INCLUDE columns are not keys.
  if (v.stmt.tag != StmtKind::IndexStmt || ast::flag(n, "unique") || !v.effects.target) return;
  const Json& keys = ast::list(n, "indexParams");
  if (keys.size() <= 3) return;
  std::string_view method = ast::str(n, "accessMethod");
  if (!method.empty() && method != "btree") return;  // GIN/GiST/BRIN combine columns differently
  // Explicit ASC/DESC or NULLS FIRST/LAST: built to serve an ORDER BY, which uses every column.
  for (const Json& k : keys) {
    auto el = ast::as<"IndexElem">(k);
    if (el && ((!ast::str(*el, "ordering").empty() && ast::str(*el, "ordering") != "SORTBY_DEFAULT") ||
               (!ast::str(*el, "nulls_ordering").empty() && ast::str(*el, "nulls_ordering") != "SORTBY_NULLS_DEFAULT")))
      return;
  }
  std::string name(ast::str(n, "idxname"));
  auto [b, e] = rules::head_span(v, ast::location(*ast::field(n, "relation")));
  r.add(RuleId::wide_index, b, e,
        "index " + (name.empty() ? std::string("on `") + rules::display(*v.effects.target) + "`" : "`" + name + "`") +
            " has " + std::to_string(keys.size()) +
            " key columns: queries rarely narrow it down further than the first few, while every write and the "
            "index's size pay for all of them",
        "Index the two or three most selective columns the queries filter on (check with EXPLAIN). To answer "
        "queries from the index alone, list the other columns in INCLUDE (...) instead.");
}

}  // namespace
const RuleHooks hooks_wide_index{check, nullptr, {StmtKind::IndexStmt}};
}  // namespace migrasafe
