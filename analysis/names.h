#pragma once
#include <string>

namespace migrasafe {

// A schema-qualified object name. Unqualified names are resolved against the
// search_path in effect when the statement runs (see Context::qualify).
struct QualifiedName {
  std::string schema;
  std::string name;
  std::string str() const { return schema.empty() ? name : schema + "." + name; }
  bool operator==(const QualifiedName&) const = default;
  auto operator<=>(const QualifiedName&) const = default;
};

}  // namespace migrasafe
