#pragma once
// The rule documentation pages (docs/rules/<name>.md), embedded in the binary
// at build time by cmake/embed_docs.cmake.
#include <string_view>
#include <vector>

namespace migrasafe {

struct RuleDoc {
  std::string_view name;      // the rule's kebab name (the page's file name)
  std::string_view markdown;  // the page as written
};

const std::vector<RuleDoc>& rule_docs();

}  // namespace migrasafe
