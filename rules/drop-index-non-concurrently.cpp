#include "parser/ast.h"
#include "rules/fix.h"
#include "rules/helpers.h"

namespace migrasafe {
namespace {

// DROP INDEX CONCURRENTLY takes one index, no CASCADE, runs outside a
// transaction block and function bodies, and refuses a partitioned index.
std::optional<Fix> fix(const StatementView& v, const std::optional<QualifiedName>& table) {
  const auto n = ast::fields_of<"DropStmt">(v.stmt);
  if (ast::list(n, "objects").size() != 1 || ast::str(n, "behavior") == "DROP_CASCADE") return std::nullopt;
  const TableInfo* info = table ? v.ctx.catalog().table(*table) : nullptr;
  if (!fixes::outside_transaction(v) || (info && info->partitioned)) return std::nullopt;
  auto at = fixes::after_leading_keywords(v, {"DROP", "INDEX"});
  if (!at) return std::nullopt;
  return fixes::add_concurrently(*at);
}

void check(const StatementView& v, Report& r) {
  const auto n = ast::fields_of<"DropStmt">(v.stmt);
  if (v.stmt.tag != StmtKind::DropStmt || ast::str(n, "removeType") != "OBJECT_INDEX" || ast::flag(n, "concurrent")) return;
  for (const Json& obj : ast::list(n, "objects")) {
    auto items = ast::as<"List">(obj);
    if (!items) continue;
    QualifiedName index = v.ctx.qualify_names(ast::strings(ast::list(*items, "items")));
    if (v.ctx.created_in_migration(index)) continue;
    // DROP TABLE later in the same transaction locks the table the same way (and is reported itself).
    if (rules::dropped_later_in_transaction(v, index)) continue;
    auto table = v.ctx.table_of_index(index);
    std::string on = table ? "`" + rules::display(*table) + "`" : "the index's table";
    Diagnostic& d = r.add(RuleId::drop_index_non_concurrently, v.stmt.begin, v.stmt.end,
          "DROP INDEX `" + rules::display(index) + "` takes an ACCESS EXCLUSIVE lock on " + on +
              ", which blocks every read and write of it while the lock is waited for and held",
          "Use DROP INDEX CONCURRENTLY IF EXISTS " + rules::display(index) +
              " in a migration that runs outside a transaction block (one index per statement, no CASCADE): it "
              "waits for running queries without blocking new ones.");
    d.fix = fix(v, table);
  }
}

}  // namespace
const RuleHooks hooks_drop_index_non_concurrently{check, nullptr, {StmtKind::DropStmt}};
}  // namespace migrasafe
