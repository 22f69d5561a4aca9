// A B-tree index whose key columns are the leading columns of another B-tree
// index on the same table answers no query the longer one cannot, while
// every write maintains both.
#include <algorithm>

#include "parser/ast.h"
#include "rules/helpers.h"

namespace migrasafe {
namespace {

using Columns = std::vector<std::string>;

bool is_prefix(const Columns& shorter, const Columns& longer) {
  return shorter.size() <= longer.size() && std::equal(shorter.begin(), shorter.end(), longer.begin());
}

// Plain B-tree on plain columns: expressions, partial indexes and other
// access methods answer different queries, so they are never compared.
bool comparable(const IndexInfo& i) {
  return i.btree && !i.partial && !i.columns.empty() &&
         std::find(i.columns.begin(), i.columns.end(), "") == i.columns.end();
}

std::string list(const Columns& cols) {
  std::string out;
  for (const std::string& c : cols) out += (out.empty() ? "" : ", ") + c;
  return out;
}

void check(const StatementView& v, Report& r) {
  const auto n = ast::fields_of<"IndexStmt">(v.stmt);
  if (v.stmt.tag != StmtKind::IndexStmt || !v.effects.target) return;
  const TableInfo* table = v.ctx.catalog().table(*v.effects.target);
  if (!table) return;
  IndexInfo added{.table = *v.effects.target,
                  .unique = ast::flag(n, "unique"),
                  .partial = ast::field(n, "whereClause") != nullptr,
                  .btree = uses_btree(n)};
  for (const Json& p : ast::list(n, "indexParams"))
    if (auto e = ast::as<"IndexElem">(p)) added.columns.emplace_back(ast::str(*e, "name"));
  if (!comparable(added) || ast::list(n, "indexIncludingParams").size() > 0) return;
  // The table's name and the statement's head are worked out for a finding
  // only: most new indexes are redundant with none.
  auto t = [&] { return rules::display(*v.effects.target); };
  auto add = [&](std::string message, std::string help) {
    const rules::Span span = rules::head_span(v, ast::location(*ast::field(n, "relation")));
    r.add(RuleId::redundant_index, span.first, span.second, std::move(message), std::move(help));
  };
  // Only an index whose columns are a prefix of the new one's, or start with
  // them, can be redundant with it; the first by name (as the table lists
  // them) is reported.
  v.ctx.catalog().visit_indexes_sharing_prefix(*v.effects.target, added.columns, [&](const std::string& name,
                                                                                     const IndexInfo& other) {
    if (!table->indexes.count(name) || !comparable(other) || name == ast::str(n, "idxname"))
      return false;  // IF NOT EXISTS of itself
    // The new index is covered: a prefix of (or equal to) the other, and enforces nothing the other does not.
    bool same = added.columns == other.columns;
    // UNIQUE NULLS NOT DISTINCT also rejects repeated NULLs, which a plain
    // unique index allows (a primary key has no NULLs at all).
    bool stricter = ast::flag(n, "nulls_not_distinct") && !other.primary;
    if (is_prefix(added.columns, other.columns) &&
        (!added.unique || (same && (other.unique || other.primary) && !stricter))) {
      add("this index on `" + t() + "` (" + list(added.columns) + ") is redundant: index `" + name + "` on (" +
              list(other.columns) + ") " + (same ? "has the same columns" : "starts with the same columns") +
              " and serves the same queries, while every write would maintain both",
          "Leave it out and rely on `" + name + "`; check with EXPLAIN that the queries use it.");
      return true;
    }
    // The new index makes an older, non-unique one redundant.
    if (!same && is_prefix(other.columns, added.columns) && !other.unique && !other.primary) {
      add("index `" + name + "` on `" + t() + "` (" + list(other.columns) +
              ") becomes redundant: this index starts with the same columns and serves the same queries, while "
              "every write maintains both",
          "Drop `" + name + "` once this index is built (DROP INDEX CONCURRENTLY " + name +
              "), after checking with EXPLAIN that its queries use the new one.");
      return true;
    }
    return false;
  });
}

}  // namespace
const RuleHooks hooks_redundant_index{check, nullptr, {StmtKind::IndexStmt}};
}  // namespace migrasafe
