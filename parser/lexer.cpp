#include "parser/lexer.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <cstring>
#include <future>
#include <system_error>

#include "parser/lex_halves.h"
#include "parser/timings.h"

namespace migrasafe {
namespace {

// Character classes as <cctype> has them in the "C" locale (migrasafe never
// calls setlocale), without a library call per byte: the lexer's hot loop.
constexpr bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
constexpr bool is_alpha(unsigned char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }
constexpr bool is_alnum(unsigned char c) { return is_alpha(c) || is_digit(c); }
constexpr bool is_space(unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

constexpr bool ident_start(unsigned char c) { return is_alpha(c) || c == '_' || c >= 0x80; }
constexpr bool ident_char(unsigned char c) { return is_alnum(c) || c == '_' || c == '$' || c >= 0x80; }

// The same classes as one table lookup per byte, for the loops that run over
// most of a file's bytes (words and white space) and for the choice of token
// at each token's first byte.
enum ByteClass : std::uint8_t {
  kIdentChar = 1,
  kBlank = 2,  // white space other than a line break
  kIdentStart = 4,
  kLineBreak = 8,
};
constexpr std::array<std::uint8_t, 256> kByteClasses = [] {
  std::array<std::uint8_t, 256> classes{};
  for (int c = 0; c < 256; ++c) {
    const auto u = static_cast<unsigned char>(c);
    const bool line_break = u == '\n' || u == '\r';
    classes[u] = static_cast<std::uint8_t>((ident_char(u) ? kIdentChar : 0) | (is_space(u) && !line_break ? kBlank : 0) |
                                           (ident_start(u) ? kIdentStart : 0) | (line_break ? kLineBreak : 0));
  }
  return classes;
}();
bool in_class(char c, ByteClass k) { return kByteClasses[static_cast<unsigned char>(c)] & k; }

class Lexer {
 public:
  // Lexes `s` from byte `from` (a line's start, when not 0).
  explicit Lexer(std::string_view s, std::size_t from = 0) : s_(s), i_(from) {}

  std::vector<Token> run() {
    std::vector<Token> out;
    out.reserve((s_.size() - i_) / 4);
    run_until(out, s_.size());
    return out;
  }

  // Appends to `out` (the tokens before i_) those up to the first that
  // begins at or after `stop`, or spans it.
  void run_until(std::vector<Token>& out, std::size_t stop) {
    if (i_ == 0 && s_.starts_with("\xEF\xBB\xBF")) i_ = 3;  // a UTF-8 byte order mark is not part of the SQL
    const std::size_t limit = std::min(stop, s_.size());
    while (i_ < limit) {
      unsigned char c = s_[i_];
      const std::uint8_t cls = kByteClasses[c];
      if (cls & kBlank) {
        i_ = skip_class(i_ + 1, kBlank);
        continue;
      }
      if (cls & kLineBreak) {
        at_line_start_ = true;
        i_ += c == '\r' && peek(1) == '\n' ? 2 : 1;
        if (copy_data_follows_) copy_data(out);
        continue;
      }
      std::size_t b = i_;
      bool line_start = at_line_start_;
      at_line_start_ = false;
      Token t{TokenKind::Punct, 0, 0};
      // Words first: the most common tokens, and no other case starts at a letter, '_' or a byte above 0x7F.
      if (cls & kIdentStart) {
        i_ = skip_class(i_ + 1, kIdentChar);
        t.kind = TokenKind::Word;
        // A string prefix (E'', B'', X'', U&'') belongs to the string.
        if (i_ < s_.size() && s_[i_] == '\'' && i_ - b <= 2) {
          bool esc = (i_ - b == 1) && (c == 'e' || c == 'E');
          t.kind = TokenKind::String;
          t.unterminated = !quoted('\'', esc);
        }
      } else {
        other_token(c, line_start, t);
      }
      t.begin = static_cast<std::uint32_t>(b);
      t.end = static_cast<std::uint32_t>(i_);
      out.push_back(t);
      if (t.kind == TokenKind::MetaCommand || (t.kind == TokenKind::Punct && c == ';')) note_statement_end(out);
    }
  }

  // Whether this lexer, run until `at` with `out` so far, goes on as one
  // started at `at` does: there, at a line's start, between statements,
  // with no COPY data to read.
  bool fresh_at(std::size_t at, const std::vector<Token>& out) const {
    return i_ == at && at_line_start_ && !copy_data_follows_ && statement_start_ == out.size();
  }

  // Whether the text has a token that is neither a comment nor a `;`, as
  // run() would find it, without building the list: the scan stops there.
  bool has_statement() {
    if (s_.starts_with("\xEF\xBB\xBF")) i_ = 3;
    while (i_ < s_.size()) {
      const unsigned char c = s_[i_];
      if (is_space(c) || c == ';') {
        ++i_;
      } else if (c == '-' && peek(1) == '-') {
        i_ = line_end(i_ + 2);
      } else if (c == '/' && peek(1) == '*') {
        block_comment();
      } else {
        return true;
      }
    }
    return false;
  }

 private:
  // A token that is not a word, starting at i_ (byte `c`): sets its kind and
  // moves i_ past it.
  void other_token(unsigned char c, bool line_start, Token& t) {
    switch (c) {
      case '-':
        if (peek(1) == '-') {
          i_ = line_end(i_ + 2);
          t.kind = TokenKind::LineComment;
          return;
        }
        break;
      case '/':
        if (peek(1) == '*') {
          t.kind = TokenKind::BlockComment;
          t.unterminated = !block_comment();
          return;
        }
        break;
      case '\\':
        if (line_start) {
          i_ = line_end(i_ + 1);
          t.kind = TokenKind::MetaCommand;
          return;
        }
        break;
      case '{':
        if (peek(1) == '{') {
          t.kind = placeholder(true) ? TokenKind::Placeholder : TokenKind::Punct;
          return;
        }
        break;
      case '"':
        if (peek(1) == '{' && peek(2) == '{' && quoted_placeholder()) {
          t.kind = TokenKind::Placeholder;  // "{{ .Schema "x" }}": Go templates quote inside
          return;
        }
        t.kind = TokenKind::QuotedIdent;
        t.unterminated = !quoted('"', false);
        return;
      case '\'':
        t.kind = TokenKind::String;
        t.unterminated = !quoted('\'', false);
        return;
      case '$':
        if (peek(1) == '{') {
          t.kind = placeholder(false) ? TokenKind::Placeholder : TokenKind::Punct;
          return;
        }
        if (is_digit(static_cast<unsigned char>(peek(1)))) {
          ++i_;
          while (i_ < s_.size() && is_digit(static_cast<unsigned char>(s_[i_]))) ++i_;
          t.kind = TokenKind::Param;
          return;
        }
        if (dollar_quote(t)) return;
        break;
      default: break;
    }
    if (is_digit(c) || (c == '.' && is_digit(static_cast<unsigned char>(peek(1))))) {
      while (i_ < s_.size() && (is_alnum(static_cast<unsigned char>(s_[i_])) || s_[i_] == '.' || s_[i_] == '_')) {
        if (s_[i_] == '.' && peek(1) == '.') break;  // 1..2 is not a number
        ++i_;
      }
      t.kind = TokenKind::Number;
      return;
    }
    ++i_;
    t.kind = TokenKind::Punct;
  }

  char peek(std::size_t k) const { return i_ + k < s_.size() ? s_[i_ + k] : '\0'; }

  // The first offset at or after `from` whose byte is not of class `k`: a
  // loop over local pointers, which the compiler keeps in registers (through
  // the member offset it stored and reloaded at each byte).
  std::size_t skip_class(std::size_t from, ByteClass k) const {
    const char* p = s_.data() + from;
    const char* const end = s_.data() + s_.size();
    while (p < end && in_class(*p, k)) ++p;
    return static_cast<std::size_t>(p - s_.data());
  }

  // The offset of the first line break at or after `from`, or the end.
  std::size_t line_end(std::size_t from) const {
    if (from >= s_.size()) return s_.size();
    const char* p = s_.data() + from;
    const std::size_t rest = s_.size() - from;
    const void* lf = std::memchr(p, '\n', rest);
    const std::size_t to_lf = lf ? static_cast<std::size_t>(static_cast<const char*>(lf) - p) : rest;
    const void* cr = std::memchr(p, '\r', to_lf);  // a lone CR is a line break too
    return from + (cr ? static_cast<std::size_t>(static_cast<const char*>(cr) - p) : to_lf);
  }

  // i_ is on the opening quote. E'...' strings (backslash_escapes) also end
  // only at an unescaped quote.
  bool quoted(char q, bool backslash_escapes) {
    ++i_;
    while (i_ < s_.size()) {
      char c = s_[i_];
      if (backslash_escapes && c == '\\') { i_ += 2; continue; }
      if (c == q) {
        if (peek(1) == q) { i_ += 2; continue; }
        ++i_;
        return true;
      }
      ++i_;
    }
    i_ = s_.size();
    return false;
  }

  bool block_comment() {
    int depth = 0;
    while (i_ < s_.size()) {
      if (s_[i_] == '/' && peek(1) == '*') { ++depth; i_ += 2; continue; }
      if (s_[i_] == '*' && peek(1) == '/') {
        i_ += 2;
        if (--depth == 0) return true;
        continue;
      }
      ++i_;
    }
    return false;
  }

  bool placeholder(bool braces) {
    std::string_view close = braces ? "}}" : "}";
    std::size_t j = i_ + 2;
    while (j < s_.size() && s_[j] != '\n' && s_[j] != '\r') {
      if (s_.substr(j, close.size()) == close) {
        i_ = j + close.size();
        return true;
      }
      ++j;
    }
    ++i_;
    return false;
  }

  // A template placeholder written as a quoted identifier, "{{ ... }}", may
  // itself contain quotes; it ends at the first `}}"` on the same line.
  bool quoted_placeholder() {
    std::size_t j = i_ + 3;
    while (j + 2 < s_.size() && s_[j] != '\n' && s_[j] != '\r') {
      if (s_.compare(j, 3, "}}\"") == 0) {
        i_ = j + 3;
        return true;
      }
      ++j;
    }
    return false;
  }

  bool dollar_quote(Token& t) {
    std::size_t j = i_ + 1;
    if (j < s_.size() && ident_start(s_[j])) {
      while (j < s_.size() && ident_char(s_[j]) && s_[j] != '$') ++j;
    }
    if (j >= s_.size() || s_[j] != '$') return false;
    std::string_view tag = s_.substr(i_, j - i_ + 1);
    std::size_t close = s_.find(tag, j + 1);
    t.kind = TokenKind::String;
    if (close == std::string_view::npos) {
      i_ = s_.size();
      t.unterminated = true;
    } else {
      i_ = close + tag.size();
    }
    return true;
  }

  bool is_word(const Token& t, std::string_view keyword) const { return token_is(s_, t, keyword); }

  // After the last token of a statement (its `;`, or a psql \copy line):
  // psql reads the data of COPY ... FROM STDIN from the lines that follow.
  void note_statement_end(const std::vector<Token>& out) {
    const Token& last = out.back();
    if (last.kind == TokenKind::MetaCommand) {
      copy_data_follows_ = reads_stdin_copy(s_.substr(last.begin, last.end - last.begin));
    } else if (last.kind == TokenKind::Punct && s_[last.begin] == ';') {
      std::size_t first = statement_start_;
      while (first < out.size() && is_comment(out[first].kind)) ++first;
      copy_data_follows_ = false;
      if (first < out.size() && is_word(out[first], "COPY"))
        for (std::size_t k = first + 1; k + 1 < out.size(); ++k)
          if (is_word(out[k], "FROM") && is_word(out[k + 1], "STDIN")) copy_data_follows_ = true;
    } else {
      return;
    }
    statement_start_ = out.size();
  }

  // A psql `\copy t FROM stdin` meta-command (case-insensitive).
  static bool reads_stdin_copy(std::string_view line) {
    std::string lower;
    for (char c : line) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return lower.starts_with("\\copy") && lower.find(" from stdin") != std::string::npos;
  }

  // i_ is at the start of the line after the COPY: the data runs to the line
  // that is exactly `\.` (included), or to the end of the input.
  void copy_data(std::vector<Token>& out) {
    copy_data_follows_ = false;
    std::size_t b = i_;
    while (i_ < s_.size()) {
      std::size_t eol = s_.find('\n', i_);
      std::size_t next = eol == std::string_view::npos ? s_.size() : eol + 1;
      std::string_view line = s_.substr(i_, (eol == std::string_view::npos ? s_.size() : eol) - i_);
      if (line.ends_with('\r')) line.remove_suffix(1);
      if (line == "\\.") {
        out.push_back({TokenKind::CopyData, static_cast<std::uint32_t>(b), static_cast<std::uint32_t>(i_ + line.size())});
        i_ += line.size();
        statement_start_ = out.size();
        return;
      }
      i_ = next;
    }
    if (i_ > b) out.push_back({TokenKind::CopyData, static_cast<std::uint32_t>(b), static_cast<std::uint32_t>(i_)});
    statement_start_ = out.size();
  }

  std::string_view s_;
  std::size_t i_ = 0;
  bool at_line_start_ = true;
  std::size_t statement_start_ = 0;  // index in the output of the current statement's first token
  bool copy_data_follows_ = false;   // a COPY ... FROM STDIN ended on this line
};

}  // namespace

std::vector<Token> lex(std::string_view text) { return lex(text, kLexHalvesFromBytes); }

std::vector<Token> lex(std::string_view text, std::size_t halves_from) {
  // The second half starts after a statement's last line near the middle,
  // where the first half's lexer most likely is as a new one starts (not
  // in a string, a comment or COPY data): checked when it gets there.
  const std::size_t end_line = text.size() >= halves_from ? text.find(";\n", text.size() / 2) : std::string_view::npos;
  if (end_line == std::string_view::npos) return Lexer(text).run();
  const std::size_t half = end_line + 2;
  std::future<std::vector<Token>> second;
  try {
    second = std::async(std::launch::async, [text, half] {
      PhaseTimer timer(RunPhase::Parse);  // the helper thread's share (lex runs in parse_file's)
      return Lexer(text, half).run();
    });
  } catch (const std::system_error&) {  // no thread to be had
    return Lexer(text).run();
  }
  Lexer first(text);
  std::vector<Token> out;
  out.reserve(text.size() / 4);
  first.run_until(out, half);
  std::vector<Token> rest = second.get();
  if (first.fresh_at(half, out)) out.insert(out.end(), rest.begin(), rest.end());
  else first.run_until(out, text.size());  // the second half's tokens are not the file's: lexed on from here
  return out;
}

bool token_is(std::string_view text, const Token& t, std::string_view keyword) {
  if (t.kind != TokenKind::Word || t.end - t.begin != keyword.size()) return false;
  for (std::size_t i = 0; i < keyword.size(); ++i)
    if (std::toupper(static_cast<unsigned char>(text[t.begin + i])) != keyword[i]) return false;
  return true;
}

std::string ident_value(std::string_view text, TokenKind kind) {
  std::string out;
  if (kind == TokenKind::QuotedIdent) {
    if (text.size() >= 2) text = text.substr(1, text.size() - 2);
    for (std::size_t i = 0; i < text.size(); ++i) {
      out += text[i];
      if (text[i] == '"' && i + 1 < text.size() && text[i + 1] == '"') ++i;
    }
    return out;
  }
  for (char c : text) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

namespace {

// PostgreSQL's reserved and type/function-name keywords: as identifiers they
// must be quoted. (Quoting any other lower-case name is harmless too.)
constexpr std::array<std::string_view, 100> kReservedWords = {
    "all", "analyse", "analyze", "and", "any", "array", "as", "asc", "asymmetric", "authorization", "binary", "both",
    "case", "cast", "check", "collate", "collation", "column", "concurrently", "constraint", "create", "cross",
    "current_catalog", "current_date", "current_role", "current_schema", "current_time", "current_timestamp",
    "current_user", "default", "deferrable", "desc", "distinct", "do", "else", "end", "except", "false", "fetch",
    "for", "foreign", "freeze", "from", "full", "grant", "group", "having", "ilike", "in", "initially", "inner",
    "intersect", "into", "is", "isnull", "join", "lateral", "leading", "left", "like", "limit", "localtime",
    "localtimestamp", "natural", "not", "notnull", "null", "offset", "on", "only", "or", "order", "outer",
    "overlaps", "placing", "primary", "references", "returning", "right", "select", "session_user", "similar",
    "some", "symmetric", "table", "tablesample", "then", "to", "trailing", "true", "union", "unique", "user",
    "using", "variadic", "verbose", "when", "where", "window", "with"};

}  // namespace

std::string quote_literal(std::string_view text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

std::string quote_ident(std::string_view name) {
  bool bare = !name.empty() && !(name[0] >= '0' && name[0] <= '9') && name[0] != '$';
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '$')) bare = false;
  if (bare && std::find(kReservedWords.begin(), kReservedWords.end(), name) != kReservedWords.end()) bare = false;
  if (bare) return std::string(name);
  std::string out = "\"";
  for (char c : name) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

namespace {

// Whether `text` says `irreversible` in any case, as a comment lowered by
// std::tolower in the "C" locale would say it.
bool says_irreversible(std::string_view text) {
  constexpr std::string_view kWord = "irreversible";
  if (text.size() < kWord.size()) return false;
  const std::size_t last = text.size() - kWord.size();  // the last offset the word can start at
  // `| 0x20` lowers exactly A-Z among the bytes that can match a lower-case letter.
  auto word_at = [&](std::size_t at) {
    for (std::size_t k = 0; k < kWord.size(); ++k)
      if ((text[at + k] | 0x20) != kWord[k]) return false;
    return true;
  };
  // Eight bytes a step: only a block with an `i` or `I` in it is looked at
  // byte by byte (the test may also pass a block without one, never miss one).
  constexpr std::uint64_t kOnes = 0x0101010101010101ull, kHighBits = 0x8080808080808080ull;
  std::size_t at = 0;
  for (; at + 8 <= text.size(); at += 8) {
    std::uint64_t block;
    std::memcpy(&block, text.data() + at, 8);
    const std::uint64_t differs = (block | 0x20 * kOnes) ^ ('i' * kOnes);  // a zero byte where 'i' or 'I' is
    if (((differs - kOnes) & ~differs & kHighBits) == 0) continue;
    for (std::size_t k = at; k < at + 8 && k <= last; ++k)
      if (word_at(k)) return true;
  }
  for (; at <= last; ++at)
    if (word_at(at)) return true;
  return false;
}

}  // namespace

bool is_empty_script(std::string_view text, bool& irreversible) {
  irreversible = false;
  bool empty = true, on_purpose = false;
  // With a statement in it, only a comment saying `irreversible` can change
  // the answer: most down scripts have one, and need not be lexed whole.
  if (!says_irreversible(text) && Lexer(text).has_statement()) return false;
  for (const Token& t : lex(text)) {
    if (is_comment(t.kind)) {
      std::string comment(text.substr(t.begin, t.end - t.begin));
      for (char& c : comment) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (comment.find("irreversible") != std::string::npos) irreversible = true;
      // A note that the script is empty on purpose ("intentionally left
      // blank", "the forward migration is destructive", "no down migration
      // because ...").
      for (std::string_view words : {"intentional", "left blank", "destructive", "not reversible", "no down migration",
                                     "no downmigration", "no down-migration", "no down script", "no rollback"})
        if (comment.find(words) != std::string::npos) on_purpose = true;
    } else if (!(t.kind == TokenKind::Punct && text.substr(t.begin, t.end - t.begin) == ";")) {
      empty = false;
    }
  }
  irreversible = irreversible || (empty && on_purpose);
  return empty;
}

}  // namespace migrasafe
