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

// What a recorded parse was parsed as: SQL statements (PostgreSQL's
// RAW_PARSE_DEFAULT), a PL/pgSQL expression (a SelectStmt of its own, as
// `SELECT expression` gives but for the locations, which count from the
// expression), or a PL/pgSQL assignment `target := expression` (a
// PLAssignStmt, whose `val` is the expression's SelectStmt, likewise).
enum class ParseMode { Statements, Expression, Assignment };

// A CREATE FUNCTION statement known without parsing its text (ParseRecording).
struct KnownFunction {
  JsonNode fields;  // the statement's tree
  // Compiled in place of its AS text, when given: a DO block's body, compiled
  // as a function whose tree is the same for every block.
  std::optional<std::string_view> body;
};

// Parses that libpg_query makes on this thread while a ParseRecording lives,
// each with its text and mode, as parse_sql would build them. PostgreSQL's
// PL/pgSQL compiler checks every SQL statement, query and expression of a
// body with the raw parser; recorded, those parses need not be made again
// (the build links with --wrap=raw_parser).
class ParseRecording {
 public:
  struct Parse {
    std::string text;
    ParseMode mode;
    ParsedSql parsed;  // its tree is null once taken
  };

  // `skip`: a text passed to libpg_query whose parse is not wanted (the
  // function itself, parsed already), told apart by its address.
  // `statements_only`: expressions' and assignments' parses are not wanted
  // either (no tree is built for them).
  // `skipped_function`: `skip`'s one statement, a CREATE FUNCTION, when its
  // tree is known: then `skip` is not parsed at all.
  // libpg_query's PL/pgSQL compiler gets a raw statement built from this tree
  // instead, with what it reads of one (names, parameter names, return type,
  // AS and LANGUAGE); the grammar would lex the whole body again.
  explicit ParseRecording(const char* skip, bool statements_only = false, const KnownFunction* skipped_function = nullptr);
  ~ParseRecording();
  ParseRecording(const ParseRecording&) = delete;
  ParseRecording& operator=(const ParseRecording&) = delete;

  // Called for each parse while recording (noexcept: it is called from C).
  void record(const char* sql, ParseMode mode, const void* raw_statements) noexcept;
  // The raw statement list (a PostgreSQL List*) to give for a parse of `sql`
  // without parsing it, or nullptr: parse it. Called from C, in libpg_query's
  // memory context, where the list is allocated.
  void* prebuilt_parse(const char* sql) const noexcept;
  std::vector<Parse> take() { return std::move(parses_); }

 private:
  const char* skip_;
  bool statements_only_;
  const KnownFunction* skipped_function_;
  ParseRecording* outer_;
  std::vector<Parse> parses_;
};

// Parses of SQL texts made already, handed out by text and mode: each at most
// once, so that two statements of the same text get trees of their own, as
// two calls of parse_sql would give them.
class RecordedParses {
 public:
  RecordedParses() = default;
  explicit RecordedParses(std::vector<ParseRecording::Parse> parses) : parses_(std::move(parses)) {}
  // The recorded parse of `sql` as `mode`, if there is one not taken yet.
  std::optional<ParsedSql> take(const std::string& sql, ParseMode mode = ParseMode::Statements);
  // parse_sql(sql), taken from the recorded parse of the same statements if there is one.
  ParsedSql parse(const std::string& sql);

 private:
  std::vector<ParseRecording::Parse> parses_;
  std::size_t next_ = 0;  // where the last one was taken: they are mostly asked for in the order they were made
};

}  // namespace migrasafe
