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

Fix add_concurrently(std::uint32_t at) { return Fix{"Add CONCURRENTLY", {TextEdit{at, at, " CONCURRENTLY"}}}; }

}  // namespace fixes
}  // namespace migrasafe
