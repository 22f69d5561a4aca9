#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <cstring>

#include "reporters/byte_block.h"
#include "reporters/reporters.h"
#include "sources/discovery.h"
#include "sources/paths.h"

namespace migrasafe {

Counts count(const RunResult& run) {
  Counts c;
  for (const FileResult& f : run.files) {
    ++c.files;
    if (!f.input_error.empty()) ++c.input_errors;
    for (const Statement& s : f.parsed.statements) c.statements += !s.embedded();
    for (const Diagnostic& d : f.diagnostics) {
      if (d.severity == Severity::Error) ++c.errors;
      else if (d.severity == Severity::Warning) ++c.warnings;
      else ++c.notes;
    }
  }
  return c;
}

Range range_of(const FileResult& f, std::uint32_t begin, std::uint32_t end) {
  const LineIndex& lines = f.parsed.source->lines;
  return {lines.position(begin), lines.position(end)};
}

Position PositionCursor::at(std::uint32_t offset) { return last_ = source_->lines.position(offset, last_.line); }

std::string statement_summary(const FileResult& f, std::size_t index, std::size_t width) {
  return one_line_summary(f.parsed.text(f.parsed.statements[index]), width);
}

std::string one_line_summary(std::string_view text, std::size_t width) {
  std::string out;
  one_line_summary(out, text, width);
  return out;
}

namespace {

// isspace in the C locale, without a call per byte.
bool is_space(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

// The bytes that end a word of a summary's ASCII path, as bits (block_bits):
// whitespace (is_space's six) and bytes that are not ASCII.
unsigned word_ends(const char* p) {
  const ByteBlock x = load_block(p);
  return block_bits((x == ' ') | ((x >= '\t') & (x <= '\r')) | (x >= 0x80));
}

// one_line_summary of text that is ASCII up to where its summary ends (most
// SQL): a byte is a code point, so the summary is the first width + 1 bytes
// of the collapsed text, its words copied a block at a time, shortened when
// it has them all. Only the text up to there is read (a function body is
// not walked to its end). false (`out` unspecified) at a byte that is not
// ASCII.
bool ascii_summary(std::string& out, std::string_view text, std::size_t width) {
  out.resize(width + 1 + kByteBlock);  // width + 1 bytes and a block's overrun, or width - 1 and the ellipsis
  char* const begin = out.data();
  char* const full = begin + width + 1;
  char* p = begin;
  const char* s = text.data();
  const std::size_t n = text.size();
  std::size_t i = 0;
  char tail[kByteBlock] = {};
  while (p < full) {
    while (i < n && is_space(s[i])) ++i;
    if (i == n) break;
    if (p != begin) {
      *p++ = ' ';  // between words
      if (p == full) break;
    }
    std::size_t copied;
    do {  // the word: a block at a time, the output moved on to where it ends
      const TextBlock block = text_block(s, n, i, tail);
      std::memcpy(p, block.bytes, kByteBlock);
      const unsigned ends = word_ends(block.bytes) | block.past_end;
      copied = ends ? static_cast<std::size_t>(std::countr_zero(ends)) : kByteBlock;
      p += copied, i += copied;
    } while (copied == kByteBlock && p < full);
    if (p < full && i < n && static_cast<unsigned char>(s[i]) >= 0x80) return false;
  }
  if (p >= full) {
    p = begin + width - 1;
    std::memcpy(p, "…", 3);
    p += 3;
  }
  out.resize(static_cast<std::size_t>(p - begin));
  return true;
}

}  // namespace

void one_line_summary(std::string& out, std::string_view text, std::size_t width) {
  if (width > 0 && ascii_summary(out, text, width)) return;
  // Words are copied whole, with one space between them, up to the first
  // character past `width`: a long function body is not copied whole. They
  // are written through `out`'s buffer, `used` bytes of it (a statement's
  // words are short: an append each cost more than scanning them), kept 4
  // bytes larger than what is written (a space, the ellipsis); the summary
  // is no longer than the text, and it takes at most 4 bytes a code point
  // unless the text is not UTF-8.
  constexpr std::size_t kRoom = 4;
  out.resize(std::min(text.size(), 4 * (width + 1)) + kRoom);
  std::size_t used = 0;
  std::size_t code_points = 0;  // in `out`
  std::size_t cut = std::string::npos;  // where `out` reached width - 1 code points: the end of a shortened summary
  for (std::size_t i = 0; code_points <= width;) {
    while (i < text.size() && is_space(text[i])) ++i;
    if (i == text.size()) break;
    if (used) {
      if (code_points + 1 == width) cut = used;
      out[used++] = ' ';
      ++code_points;
    }
    const std::size_t word = i;
    // Most SQL is ASCII: a byte is a code point, and a word takes as many as fit at once.
    for (std::size_t fit = std::min(text.size(), i + (width + 1 - code_points)); i < fit && !is_space(text[i]) &&
                                                                              static_cast<unsigned char>(text[i]) < 0x80;)
      ++i;
    code_points += i - word;
    if (code_points + 1 > width && cut == std::string::npos && width > 0)
      cut = used + (width - 1) - (code_points - (i - word));
    for (; i < text.size() && !is_space(text[i]); ++i) {
      if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) continue;  // inside a code point
      if (code_points > width) break;
      if (code_points + 1 == width) cut = used + (i - word);
      ++code_points;
    }
    if (used + (i - word) + kRoom > out.size()) out.resize(std::max(2 * out.size(), used + (i - word) + kRoom));
    std::memcpy(out.data() + used, text.data() + word, i - word);
    used += i - word;
  }
  if (code_points > width) {
    used = std::min(cut, used);
    std::memcpy(out.data() + used, "…", 3);
    used += 3;
  }
  out.resize(used);
}

std::vector<std::vector<const Diagnostic*>> findings_by_statement(const FileResult& f) {
  const auto& statements = f.parsed.statements;
  std::vector<std::vector<const Diagnostic*>> out(statements.size());
  for (const Diagnostic& d : f.diagnostics)
    if (std::size_t s = f.parsed.statement_at(d.begin); s < statements.size()) out[s].push_back(&d);
  return out;
}

std::string_view held_until_name(const LockHold& h) { return h.until_transaction_end ? "transaction" : "statement"; }

std::string lock_held_until(const LineIndex& lines, const Statement& s, const LockHold& hold) {
  if (s.deferred) return "the end of the caller's transaction";
  if (!hold.until_transaction_end) return "the end of the statement";
  if (hold.transaction_end)
    return "the end of the transaction (line " + std::to_string(lines.position(*hold.transaction_end).line) + ")";
  return hold.implicit_block ? "the end of the file (it runs as one implicit transaction)"
                             : "the end of the transaction (the runner's COMMIT after the file)";
}

std::string effects_work(const Effects& e) {
  if (e.rewrite == Tri::Yes) return "rewrites the table and its indexes";
  if (e.rewrite == Tri::Unknown) return "may rewrite the table (depends on the schema)";
  if (e.scan == Tri::Yes) return "reads the whole table";
  if (e.scan == Tri::Unknown) return "may read the whole table";
  return "catalog only";
}

std::string report_path(const RunResult& run, const FileResult& f) {
  if (run.root.empty() || f.path == kStdinName) return f.path;
  return path_relative_to(f.path, run.root);
}

std::string path_to_uri(const std::string& path) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  if (!path.empty() && path[0] == '/') out = "file://";
  for (unsigned char c : path) {
    if (std::isalnum(c) || c == '/' || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

namespace {

void append_hex_escape(std::string& out, unsigned char c) {
  out += "\\x";
  out += "0123456789abcdef"[c >> 4];
  out += "0123456789abcdef"[c & 15];
}

}  // namespace

Utf8Step decode_utf8(std::string_view s, std::size_t i) {
  auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = b(i);
  if (c < 0x80) return {1, true, c};
  std::size_t n;
  unsigned char lo = 0x80, hi = 0xBF;  // the range of the second byte
  char32_t cp;
  if (c >= 0xC2 && c <= 0xDF) n = 2, cp = c & 0x1F;
  else if (c >= 0xE0 && c <= 0xEF) n = 3, cp = c & 0x0F, lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
  else if (c >= 0xF0 && c <= 0xF4) n = 4, cp = c & 0x07, lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
  else return {1, false, 0};
  for (std::size_t k = 1; k < n; ++k) {
    unsigned char first = k == 1 ? lo : 0x80, last = k == 1 ? hi : 0xBF;
    if (i + k >= s.size() || b(i + k) < first || b(i + k) > last) return {k, false, 0};
    cp = (cp << 6) | (b(i + k) & 0x3F);
  }
  return {n, true, cp};
}

namespace {

// Bidirectional controls: overrides and isolates (the "Trojan Source" ones,
// which reorder how the text around them is displayed) and the marks.
bool is_bidi_control(char32_t cp) {
  return (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200E || cp == 0x200F ||
         cp == 0x061C;
}

// East Asian Wide and Fullwidth characters (Unicode's EastAsianWidth.txt W
// and F, by block) take two terminal columns.
bool is_wide(char32_t cp) {
  static constexpr std::pair<char32_t, char32_t> wide[] = {
      {0x1100, 0x115F},   {0x231A, 0x231B},   {0x2329, 0x232A},   {0x23E9, 0x23EC},   {0x23F0, 0x23F0},
      {0x23F3, 0x23F3},   {0x25FD, 0x25FE},   {0x2614, 0x2615},   {0x2648, 0x2653},   {0x267F, 0x267F},
      {0x2693, 0x2693},   {0x26A1, 0x26A1},   {0x26AA, 0x26AB},   {0x26BD, 0x26BE},   {0x26C4, 0x26C5},
      {0x26CE, 0x26CE},   {0x26D4, 0x26D4},   {0x26EA, 0x26EA},   {0x26F2, 0x26F3},   {0x26F5, 0x26F5},
      {0x26FA, 0x26FA},   {0x26FD, 0x26FD},   {0x2705, 0x2705},   {0x270A, 0x270B},   {0x2728, 0x2728},
      {0x274C, 0x274C},   {0x274E, 0x274E},   {0x2753, 0x2755},   {0x2757, 0x2757},   {0x2795, 0x2797},
      {0x27B0, 0x27B0},   {0x27BF, 0x27BF},   {0x2B1B, 0x2B1C},   {0x2B50, 0x2B50},   {0x2B55, 0x2B55},
      {0x2E80, 0x303E},   {0x3041, 0x33FF},   {0x3400, 0x4DBF},   {0x4E00, 0x9FFF},   {0xA000, 0xA4CF},
      {0xA960, 0xA97F},   {0xAC00, 0xD7A3},   {0xF900, 0xFAFF},   {0xFE10, 0xFE19},   {0xFE30, 0xFE6F},
      {0xFF00, 0xFF60},   {0xFFE0, 0xFFE6},   {0x16FE0, 0x16FE4}, {0x17000, 0x18CFF}, {0x1B000, 0x1B2FF},
      {0x1F004, 0x1F004}, {0x1F0CF, 0x1F0CF}, {0x1F18E, 0x1F18E}, {0x1F191, 0x1F19A}, {0x1F200, 0x1F2FF},
      {0x1F300, 0x1F64F}, {0x1F680, 0x1F6FF}, {0x1F7E0, 0x1F7EB}, {0x1F90C, 0x1F9FF}, {0x1FA70, 0x1FAFF},
      {0x20000, 0x2FFFD}, {0x30000, 0x3FFFD}};
  auto it = std::upper_bound(std::begin(wide), std::end(wide), cp,
                             [](char32_t c, const std::pair<char32_t, char32_t>& r) { return c < r.first; });
  return it != std::begin(wide) && cp <= (it - 1)->second;
}

// Combining marks, zero-width joiners and variation selectors take no column
// of their own.
bool is_zero_width(char32_t cp) {
  return (cp >= 0x0300 && cp <= 0x036F) || (cp >= 0x1AB0 && cp <= 0x1AFF) || (cp >= 0x1DC0 && cp <= 0x1DFF) ||
         (cp >= 0x200B && cp <= 0x200D) || (cp >= 0x20D0 && cp <= 0x20FF) || (cp >= 0xFE00 && cp <= 0xFE0F) ||
         (cp >= 0xFE20 && cp <= 0xFE2F) || cp == 0xFEFF;
}

}  // namespace

ShownChar shown_char(std::string_view s, std::size_t i, bool keep_line_breaks) {
  if (is_plain_ascii(s[i])) return ShownChar{1, std::string(1, s[i]), 1};
  auto [n, valid, cp] = decode_utf8(s, i);
  ShownChar c{n, {}, 0};
  if (!valid) {  // not UTF-8: show the bytes
    for (std::size_t k = 0; k < n; ++k) append_hex_escape(c.text, static_cast<unsigned char>(s[i + k]));
  } else if (cp < 0x20 || cp == 0x7f) {
    if (cp == '\t' || (keep_line_breaks && (cp == '\n' || cp == '\r'))) c.text = static_cast<char>(cp);
    else append_hex_escape(c.text, static_cast<unsigned char>(cp));
  } else if (cp >= 0x80 && cp <= 0x9f) {
    append_hex_escape(c.text, static_cast<unsigned char>(cp));
  } else if (is_bidi_control(cp)) {
    static const char* hex = "0123456789abcdef";
    c.text = "\\u{";
    for (int shift = 12; shift >= 0; shift -= 4) c.text += hex[(cp >> shift) & 15];
    c.text += '}';
  } else {
    c.text = s.substr(i, n);
    c.columns = is_wide(cp) ? 2 : is_zero_width(cp) ? 0 : 1;
    return c;
  }
  c.columns = c.text == "\t" ? 1 : static_cast<int>(c.text.size());  // escapes are ASCII
  return c;
}

std::string visible_controls(std::string_view s, bool keep_line_breaks) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    std::size_t plain = i;  // a run of printable ASCII is copied whole
    while (plain < s.size() && is_plain_ascii(s[plain])) ++plain;
    out.append(s.substr(i, plain - i));
    i = plain;
    if (i == s.size()) break;
    ShownChar c = shown_char(s, i, keep_line_breaks);
    out += c.text;
    i += c.length;
  }
  return out;
}

std::string escape_bytes(std::string_view s, const ByteEscapes& escapes) {
  std::string out;
  out.reserve(s.size());
  std::size_t run = 0;  // the start of the bytes kept since the last escape
  for (std::size_t i = 0; i < s.size(); ++i) {
    const std::string_view escape = escapes[static_cast<unsigned char>(s[i])];
    if (escape.empty()) continue;
    out.append(s, run, i - run);
    out += escape;
    run = i + 1;
  }
  out.append(s, run, s.size() - run);
  return out;
}

std::string valid_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    auto [n, valid, cp] = decode_utf8(s, i);
    if (valid) out.append(s.substr(i, n));
    else out += "\xEF\xBF\xBD";  // U+FFFD REPLACEMENT CHARACTER
    i += n;
  }
  return out;
}

}  // namespace migrasafe
