#include "rules/registry.h"

#include <algorithm>
#include <cctype>

namespace migrasafe {
namespace {

std::vector<std::string> split_aliases(std::string_view list) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < list.size()) {
    std::size_t comma = list.find(',', start);
    if (comma == std::string_view::npos) comma = list.size();
    if (comma > start) out.emplace_back(list.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

bool reported_by_verify(const RuleInfo& rule) { return rule.name.substr(0, 7) == "verify-"; }

std::string_view category_name(Category c) {
  switch (c) {
    case Category::Locking: return "locking";
    case Category::Rewrite: return "rewrite";
    case Category::Transaction: return "transaction";
    case Category::DataLoss: return "data-loss";
    case Category::Compatibility: return "compatibility";
    case Category::Reversibility: return "reversibility";
    case Category::History: return "history";
    case Category::Idempotency: return "idempotency";
    case Category::SchemaDesign: return "schema-design";
    case Category::Syntax: return "syntax";
  }
  return "";
}

std::string_view severity_name(Severity s) {
  switch (s) {
    case Severity::Note: return "note";
    case Severity::Warning: return "warning";
    case Severity::Error: return "error";
  }
  return "";
}

std::optional<Severity> parse_severity(std::string_view s) {
  if (s == "note") return Severity::Note;
  if (s == "warning") return Severity::Warning;
  if (s == "error") return Severity::Error;
  return std::nullopt;
}

const std::vector<RuleInfo>& all_rules() {
  static const std::vector<RuleInfo> rules = {
#define RULE(id, code, name, category, severity, enabled, fixable, since, summary, aliases)                     \
  {RuleId::id, code,    name, Category::category, Severity::severity, std::string_view(#enabled) == "On", fixable, \
   since,      summary, split_aliases(aliases)},
#include "rules/rules.def"
#undef RULE
  };
  return rules;
}

std::vector<bool> default_enabled_rules() {
  // Built once: every script's options start from it (a copy of a few words),
  // and bit-by-bit push_back cost 2.5K instructions a call.
  static const std::vector<bool> on = [] {
    std::vector<bool> out;
    out.reserve(all_rules().size());
    for (const RuleInfo& r : all_rules()) out.push_back(r.default_on);
    return out;
  }();
  return on;
}

const RuleInfo& rule_info(RuleId id) { return all_rules()[static_cast<std::size_t>(id)]; }

std::vector<const RuleInfo*> find_rules(std::string_view name) {
  std::vector<const RuleInfo*> out;
  for (const RuleInfo& r : all_rules()) {
    if (iequals(r.name, name) || iequals(r.code, name)) return {&r};
  }
  for (const RuleInfo& r : all_rules()) {
    if (std::any_of(r.aliases.begin(), r.aliases.end(), [&](const std::string& a) { return iequals(a, name); }))
      out.push_back(&r);
  }
  return out;
}

const RuleInfo* find_rule(std::string_view name) {
  auto found = find_rules(name);
  return found.empty() ? nullptr : found.front();
}

std::string rule_doc_url(const RuleInfo& r) {
  return "https://github.com/migrasafe/migrasafe/blob/main/docs/rules/" + std::string(r.name) + ".md";
}

}  // namespace migrasafe
