#include <algorithm>

#include "parser/ast.h"
#include "rules/helpers.h"

namespace migrasafe {
namespace {

std::string list_names(const std::vector<QualifiedName>& names) {
  std::string out;
  for (const QualifiedName& n : names) out += (out.empty() ? "`" : ", `") + rules::display(n) + "`";
  return out;
}

const char* kHelp =
    "Drop the objects inside it one by one in earlier migrations, after the application stopped using "
    "them, so each loss is visible in review; then drop the empty schema without CASCADE.";

// What the schema holds is only certain for the tables the replayed history
// knows: those the migration (or the up script a down script undoes) did not
// create are lost for certain. A schema the migration created holds nothing
// else; any other schema may hold tables created outside the migrations.
void check(const StatementView& v, Report& r) {
  const auto n = ast::fields_of<"DropStmt">(v.stmt);
  if (v.stmt.tag != StmtKind::DropStmt || ast::str(n, "removeType") != "OBJECT_SCHEMA") return;
  auto deleted = v.effects.of_kind(ConsequenceKind::SchemaDeleted);  // with CASCADE, what is in it goes too
  for (const Consequence* dropped : v.effects.of_kind(ConsequenceKind::DroppedSchemaUsed)) {
    const std::string& name = dropped->object.name;
    bool cascade = std::any_of(deleted.begin(), deleted.end(), [&](const Consequence* c) { return c->object.name == name; });
    std::vector<QualifiedName> known = v.ctx.catalog().tables_in_schema(name);
    bool created_here = v.ctx.schema_created_in_migration(name) || v.ctx.schema_created_by_undone_migration(name);
    if (!cascade) {
      if (!known.empty()) {
        r.add(RuleId::drop_schema, v.stmt.begin, v.stmt.end,
              "DROP SCHEMA `" + name + "` fails: the schema still holds " + list_names(known) +
                  ", and without CASCADE PostgreSQL refuses to drop a schema that is not empty",
              "Drop the objects inside it first (each in its own reviewed statement), then the empty schema.");
      } else if (!created_here) {
        r.add(RuleId::drop_schema, v.stmt.begin, v.stmt.end,
              "DROP SCHEMA `" + name + "` fails if anything created outside the migrations analysed is still in it",
              "Make sure the schema is empty (no earlier migration creates a table in it), then drop it.")
            .severity = Severity::Warning;
      }
      continue;
    }
    std::vector<QualifiedName> lost;
    for (const QualifiedName& t : known)
      if (!v.ctx.created_in_migration(t) && !v.ctx.created_by_undone_migration(t)) lost.push_back(t);
    if (!lost.empty()) {
      r.add(RuleId::drop_schema, v.stmt.begin, v.stmt.end,
            "DROP SCHEMA `" + name + "` CASCADE deletes " + (lost.size() > 1 ? "the tables " : "the table ") +
                list_names(lost) + " with all their rows, and every view, function and type in the schema",
            kHelp);
    } else if (!created_here) {
      r.add(RuleId::drop_schema, v.stmt.begin, v.stmt.end,
            "DROP SCHEMA `" + name + "` CASCADE deletes everything in the schema; no earlier migration creates a "
                "table in it, but any table created outside the migrations analysed would be deleted with its rows",
            kHelp)
          .severity = Severity::Warning;
    }
  }
}

}  // namespace
const RuleHooks hooks_drop_schema{check, nullptr, {StmtKind::DropStmt}};
}  // namespace migrasafe
