#pragma once
// What the words of a statement that PostgreSQL 15's grammar rejects still
// establish for certain: which table, index or sequence it creates, drops or
// renames, which table an ALTER TABLE locks, and the NOT NULL constraints an
// ALTER TABLE adds (PostgreSQL 18's `ADD CONSTRAINT n NOT NULL col`). Only
// the statement's head is read; anything else is left unknown, never guessed.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "parser/lexer.h"

namespace migrasafe {

// The PostgreSQL major version whose grammar libpg_query parses with.
int grammar_version();

// A name as written: {"schema", "name"} or {"name"}, identifiers folded as
// PostgreSQL folds them.
using NameParts = std::vector<std::string>;

struct TokenReading {
  enum class Action { None, Create, Drop, Alter, Rename };
  enum class Object { Table, Index, Sequence, View, MaterializedView };
  struct AddedNotNull {
    std::string column;
    bool not_valid = false;
    std::uint32_t begin = 0, end = 0;  // byte span of the sub-command in the file
  };

  Action action = Action::None;
  Object object = Object::Table;
  std::vector<NameParts> names;        // created, dropped, altered or renamed (one, except DROP)
  std::string new_name;                // RENAME TO
  NameParts index_table;               // CREATE INDEX ... ON table
  bool unique = false;                 // CREATE UNIQUE INDEX
  bool concurrently = false;           // CREATE INDEX CONCURRENTLY
  bool if_not_exists = false;          // CREATE ... IF NOT EXISTS
  struct AddedColumn {
    std::string name;
    bool if_not_exists = false;
  };

  std::vector<AddedNotNull> not_null;  // ALTER TABLE ... ADD [CONSTRAINT n] NOT NULL col
  std::vector<AddedColumn> added_columns;  // ALTER TABLE ... ADD [COLUMN] [IF NOT EXISTS] col type
  // CREATE TABLE ... AS query: the relations its query names after FROM or
  // JOIN (CTE names included), whose rows the new table copies.
  std::vector<NameParts> reads_from;
  std::size_t commands = 0;            // ALTER TABLE sub-commands (not_null are some of them)

  bool empty() const { return action == Action::None; }
};

// Reads tokens [first, end) of `text` (a statement without its ';').
TokenReading read_tokens(std::string_view text, const std::vector<Token>& tokens, std::size_t first, std::size_t end);

// "creates table `t` (columns unknown)", "locks table `t`", ... for messages;
// empty when nothing was read.
std::string describe(const TokenReading& r);

std::string_view object_name(TokenReading::Object o);  // "table", "index", ...
std::string join_name(const NameParts& n);             // "app.orders"

}  // namespace migrasafe
