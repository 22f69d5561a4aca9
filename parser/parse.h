#pragma once
// Turns a SourceFile into statements with exact byte spans and parse trees.
// A syntax error never hides the rest of the file: the file is then split by
// the lexer and every statement is parsed on its own.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "parser/json_tree.h"
#include "parser/lexer.h"
#include "parser/source.h"
#include "parser/statement_kind.h"
#include "parser/token_reading.h"

namespace migrasafe {

using Json = JsonNode;

// An optional value kept out of line: for what few of many objects have
// (a big file holds a Statement, Effects and findings by the ten thousand),
// so that it costs the others a pointer, not its size. A copy copies the value.
template <class T>
class OutOfLine {
 public:
  OutOfLine() = default;
  OutOfLine(std::nullopt_t) {}
  OutOfLine(const OutOfLine& other) : value_(other.value_ ? std::make_unique<T>(*other.value_) : nullptr) {}
  OutOfLine(OutOfLine&&) noexcept = default;
  OutOfLine& operator=(const OutOfLine& other) {
    if (this != &other) value_ = other.value_ ? std::make_unique<T>(*other.value_) : nullptr;
    return *this;
  }
  OutOfLine& operator=(OutOfLine&&) noexcept = default;
  OutOfLine& operator=(T value) {
    value_ = std::make_unique<T>(std::move(value));
    return *this;
  }
  OutOfLine& operator=(std::optional<T> value) {
    if (value) *this = std::move(*value);
    else reset();
    return *this;
  }

  bool has_value() const { return value_ != nullptr; }
  explicit operator bool() const { return has_value(); }
  const T* get() const { return value_.get(); }
  T* get() { return value_.get(); }
  const T& operator*() const { return *value_; }
  T& operator*() { return *value_; }
  const T* operator->() const { return value_.get(); }
  T* operator->() { return value_.get(); }
  T& get_or_make() {
    if (!value_) value_ = std::make_unique<T>();
    return *value_;
  }
  void reset() { value_.reset(); }

 private:
  std::unique_ptr<T> value_;
};

// What only a statement of a function or DO block body has (see Statement's accessors).
struct BodyParts {
  std::optional<JsonNode> loop_rows;
  std::vector<JsonNode> expressions;
  std::string unseen;
};

// A file holds one per statement, kept until its analysis ends: the fields
// most statements leave empty are out of line (BodyParts, reading), and the
// kind is a view of a static name, so that a statement takes 80 bytes, not 192.
struct Statement {
  std::uint32_t begin = 0;          // first byte of the statement's first token
  std::uint32_t end = 0;            // one past its last token (the ';' is not included)
  std::uint32_t location_base = 0;  // add to a parse-tree "location" to get a file offset
  std::uint32_t first_token = 0;    // [first_token, end_token) index ParsedFile::tokens
  std::uint32_t end_token = 0;
  // A statement inside another's body (a DO block, a function or procedure
  // body, or a literal EXECUTE string in one): its enclosing statement's
  // index in ParsedFile::statements, which comes before it. -1: top level.
  int parent = -1;
  StmtKind tag = StmtKind::Other;   // the kind as an enum: cheap to compare and to dispatch on
  // Whether begin/end and location_base are this statement's own. False when
  // its text could not be placed in the file exactly (a body in a string with
  // doubled quotes or escapes): the span is then the enclosing statement's,
  // and the token range is empty.
  bool exact = true;
  bool deferred = false;     // in a function or procedure body: runs when it is called, not now
  bool via_execute = false;  // parsed from a literal EXECUTE string
  // Parse-tree node name, e.g. "AlterTableStmt": static text (TreeKey's
  // names), set by set_kind.
  std::string_view kind;
  Json node;                        // the node's fields (points into ParsedFile::trees; null after lint_source)
  // kind == kUnparsedKind: a statement PostgreSQL 15's grammar rejects (node
  // is null), with what its words establish; the analysis uses it only when
  // the target version is newer than the grammar.
  OutOfLine<TokenReading> reading;

  bool embedded() const { return parent >= 0; }
  void set_kind(std::string_view node_name);

