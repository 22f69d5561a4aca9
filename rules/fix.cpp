#include "rules/fix.h"

#include <algorithm>

namespace migrasafe {
namespace {

// Edits conflict when their ranges intersect, or when they start at the same
// offset (two insertions there, or an insertion before a replacement, have no
// one right order).
bool conflict(const TextEdit& a, const TextEdit& b) {
  return a.begin == b.begin || (a.begin < b.end && b.begin < a.end);
}

bool well_formed(const Fix& fix, std::size_t size) {
  for (std::size_t i = 0; i < fix.edits.size(); ++i) {
    const TextEdit& e = fix.edits[i];
    if (e.begin > e.end || e.end > size) return false;
    for (std::size_t j = 0; j < i; ++j)
      if (conflict(e, fix.edits[j])) return false;
  }
  return !fix.edits.empty();
}

}  // namespace

FixOutcome apply_fixes(std::string_view text, const std::vector<Diagnostic>& diagnostics) {
  FixOutcome out;
  std::vector<TextEdit> taken;
  for (const Diagnostic& d : diagnostics) {
    if (!d.fix) continue;
    bool ok = well_formed(*d.fix, text.size()) &&
              std::none_of(d.fix->edits.begin(), d.fix->edits.end(), [&](const TextEdit& e) {
                return std::any_of(taken.begin(), taken.end(), [&](const TextEdit& t) { return conflict(e, t); });
              });
    if (!ok) {
      ++out.skipped;
      continue;
    }
    taken.insert(taken.end(), d.fix->edits.begin(), d.fix->edits.end());
    ++out.applied;
  }
  std::sort(taken.begin(), taken.end(), [](const TextEdit& a, const TextEdit& b) { return a.begin < b.begin; });
  std::size_t at = 0;
  for (const TextEdit& e : taken) {
    out.text.append(text.substr(at, e.begin - at));
    out.text += e.replacement;
    at = e.end;
  }
  out.text.append(text.substr(at));
  return out;
}

std::size_t syntax_error_count(const ParsedFile& file) {
  return static_cast<std::size_t>(std::count_if(file.problems.begin(), file.problems.end(),
                                                 [](const ParseProblem& p) { return p.kind == ProblemKind::SyntaxError; }));
}

namespace fixes {

const Statement& outermost(const StatementView& v) {
  const Statement* s = &v.stmt;
  while (s->embedded()) s = &v.file.statements[static_cast<std::size_t>(s->parent)];
  return *s;
}

namespace {
// The file has a top-level statement besides the one holding `v.stmt`.
bool has_other_statement(const StatementView& v) {
  const Statement* top = &outermost(v);
  return std::any_of(v.file.statements.begin(), v.file.statements.end(),
                     [&](const Statement& s) { return !s.embedded() && &s != top; });
}
}  // namespace

bool outside_transaction(const StatementView& v) {
  if (v.ctx.in_transaction() || v.stmt.embedded()) return false;
  return !(v.ctx.options().single_query && has_other_statement(v));
}

bool lone_query(const StatementView& v) {
  return v.ctx.options().single_query && !has_other_statement(v);
}

std::optional<std::uint32_t> after_leading_keywords(const StatementView& v, std::initializer_list<std::string_view> words) {
  const auto& toks = v.file.tokens;
  const std::string& text = v.file.source->text;
  std::size_t i = v.stmt.first_token;
  if (i >= toks.size() || toks[i].begin != v.stmt.begin) return std::nullopt;  // no tokens of its own
  std::uint32_t end = 0;
  for (std::string_view w : words) {
    while (i < v.stmt.end_token && is_comment(toks[i].kind)) ++i;
    if (i >= v.stmt.end_token || (!w.empty() && !token_is(text, toks[i], w))) return std::nullopt;
    end = toks[i++].end;
  }
  return end;
}

namespace {
// The line break that ends the line holding `at`, else the one before it; "\n" in a file of one line.
std::string line_break_near(std::string_view text, std::size_t at) {
  std::size_t end = text.find_first_of("\r\n", at);
  if (end == std::string_view::npos) {
    std::size_t before = text.find_last_of("\r\n", at == 0 ? 0 : at - 1);
    if (at == 0 || before == std::string_view::npos) return "\n";
    end = text[before] == '\n' && before > 0 && text[before - 1] == '\r' ? before - 1 : before;
  }
  if (text[end] == '\n') return "\n";
  return end + 1 < text.size() && text[end + 1] == '\n' ? "\r\n" : "\r";
}
}  // namespace

TextEdit insert_line(std::string_view text, std::uint32_t at, std::string_view line) {
  constexpr std::string_view bom = "\xEF\xBB\xBF";
  std::size_t first = text.starts_with(bom) ? bom.size() : 0;  // the mark is not part of the first line
  at = std::max<std::uint32_t>(at, static_cast<std::uint32_t>(first));
  std::size_t line_start = at == 0 ? 0 : text.find_last_of("\r\n", at - 1);
  line_start = line_start == std::string_view::npos || at == 0 ? first : std::max(line_start + 1, first);
  std::string_view indent = text.substr(line_start, at - line_start);
  bool own_line = std::all_of(indent.begin(), indent.end(), [](char c) { return c == ' ' || c == '\t'; });
  std::string nl = line_break_near(text, at);
  std::string inserted = own_line ? std::string(line) + nl + std::string(indent) : nl + std::string(line) + nl;
  return TextEdit{at, at, std::move(inserted)};
}

Fix add_concurrently(std::uint32_t at) { return Fix{"Add CONCURRENTLY", {TextEdit{at, at, " CONCURRENTLY"}}}; }

}  // namespace fixes
}  // namespace migrasafe
