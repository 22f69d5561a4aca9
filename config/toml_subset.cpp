#include "config/toml_subset.h"

#include <algorithm>
#include <cstdint>

#include "parser/source.h"  // find_invalid_utf8

namespace migrasafe {
namespace {

struct Reject {
  std::size_t at;
  std::string message;
};

bool is_bare_key_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
// Control characters TOML allows nowhere but as a tab (line breaks are handled apart).
bool is_control(char c) { return (static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f; }

// A recursive-descent reader of the subset that only accepts or rejects.
// Errors are thrown as Reject and caught at the top.
class Checker {
 public:
  explicit Checker(std::string_view text) : s_(text) {}

  void document() {
    while (pos_ < s_.size()) {
      blanks();
      if (at_line_end()) {
        line_end();
        continue;
      }
      if (peek() == '[') header();
      else key_value(0);
      blanks();
      line_end();
    }
  }

 private:
  [[noreturn]] void reject(const std::string& message) const { throw Reject{pos_, message}; }
  char peek(std::size_t ahead = 0) const { return pos_ + ahead < s_.size() ? s_[pos_ + ahead] : '\0'; }
  bool starts(std::string_view word) const { return s_.substr(pos_, word.size()) == word; }
  void expect(char c, const char* what) {
    if (peek() != c || pos_ >= s_.size()) reject(std::string("expected ") + what);
    ++pos_;
  }

  void blanks() {
    while (peek() == ' ' || peek() == '\t') ++pos_;
  }
  bool at_line_end() const { return pos_ >= s_.size() || peek() == '\n' || peek() == '\r' || peek() == '#'; }
  // An optional comment, then a line break or the end of the text.
  void line_end() {
    if (peek() == '#') comment();
    if (pos_ >= s_.size()) return;
    if (peek() == '\r' && peek(1) == '\n') ++pos_;
    if (peek() != '\n') reject(non_ascii() ? "a non-ASCII character outside a string or comment"
                                           : "unexpected text after the value (a comment starts with #)");
    ++pos_;
  }
  // Blanks, comments and line breaks, as arrays allow between their values.
  void spacing() {
    while (true) {
      blanks();
      if (pos_ >= s_.size() || !at_line_end()) return;
      line_end();
    }
  }
  void comment() {
    for (++pos_; pos_ < s_.size() && peek() != '\n' && peek() != '\r'; ++pos_)
      if (is_control(peek())) reject("a control character in a comment");
  }
  bool non_ascii() const { return static_cast<unsigned char>(peek()) >= 0x80; }

  void header() {
    bool array = peek(1) == '[';
    pos_ += array ? 2 : 1;
    blanks();
    key();
    blanks();
    expect(']', array ? "]] to close the [[table]] header" : "] to close the [table] header");
    if (array) expect(']', "]] to close the [[table]] header");
  }

  void key() {
    while (true) {
      simple_key();
      blanks();
      if (peek() != '.') return;
      ++pos_;
      blanks();
    }
  }
  void simple_key() {
    if (peek() == '"' || peek() == '\'') {
      if (peek(1) == peek() && peek(2) == peek()) reject("a key cannot be a multi-line string");
      string();
      return;
    }
    std::size_t start = pos_;
    while (pos_ < s_.size() && is_bare_key_char(peek())) ++pos_;
    if (pos_ == start)
      reject(non_ascii() ? "a non-ASCII character outside a string or comment (quote a key that has one)"
                         : "expected a key (letters, digits, _ and -, or a quoted string)");
  }

  void key_value(int depth) {
    key();
    blanks();
    expect('=', "= after the key");
    blanks();
    value(depth);
  }

  void value(int depth) {
    if (depth >= kMaxTomlNesting) reject("arrays and tables nested too deeply");
    char c = peek();
    if (pos_ >= s_.size()) reject("expected a value");
    if (c == '"' || c == '\'') {
      if (peek(1) == c && peek(2) == c) reject("multi-line strings are not supported in this file");
      string();
    } else if (c == '[') {
      array(depth);
    } else if (c == '{') {
      inline_table(depth);
    } else if (starts("true") || starts("false")) {
      pos_ += c == 't' ? 4 : 5;
      delimited();
    } else if (is_digit(c) || c == '+' || c == '-') {
      integer();
    } else {
      reject(non_ascii() ? "a non-ASCII character outside a string or comment"
                         : "expected a value: a string, an integer, true, false, an array or an inline table");
    }
  }

  // What may follow a scalar: anything else ("1.5", "1979-05-27", "truex") is a value this file does not take.
  void delimited() {
    char c = peek();
    if (pos_ >= s_.size() || c == ' ' || c == '\t' || c == ',' || c == ']' || c == '}' || c == '#' || c == '\n' ||
        c == '\r')
      return;
    reject("unsupported value: settings take strings, decimal integers, true or false, arrays and inline tables "
           "(no floats, dates or times)");
  }

  void integer() {
    if (peek() == '+' || peek() == '-') ++pos_;
    if (!is_digit(peek())) reject("expected a digit");
    if (peek() == '0' && is_digit(peek(1))) reject("an integer cannot start with 0");
    // 18 digits always fit the 64-bit integers toml++ reads.
    std::size_t start = pos_;
    while (is_digit(peek())) ++pos_;
    if (pos_ - start > 18) reject("integer too large");
    delimited();
  }

  void string() {
    char quote = peek();
    for (++pos_;; ++pos_) {
      char c = peek();
      if (pos_ >= s_.size() || c == '\n' || c == '\r') reject("unterminated string (a string ends on its line)");
      if (c == quote) break;
      if (is_control(c)) reject("a control character in a string (write it as an escape such as \\t)");
      if (c == '\\' && quote == '"') escape();
    }
    ++pos_;
  }
  void escape() {
    ++pos_;
    char c = peek();
    if (c == 'b' || c == 't' || c == 'n' || c == 'f' || c == 'r' || c == '"' || c == '\\') return;
    if (c != 'u' && c != 'U') reject("unknown escape sequence in a string");
    std::size_t digits = c == 'u' ? 4 : 8;
    std::uint32_t code = 0;
    for (std::size_t i = 1; i <= digits; ++i) {
      char h = peek(i);
      if (!is_hex(h)) reject("\\u takes 4 and \\U 8 hexadecimal digits");
      code = code * 16 + static_cast<std::uint32_t>(is_digit(h) ? h - '0' : (h | 0x20) - 'a' + 10);
    }
    if (code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) reject("the escape is not a Unicode character");
    pos_ += digits;
  }

  void array(int depth) {
    ++pos_;
    spacing();
    while (peek() != ']') {
      value(depth + 1);
      spacing();
      if (peek() != ',') break;
      ++pos_;
      spacing();
    }
    expect(']', "] or , in the array");
  }

  void inline_table(int depth) {
    ++pos_;
    blanks();
    if (peek() == '}') {
      ++pos_;
      return;
    }
    while (true) {
      key_value(depth + 1);
      blanks();
      if (peek() != ',') break;
      ++pos_;
      blanks();
    }
    expect('}', "} or , in the inline table (it stays on one line)");
  }

  std::string_view s_;
  std::size_t pos_ = 0;
};

}  // namespace

std::optional<TomlSubsetError> check_toml_subset(std::string_view text) {
  std::size_t bad = find_invalid_utf8(text);
  std::optional<Reject> found;
  if (bad != std::string_view::npos) {
    found = Reject{bad, "invalid UTF-8"};
  } else {
    try {
      Checker(text).document();
    } catch (Reject& r) {
      found = std::move(r);
    }
  }
  if (!found) return std::nullopt;
  TomlSubsetError e;
  e.message = std::move(found->message);
  std::size_t at = std::min(found->at, text.size()), line_start = 0;
  for (std::size_t i = 0; i < at; ++i)
    if (text[i] == '\n') {
      ++e.line;
      line_start = i + 1;
    }
  for (std::size_t i = line_start; i < at; ++i)
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) ++e.column;
  return e;
}

}  // namespace migrasafe
