#include <algorithm>

#include "analysis/ast.h"
#include "rules/helpers.h"

namespace migrasafe {
namespace {

// The columns an UPDATE assigns ("SET (a, b) = ..." lists each), in order.
std::vector<std::string> assigned_columns(const Json& update) {
  std::vector<std::string> out;
  for (const Json& t : ast::list(update, "targetList")) {
    const Json* rt = ast::as(t, "ResTarget");
    std::string name = rt ? std::string(ast::str(*rt, "name")) : "";
    if (!name.empty() && std::find(out.begin(), out.end(), name) == out.end()) out.push_back(name);
  }
  return out;
}

void check(const StatementView& v, Report& r) {
  auto target = rules::unfiltered_dml_target(v, "UpdateStmt");
  if (!target) return;
  // Backfilling columns this migration added overwrites nothing anyone wrote.
  std::vector<std::string> overwritten;
  for (const std::string& c : assigned_columns(v.stmt.node))
    if (!rules::column_new_in_migration(v, *target, c)) overwritten.push_back(c);
  if (overwritten.empty()) return;
  std::string list;
  for (const std::string& c : overwritten) list += (list.empty() ? "`" : ", `") + c + "`";
  std::string t = rules::display(*target);
  auto [b, e] = rules::head_span(v, ast::location(*ast::field(v.stmt.node, "relation")));
  r.add(RuleId::update_without_where, b, e,
        "UPDATE `" + t + "` has no WHERE clause: it overwrites " + list +
            " in every row (the old values are gone) and locks every row until the transaction commits",
        "Add the WHERE clause that selects the rows meant to change (for a backfill, WHERE " + overwritten.front() +
            " IS NULL, which also makes it safe to re-run). To change every row of a large table, keep a copy of the old values if they "
            "may be needed and update in batches (UPDATE " + t + " SET ... WHERE id IN (SELECT id FROM " + t +
            " WHERE ... LIMIT 1000)) outside the DDL transaction.");
}

}  // namespace
const RuleHooks hooks_update_without_where{check, nullptr};
}  // namespace migrasafe
