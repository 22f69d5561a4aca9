#pragma once
// A small SQL lexer, used for what libpg_query's parse tree does not give:
// comments (suppressions, fixture expectations), psql meta-commands and
// template placeholders, exact token positions inside a statement, and
// splitting a file into statements when the file as a whole does not parse.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace migrasafe {

enum class TokenKind : std::uint8_t {
  Word,          // identifier or keyword
  QuotedIdent,   // "..."
  String,        // '...', E'...', $tag$...$tag$
  Number,
  Param,         // $1
  Punct,         // ( ) , ; . operators
  LineComment,   // -- ...
  BlockComment,  // /* ... */ (nested)
  MetaCommand,   // psql backslash command, to the end of its line
  Placeholder,   // {{ ... }} or ${ ... } template placeholder
  CopyData,      // the lines after COPY ... FROM STDIN (or \copy), up to the `\.` line: data, not SQL
};

struct Token {
  // Offsets first, so that a token takes 12 bytes, not 16: a file holds about
  // one token per 4 bytes of text, kept until its analysis ends.
  std::uint32_t begin = 0;
  std::uint32_t end = 0;
  TokenKind kind = TokenKind::Punct;
  bool unterminated = false;  // string, quoted identifier or comment hits end of input
  Token() = default;
  Token(TokenKind k, std::uint32_t b, std::uint32_t e, bool open = false) : begin(b), end(e), kind(k), unterminated(open) {}
};
static_assert(sizeof(Token) == 12);

std::vector<Token> lex(std::string_view text);

inline bool is_comment(TokenKind k) { return k == TokenKind::LineComment || k == TokenKind::BlockComment; }

// Case-insensitive comparison of a Word token with an upper-case keyword.
bool token_is(std::string_view text, const Token& t, std::string_view keyword);

// An identifier as SQL needs it written: bare when PostgreSQL would keep it
// as is (lower-case letters, digits, underscores and $, not a reserved or
// type/function-name keyword), else double-quoted.
std::string quote_ident(std::string_view name);
// A string literal as SQL needs it written: single-quoted, quotes doubled.
std::string quote_literal(std::string_view text);

// The identifier a Word or QuotedIdent token spells: unquoted words fold to
// lower case, quoted ones keep their case and lose their quotes.
std::string ident_value(std::string_view text, TokenKind kind);

// A down script that does nothing: only whitespace, semicolons and comments.
// `irreversible`: one of its comments says the migration cannot be undone
// (the word `irreversible`), or the script is empty and a comment says so on
// purpose ("intentionally left blank").
bool is_empty_script(std::string_view text, bool& irreversible);

}  // namespace migrasafe
