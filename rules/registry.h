#pragma once
// Rule metadata, generated from rules/rules.def.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace migrasafe {

// Codes by hundreds in this order (MS1xx locking ... MS9xx schema design), syntax MS0xx.
enum class Category { Locking, Rewrite, Transaction, DataLoss, Compatibility, Reversibility, History, Idempotency, SchemaDesign, Syntax };
enum class Severity { Note, Warning, Error };

std::string_view category_name(Category c);  // "data-loss"
std::string_view severity_name(Severity s);  // "warning"
std::optional<Severity> parse_severity(std::string_view s);

enum class RuleId {
#define RULE(id, ...) id,
#include "rules/rules.def"
#undef RULE
};

struct RuleInfo {
  RuleId id;
  std::string_view code;
  std::string_view name;
  Category category;
  Severity severity;
  bool default_on;  // false: opt-in, runs only when selected
  bool fixable;
  std::string_view since;
  std::string_view summary;
  std::vector<std::string> aliases;
};

const std::vector<RuleInfo>& all_rules();
// By RuleId: the rules that run when nothing is selected (opt-in ones are off).
std::vector<bool> default_enabled_rules();
const RuleInfo& rule_info(RuleId id);
// The verify-* rules: reported by `migrasafe verify` from what PostgreSQL did, never by `check`.
bool reported_by_verify(const RuleInfo& rule);
// By name, code or alias (case-insensitive); nullptr when unknown. An alias
// may name several rules (squawk's require-timeout-settings): see find_rules.
const RuleInfo* find_rule(std::string_view name);
std::vector<const RuleInfo*> find_rules(std::string_view name);

// Where the rule's documentation lives, for SARIF helpUri and text output.
std::string rule_doc_url(const RuleInfo& r);

}  // namespace migrasafe
