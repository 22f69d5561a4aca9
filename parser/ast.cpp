#include "parser/ast.h"

namespace migrasafe::ast {

std::vector<std::string> strings(const Json& items) {
  std::vector<std::string> out;
  if (!items.is_array()) return out;
  for (const Json& item : items) {
    if (auto s = as<"String">(item)) out.emplace_back(str(*s, "sval"));
  }
  return out;
}

}  // namespace migrasafe::ast
