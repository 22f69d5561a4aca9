#include "parser/ast.h"
#include "rules/helpers.h"

namespace migrasafe {
namespace {

void check(const StatementView& v, Report& r) {
  if (v.stmt.tag != StmtKind::IndexStmt || !ast::flag(v.stmt.node, "concurrent") || !v.effects.target) return;
  const TableInfo* table = v.ctx.catalog().table(*v.effects.target);
  if (!table || !table->partitioned) return;
  std::string name = rules::display(*v.effects.target);
  auto [b, e] = rules::head_span(v, ast::location(*ast::field(v.stmt.node, "relation")));
  r.add(RuleId::create_index_concurrently_partitioned, b, e,
        "`" + name + "` is a partitioned table: PostgreSQL refuses CREATE INDEX CONCURRENTLY on it "
        "(\"cannot create index on partitioned table concurrently\"), so the migration fails here",
        "Create the index on the parent alone, CREATE INDEX IF NOT EXISTS <idx> ON ONLY " + name +
            " (...); (instant, the index starts invalid), then for each partition CREATE INDEX CONCURRENTLY "
            "IF NOT EXISTS ... ON <partition> (...); and ALTER INDEX <idx> ATTACH PARTITION <partition_idx>; "
            "once every partition is attached the parent index becomes valid.");
}

}  // namespace
const RuleHooks hooks_create_index_concurrently_partitioned{check, nullptr, {StmtKind::IndexStmt}};
}  // namespace migrasafe
