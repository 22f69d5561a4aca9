#pragma once
// Small read helpers over libpg_query's JSON parse tree. Absent fields read
// as empty: the JSON output omits fields that hold their default value.
#include <string>
#include <string_view>
#include <vector>

#include "parser/parse.h"

namespace migrasafe::ast {

inline const Json* field(const Json& node, std::string_view key) { return node.get(key); }

inline std::string_view str(const Json& node, std::string_view key) {
  const Json* f = field(node, key);
  return f ? f->as_string() : std::string_view();
}

inline bool flag(const Json& node, std::string_view key) {
  const Json* f = field(node, key);
  return f && f->as_bool();
}

inline long num(const Json& node, std::string_view key, long fallback = 0) {
  const Json* f = field(node, key);
  return f && f->is_number_integer() ? f->as_int() : fallback;
}

// A wrapped node is {"Kind": {...}}; these read its kind and its fields.
inline std::string_view kind(const Json& wrapped) {
  return wrapped.is_object() && wrapped.size() == 1 ? wrapped.members_begin()->key : std::string_view();
}
inline const Json& inner(const Json& wrapped) { return wrapped.members_begin()->value; }

// The fields of `wrapped` when it is a node of the given kind, else nullptr.
inline const Json* as(const Json& wrapped, std::string_view k) {
  return kind(wrapped) == k ? &inner(wrapped) : nullptr;
}

// The elements of a list field (empty when absent).
inline const Json& list(const Json& node, std::string_view key) {
  static const Json empty;  // null: an empty range
  const Json* f = field(node, key);
  return f && f->is_array() ? *f : empty;
}

// [{"String":{"sval":"a"}}, ...] -> {"a", ...}
std::vector<std::string> strings(const Json& list);

// Calls f(kind, fields) for every wrapped node under `node`, depth first.
template <class F>
void walk(const Json& node, F&& f) {
  if (node.is_array()) {
    for (const Json& e : node) walk(e, f);
  } else if (node.is_object()) {
    // Node kinds are capitalised ("ColumnRef"); field names are not.
    const auto* m = node.members_begin();
    if (node.size() == 1 && m->value.is_object() && !m->key.empty() && m->key[0] >= 'A' && m->key[0] <= 'Z')
      f(m->key, m->value);
    for (const auto& [key, value] : node.items()) walk(value, f);
  }
}

// NULL, or a cast of NULL (DEFAULT NULL::text).
inline bool is_null_constant(const Json& expr) {
  if (const Json* cast = as(expr, "TypeCast")) {
    const Json* arg = field(*cast, "arg");
    return arg && is_null_constant(*arg);
  }
  const Json* c = as(expr, "A_Const");
  return c && flag(*c, "isnull");
}

// Location of a node's "location" field, or -1.
inline long location(const Json& node) { return num(node, "location", -1); }

}  // namespace migrasafe::ast
