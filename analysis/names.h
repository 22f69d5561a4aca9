#pragma once
#include <functional>
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

// For hash maps of names, where a lookup in a sorted map would compare strings at every level.
struct QualifiedNameHash {
  std::size_t operator()(const QualifiedName& q) const noexcept {
    return std::hash<std::string>{}(q.name) * 31 + std::hash<std::string>{}(q.schema);
  }
};

}  // namespace migrasafe
