#include "rules/suppressions.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <string>

namespace migrasafe {
namespace {

struct Suppression {
  std::vector<RuleId> rules;
  std::uint32_t comment_begin, comment_end;
  bool whole_file;
  bool squawk;  // a squawk-ignore comment
  std::uint32_t covers_begin = 0, covers_end = 0;  // the statement it covers
  bool used = false;
};

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// The comment's text without its -- or /* */ markers.
std::string_view comment_body(std::string_view text) {
  if (text.starts_with("--")) return trim(text.substr(2));
  text.remove_prefix(2);
  if (text.ends_with("*/")) text.remove_suffix(2);
  return trim(text);
}

bool take_prefix(std::string_view& s, std::string_view prefix) {
  if (!s.starts_with(prefix)) return false;
  std::string_view rest = s.substr(prefix.size());
  if (!rest.empty() && !std::isspace(static_cast<unsigned char>(rest.front())) && rest.front() != ':') return false;
  s = trim(rest);
  return true;
}

}  // namespace

bool is_statement_ignore(std::string_view comment) {
  std::string_view body = comment_body(comment);
  std::string_view probe = body;
  if (take_prefix(probe, "migrasafe-ignore-file") || take_prefix(probe, "squawk-ignore-file")) return false;
  return take_prefix(body, "migrasafe-ignore") || take_prefix(body, "squawk-ignore");
}

namespace {

class Reader {
 public:
  Reader(const ParsedFile& file, std::vector<Diagnostic>& out, bool report_invalid)
      : file_(file), out_(out), report_invalid_(report_invalid) {}

  std::vector<Suppression> run() {
    std::vector<Suppression> found;
    for (const Token* c : file_.comments()) {
      std::string_view body = comment_body(file_.text(*c));
      bool squawk = false, whole_file = false;
      if (take_prefix(body, "migrasafe-ignore-file")) whole_file = true;
      else if (take_prefix(body, "migrasafe-ignore")) whole_file = false;
      else if (take_prefix(body, "squawk-ignore-file")) squawk = whole_file = true;
      else if (take_prefix(body, "squawk-ignore")) squawk = true;
      else continue;
      Suppression s{{}, c->begin, c->end, whole_file, squawk};
      if (parse(body, squawk, *c, s.rules)) {
        if (!whole_file && !cover_next_statement(s)) {
          invalid(*c, "this ignore comment is not followed by a statement to cover");
          continue;
        }
        found.push_back(std::move(s));
      }
    }
    return found;
  }

 private:
  // "r1, r2: reason" (migrasafe) or "r1,r2" / "r1 r2" (squawk).
  bool parse(std::string_view body, bool squawk, const Token& c, std::vector<RuleId>& rules) {
    std::string_view list = body, reason;
    if (auto colon = body.find(':'); colon != std::string_view::npos) {
      list = body.substr(0, colon);
      reason = trim(body.substr(colon + 1));
    }
    if (!squawk && reason.empty()) {
      invalid(c, "an ignore comment needs a reason: `-- migrasafe-ignore <rule>: <why it is safe here>`");
      return false;
    }
    std::string name;
    auto flush = [&]() -> bool {
      if (name.empty()) return true;
      auto found = find_rules(name);
      if (found.empty()) {
        invalid(c, "unknown rule `" + name + "` in ignore comment (see `migrasafe rules`)");
        return false;
      }
      for (const RuleInfo* r : found) rules.push_back(r->id);
      name.clear();
      return true;
    };
    for (char ch : list) {
      if (ch == ',' || std::isspace(static_cast<unsigned char>(ch))) {
        if (!flush()) return false;
      } else {
        name += ch;
      }
    }
    if (!flush()) return false;
    if (rules.empty() && !squawk) {
      invalid(c, "an ignore comment must name the rules it suppresses");
      return false;
    }
    if (rules.empty()) {
      // squawk-ignore-file without names covers every rule; squawk's bare
      // squawk-ignore covers nothing, and saying so is more useful than silence.
      return false;
    }
    return true;
  }

  bool cover_next_statement(Suppression& s) {
    // In a DO block's or function's body, the next statement of that body.
    std::uint32_t limit = UINT32_MAX;
    std::size_t in = file_.statement_at(s.comment_begin);
    if (in < file_.statements.size() && in + 1 < file_.statements.size() &&
        file_.statements[in + 1].parent == static_cast<int>(in))
      limit = file_.statements[in].end;
    // Statements are in order of their begin: the first one at or after the
    // comment (or past the body's end) is found by binary search.
    const std::vector<Statement>& all = file_.statements;
    auto next = std::lower_bound(all.begin(), all.end(), std::min(limit, s.comment_end),
                                 [](const Statement& st, std::uint32_t offset) { return st.begin < offset; });
    if (next == all.end() || next->begin >= limit) return false;
    s.covers_begin = next->begin;
    s.covers_end = next->end;
    return true;
  }

