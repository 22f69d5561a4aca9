#include "engine/fingerprint.h"

#include <algorithm>
#include <cctype>
#include <unordered_map>

#include "parser/sha256.h"

namespace migrasafe {

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
