#pragma once
// Column types as a migration writes them, shared by the schema-design type
// rules (prefer-bigint, prefer-timestamptz, ...): where a statement declares
// a column type, which built-in type it names, and the exact text it spans
// (so a fix can replace the type name and keep modifiers and array bounds).
#include <optional>
#include <string>
#include <string_view>

#include "parser/ast.h"
#include "parser/table_elements.h"
#include "rules/helpers.h"

namespace migrasafe::rules {

// A column type written in CREATE TABLE, ADD COLUMN or ALTER COLUMN ... TYPE.
struct ColumnTypeUse {
  const Json& type;          // the TypeName node's fields
  const Json& column;        // the ColumnDef (its inline constraints)
  std::string column_name;
  QualifiedName table;
  const Json* create;        // the CreateStmt for CREATE TABLE (table constraints), else nullptr
  bool alter_type;           // ALTER COLUMN ... TYPE
};

// The statements for_each_column_type visits: the kinds the type rules handle.
inline constexpr StatementKinds kColumnTypeStatements{StmtKind::CreateStmt, StmtKind::CreateForeignTableStmt,
                                                      StmtKind::AlterTableStmt};

template <class Fn>
void for_each_column_type(const StatementView& v, Fn fn) {
  const Json& n = v.stmt.node;
  auto visit = [&](const Json& col, std::string name, const QualifiedName& table, const Json* create, bool alter) {
    const Json* tn = ast::field(col, "typeName");
    if (tn && !ast::flag(*tn, "pct_type")) fn(ColumnTypeUse{*tn, col, std::move(name), table, create, alter});
  };
  if (v.stmt.kind == "CreateStmt" || v.stmt.kind == "CreateForeignTableStmt") {
    const Json& create = v.stmt.kind == "CreateStmt" ? n : *ast::field(n, "base");
    const Json* rel = ast::field(create, "relation");
    if (!rel) return;
    QualifiedName table = v.ctx.qualify_range_var(*rel);
    for (const TableElement& elt : table_elements(create))
      if (elt.column) visit(*elt.column, std::string(ast::str(*elt.column, "colname")), table, &create, false);
  } else if (v.stmt.kind == "AlterTableStmt") {
    const Json* rel = ast::field(n, "relation");
    if (!rel) return;
    QualifiedName table = v.ctx.qualify_range_var(*rel);
    for (const AlterTableCommand& cmd : alter_table_commands(n)) {
      if (!cmd.column) continue;
      if (cmd.subtype == "AT_AddColumn") visit(*cmd.column, std::string(ast::str(*cmd.column, "colname")), table, nullptr, false);
      else if (cmd.subtype == "AT_AlterColumnType") visit(*cmd.column, std::string(cmd.name), table, nullptr, true);
    }
  }
}

// The built-in type a TypeName names, as pg_type spells it after the
// grammar's mapping ("int4" for int and integer, "bpchar" for char(n),
// "timestamp", "serial"); "" for a type of another schema. Unqualified names
// resolve to pg_catalog first, as PostgreSQL's search path does.
std::string_view builtin_type(const Json& type_name);  // a view into the tree

bool has_typmods(const Json& type_name);

// The array bounds of a type as written: "[]" for json[], "[3][]" for int[3][]; "" if not an array.
std::string array_bounds(const Json& type_name);

// Where a type is written in the statement.
struct TypeText {
  std::size_t word;          // token index of the name's last word ("int4" in pg_catalog.int4)
  std::optional<Span> mods;  // "(3)"
  std::optional<Span> zone;  // "without time zone"
  Span all;                  // the whole type, modifiers and array bounds included
};
std::optional<TypeText> type_text(const StatementView& v, const Json& type_name);

// The type's whole span, or the statement when the text cannot be found.
Span type_span(const StatementView& v, const Json& type_name);

// The identifier value of the type's name word ("int4" for "int4" or INT4).
std::string word_value(const StatementView& v, const TypeText& t);

// The modifier text as written ("(3)"), or "".
std::string mods_text(const StatementView& v, const TypeText& t);

// Replaces the type's name word by `name`, quoted when the original was, from
// the word to `end` (the end of the word when 0).
TextEdit rename_type_word(const StatementView& v, const TypeText& t, const std::string& name, std::uint32_t end = 0);

// The column is declared PRIMARY KEY or REFERENCES, alone or in a table
// constraint of the CREATE TABLE (a primary key of that one column), is an
// identity column, or defaults to nextval().
bool declared_key(const ColumnTypeUse& u);

}  // namespace migrasafe::rules
