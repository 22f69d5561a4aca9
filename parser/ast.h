#pragma once
// Small read helpers over the parse tree (in the shape of libpg_query's JSON).
// Absent fields read as empty: the tree omits fields that hold their default
// value.
//
// Every node and field name given to these helpers is checked when it
// compiles: it must be a name PostgreSQL 15's parse nodes (or libpg_query's
// PL/pgSQL nodes) really have, so a misspelt key fails the build instead of
// reading "" at run time. The names are generated from the same server
// headers the raw parse tree is built from (parser/gen_raw_nodes.py).
#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "parser/parse.h"

namespace migrasafe::ast {

namespace names {
#include "generated/parse_node_names.inc"

// Not constexpr: reaching one of these while a name is checked at compile
// time fails the build with its name in the message.
void no_parse_node_has_a_field_of_this_name();
void no_parse_node_has_this_name();
}  // namespace names

// A field name of a parse node, checked at compile time: `ast::str(n, "relnam")`
// does not build. Construct one only from a string literal.
class FieldName {
 public:
  consteval FieldName(const char* name) : name_(name) {
    if (!std::binary_search(std::begin(names::kParseFieldNames), std::end(names::kParseFieldNames), name_))
      names::no_parse_node_has_a_field_of_this_name();
  }
  std::string_view view() const { return name_; }

 private:
  std::string_view name_;
};

// A parse node's name ("ColumnDef", "PLpgSQL_expr"), checked like FieldName.
class NodeName {
 public:
  consteval NodeName(const char* name) : name_(name) {
    if (!std::binary_search(std::begin(names::kParseNodeNames), std::end(names::kParseNodeNames), name_))
      names::no_parse_node_has_this_name();
  }
  std::string_view view() const { return name_; }

 private:
  std::string_view name_;
};

inline const Json* field(const Json& node, FieldName key) { return node.get(key.view()); }

inline std::string_view str(const Json& node, FieldName key) {
  const Json* f = field(node, key);
  return f ? f->as_string() : std::string_view();
}

inline bool flag(const Json& node, FieldName key) {
  const Json* f = field(node, key);
  return f && f->as_bool();
}

inline long num(const Json& node, FieldName key, long fallback = 0) {
  const Json* f = field(node, key);
  return f && f->is_number_integer() ? f->as_int() : fallback;
}

// A wrapped node is {"Kind": {...}}; these read its kind and its fields.
inline std::string_view kind(const Json& wrapped) {
  return wrapped.is_object() && wrapped.size() == 1 ? wrapped.members_begin()->key() : std::string_view();
}
inline const Json& inner(const Json& wrapped) { return wrapped.members_begin()->value; }

// The fields of `wrapped` when it is a node of the given kind, else nullptr.
inline const Json* as(const Json& wrapped, NodeName k) {
  return kind(wrapped) == k.view() ? &inner(wrapped) : nullptr;
}

// The elements of a list field (empty when absent).
inline const Json& list(const Json& node, FieldName key) {
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
    if (node.size() == 1 && m->value.is_object() && !m->key().empty() && m->key()[0] >= 'A' && m->key()[0] <= 'Z')
      f(m->key(), m->value);
    for (const auto& member : node.items()) walk(member.value, f);
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
