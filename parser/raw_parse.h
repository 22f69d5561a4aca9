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

// Parses that libpg_query makes of whole statements on this thread while a
// ParseRecording lives, each with its text, as parse_sql would give them.
// PostgreSQL's PL/pgSQL compiler checks every SQL statement and query of a
// body with the raw parser; recorded, those parses need not be made again
// for the body's statements (the build links with --wrap=raw_parser).
class ParseRecording {
 public:
  // `skip`: a text passed to libpg_query whose parse is not wanted (the
  // function itself, parsed already), told apart by its address.
  explicit ParseRecording(const char* skip);
  ~ParseRecording();
  ParseRecording(const ParseRecording&) = delete;
  ParseRecording& operator=(const ParseRecording&) = delete;

  // Called for each parse while recording (noexcept: it is called from C).
  void record(const char* sql, const void* raw_statements) noexcept;
  std::vector<std::pair<std::string, ParsedSql>> take() { return std::move(parses_); }

 private:
  const char* skip_;
  ParseRecording* outer_;
  std::vector<std::pair<std::string, ParsedSql>> parses_;
};

// Parses of SQL texts made already, handed out by text: each at most once,
// so that two statements of the same text get trees of their own, as two
// calls of parse_sql would give them.
class RecordedParses {
 public:
  RecordedParses() = default;
  explicit RecordedParses(std::vector<std::pair<std::string, ParsedSql>> parses) : parses_(std::move(parses)) {}
  // The recorded parse of `sql`, if there is one not taken yet.
  std::optional<ParsedSql> take(const std::string& sql);
  // parse_sql(sql), taken from the recorded parse of the same text if there is one.
  ParsedSql parse(const std::string& sql);

 private:
  std::vector<std::pair<std::string, ParsedSql>> parses_;
  std::size_t next_ = 0;  // where the last one was taken: they are mostly asked for in the order they were made
};

}  // namespace migrasafe