  void invalid(const Token& c, std::string message) {
    if (!report_invalid_) return;
    out_.push_back({RuleId::invalid_suppression, rule_info(RuleId::invalid_suppression).severity, c.begin, c.end,
                    std::move(message),
                    "Write `-- migrasafe-ignore <rule>[, <rule>]: <reason>` on the line above the statement, or "
                    "`-- migrasafe-ignore-file <rule>: <reason>` anywhere in the file."});
  }

  const ParsedFile& file_;
  std::vector<Diagnostic>& out_;
  bool report_invalid_;
};

// The ignores indexed by the statement they cover and by rule, so that each
// finding looks up only the ignores of its rule on the statements that hold
// it, instead of every ignore in the file (40,000 ignores took seconds).
class SuppressionIndex {
 public:
  explicit SuppressionIndex(std::vector<Suppression>& all) {
    std::vector<Suppression*> local;
    for (Suppression& s : all) {
      if (s.whole_file) add(file_wide_, s);
      else local.push_back(&s);
    }
    // By begin, the enclosing statement before the statements it holds.
    std::stable_sort(local.begin(), local.end(), [](const Suppression* a, const Suppression* b) {
      return a->covers_begin != b->covers_begin ? a->covers_begin < b->covers_begin : a->covers_end > b->covers_end;
    });
    std::vector<int> open;  // the spans that hold the current one (statement spans nest or are disjoint)
    for (Suppression* s : local) {
      if (spans_.empty() || spans_.back().begin != s->covers_begin || spans_.back().end != s->covers_end) {
        while (!open.empty() && spans_[open.back()].end < s->covers_begin) open.pop_back();
        spans_.push_back({s->covers_begin, s->covers_end, open.empty() ? -1 : open.back(), {}});
        open.push_back(static_cast<int>(spans_.size()) - 1);
      }
      add(spans_.back().by_rule, *s);
    }
  }

  // Whether an ignore covers the finding; marks every ignore that does as used.
  bool suppress(const Diagnostic& d) {
    bool hit = mark(file_wide_, d.rule);
    // The last span that begins at or before the finding, then the spans that
    // hold it: every span holding the finding is among them.
    auto after = std::upper_bound(spans_.begin(), spans_.end(), d.begin,
                                  [](std::uint32_t offset, const Span& s) { return offset < s.begin; });
    for (int i = static_cast<int>(after - spans_.begin()) - 1; i >= 0; i = spans_[i].parent)
      if (d.begin <= spans_[i].end) hit |= mark(spans_[i].by_rule, d.rule);
    return hit;
  }

 private:
  struct Ignores {
    std::vector<Suppression*> list;
    bool marked = false;  // all of them are marked used already
  };
  using ByRule = std::map<RuleId, Ignores>;
  struct Span {
    std::uint32_t begin, end;
    int parent;  // the span that holds this one, or -1
    ByRule by_rule;
  };

  static void add(ByRule& by_rule, Suppression& s) {
    for (RuleId id : s.rules) {
      auto& ignores = by_rule[id].list;
      if (ignores.empty() || ignores.back() != &s) ignores.push_back(&s);  // a rule named twice
    }
  }

  static bool mark(ByRule& by_rule, RuleId rule) {
    auto it = by_rule.find(rule);
    if (it == by_rule.end()) return false;
    if (!it->second.marked) {
      for (Suppression* s : it->second.list) s->used = true;
      it->second.marked = true;
    }
    return true;
  }

  ByRule file_wide_;
  std::vector<Span> spans_;
};

}  // namespace

void apply_suppressions(const ParsedFile& file, const std::vector<bool>& enabled, std::vector<Diagnostic>& diagnostics) {
  auto on = [&](RuleId id) { return enabled[static_cast<std::size_t>(id)]; };
  std::vector<Diagnostic> added;
  std::vector<Suppression> suppressions = Reader(file, added, on(RuleId::invalid_suppression)).run();
  if (suppressions.empty() && added.empty()) return;

  SuppressionIndex index(suppressions);
  std::erase_if(diagnostics, [&](const Diagnostic& d) { return index.suppress(d); });

  if (on(RuleId::unused_suppression)) {
    for (const Suppression& s : suppressions) {
      // An ignore for a rule switched off on the command line is not stale.
      bool any_enabled = std::any_of(s.rules.begin(), s.rules.end(), on);
      if (s.used || !any_enabled) continue;
      std::string names;
      for (RuleId id : s.rules) names += (names.empty() ? "" : ", ") + std::string(rule_info(id).name);
      // squawk reports its own unused ignores as notes: a team switching over keeps that.
      Severity severity = s.squawk ? Severity::Note : rule_info(RuleId::unused_suppression).severity;
      added.push_back({RuleId::unused_suppression, severity, s.comment_begin,
                       s.comment_end,
                       "this ignore comment suppresses nothing: no " + names + " finding " +
                           (s.whole_file ? "in this file" : "on the statement it covers"),
                       "Remove the comment, or move it to the line above the statement it was meant for."});
    }
  }
  diagnostics.insert(diagnostics.end(), added.begin(), added.end());
}

}  // namespace migrasafe
