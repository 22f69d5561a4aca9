#include "parser/ast.h"
#include "rules/helpers.h"

namespace migrasafe {
namespace {

const char* kHelp =
    "Rewrite without blocking with an online tool such as pg_repack or pg_squeeze (they copy the table in the "
    "background and swap it in with a short lock), or schedule a maintenance window. To move a table to "
    "another tablespace online, pg_repack --tablespace does it too.";

// PostgreSQL 19's REPACK (CONCURRENTLY) does what VACUUM FULL and CLUSTER do
// while reads and writes go on.
std::string repack_help(const StatementView& v) {
  std::string t = rules::display(*v.effects.target);
  bool cluster = v.stmt.tag == StmtKind::ClusterStmt;
  std::string index(cluster ? ast::str(v.stmt.node, "indexname") : "");
  std::string order = !cluster ? "" : index.empty() ? " USING INDEX" : " USING INDEX " + index;
  return "On PostgreSQL 19 use REPACK (CONCURRENTLY) " + t + order +
         "; instead: it rewrites the table while reads and writes go on and takes the ACCESS EXCLUSIVE lock only "
         "briefly at the end (see the REPACK page of the PostgreSQL documentation for its requirements). " + kHelp;
}

void report(const StatementView& v, Report& r, std::uint32_t b, std::uint32_t e, const std::string& what,
            const std::string& help = kHelp) {
  r.add(RuleId::table_rewrite, b, e,
        what + " rewrites every row of `" + rules::display(*v.effects.target) +
            "` into a new file and rebuilds its indexes under an ACCESS EXCLUSIVE lock, which blocks every read "
            "and write until it finishes",
        help);
}

void check(const StatementView& v, Report& r) {
  if (!v.effects.target || rules::target_created_in_migration(v)) return;
  if ((v.stmt.tag == StmtKind::VacuumStmt || v.stmt.tag == StmtKind::ClusterStmt) && v.effects.rewrite == Tri::Yes) {
    report(v, r, v.stmt.begin, v.stmt.end, v.stmt.tag == StmtKind::ClusterStmt ? "CLUSTER" : "VACUUM FULL",
           v.ctx.pg_version() >= 19 ? repack_help(v) : kHelp);
    return;
  }
  static const std::pair<const char*, const char*> kRewrites[] = {
      {"AT_SetTableSpace", "SET TABLESPACE"}, {"AT_SetLogged", "SET LOGGED"},
      {"AT_SetUnLogged", "SET UNLOGGED"},     {"AT_SetAccessMethod", "SET ACCESS METHOD"}};
  for (const auto& [subtype, what] : kRewrites) {
    // `what = what`: clang 14 cannot capture a structured binding itself.
    rules::for_each_command(v, subtype, [&, what = what](const ActionEffect& a, const Json&) {
      auto [b, e] = rules::alter_command_span(v, a.command);
      report(v, r, b, e, what);
    });
  }
}

}  // namespace
const RuleHooks hooks_table_rewrite{check, nullptr,
                                    {StmtKind::AlterTableStmt, StmtKind::VacuumStmt, StmtKind::ClusterStmt}};
}  // namespace migrasafe
