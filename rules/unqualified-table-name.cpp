// unqualified-table-name (opt-in): CREATE TABLE, CREATE TABLE AS, ALTER TABLE
// and DROP TABLE naming a table without its schema, while the file has not
// set search_path itself: the table then lands in (or is looked up in)
// whatever schema the migration runner's session has first on its path.
// Temporary tables live in pg_temp and are not reported.
#include "parser/ast.h"
#include "rules/helpers.h"

namespace migrasafe {
namespace {

void report(const StatementView& v, Report& r, const std::string& name, long location, const char* verb) {
  rules::Span span{v.stmt.begin, v.stmt.end};
  if (location >= 0) {
    std::uint32_t b = rules::at(v.stmt, location);
    for (std::size_t i = v.stmt.first_token; i < v.stmt.end_token; ++i)
      if (v.file.tokens[i].begin == b) span = {b, v.file.tokens[i].end};
  }
  r.add(RuleId::unqualified_table_name, span.first, span.second,
        std::string(verb) + " table `" + name + "` without a schema: which schema it means depends on the search_path "
        "of the session that runs the migration (" + v.ctx.qualify("", name).schema + " by default)",
        "Qualify the name (`" + v.ctx.qualify("", name).schema + "." + name + "`), or set search_path explicitly at "
        "the top of the migration (SET search_path = ...).");
}

void range_var(const StatementView& v, Report& r, const Json* rv, const char* verb) {
  if (!rv || !ast::str(*rv, "schemaname").empty() || ast::str(*rv, "relpersistence") == "t") return;
  report(v, r, std::string(ast::str(*rv, "relname")), ast::location(*rv), verb);
}

void check(const StatementView& v, Report& r) {
  if (v.ctx.setting("search_path")) return;  // the migration chose its own path
  const Json& n = v.stmt.node;
  const StmtKind k = v.stmt.tag;
  if (k == StmtKind::CreateStmt) range_var(v, r, ast::field(n, "relation"), "CREATE TABLE names");
  else if (k == StmtKind::CreateTableAsStmt && ast::str(n, "objtype") == "OBJECT_TABLE")
    range_var(v, r, ast::field(n, "into") ? ast::field(*ast::field(n, "into"), "rel") : nullptr, "CREATE TABLE AS names");
  else if (k == StmtKind::AlterTableStmt && ast::str(n, "objtype") == "OBJECT_TABLE")
    range_var(v, r, ast::field(n, "relation"), "ALTER TABLE names");
  else if (k == StmtKind::DropStmt && ast::str(n, "removeType") == "OBJECT_TABLE")
    for (const Json& o : ast::list(n, "objects")) {
      auto l = ast::as<"List">(o);
      auto names = l ? ast::strings(ast::list(*l, "items")) : std::vector<std::string>{};
      if (names.size() == 1) report(v, r, names[0], -1, "DROP TABLE names");
    }
}

}  // namespace
const RuleHooks hooks_unqualified_table_name{
    check, nullptr, {StmtKind::CreateStmt, StmtKind::CreateTableAsStmt, StmtKind::AlterTableStmt, StmtKind::DropStmt}};
}  // namespace migrasafe
