#include <algorithm>
#include <set>

#include "parser/ast.h"
#include "rules/helpers.h"

namespace migrasafe {
namespace {

// The columns an UPDATE assigns ("SET (a, b) = ..." lists each), in order,
// and whether each one's new value is computed from its old one (SET n = n + 1).
struct Assignment {
  std::string column;
  bool reads_itself = false;
  std::set<std::string> reads;  // the columns its value is computed from
};
std::vector<Assignment> assignments(const Json& update) {
  std::vector<Assignment> out;
  for (const Json& t : ast::list(update, "targetList")) {
    const Json* rt = ast::as(t, "ResTarget");
    std::string name = rt ? std::string(ast::str(*rt, "name")) : "";
    if (name.empty()) continue;
    std::set<std::string> sources;
    if (const Json* val = ast::field(*rt, "val"))
      ast::walk(*val, [&](std::string_view kind, const Json& fields) {
        if (kind != "ColumnRef") return;
        auto names = ast::strings(ast::list(fields, "fields"));
        if (!names.empty()) sources.insert(names.back());
      });
    bool reads = sources.count(name) > 0;
    auto same = [&](const Assignment& a) { return a.column == name; };
    if (auto it = std::find_if(out.begin(), out.end(), same); it != out.end()) {
      it->reads_itself = it->reads_itself && reads;
      it->reads.insert(sources.begin(), sources.end());
    } else {
      out.push_back({name, reads, std::move(sources)});
    }
  }
  return out;
}

std::string column_list(const std::vector<std::string>& columns) {
  std::string list;
  for (const std::string& c : columns) list += (list.empty() ? "`" : ", `") + c + "`";
  return list;
}

// A down script that refills a column from columns its up script added
// (UPDATE t SET blocked = NOT enabled, before dropping enabled): it puts back
// the old representation of data that lives on in those columns.
bool restores_from_undone_column(const StatementView& v, const QualifiedName& table, const Assignment& a) {
  return !a.reads.empty() && !a.reads_itself && std::all_of(a.reads.begin(), a.reads.end(), [&](const std::string& c) {
    return v.ctx.column_created_by_undone_migration(table, c);
  });
}

void check(const StatementView& v, Report& r) {
  auto target = rules::unfiltered_dml_target(v, "UpdateStmt");
  if (!target) return;
  // Backfilling columns this migration added overwrites nothing anyone wrote.
  // In a function body, a value computed from itself (a counter, SET n = n +
  // 1, in a trigger) is what the function is for, and nothing is lost.
  std::vector<std::string> overwritten, recomputed;
  for (const Assignment& a : assignments(v.stmt.node)) {
    if (rules::column_new_in_migration(v, *target, a.column) || restores_from_undone_column(v, *target, a)) continue;
    if (!a.reads_itself) overwritten.push_back(a.column);
    else if (!v.stmt.deferred) recomputed.push_back(a.column);
  }
  if (overwritten.empty() && recomputed.empty()) return;
  std::string changes;
  if (!overwritten.empty()) changes = "overwrites " + column_list(overwritten) + " in every row (the old values are gone)";
  if (!recomputed.empty())
    changes += std::string(changes.empty() ? "" : ", and ") + "recomputes " + column_list(recomputed) +
               " in every row from the old values (if the expression loses information, as rounding or lower() do, "
               "the old values cannot be recovered)";
  std::string t = rules::display(*target);
  std::string first = overwritten.empty() ? recomputed.front() : overwritten.front();
  auto [b, e] = rules::head_span(v, ast::location(*ast::field(v.stmt.node, "relation")));
  r.add(RuleId::update_without_where, b, e,
        "UPDATE `" + t + "` has no WHERE clause: it " + changes + " and locks every row until the transaction commits",
        "Add the WHERE clause that selects the rows meant to change (for a backfill, WHERE " + first +
            " IS NULL, which also makes it safe to re-run). To change every row of a large table, keep a copy of the old values if they "
            "may be needed and update in batches (UPDATE " + t + " SET ... WHERE id IN (SELECT id FROM " + t +
            " WHERE ... LIMIT 1000)) outside the DDL transaction.");
}

}  // namespace
const RuleHooks hooks_update_without_where{check, nullptr, {StmtKind::UpdateStmt}};
}  // namespace migrasafe
