#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <unordered_map>

#include "reporters/reporters.h"

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

std::string statement_summary(const FileResult& f, std::size_t index, std::size_t width) {
  return one_line_summary(f.parsed.text(f.parsed.statements[index]), width);
}

std::string one_line_summary(std::string_view text, std::size_t width) {
  std::string out;
  bool space = false;
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  if (count_code_points(out) > width) {
    out.resize(byte_offset_of_code_point(out, width - 1));
    out += "…";
  }
  return out;
}

std::vector<std::vector<const Diagnostic*>> findings_by_statement(const FileResult& f) {
  const auto& statements = f.parsed.statements;
  std::vector<std::vector<const Diagnostic*>> out(statements.size());
  for (const Diagnostic& d : f.diagnostics)
    if (std::size_t s = f.parsed.statement_at(d.begin); s < statements.size()) out[s].push_back(&d);
  return out;
}

std::string_view held_until_name(const LockHold& h) { return h.until_transaction_end ? "transaction" : "statement"; }

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

// One step of UTF-8 decoding at s[i]: a valid sequence (its length and code
// point), or the maximal subpart of an ill-formed one (Unicode 3.9, "U+FFFD
// substitution of maximal subparts": the bytes up to the first one that
// cannot continue it, at least one), which is what nlohmann::json's
// error_handler_t::replace and most decoders turn into one U+FFFD.
struct Utf8Step {
  std::size_t length;
  bool valid;
  char32_t cp;
};

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

}  // namespace

std::string visible_controls(std::string_view s, bool keep_line_breaks) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    auto [n, valid, cp] = decode_utf8(s, i);
    if (!valid) {  // not UTF-8: show the bytes
      for (std::size_t k = 0; k < n; ++k) append_hex_escape(out, static_cast<unsigned char>(s[i + k]));
      i += n;
      continue;
    }
    if (cp < 0x20 || cp == 0x7f) {
      if (cp == '\t' || (keep_line_breaks && (cp == '\n' || cp == '\r'))) out += static_cast<char>(cp);
      else append_hex_escape(out, static_cast<unsigned char>(cp));
    } else if (cp >= 0x80 && cp <= 0x9f) {
      append_hex_escape(out, static_cast<unsigned char>(cp));
    } else if ((cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069)) {
      static const char* hex = "0123456789abcdef";
      out += "\\u{";
      for (int shift = 12; shift >= 0; shift -= 4) out += hex[(cp >> shift) & 15];
      out += '}';
    } else {
      out.append(s.substr(i, n));
    }
    i += n;
  }
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

namespace {

// Tokens [first, last) without comments, single-spaced, unquoted words in lower case.
std::string normalized_tokens(const ParsedFile& p, std::size_t first, std::size_t last) {
  std::string out;
  for (std::size_t i = first; i < last && i < p.tokens.size(); ++i) {
    const Token& t = p.tokens[i];
    if (is_comment(t.kind)) continue;
    if (!out.empty()) out += ' ';
    std::string_view text = p.text(t);
    if (t.kind == TokenKind::Word) {
      for (char c : text) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else {
      out += text;
    }
  }
  return out;
}

// The normalized text of the tokens overlapping [begin, end); the raw text if none do.
std::string normalized_span(const ParsedFile& p, std::uint32_t begin, std::uint32_t end) {
  auto first = std::partition_point(p.tokens.begin(), p.tokens.end(), [&](const Token& t) { return t.end <= begin; });
  auto last = first;
  while (last != p.tokens.end() && last->begin < end) ++last;
  if (first == last) {
    std::string_view text = std::string_view(p.source->text);
    return std::string(text.substr(std::min<std::size_t>(begin, text.size()), end > begin ? end - begin : 0));
  }
  return normalized_tokens(p, static_cast<std::size_t>(first - p.tokens.begin()),
                           static_cast<std::size_t>(last - p.tokens.begin()));
}

}  // namespace

std::vector<std::string> finding_fingerprints(const FileResult& f) { return finding_fingerprints(f, f.path); }

std::vector<std::string> finding_fingerprints(const FileResult& f, std::string_view path) {
  const ParsedFile& p = f.parsed;
  std::vector<std::string> out;
  out.reserve(f.diagnostics.size());
  std::unordered_map<std::string, std::size_t> seen;
  for (const Diagnostic& d : f.diagnostics) {
    // The statement the finding is in; else the parse problem (e.g. the
    // text that failed to parse) it is in.
    std::size_t s = p.statement_at(d.begin);
    std::string context;
    if (s < p.statements.size()) {
      context = normalized_tokens(p, p.statements[s].first_token, p.statements[s].end_token);
    } else {
      for (const ParseProblem& problem : p.problems)
        if (d.begin >= problem.begin && d.begin < std::max(problem.end, problem.begin + 1)) {
          context = normalized_span(p, problem.begin, problem.end);
          break;
        }
    }
    std::string key(path);
    key += '\0';
    key += rule_info(d.rule).code;
    key += '\0';
    key += context;
    key += '\0';
    key += normalized_span(p, d.begin, d.end);
    std::size_t occurrence = seen[key]++;
    key += '\0';
    key += std::to_string(occurrence);
    out.push_back(sha256_hex(key));
  }
  return out;
}

}  // namespace migrasafe
