#pragma once
// SQL text to parse trees, built straight from PostgreSQL's raw parse nodes
// (libpg_query's pg_query_raw_parse), with no JSON in between. The tree has
// exactly the shape of libpg_query's JSON output (node and field names,
// enum spellings, omitted defaults, locations), which the rules read.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "parser/json_tree.h"

namespace migrasafe {

struct SqlParseError {
  std::string message;  // PostgreSQL's, as libpg_query gives it
  int cursorpos = 0;    // 1-based code point in the text; 0: none
};

struct SqlStatement {
  std::string_view kind;  // node name, e.g. "AlterTableStmt"
  JsonNode node;          // its fields
  int location = 0;       // byte offset of the statement in the text
  int length = 0;         // its length in bytes; 0: to the end of the text
};

struct ParsedSql {
  std::optional<SqlParseError> error;
  std::shared_ptr<JsonDocument> tree;  // owns the statements' nodes
  std::vector<SqlStatement> statements;
};

// Parses `sql` with PostgreSQL 15's grammar. Throws JsonTooDeep when a
// statement's tree nests deeper than JsonDocument::kMaxDepth (counted as the
// JSON form of the tree would nest).
ParsedSql parse_sql(const std::string& sql);

}  // namespace migrasafe
