// Views (plain and materialized) that the schema model knows read a column
// or table: PostgreSQL refuses to retype the column, and refuses to drop it
// (or the table) unless CASCADE, which silently drops the views as well.
// The effects list each such view (dependent-view-broken); the rule reports
// them, leaving out views the migration itself rebuilds or created.
#include <map>

#include "parser/ast.h"
#include "rules/helpers.h"

namespace migrasafe {
namespace {

std::string names(const std::vector<QualifiedName>& views) {
  std::string out;
  for (const auto& v : views) out += (out.empty() ? "`" : ", `") + rules::display(v) + "`";
  return out;
}

void report(Report& r, rules::Span span, const std::string& change, const std::vector<QualifiedName>& views, bool cascade,
            bool retype) {
  std::string consequence =
      retype ? "PostgreSQL refuses to change the type of a column a view uses, so the migration fails"
      : cascade ? "CASCADE drops " + std::string(views.size() > 1 ? "those views" : "that view") +
                      " too, and every query that reads " + (views.size() > 1 ? "them" : "it") + " fails from then on"
                : "PostgreSQL refuses to drop what a view depends on without CASCADE, so the migration fails";
  Diagnostic& d = r.add(RuleId::breaks_dependent_view, span.first, span.second, change + " is read by " + names(views) + ": " + consequence,
        "In one transaction, drop the dependent view" + std::string(views.size() > 1 ? "s" : "") +
            " explicitly, make the change, and create the view" + (views.size() > 1 ? "s" : "") +
            " again with their current definition (adapted to the change); if the view is still in use, "
            "replace it with a version that no longer reads what is going away first.");
  // docs/severity.md: the statement succeeds and a view holds no data of its own.
  if (cascade && !retype) d.severity = Severity::Warning;
}

// Whether losing `view` to CASCADE costs nothing: the migration (or, in a
// down script, the up script it undoes) created it, or a later statement of
// the file creates it again, adapted to the change — the safe recipe.
bool cascade_harmless(const StatementView& v, const QualifiedName& view) {
  if (v.ctx.created_in_migration(view) || v.ctx.created_by_undone_migration(view)) return true;
  const Statement* first = v.file.statements.data();
  const Statement* last = first + v.file.statements.size();
  if (&v.stmt < first || &v.stmt >= last) return false;  // not one of the file's own statements
  for (const Statement* s = &v.stmt + 1; s < last; ++s) {
    const Json* rel = nullptr;
    if (s->kind == "ViewStmt") rel = ast::field(s->node, "view");
    else if (s->kind == "CreateTableAsStmt")
      if (const Json* into = ast::field(s->node, "into")) rel = ast::field(*into, "rel");
    if (rel && !s->deferred && v.ctx.qualify_range_var(*rel) == view) return true;  // not in a function body
  }
  return false;
}

void check(const StatementView& v, Report& r) {
  auto broken = v.effects.of_kind(ConsequenceKind::DependentViewBroken);
  if (broken.empty()) return;
  if (v.stmt.tag == StmtKind::AlterTableStmt) {
    // Per sub-command, the views that read its column (in the effects' order).
    std::map<int, std::vector<const Consequence*>> by_command;
    for (const Consequence* c : broken) by_command[c->command].push_back(c);
    for (const auto& [command, consequences] : by_command) {
      const Json* cmd = rules::alter_command(v.stmt, command);
      if (!cmd) continue;
      bool cascade = ast::str(*cmd, "behavior") == "DROP_CASCADE";
      std::vector<QualifiedName> views;
      for (const Consequence* c : consequences)
        if (!(cascade && cascade_harmless(v, *c->view))) views.push_back(*c->view);
      if (views.empty()) continue;
      const Consequence& first = *consequences.front();
      report(r, rules::alter_command_span(v, command), "column `" + rules::display(first.object) + "." + first.column + "`",
             views, cascade, ast::str(*cmd, "subtype") == "AT_AlterColumnType");
    }
    return;
  }
  // DROP TABLE / VIEW / MATERIALIZED VIEW: per dropped relation, the views that read it.
  bool cascade = ast::str(v.stmt.node, "behavior") == "DROP_CASCADE";
  std::map<QualifiedName, std::vector<QualifiedName>> by_relation;
  for (const Consequence* c : broken)
    if (!(cascade && cascade_harmless(v, *c->view))) by_relation[c->object].push_back(*c->view);
  for (const auto& [rel, views] : by_relation)
    report(r, {v.stmt.begin, v.stmt.end}, "`" + rules::display(rel) + "`", views, cascade, false);
}

}  // namespace
const RuleHooks hooks_breaks_dependent_view{check, nullptr, {StmtKind::AlterTableStmt, StmtKind::DropStmt}};
}  // namespace migrasafe
