#include "analysis/ast.h"
#include "rules/helpers.h"

namespace migrasafe {
namespace {

const char* kHelp =
    "Rewrite without blocking with an online tool such as pg_repack or pg_squeeze (they copy the table in the "
    "background and swap it in with a short lock), or schedule a maintenance window. To move a table to "
    "another tablespace online, pg_repack --tablespace does it too.";

void report(const StatementView& v, Report& r, std::uint32_t b, std::uint32_t e, const std::string& what) {
  r.add(RuleId::table_rewrite, b, e,
        what + " rewrites every row of `" + rules::display(*v.effects.target) +
            "` into a new file and rebuilds its indexes under an ACCESS EXCLUSIVE lock, which blocks every read "
            "and write until it finishes",
        kHelp);
}

void check(const StatementView& v, Report& r) {
  if (!v.effects.target || v.ctx.created_in_migration(*v.effects.target)) return;
  if ((v.stmt.kind == "VacuumStmt" || v.stmt.kind == "ClusterStmt") && v.effects.rewrite == Tri::Yes) {
    report(v, r, v.stmt.begin, v.stmt.end, v.stmt.kind == "ClusterStmt" ? "CLUSTER" : "VACUUM FULL");
    return;
  }
  static const std::pair<const char*, const char*> kRewrites[] = {
      {"AT_SetTableSpace", "SET TABLESPACE"}, {"AT_SetLogged", "SET LOGGED"},
      {"AT_SetUnLogged", "SET UNLOGGED"},     {"AT_SetAccessMethod", "SET ACCESS METHOD"}};
  for (const auto& [subtype, what] : kRewrites) {
    rules::for_each_command(v, subtype, [&](const ActionEffect& a, const Json&) {
      auto [b, e] = rules::alter_command_span(v, a.command);
      report(v, r, b, e, what);
    });
  }
}

}  // namespace
const RuleHooks hooks_table_rewrite{check, nullptr};
}  // namespace migrasafe
