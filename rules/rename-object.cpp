// Renames other than tables (rename-table) and columns (rename-column): the
// database follows a rename by OID (views, triggers, defaults keep working),
// but application code and function bodies name objects by text.
#include "parser/ast.h"
#include "rules/helpers.h"

namespace migrasafe {
namespace {

struct Renamed {
  const char* kind;  // "view", "schema", ...
  std::string from;  // as messages show it
  std::string key;   // how earlier CREATE statements are matched
  std::string help;
};

// What each CREATE of a schema, type, domain, function or view in the file
// makes, with its names as written: summarised before the replay frees the
// statements' trees, qualified when read with the renaming statement's
// search_path.
struct Created {
  enum class Kind { Schema, TypeOrFunction, View };
  std::uint32_t begin;
  Kind kind;
  std::vector<std::string> names;
};
struct CreatedInFile {
  std::vector<Created> in_order;
};

void summarise(const ParsedFile& file, const MigrationRole&, Report& r) {
  auto& created = r.file_state<CreatedInFile>(RuleId::rename_object).in_order;
  for (const Statement& s : file.statements) {
    const Json& n = s.node;
    using K = Created::Kind;
    if (s.tag == StmtKind::CreateSchemaStmt) created.push_back({s.begin, K::Schema, {std::string(ast::str(n, "schemaname"))}});
    else if (s.tag == StmtKind::CreateDomainStmt) created.push_back({s.begin, K::TypeOrFunction, ast::strings(ast::list(n, "domainname"))});
    else if (s.tag == StmtKind::CreateEnumStmt || s.tag == StmtKind::CreateRangeStmt)
      created.push_back({s.begin, K::TypeOrFunction, ast::strings(ast::list(n, "typeName"))});
    else if (s.tag == StmtKind::CompositeTypeStmt && ast::field(n, "typevar"))
      created.push_back({s.begin, K::TypeOrFunction, rules::written_relation(*ast::field(n, "typevar"))});
    else if (s.tag == StmtKind::CreateFunctionStmt) created.push_back({s.begin, K::TypeOrFunction, ast::strings(ast::list(n, "funcname"))});
    else if (s.tag == StmtKind::ViewStmt && ast::field(n, "view"))
      created.push_back({s.begin, K::View, rules::written_relation(*ast::field(n, "view"))});
  }
}

// The qualified name a CREATE statement of a schema, type, domain or function makes ("" for a view).
std::string created_name(const StatementView& v, const Created& c) {
  if (c.kind == Created::Kind::Schema) return c.names.front();
  if (c.kind == Created::Kind::TypeOrFunction) return v.ctx.qualify_names(c.names).str();
  return "";
}

// Created earlier in this file (so nothing uses it yet), or re-created under
// the old name later (a compatibility view or wrapper function, or the enum
// rebuild: rename the old type away, create the new one, convert columns).
bool exempt(const StatementView& v, Report& r, const std::string& key, bool relation) {
  for (const Created& c : r.file_state<CreatedInFile>(RuleId::rename_object).in_order) {
    if (c.begin < v.stmt.begin && created_name(v, c) == key) return true;
    if (c.begin > v.stmt.begin && relation && c.kind == Created::Kind::View && v.ctx.qualify_names(c.names).str() == key)
      return true;
    if (c.begin > v.stmt.begin && !relation && created_name(v, c) == key) return true;
  }
  return false;
}

// A sequence the model does not know, named as PostgreSQL names a serial
// column's sequence (<table>_<column>_seq) after a table this migration
// created whose columns it could not read (a statement in newer syntax) or
// that has that column: it is that column's new sequence.
bool serial_of_new_table(const StatementView& v, const QualifiedName& seq) {
  if (v.ctx.catalog().sequence(seq) || !seq.name.ends_with("_seq")) return false;
  std::string stem = seq.name.substr(0, seq.name.size() - 4);
  for (std::size_t cut = stem.find('_'); cut != std::string::npos; cut = stem.find('_', cut + 1)) {
    QualifiedName table{seq.schema, stem.substr(0, cut)};
    if (!v.ctx.created_in_migration(table)) continue;
    const TableInfo* t = v.ctx.catalog().table(table);
    if (t && (!t->columns_known || t->columns.count(stem.substr(cut + 1)))) return true;
  }
  return false;
}

std::optional<Renamed> relation_rename(const StatementView& v, std::string_view type) {
  const char* kind = type == "OBJECT_VIEW" ? "view" : type == "OBJECT_MATVIEW" ? "materialized view"
                   : type == "OBJECT_SEQUENCE" ? "sequence" : type == "OBJECT_FOREIGN_TABLE" ? "foreign table" : nullptr;
  if (!kind || !v.effects.target) return std::nullopt;
  const QualifiedName& rel = *v.effects.target;
  if (v.ctx.created_in_migration(rel) || v.ctx.created_by_undone_migration(rel)) return std::nullopt;
  // An owned (serial, identity) sequence is used through its column's default, which follows the rename.
  const SequenceInfo* seq = v.ctx.catalog().sequence(rel);
  if ((seq && seq->owned_by) || (type == "OBJECT_SEQUENCE" && serial_of_new_table(v, rel))) return std::nullopt;
  std::string from = rules::display(rel), to(ast::str(v.stmt.node, "newname"));
  std::string help = std::string(kind) == "sequence"
      ? "Keep the old name, or deploy code that no longer names `" + from + "` (nextval('" + from + "')) first."
      : "Rename in steps: rename it and, in the same transaction, CREATE VIEW " + from + " AS SELECT * FROM " + to +
            "; deploy code that uses `" + to + "`, then drop the old-name view in a later release.";
  return Renamed{kind, from, rel.str(), help};
}

std::optional<Renamed> named_rename(const StatementView& v, std::string_view type) {
  const Json& n = v.stmt.node;
  if (type == "OBJECT_SCHEMA") {
    std::string from(ast::str(n, "subname"));
    return Renamed{"schema", from, from,
                   "Keep the old schema name, or move in steps: create the new schema, move objects with ALTER ... "
                   "SET SCHEMA (or add views in the old one), deploy code and search_path settings that use the new "
                   "name, then drop the old schema in a later release."};
  }
  const Json* obj = ast::field(n, "object");
  if (!obj) return std::nullopt;
  std::vector<std::string> names;
  if (auto l = ast::as<"List">(*obj)) names = ast::strings(ast::list(*l, "items"));
  else if (auto f = ast::as<"ObjectWithArgs">(*obj)) names = ast::strings(ast::list(*f, "objname"));
  if (names.empty()) return std::nullopt;
  QualifiedName q = v.ctx.qualify_names(names);
  if (v.ctx.created_in_migration(q)) return std::nullopt;
  if (type == "OBJECT_TYPE" || type == "OBJECT_DOMAIN")
    return Renamed{type == "OBJECT_TYPE" ? "type" : "domain", rules::display(q), q.str(),
                   "Columns of the type follow the rename, but casts (::" + q.name +
                       ") and function signatures in code do not: deploy code that no longer names it first, or "
                       "keep the old name."};
  // Triggers call a trigger function by OID, and nothing else can call it.
  if (type == "OBJECT_FUNCTION" && v.ctx.catalog().is_trigger_function(q)) return std::nullopt;
  if (type == "OBJECT_FUNCTION" || type == "OBJECT_PROCEDURE")
    return Renamed{type == "OBJECT_FUNCTION" ? "function" : "procedure", rules::display(q), q.str(),
                   "Views and triggers follow the rename, but callers in code and in other function bodies do not: "
                   "create the function under the new name, keep the old one as a wrapper that calls it, switch "
                   "callers, and drop the wrapper in a later release."};
  return std::nullopt;
}

void check_enum_value(const StatementView& v, Report& r) {
  const Json& n = v.stmt.node;
  if (ast::str(n, "oldVal").empty()) return;
  QualifiedName type = v.ctx.qualify_names(ast::strings(ast::list(n, "typeName")));
  if (v.ctx.created_in_migration(type)) return;
  std::string from(ast::str(n, "oldVal")), to(ast::str(n, "newVal")), t = rules::display(type);
  r.add(RuleId::rename_object, v.stmt.begin, v.stmt.end,
        "renaming value '" + from + "' of enum `" + t + "` to '" + to + "' makes writes of '" + from +
            "' by the release still running fail, and its comparisons with '" + from + "' match nothing",
        "Add the new value instead (ALTER TYPE " + t + " ADD VALUE '" + to + "'), deploy code that writes '" + to +
            "' and reads both, UPDATE the rows from '" + from + "' to '" + to +
            "', and stop using '" + from + "' (a value cannot be dropped, so it stays unused).");
}

void check(const StatementView& v, Report& r) {
  bool breaks_code = false;
  for (ConsequenceKind k : {ConsequenceKind::RelationRenamed, ConsequenceKind::ObjectRenamed, ConsequenceKind::EnumValueRenamed})
    breaks_code = breaks_code || !v.effects.of_kind(k).empty();
  if (!breaks_code) return;
  // A down script renaming back what its up script renamed.
  if (v.ctx.renamed_by_undone_migration(v.ctx.rename_key(v.stmt, false))) return;
  if (v.stmt.tag == StmtKind::AlterEnumStmt) return check_enum_value(v, r);
  if (v.stmt.tag != StmtKind::RenameStmt) return;
  std::string_view type = ast::str(v.stmt.node, "renameType");
  bool relation = ast::field(v.stmt.node, "relation") != nullptr;
  auto renamed = relation ? relation_rename(v, type) : named_rename(v, type);
  if (!renamed || exempt(v, r, renamed->key, relation)) return;
  std::string to(ast::str(v.stmt.node, "newname"));
  r.add(RuleId::rename_object, v.stmt.begin, v.stmt.end,
        "renaming " + std::string(renamed->kind) + " `" + renamed->from + "` to `" + to +
            "` breaks every query and function body of the release still running that uses the old name",
        renamed->help);
}

}  // namespace
const RuleHooks hooks_rename_object{
    .statement = check, .statement_kinds = {StmtKind::RenameStmt, StmtKind::AlterEnumStmt}, .summarise = summarise};
}  // namespace migrasafe
