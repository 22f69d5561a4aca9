// Compares the schema after the up script and its down script with the
// schema before the up script. Each difference is reported at the up
// statement that caused it: the first statement after which the same
// difference appears.
#include <set>

#include "parser/ast.h"
#include "parser/table_elements.h"

#include "analysis/catalog_diff.h"
#include "rules/helpers.h"

namespace migrasafe {
namespace {

std::string subject(const SchemaDifference& d) {
  std::string obj = "`" + rules::display(d.object) + "`";
  switch (d.kind) {
    case SchemaObject::Table: return "table " + obj;
    case SchemaObject::Column: return "column `" + rules::display(d.object) + "." + d.part + "`";
    case SchemaObject::Index: return "index " + obj;
    case SchemaObject::Constraint: return "constraint `" + d.part + "` on " + obj;
    case SchemaObject::View: return "view " + obj;
    case SchemaObject::Sequence: return "sequence " + obj;
    case SchemaObject::Enum: return "enum type " + obj;
    case SchemaObject::EnumValue: return "value '" + d.part + "' of enum type " + obj;
  }
  return obj;
}

std::string capitalized(std::string s) {
  if (!s.empty()) s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
  return s;
}

// Message for a difference the up statement caused (`by_up`), or one only
// the down script explains.
std::string message(const SchemaDifference& d, bool by_up) {
  std::string what = capitalized(subject(d));
  // A view whose restored definition reads more columns (see SchemaDifference::after).
  const std::string wider = d.kind == SchemaObject::View && !d.after.empty()
                                ? "also reads " + d.after +
                                      ", which the previous one did not (a `*` is expanded when a view is created: the "
                                      "same text gives more columns once its table has more); queries that name their "
                                      "columns are not affected"
                                : "";
  if (!by_up && !wider.empty())
    return "The down script recreates " + subject(d) + " with a definition that " + wider;
  if (!by_up) {
    switch (d.change) {
      case SchemaChange::Added: return "The down script creates " + subject(d) + ", which did not exist before this migration";
      case SchemaChange::Removed:
        return "The down script drops " + subject(d) + ", which existed before this migration and which this up script does not create";
      case SchemaChange::Changed:
        return "The down script changes the " + d.aspect + " of " + subject(d) + (d.before.empty() ? "" : " from " + d.before + " to " + d.after) +
               ", which this up script does not change";
    }
  }
  switch (d.change) {
    case SchemaChange::Added:
      if (d.kind == SchemaObject::EnumValue)
        return what + " is added here and the down script does not remove it: after a rollback the value stays "
                      "(PostgreSQL cannot drop a value from an enum)";
      return what + " is created here, but the down script does not drop it: after a rollback it is left behind, "
                    "and running this migration again fails because it already exists";
    case SchemaChange::Removed:
      return what + " is dropped here, but the down script does not recreate it: a rollback does not bring it back";
    case SchemaChange::Changed:
      if (!wider.empty()) return what + " is redefined here, and the definition the down script restores " + wider;
      if (d.aspect == "definition")
        return what + " is redefined here, and the down script does not restore its previous definition";
      return what + " changes here, and the down script does not restore its " + d.aspect + ": " + d.before +
             " before this migration, " + d.after + " after its down script";
  }
  return what;
}

std::string help(const SchemaDifference& d) {
  if (d.kind == SchemaObject::EnumValue)
    return "PostgreSQL has no ALTER TYPE ... DROP VALUE. To undo ADD VALUE the down script must rebuild the type: "
           "rename it, create it again with the old values, ALTER each column using it TYPE the new type USING "
           "column::text::new_type (after removing rows with the new value), and drop the renamed type. If keeping the "
           "value is fine, say so with a `migrasafe-ignore` comment.";
  return "Make the down script undo every change of the up script, in reverse order, so that after up and down the "
         "schema is exactly as before (same columns, types, NULL constraints, defaults, indexes and constraints).";
}

// Names the up script drops (DROP TABLE/INDEX/VIEW/..., DROP CONSTRAINT), as
// written, without schema: what it drops existed before it. Read before the
// replay frees the up script's trees.
struct DroppedByUp {
  std::set<std::string> names;
};

void summarise(const ParsedFile& up, const MigrationRole& role, Report& r) {
  if (role.kind != MigrationRole::Kind::Up || !role.down_text) return;  // check() looks at nothing else
  std::set<std::string>& out = r.file_state<DroppedByUp>(RuleId::down_does_not_undo_up).names;
  for (const Statement& s : up.statements) {
    if (s.deferred) continue;
    if (s.kind == "DropStmt") {
      for (const Json& obj : ast::list(s.node, "objects"))
        if (auto items = ast::as<"List">(obj))
          if (auto names = ast::strings(ast::list(*items, "items")); !names.empty()) out.insert(names.back());
    } else if (s.kind == "AlterTableStmt") {
      for (const AlterTableCommand& cmd : alter_table_commands(s.node))
        if (cmd.subtype == "AT_DropConstraint") out.insert(std::string(cmd.name));
    }
  }
}

// Whether the model knows that an object the down script creates did not
// exist before the up script: not when it is on a table the model does not
// know (created before the migrations analysed), nor when the up script
// drops something of that name the model did not know.
bool known_to_be_new(const SchemaDifference& d, const Catalog& before, const Catalog& after_down,
                     const std::set<std::string>& dropped) {
  const std::string& name = d.kind == SchemaObject::Constraint ? d.part : d.object.name;
  if (d.kind != SchemaObject::Column && dropped.count(name)) return false;
  if (d.kind == SchemaObject::Constraint) return before.table(d.object) != nullptr;
  if (d.kind == SchemaObject::Index)
    if (const IndexInfo* idx = after_down.index(d.object)) return before.table(idx->table) != nullptr;
  return true;
}

void check(const FileView& v, Report& r) {
  if (!v.replay || !v.role.down_text || v.file.statements.empty()) return;
  // An empty down script is missing-down-script's; an `irreversible` comment
  // says the author knows the down script does not undo everything.
  if (v.down_empty || v.down_marked_irreversible) return;
  const SchemaReplay& up = *v.replay;
  if (!up.after_down) return;  // the down script has a syntax error: a skipped statement may have restored anything
  const Catalog& before = up.changes.before();
  const Catalog& after_down = *up.after_down;
  std::vector<SchemaDifference> diffs = compare_catalogs(before, after_down);
  if (diffs.empty()) return;
  const std::set<std::string>& dropped = r.file_state<DroppedByUp>(RuleId::down_does_not_undo_up).names;
  for (const SchemaDifference& d : diffs) {
    std::optional<std::size_t> cause = up.changes.first_showing(d);  // the up statement behind it
    if (!cause && d.change == SchemaChange::Added && !known_to_be_new(d, before, after_down, dropped)) continue;
    const Statement& s = v.file.statements[cause.value_or(0)];
    Diagnostic& found = r.add(RuleId::down_does_not_undo_up, s.begin, s.end, message(d, cause.has_value()), help(d));
    if (d.kind == SchemaObject::View && !d.after.empty()) found.severity = Severity::Note;  // a superset: nothing breaks
  }
}

}  // namespace
const RuleHooks hooks_down_does_not_undo_up{.file = check, .needs_schema_replay = true, .summarise = summarise};
}  // namespace migrasafe
