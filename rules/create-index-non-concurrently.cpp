#include "parser/ast.h"
#include "rules/fix.h"
#include "rules/helpers.h"

namespace migrasafe {
namespace {

// CONCURRENTLY cannot run in a transaction block or a function body, and is
// refused on a partitioned table: no fix there.
std::optional<Fix> fix(const StatementView& v, const TableInfo* info) {
  if (!fixes::outside_transaction(v) || (info && info->partitioned)) return std::nullopt;
  auto at = fixes::after_leading_keywords(v, {"CREATE", "INDEX"});
  if (!at) at = fixes::after_leading_keywords(v, {"CREATE", "UNIQUE", "INDEX"});
  if (!at) return std::nullopt;
  return fixes::add_concurrently(*at);
}

void check(const StatementView& v, Report& r) {
  if (v.stmt.tag != StmtKind::IndexStmt || ast::flag(v.stmt.node, "concurrent") || !v.effects.target) return;
  const QualifiedName& table = *v.effects.target;
  if (rules::target_created_in_migration(v)) return;  // nobody else can be using it yet
  if (rules::target_dropped_later_in_transaction(v)) return;  // the DROP's lock covers this one
  if (v.effects.scan == Tri::No) return;  // ON ONLY a partitioned parent: no build, a brief lock
  LockMode mode = v.effects.lock_on(table).value_or(LockMode::Share);
  auto [b, e] = rules::head_span(v, ast::location(*ast::field(v.stmt.node, "relation")));
  std::string unique = ast::flag(v.stmt.node, "unique") ? "UNIQUE " : "";
  const TableInfo* info = v.ctx.catalog().table(table);
  std::string help =
      info && info->partitioned
          ? "`" + rules::display(table) + "` is partitioned, and CONCURRENTLY is refused on a partitioned table: create "
            "the index ON ONLY the parent (instant), build it CONCURRENTLY on each partition, and attach each one "
            "with ALTER INDEX ... ATTACH PARTITION."
          : "Build it with CREATE " + unique + "INDEX CONCURRENTLY IF NOT EXISTS ... in a migration that runs outside "
            "a transaction block: it takes SHARE UPDATE EXCLUSIVE, so reads and writes continue. If a concurrent "
            "build fails it leaves an INVALID index behind; IF NOT EXISTS alone will not rebuild it, so drop it "
            "(DROP INDEX CONCURRENTLY) before retrying.";
  Diagnostic& d = r.add(RuleId::create_index_non_concurrently, b, e,
        "CREATE " + unique + "INDEX on `" + rules::display(table) + "` takes a " + std::string(sql_lock_name(mode)) +
            " lock for the whole index build, which blocks " + std::string(lock_blocks(mode)),
        help);
  d.fix = fix(v, info);
}

}  // namespace
const RuleHooks hooks_create_index_non_concurrently{check, nullptr, {StmtKind::IndexStmt}};
}  // namespace migrasafe
