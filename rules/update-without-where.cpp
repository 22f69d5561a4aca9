#include <algorithm>
#include <optional>
#include <set>

#include "analysis/context.h"
#include "parser/ast.h"
#include "rules/helpers.h"

namespace migrasafe {
namespace {

// The column a ColumnRef names (its last field), or "" for anything else.
std::string column_named(const Json& expr) {
  auto ref = ast::as<"ColumnRef">(expr);
  auto names = ref ? ast::strings(ast::list(*ref, "fields")) : std::vector<std::string>{};
  return names.empty() ? "" : names.back();
}

// The constant `column = 'x'` (or `'x' = column`) compares the column to.
std::optional<std::string> compared_constant(const Json& test, const std::string& column) {
  auto op = ast::as<"A_Expr">(test);
  if (!op || ast::str(*op, "kind") != "AEXPR_OP" || ast::strings(ast::list(*op, "name")) != std::vector<std::string>{"="})
    return std::nullopt;
  const Json* l = ast::field(*op, "lexpr");
  const Json* r = ast::field(*op, "rexpr");
  if (!l || !r) return std::nullopt;
  if (column_named(*l) == column) return const_text(*r);
  if (column_named(*r) == column) return const_text(*l);
  return std::nullopt;
}

// SET c = CASE WHEN c = 'a' THEN 'A' WHEN c = 'b' THEN 'B' ELSE c END (or
// CASE c WHEN 'a' THEN ...): each listed value becomes a different constant
// and every other value stays, so the old values can be mapped back.
bool renames_values(const Json& value, const std::string& column) {
  auto c = ast::as<"CaseExpr">(value);
  const Json* otherwise = c ? ast::field(*c, "defresult") : nullptr;
  if (!otherwise || column_named(*otherwise) != column) return false;
  const Json* subject = ast::field(*c, "arg");
  if (subject && column_named(*subject) != column) return false;
  std::set<std::string> from, to;
  for (const Json& w : ast::list(*c, "args")) {
    auto when = ast::as<"CaseWhen">(w);
    const Json* test = when ? ast::field(*when, "expr") : nullptr;
    const Json* result = when ? ast::field(*when, "result") : nullptr;
    if (!test || !result) return false;
    auto old_value = subject ? const_text(*test) : compared_constant(*test, column);
    auto new_value = const_text(*result);
    if (!old_value || !new_value || !from.insert(*old_value).second || !to.insert(*new_value).second) return false;
  }
  return !from.empty();
}

// SET users = (SELECT count(*) FROM other WHERE ...): a counter recomputed
// from the rows it counts (count or sum over a subquery). The old values are
// derived data that the new ones replace; nothing that cannot be recounted
// is lost.
bool recounts(const Json& value) {
  auto link = ast::as<"SubLink">(value);
  const Json* sub = link && ast::str(*link, "subLinkType") == "EXPR_SUBLINK" ? ast::field(*link, "subselect") : nullptr;
  auto select = sub ? ast::as<"SelectStmt">(*sub) : nullptr;
  if (!select) return false;
  const Json& targets = ast::list(*select, "targetList");
  if (targets.size() != 1 || ast::list(*select, "fromClause").size() == 0) return false;
  auto rt = ast::as<"ResTarget">(targets[0]);
  auto call = rt && ast::field(*rt, "val") ? ast::as<"FuncCall">(*ast::field(*rt, "val")) : nullptr;
  auto name = call ? ast::strings(ast::list(*call, "funcname")) : std::vector<std::string>{};
  return !name.empty() && (name.back() == "count" || name.back() == "sum");
}

// The columns an UPDATE assigns ("SET (a, b) = ..." lists each), in order,
// and whether each one's new value is computed from its old one (SET n = n + 1).
struct Assignment {
  std::string column;
  bool reads_itself = false;
  bool renames_values = false;  // a one-to-one CASE mapping of its values, or a recount
  std::set<std::string> reads;  // the columns its value is computed from
};
std::vector<Assignment> assignments(const Json& update) {
  std::vector<Assignment> out;
  for (const Json& t : ast::list(update, "targetList")) {
    auto rt = ast::as<"ResTarget">(t);
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
    const Json* value = ast::field(*rt, "val");
    bool renames = value && (renames_values(*value, name) || recounts(*value));
    auto same = [&](const Assignment& a) { return a.column == name; };
    if (auto it = std::find_if(out.begin(), out.end(), same); it != out.end()) {
      it->reads_itself = it->reads_itself && reads;
      it->renames_values = false;  // assigned twice: PostgreSQL rejects it anyway
      it->reads.insert(sources.begin(), sources.end());
    } else {
      out.push_back({name, reads, renames, std::move(sources)});
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
  // Renaming values one to one (a CASE mapping) keeps every distinction, and
  // a recount replaces derived values only.
  // A column added with IF NOT EXISTS earlier in the file is new unless it
  // was already there: only then are values overwritten (a note).
  std::set<std::string> overwritten_by_effects;  // every column the UPDATE assigns
  for (const Consequence* c : v.effects.of_kind(ConsequenceKind::ColumnOverwritten)) overwritten_by_effects.insert(c->column);
  std::vector<std::string> overwritten, recomputed, maybe_new;
  for (const Assignment& a : assignments(v.stmt.node)) {
    if (!overwritten_by_effects.count(a.column)) continue;
    if (rules::column_new_in_migration(v, *target, a.column) || restores_from_undone_column(v, *target, a) ||
        a.renames_values)
      continue;
    if (rules::column_added_if_not_exists(v, *target, a.column)) maybe_new.push_back(a.column);
    else if (!a.reads_itself) overwritten.push_back(a.column);
    else if (!v.stmt.deferred) recomputed.push_back(a.column);
  }
  auto [b, e] = rules::head_span(v, ast::location(*ast::field(v.stmt.node, "relation")));
  std::string t = rules::display(*target);
  if (overwritten.empty() && recomputed.empty()) {
    if (maybe_new.empty()) return;
    r.add(RuleId::update_without_where, b, e,
          "UPDATE `" + t + "` has no WHERE clause: it backfills " + column_list(maybe_new) +
              ", added by ADD COLUMN IF NOT EXISTS earlier in this file; only if the column already existed are "
              "values in every row overwritten",
          "If the column may already hold data (the migration ran before, or the column was added by hand), "
          "backfill only the rows that need it: WHERE " + maybe_new.front() + " IS NULL.")
        .severity = Severity::Note;
    return;
  }
  std::string changes;
  if (!overwritten.empty()) changes = "overwrites " + column_list(overwritten) + " in every row (the old values are gone)";
  if (!recomputed.empty())
    changes += std::string(changes.empty() ? "" : ", and ") + "recomputes " + column_list(recomputed) +
               " in every row from the old values (if the expression loses information, as rounding or lower() do, "
               "the old values cannot be recovered)";
  std::string first = overwritten.empty() ? recomputed.front() : overwritten.front();
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