  // In a PL/pgSQL body, inside `FOR rec IN query LOOP` and reading `rec`:
  // that query (a SelectStmt node), whose rows the statement runs once for each.
  const std::optional<Json>& loop_rows() const { return body_parts_.get() ? body_parts_.get()->loop_rows : kNoLoopRows; }
  // A function's or DO block's body beyond its statements: the PL/pgSQL
  // expressions it evaluates (conditions, assignments, PERFORM, FOR ... IN
  // queries), each parsed as a SELECT; and why the SQL the body runs cannot
  // all be seen, as a verb phrase ("EXECUTEs a string built at run time";
  // "" when it can).
  const std::vector<Json>& body_expressions() const {
    return body_parts_.get() ? body_parts_.get()->expressions : kNoExpressions;
  }
  std::string_view body_unseen() const { return body_parts_.get() ? std::string_view(body_parts_.get()->unseen) : ""; }
  BodyParts* body_parts_if_any() { return body_parts_.get(); }
  BodyParts& make_body_parts() { return body_parts_.get_or_make(); }
  // Drops the trees loop_rows and body_expressions point into (their file's are freed).
  void release_body_trees() {
    if (BodyParts* parts = body_parts_.get()) {
      parts->loop_rows.reset();
      std::vector<Json>().swap(parts->expressions);  // clear() would keep the capacity
    }
  }

 private:
  static inline const std::optional<Json> kNoLoopRows;
  static inline const std::vector<Json> kNoExpressions;
  OutOfLine<BodyParts> body_parts_;
};
static_assert(sizeof(Statement) <= 80, "a big file holds one Statement per statement: keep rare fields out of line");

inline constexpr std::string_view kUnparsedKind = "UnparsedStmt";

enum class ProblemKind { SyntaxError, MetaCommand, Placeholder, TooDeep };

struct ParseProblem {
  ProblemKind kind;
  std::uint32_t begin;
  std::uint32_t end;
  std::string message;
  // A SyntaxError from the SQL grammar (not a PL/pgSQL compile error): on a
  // newer PostgreSQL the statement may be valid syntax the grammar predates.
  bool grammar = false;
  std::string read_from_words = {};  // describe() of the statement's TokenReading
};

struct ParsedFile {
  std::shared_ptr<const SourceFile> source;
  std::vector<Token> tokens;
  std::vector<Statement> statements;
  std::vector<ParseProblem> problems;
  std::vector<std::shared_ptr<JsonDocument>> trees;  // own the statements' parse trees
  double parse_seconds = 0;  // wall time parse_file took (JUnit's per-file time)

  // Comment tokens, in file order.
  std::vector<const Token*> comments() const;
  std::string_view text(const Token& t) const {
    return std::string_view(source->text).substr(t.begin, t.end - t.begin);
  }
  std::string_view text(const Statement& s) const {
    return std::string_view(source->text).substr(s.begin, s.end - s.begin);
  }
  // The innermost statement whose span holds `offset` (an embedded statement
  // rather than the DO block around it), or npos.
  std::size_t statement_at(std::uint32_t offset) const;

  // Template placeholders ({{ ... }}, ${...}) are parsed as identifiers of
  // the same length (placeholder_identifier); each one's identifier and text.
  std::vector<std::pair<std::string, std::string>> placeholders;
  // `text` (a message naming objects) with the placeholders' identifiers
  // shown as the template text they stand for.
  std::string restore_placeholders(std::string text) const;
};

// The identifier a placeholder is parsed as: as long as it (offsets stay
// valid), and the same for the same text in every file (so a table created
// as `{{ .Schema }}.users` in one migration is the one the next alters),
// `_` and hexadecimal digits of a hash of the text, padded with `x`.
std::string placeholder_identifier(std::string_view placeholder);

ParsedFile parse_file(std::shared_ptr<const SourceFile> source);

// How parse_file splits a big file: into runs of whole statements of about
// `chunk_bytes` each, parsed on up to `threads` threads (0: one per core).
// The result does not depend on either; tests vary them to show it.
struct ChunkSettings {
  std::size_t chunk_bytes = 256 * 1024;
  unsigned threads = 0;
};
ParsedFile parse_file(std::shared_ptr<const SourceFile> source, const ChunkSettings& chunking);

}  // namespace migrasafe
