#include "rules/rule_options.h"

#include <re2/re2.h>

#include <limits>

#include "analysis/context.h"  // parse_duration_ms

namespace migrasafe {

const RuleOption* find_declared_option(RuleId id, std::string_view key) {
  for (const RuleOption& o : declared_options(id))
    if (o.key == key) return &o;
  return nullptr;
}

std::string_view expected_value(OptionType type) {
  switch (type) {
    case OptionType::Duration:
      return "a positive duration of at most 2147483647ms (PostgreSQL's limit, about 24 days) such as \"5s\", "
             "\"500ms\" or \"1min\"";
    case OptionType::Pattern: return "an RE2 regular expression (a string)";
  }
  return "";
}

std::string describe_options(RuleId id) {
  std::string out;
  for (const RuleOption& o : declared_options(id))
    out += (out.empty() ? "" : ", ") + std::string(o.key) + (o.type == OptionType::Duration ? " (a duration)" : " (a pattern)");
  return out;
}

std::optional<OptionValue> read_duration_ms(long long milliseconds, std::string& error) {
  if (milliseconds <= 0 || milliseconds > std::numeric_limits<int>::max()) {
    error = "must be " + std::string(expected_value(OptionType::Duration));
    return std::nullopt;
  }
  return OptionValue{std::to_string(milliseconds) + "ms", static_cast<long>(milliseconds), nullptr};
}

std::optional<OptionValue> read_option(const RuleOption& option, const std::string& text, std::string& error) {
  switch (option.type) {
    case OptionType::Duration: {
      auto ms = parse_duration_ms(text);
      if (!ms) {
        error = "must be " + std::string(expected_value(OptionType::Duration));
        return std::nullopt;
      }
      auto value = read_duration_ms(*ms, error);
      if (value) value->text = text;
      return value;
    }
    case OptionType::Pattern: {
      auto re = std::make_shared<const re2::RE2>(text, re2::RE2::Quiet);
      if (!re->ok()) {
        error = re->error();
        return std::nullopt;
      }
      return OptionValue{text, 0, std::move(re)};
    }
  }
  return std::nullopt;
}

}  // namespace migrasafe
