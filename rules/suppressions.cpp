#include "rules/suppressions.h"

#include <algorithm>
#include <cctype>
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
    for (const Statement& st : file_.statements) {
      if (st.begin >= limit) return false;
      if (st.begin >= s.comment_end) {
        s.covers_begin = st.begin;
        s.covers_end = st.end;
        return true;
      }
    }
    return false;
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

bool covers(const Suppression& s, const Diagnostic& d) {
  if (std::find(s.rules.begin(), s.rules.end(), d.rule) == s.rules.end()) return false;
  return s.whole_file || (d.begin >= s.covers_begin && d.begin <= s.covers_end);
}

}  // namespace

void apply_suppressions(const ParsedFile& file, const std::vector<bool>& enabled, std::vector<Diagnostic>& diagnostics) {
  auto on = [&](RuleId id) { return enabled[static_cast<std::size_t>(id)]; };
  std::vector<Diagnostic> added;
  std::vector<Suppression> suppressions = Reader(file, added, on(RuleId::invalid_suppression)).run();
  if (suppressions.empty() && added.empty()) return;

  std::erase_if(diagnostics, [&](const Diagnostic& d) {
    bool suppressed = false;
    for (Suppression& s : suppressions) {
      if (covers(s, d)) {
        s.used = true;
        suppressed = true;
      }
    }
    return suppressed;
  });

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
