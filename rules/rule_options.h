#pragma once
// A rule's own options, [rules.<name>] in .migrasafe.toml: the rule declares
// the keys it takes (RuleHooks::options, next to its check), the
// configuration validates that table against the declaration, and the rule
// reads the values from what it is given (StatementView::options).
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "rules/registry.h"

namespace re2 {
class RE2;
}

namespace migrasafe {

enum class OptionType {
  Duration,  // "5s", "500ms", "1min", or a number of milliseconds (as PostgreSQL reads a time setting)
  Pattern,   // an RE2 regular expression
};

// One key a rule takes.
struct RuleOption {
  std::string_view key;
  OptionType type;
};

// One configured value, as its type reads it.
struct OptionValue {
  std::string text;                         // as written, for messages
  long milliseconds = 0;                    // Duration
  std::shared_ptr<const re2::RE2> pattern;  // Pattern
};

// A rule's configured values by key; a key not set is absent.
class RuleOptionValues {
 public:
  const OptionValue* find(std::string_view key) const {
    auto it = values_.find(key);
    return it == values_.end() ? nullptr : &it->second;
  }
  std::optional<long> duration_ms(std::string_view key) const {
    const OptionValue* v = find(key);
    return v ? std::optional<long>(v->milliseconds) : std::nullopt;
  }
  bool empty() const { return values_.empty(); }
  // False when the key is set already.
  bool set(std::string_view key, OptionValue value) { return values_.emplace(std::string(key), std::move(value)).second; }

 private:
  std::map<std::string, OptionValue, std::less<>> values_;
};

// Every rule's configured values (only rules with some are stored).
class RuleOptionSet {
 public:
  const RuleOptionValues& of(RuleId id) const {
    static const RuleOptionValues none;
    auto it = by_rule_.find(id);
    return it == by_rule_.end() ? none : it->second;
  }
  RuleOptionValues& of(RuleId id) { return by_rule_[id]; }

 private:
  std::map<RuleId, RuleOptionValues> by_rule_;
};

// The options rule `id` declares (empty when it takes none).
std::span<const RuleOption> declared_options(RuleId id);
const RuleOption* find_declared_option(RuleId id, std::string_view key);

// "max_lock_timeout (a duration), ..." for messages; "" when the rule takes none.
std::string describe_options(RuleId id);

// Reads an option's value from text (a fixture header, a configuration
// string): nullopt when it does not read as one, with `error` saying what a
// duration must be ("must be a positive duration ...") or why a pattern is
// not a regular expression (RE2's message). A duration must be positive and
// at most PostgreSQL's limit (an int of milliseconds).
std::optional<OptionValue> read_option(const RuleOption& option, const std::string& text, std::string& error);
// A duration given as a number of milliseconds.
std::optional<OptionValue> read_duration_ms(long long milliseconds, std::string& error);
std::string_view expected_value(OptionType type);  // "a duration such as ..." for messages

}  // namespace migrasafe
