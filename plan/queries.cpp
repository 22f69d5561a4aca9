#include "plan/queries.h"

#include <algorithm>
#include <array>
#include <map>

#include "parser/ast.h"
#include "analysis/catalog.h"
#include "parser/column_def.h"
#include "parser/lexer.h"
#include "parser/table_elements.h"
#include "rules/helpers.h"

namespace migrasafe {

namespace {

// A relation as the statement wrote it: schema.name or name.
struct Relation {
  std::string schema, name;
  std::string sql() const { return (schema.empty() ? "" : quote_ident(schema) + ".") + quote_ident(name); }
  // to_regclass('...'): NULL when it does not exist (no error, unlike ::regclass).
  std::string regclass() const { return "to_regclass(" + quote_literal(sql()) + ")"; }
  std::string shown() const { return schema.empty() ? name : schema + "." + name; }
  std::string part(std::string_view column) const { return shown() + kSubjectSeparator + std::string(column); }
};

std::vector<std::string> parts(const Relation& t, const std::vector<std::string>& columns) {
  std::vector<std::string> out;
  for (const std::string& c : columns) out.push_back(t.part(c));
  return out;
}

Relation relation_of(const Json* range_var) {
  if (!range_var) return {};
  return {std::string(ast::str(*range_var, "schemaname")), std::string(ast::str(*range_var, "relname"))};
}

std::string column_list(const std::vector<std::string>& columns, std::string_view prefix = "") {
  std::string out;
  for (const std::string& c : columns) out += (out.empty() ? "" : ", ") + std::string(prefix) + quote_ident(c);
  return out;
}

Check count_is_zero(std::string purpose, std::string from_where, std::vector<std::string> subjects) {
  return {std::move(purpose), "SELECT count(*) FROM " + std::move(from_where), "0", std::move(subjects)};
}

// Rows that share a key (NULLs are distinct, as in a unique index).
Check no_duplicates(const Relation& t, const std::vector<std::string>& keys, std::string_view what) {
  std::string not_null;
  for (const std::string& k : keys) not_null += (not_null.empty() ? "" : " AND ") + quote_ident(k) + " IS NOT NULL";
  return count_is_zero("no two rows of " + t.shown() + " share (" + column_list(keys) + "): " + std::string(what) +
                           " fails on duplicates",
                       "(SELECT 1 FROM " + t.sql() + " WHERE " + not_null + " GROUP BY " + column_list(keys) +
                           " HAVING count(*) > 1) AS duplicates",
                       parts(t, keys));
}

Check no_nulls(const Relation& t, const std::vector<std::string>& columns, std::string_view what) {
  std::string any_null;
  for (const std::string& c : columns) any_null += (any_null.empty() ? "" : " OR ") + quote_ident(c) + " IS NULL";
  return count_is_zero("no NULL in " + t.shown() + " (" + column_list(columns) + "): " + std::string(what) +
                           " fails on them",
                       t.sql() + " WHERE " + any_null, parts(t, columns));
}

// Rows of `child` whose key has no match in `parent` (MATCH SIMPLE: a key
// with a NULL in it is not checked).
Check no_orphans(const Relation& child, const std::vector<std::string>& fk, const Relation& parent,
                 const std::vector<std::string>& pk) {
  std::string filled, match;
  for (std::size_t i = 0; i < fk.size(); ++i) {
    filled += (i ? " AND " : "") + std::string("c.") + quote_ident(fk[i]) + " IS NOT NULL";
    match += (i ? " AND " : "") + std::string("p.") + quote_ident(pk[i]) + " = c." + quote_ident(fk[i]);
  }
  return count_is_zero("every " + child.shown() + " (" + column_list(fk) + ") has its row in " + parent.shown() +
                           ": the foreign key fails on orphans",
                       child.sql() + " AS c WHERE " + filled + " AND NOT EXISTS (SELECT 1 FROM " + parent.sql() +
                           " AS p WHERE " + match + ")",
                       [&] {
                         auto s = parts(child, fk);
                         for (std::string& p : parts(parent, pk)) s.push_back(std::move(p));
                         return s;
                       }());
}

Check column_type_is(const Relation& t, const std::string& column, const std::string& type) {
  return {"column " + t.shown() + "." + column + " exists with type " + type,
          "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = " + t.regclass() +
              " AND attname = " + quote_literal(column) + " AND NOT attisdropped",
          type, {t.part(column)}};
}

Check column_absent(const Relation& t, const std::string& column) {
  return count_is_zero("column " + t.shown() + "." + column + " is gone",
                       "pg_attribute WHERE attrelid = " + t.regclass() + " AND attname = " + quote_literal(column) +
                           " AND NOT attisdropped",
                       {t.part(column)});
}

Check constraint_validated(const Relation& t, const std::string& name, bool valid) {
  return {"constraint " + name + " on " + t.shown() + (valid ? " exists and is validated" : " exists, NOT VALID until it is validated"),
          "SELECT convalidated FROM pg_constraint WHERE conrelid = " + t.regclass() + " AND conname = " +
              quote_literal(name),
          valid ? "t" : "f", {t.part("#" + name)}};
}

Check relation_exists(const Relation& r, bool exists) {
  return {r.shown() + (exists ? " exists" : " is gone"), "SELECT " + r.regclass() + (exists ? " IS NOT NULL" : " IS NULL"),
          "t", {r.shown()}};
}

// The text between the parentheses of CHECK (...), from the tokens: the
// expression as the migration wrote it.
std::optional<std::string> check_expression(const ParsedFile& file, const Statement& s, const Json& con) {
  long location = ast::location(con);
  if (location < 0 || !s.exact) return std::nullopt;
  std::uint32_t from = rules::at(s, location);
  const auto& tokens = file.tokens;
  std::size_t i = s.first_token;
  while (i < s.end_token && tokens[i].begin < from) ++i;
  for (; i < s.end_token; ++i)
    if (tokens[i].kind == TokenKind::Word && token_is(file.source->text, tokens[i], "CHECK")) break;
  if (++i >= s.end_token || file.text(tokens[i]) != "(") return std::nullopt;
  int depth = 0;
  for (std::size_t j = i; j < s.end_token; ++j) {
    if (tokens[j].kind != TokenKind::Punct) continue;
    std::string_view p = file.text(tokens[j]);
    if (p == "(") ++depth;
    if (p == ")" && --depth == 0)
      return std::string(file.source->text.substr(tokens[i].end, tokens[j].begin - tokens[i].end));
  }
  return std::nullopt;
}

// PostgreSQL's name for an unnamed UNIQUE or PRIMARY KEY constraint (short
// names only: long ones are truncated by rules not modelled here).
std::string key_constraint_name(const Relation& t, const Json& con, const std::vector<std::string>& keys) {
  std::string name(ast::str(con, "conname"));
  if (!name.empty()) return name;
  if (ast::str(con, "contype") == "CONSTR_PRIMARY") return t.name + "_pkey";
  name = t.name;
  for (const std::string& k : keys) name += "_" + k;
  return name + "_key";
}

constexpr std::size_t kMaxIdentifier = 63;

void constraint_checks(const ParsedFile& file, const Statement& s, const Relation& t, const Json& con,
                       const std::string& column, std::vector<Check>* before, std::vector<Check>* after) {
  std::string_view type = ast::str(con, "contype");
  bool validated = !ast::flag(con, "skip_validation");
  if (type == "CONSTR_UNIQUE" || type == "CONSTR_PRIMARY") {
    if (!ast::str(con, "indexname").empty()) return;  // USING INDEX: the index already holds the rows
    std::vector<std::string> keys = ast::strings(ast::list(con, "keys"));
    if (keys.empty() && !column.empty()) keys.push_back(column);
    if (keys.empty()) return;
    std::string what = type == "CONSTR_PRIMARY" ? "the primary key" : "the unique constraint";
    if (before) {
      before->push_back(no_duplicates(t, keys, what));
      if (type == "CONSTR_PRIMARY") before->push_back(no_nulls(t, keys, what));
    }
    std::string name = key_constraint_name(t, con, keys);
    if (after && name.size() <= kMaxIdentifier)
      after->push_back({"constraint " + name + " on " + t.shown() + " exists",
                        "SELECT contype FROM pg_constraint WHERE conrelid = " + t.regclass() + " AND conname = " +
                            quote_literal(name),
                        type == "CONSTR_PRIMARY" ? "p" : "u", {t.part("#" + name)}});
  } else if (type == "CONSTR_FOREIGN") {
    std::vector<std::string> fk = ast::strings(ast::list(con, "fk_attrs"));
    if (fk.empty() && !column.empty()) fk.push_back(column);
    std::vector<std::string> pk = ast::strings(ast::list(con, "pk_attrs"));
    Relation parent = relation_of(ast::field(con, "pktable"));
    // Without the referenced columns (the parent's primary key) the orphan
    // query cannot be written from the statement alone.
    if (before && validated && !fk.empty() && pk.size() == fk.size()) before->push_back(no_orphans(t, fk, parent, pk));
    std::string name = constraint_name({t.schema, t.name}, con, column);
    if (after && name.size() <= kMaxIdentifier) after->push_back(constraint_validated(t, name, validated));
  } else if (type == "CONSTR_CHECK") {
    auto expr = check_expression(file, s, con);
    if (before && validated && expr)
      before->push_back(count_is_zero("every row of " + t.shown() + " passes CHECK (" + *expr +
                                          "): the constraint fails on the others",
                                      t.sql() + " WHERE NOT (" + *expr + ")", {t.shown()}));
    std::string name = constraint_name({t.schema, t.name}, con, column);
    if (after && name.size() <= kMaxIdentifier) after->push_back(constraint_validated(t, name, validated));
  }
}

void alter_table_checks(const ParsedFile& file, const Statement& s, std::vector<Check>* before,
                        std::vector<Check>* after) {
  const Json& node = s.node;
  if (ast::str(node, "objtype") != "OBJECT_TABLE" && !ast::str(node, "objtype").empty()) return;
  Relation t = relation_of(ast::field(node, "relation"));
  if (t.name.empty()) return;
  for (const AlterTableCommand& cmd : alter_table_commands(node)) {
    std::string_view sub = cmd.subtype;
    std::string name(cmd.name);
    if (sub == "AT_SetNotNull") {
      if (before) before->push_back(no_nulls(t, {name}, "SET NOT NULL"));
      if (after)
        after->push_back({"column " + t.shown() + "." + name + " is NOT NULL",
                          "SELECT attnotnull FROM pg_attribute WHERE attrelid = " + t.regclass() + " AND attname = " +
                              quote_literal(name),
                          "t", {t.part(name)}});
    } else if (sub == "AT_DropNotNull") {
      if (after)
        after->push_back({"column " + t.shown() + "." + name + " accepts NULL",
                          "SELECT attnotnull FROM pg_attribute WHERE attrelid = " + t.regclass() + " AND attname = " +
                              quote_literal(name),
                          "f", {t.part(name)}});
    } else if (sub == "AT_AddColumn" && cmd.def) {
      const Json* col = cmd.column;
      if (!col) continue;
      std::string colname(ast::str(*col, "colname"));
      if (before && column_def_facts(*col).needs_value())
        before->push_back(count_is_zero(t.shown() + " is empty: ADD COLUMN " + colname +
                                            " NOT NULL without a default fails on a table with rows",
                                        t.sql(), {t.shown()}));
      if (after)
        if (const Json* tn = ast::field(*col, "typeName"))
          if (auto type = column_type(*tn); type && !format_type_name(*type).empty())
            after->push_back(column_type_is(t, colname, format_type_name(*type)));
      for (const Json& c : ast::list(*col, "constraints"))
        if (auto con = ast::as<"Constraint">(c)) constraint_checks(file, s, t, *con, colname, nullptr, after);
    } else if (sub == "AT_AlterColumnType" && cmd.def && after) {
      const Json* col = cmd.column;
      if (const Json* tn = col ? ast::field(*col, "typeName") : nullptr)
        if (auto type = column_type(*tn); type && !format_type_name(*type).empty())
          after->push_back(column_type_is(t, name, format_type_name(*type)));
    } else if (sub == "AT_DropColumn" && after) {
      after->push_back(column_absent(t, name));
    } else if (sub == "AT_AddConstraint" && cmd.constraint) {
      constraint_checks(file, s, t, *cmd.constraint, "", before, after);
    } else if (sub == "AT_ValidateConstraint" && after) {
      after->push_back(constraint_validated(t, name, true));
    } else if (sub == "AT_DropConstraint" && after) {
      after->push_back(count_is_zero("constraint " + name + " on " + t.shown() + " is gone",
                                     "pg_constraint WHERE conrelid = " + t.regclass() + " AND conname = " +
                                         quote_literal(name),
                                     {t.part("#" + name)}));
    }
  }
}

void index_checks(const Statement& s, std::vector<Check>* before, std::vector<Check>* after) {
  const Json& node = s.node;
  Relation t = relation_of(ast::field(node, "relation"));
  std::vector<std::string> columns;
  bool plain = true;  // every key a column (no expression)
  for (const Json& p : ast::list(node, "indexParams")) {
    auto e = ast::as<"IndexElem">(p);
    if (!e || ast::str(*e, "name").empty()) plain = false;
    else columns.emplace_back(ast::str(*e, "name"));
  }
  if (before && ast::flag(node, "unique") && plain && !columns.empty() && !ast::field(node, "whereClause"))
    before->push_back(no_duplicates(t, columns, "the unique index"));
  std::string name(ast::str(node, "idxname"));
  if (after && !name.empty()) {
    Relation index{t.schema, name};
    after->push_back({"index " + index.shown() + " exists and is valid" +
                          (ast::flag(node, "concurrent") ? " (a failed CONCURRENTLY build leaves it INVALID: drop it "
                                                           "and build it again)"
                                                         : ""),
                      "SELECT indisvalid FROM pg_index WHERE indexrelid = " + index.regclass(), "t",
                      {index.shown()}});
  }
}

void drop_checks(const Statement& s, std::vector<Check>* after) {
  std::string_view type = ast::str(s.node, "removeType");
  bool relation = type == "OBJECT_TABLE" || type == "OBJECT_INDEX" || type == "OBJECT_VIEW" ||
                  type == "OBJECT_MATVIEW" || type == "OBJECT_SEQUENCE";
  if (!relation || !after) return;
  for (const Json& object : ast::list(s.node, "objects")) {
    auto names = ast::as<"List">(object);
    if (!names) continue;
    std::vector<std::string> parts = ast::strings(ast::list(*names, "items"));
    if (parts.empty() || parts.size() > 2) continue;
    Relation r = parts.size() == 2 ? Relation{parts[0], parts[1]} : Relation{"", parts[0]};
    after->push_back(relation_exists(r, false));
  }
}

void rename_checks(const Statement& s, std::vector<Check>* after) {
  if (!after) return;
  std::string_view type = ast::str(s.node, "renameType");
  Relation t = relation_of(ast::field(s.node, "relation"));
  std::string to(ast::str(s.node, "newname"));
  if (type == "OBJECT_COLUMN" && !t.name.empty()) {
    std::string from(ast::str(s.node, "subname"));
    after->push_back(column_absent(t, from));
    after->push_back({"column " + t.shown() + "." + to + " exists",
                      "SELECT count(*) FROM pg_attribute WHERE attrelid = " + t.regclass() + " AND attname = " +
                          quote_literal(to) + " AND NOT attisdropped",
                      "1", {t.part(to)}});
  } else if (type == "OBJECT_TABLE" && !t.name.empty()) {
    after->push_back(relation_exists(t, false));
    after->push_back(relation_exists({t.schema, to}, true));
  }
}

void collect(const ParsedFile& file, const Statement& s, std::vector<Check>* before, std::vector<Check>* after) {
  if (s.deferred || !s.node.is_object()) return;
  if (s.kind == "AlterTableStmt") alter_table_checks(file, s, before, after);
  else if (s.kind == "IndexStmt") index_checks(s, before, after);
  else if (s.kind == "DropStmt") drop_checks(s, after);
  else if (s.kind == "RenameStmt") rename_checks(s, after);
  else if (s.kind == "CreateStmt" && after) {
    Relation t = relation_of(ast::field(s.node, "relation"));
    if (!t.name.empty()) after->push_back(relation_exists(t, true));
  }
}

}  // namespace

std::vector<Check> preconditions(const ParsedFile& file, const Statement& stmt) {
  std::vector<Check> out;
  collect(file, stmt, &out, nullptr);
  return out;
}

std::vector<Check> postconditions(const ParsedFile& file, const Statement& stmt) {
  std::vector<Check> out;
  collect(file, stmt, nullptr, &out);
  return out;
}

std::string format_type_name(const ColumnType& t) {
  static const std::map<std::string, std::string> kNames = {
      {"int2", "smallint"},           {"int4", "integer"},
      {"int8", "bigint"},             {"float4", "real"},
      {"float8", "double precision"}, {"bool", "boolean"},
      {"varchar", "character varying"}, {"bpchar", "character"},
      {"varbit", "bit varying"},      {"decimal", "numeric"}};
  if (t.name.find('.') != std::string::npos) return "";  // a schema-qualified type: format_type may qualify it
  std::string mods;
  for (std::size_t i = 0; i < t.typmods.size(); ++i) mods += (i ? "," : "") + std::to_string(t.typmods[i]);
  if (!mods.empty()) mods = "(" + mods + ")";
  std::string out;
  if (t.name == "timestamptz" || t.name == "timestamp" || t.name == "timetz" || t.name == "time") {
    std::string base = t.name.substr(0, t.name.starts_with("timestamp") ? 9 : 4);
    bool tz = t.name.ends_with("tz");
    out = base + mods + (tz ? " with time zone" : " without time zone");
  } else if (t.name == "interval" && !mods.empty()) {
    return "";  // interval's modifiers encode fields, not a plain number
  } else if (t.name == "bpchar" && mods.empty()) {
    out = "character(1)";  // plain char is char(1)
  } else {
    auto it = kNames.find(t.name);
    out = (it == kNames.end() ? t.name : it->second) + mods;
  }
  return t.array ? out + "[]" : out;
}

}  // namespace migrasafe
