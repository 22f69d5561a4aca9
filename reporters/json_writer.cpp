#include "reporters/json_writer.h"

namespace migrasafe {
namespace {

// The bytes escape_string stops at: those JSON escapes (quote, backslash,
// C0 controls, and DEL, which the report has always escaped) and non-ASCII
// ones (checked for UTF-8).
constexpr auto kSpecial = [] {
  std::array<bool, 256> special{};
  for (int c = 0; c < 256; ++c) special[c] = c < 0x20 || c == '"' || c == '\\' || c >= 0x7f;
  return special;
}();

// Whether one of the 16 bytes at `p` is in kSpecial: a byte below 0x20,
// '"', '\\', 0x7f, or one with its high bit set. Compared as one vector (a
// few SIMD instructions, GCC and Clang vector extensions), not byte by byte.
constexpr std::size_t kBlock = 16;
bool any_special(const char* p) {
  using Bytes = unsigned char __attribute__((vector_size(kBlock)));
  Bytes x;
  std::memcpy(&x, p, kBlock);
  const auto special = (x < 0x20) | (x >= 0x7f) | (x == '"') | (x == '\\');
  std::uint64_t halves[2];
  std::memcpy(halves, &special, kBlock);
  return (halves[0] | halves[1]) != 0;
}

// The escape of each ASCII byte in kSpecial, per spelling: the short forms
// JSON has for some, \u00XX for the others.
struct Escape {
  std::array<char, 6> text;
  std::size_t length;
};
using EscapeTable = std::array<Escape, 0x80>;
constexpr EscapeTable escape_table(JsonEscapes escapes) {
  EscapeTable table{};
  constexpr char hex[] = "0123456789abcdef";
  for (int c = 0; c < 0x80; ++c) table[c] = {{'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]}, 6};
  for (auto [c, letter] : {std::pair{'"', '"'}, {'\\', '\\'}, {'\n', 'n'}, {'\r', 'r'}, {'\t', 't'}})
    table[static_cast<unsigned char>(c)] = {{'\\', letter}, 2};
  if (escapes == JsonEscapes::Nlohmann) {
    table['\b'] = {{'\\', 'b'}, 2};
    table['\f'] = {{'\\', 'f'}, 2};
    table[0x7f] = {{'\x7f'}, 1};
  }
  return table;
}
constexpr EscapeTable kReportEscapes = escape_table(JsonEscapes::Report);
constexpr EscapeTable kNlohmannEscapes = escape_table(JsonEscapes::Nlohmann);

}  // namespace

char* JsonWriter::escape_string(char* out, std::string_view text, JsonEscapes escapes) {
  const EscapeTable& table = escapes == JsonEscapes::Report ? kReportEscapes : kNlohmannEscapes;
  const char* s = text.data();
  const std::size_t n = text.size();
  std::size_t i = 0;
  while (true) {
    // Plain bytes (most text) are copied a block at a time while none of
    // the block needs attention, then one at a time up to the next one that does.
    while (i + kBlock <= n && !any_special(s + i)) {
      std::memcpy(out, s + i, kBlock);
      out += kBlock, i += kBlock;
    }
    while (i < n && !kSpecial[static_cast<unsigned char>(s[i])]) *out++ = s[i++];
    if (i == n) return out;
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      const Escape& e = table[c];
      out = copy(out, {e.text.data(), e.length});
      ++i;
      continue;
    }
    const Utf8Step step = decode_utf8(text, i);
    out = step.valid ? copy(out, text.substr(i, step.length)) : copy(out, "\xEF\xBF\xBD");  // U+FFFD
    i += step.length;
  }
}

}  // namespace migrasafe
