#pragma once
// Column types as a migration writes them, shared by the schema-design type
// rules (prefer-bigint, prefer-timestamptz, ...): where a statement declares
// a column type, which built-in type it names, and the exact text it spans
// (so a fix can replace the type name and keep modifiers and array bounds).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "parser/ast.h"
#include "parser/table_elements.h"
#include "rules/helpers.h"

namespace migrasafe::rules {

// A column type written in CREATE TABLE, ADD COLUMN or ALTER COLUMN ... TYPE.
// Names are views into the parse tree and the statement's facts, which
// outlive the rules' checks of the statement.
struct ColumnTypeUse {
  const Json& type;          // the TypeName node's fields
  const Json& column;        // the ColumnDef (its inline constraints)
  std::string_view column_name;
  const QualifiedName& table;
  std::string_view builtin;  // builtin_type(type), asked by every type rule
  const Json* create;        // the CreateStmt for CREATE TABLE (table constraints), else nullptr
  bool alter_type;           // ALTER COLUMN ... TYPE
};

// The statements column_types finds types in: the kinds the type rules handle.
inline constexpr StatementKinds kColumnTypeStatements{StmtKind::CreateStmt, StmtKind::CreateForeignTableStmt,
                                                      StmtKind::AlterTableStmt};

// What the engine keeps for all the rules of one statement (StatementView::facts),
// filled by the first rule that asks.
struct StatementFacts {
  QualifiedName column_types_table;  // the table of every ColumnTypeUse, qualified once
  std::optional<std::vector<ColumnTypeUse>> column_types;
  // About the statement's target (rules/helpers.h): most ALTER TABLE rules ask.
  std::optional<bool> target_created;       // target_created_in_migration
  std::optional<bool> target_new;           // created, and not expected to exist already
  std::optional<bool> target_dropped_later; // target_dropped_later_in_transaction
};

// The column types the statement writes, in statement order. Six rules ask
// for them on every CREATE/ALTER TABLE: the first one finds them (qualifying
// the table name once) and the others read them from v.facts.
const std::vector<ColumnTypeUse>& column_types(const StatementView& v);

template <class Fn>
void for_each_column_type(const StatementView& v, Fn fn) {
  for (const ColumnTypeUse& use : column_types(v)) fn(use);
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
