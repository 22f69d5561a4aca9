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
using namespace parse_names;  // kParseNodeNames, kParseFieldNames, kNodeFieldLists

// Not constexpr: reaching one of these while a name is checked at compile
// time fails the build with its name in the message.
void no_parse_node_has_a_field_of_this_name();
void no_parse_node_has_this_name();
void this_node_has_no_field_of_this_name();
}  // namespace names

// A field name of a parse node, checked at compile time: `ast::str(n, "relnam")`
// does not build. Construct one only from a string literal.
class FieldName {
 public:
  consteval FieldName(const char* name) : key_(checked(name)) {}
  std::string_view view() const { return key_.name(); }
  TreeKey key() const { return key_; }

 private:
  // Checked before the key is numbered, so that a misspelt name fails with this message.
  static consteval const char* checked(const char* name) {
    if (!std::binary_search(std::begin(names::kParseFieldNames), std::end(names::kParseFieldNames), std::string_view(name)))
      names::no_parse_node_has_a_field_of_this_name();
    return name;
  }
  TreeKey key_;
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

// A node name as a template argument: `ast::as<"ColumnDef">(element)`.
template <std::size_t N>
struct NodeKind {
  char name[N]{};
  consteval NodeKind(const char (&s)[N]) {
    std::copy_n(s, N, name);
    if (!std::binary_search(std::begin(names::kParseNodeNames), std::end(names::kParseNodeNames), view()))
      names::no_parse_node_has_this_name();
  }
  constexpr std::string_view view() const { return {name, N - 1}; }
  consteval TreeKey key() const { return TreeKey(name); }
};

consteval bool node_has_field(std::string_view node, std::string_view field) {
  const auto* list = std::lower_bound(std::begin(names::kNodeFieldLists), std::end(names::kNodeFieldLists), node,
                                      [](const names::NodeFieldList& l, std::string_view n) { return l.node < n; });
  return list != std::end(names::kNodeFieldLists) && list->node == node &&
         std::binary_search(list->begin, list->end, field);
}

// The fields of a node known to be of kind K. The helpers below (field, str,
// flag, num, list) take a field name of K only: `ast::str(*column, "relname")`
// does not build when `column` came from `ast::as<"ColumnDef">`. It converts to
// `const Json&` for code that reads any node.
template <NodeKind K>
class Fields {
 public:
  class Name {
   public:
    consteval Name(const char* name) : key_(checked(name)) {}
    std::string_view view() const { return key_.name(); }
    TreeKey key() const { return key_; }

   private:
    static consteval const char* checked(const char* name) {
      if (!node_has_field(K.view(), name)) names::this_node_has_no_field_of_this_name();
      return name;
    }
    TreeKey key_;
  };
  explicit Fields(const Json& json) : json_(json) {}
  operator const Json&() const { return json_; }
  const Json& json() const { return json_; }

 private:
  const Json& json_;
};

// A node of kind K, or none: what `ast::as<"Kind">` returns. Use it like a
// pointer; `*node` gives its Fields<K>.
template <NodeKind K>
class Node {
 public:
  Node() = default;
  Node(std::nullptr_t) {}
  explicit Node(const Json* fields) : fields_(fields) {}
  operator const Json*() const { return fields_; }
  Fields<K> operator*() const { return Fields<K>(*fields_); }
  const Json* operator->() const { return fields_; }

 private:
  const Json* fields_ = nullptr;
};

inline const Json* field(const Json& node, FieldName key) { return node.get(key.key()); }
template <NodeKind K>
const Json* field(const Fields<K>& node, typename Fields<K>::Name key) {
  return node.json().get(key.key());
}

// What a field holds, read as a string, a flag or a number (absent: "", false, fallback).
inline std::string_view string_of(const Json* f) { return f ? f->as_string() : std::string_view(); }
inline bool flag_of(const Json* f) { return f && f->as_bool(); }
inline long num_of(const Json* f, long fallback) { return f && f->is_number_integer() ? f->as_int() : fallback; }

inline std::string_view str(const Json& node, FieldName key) { return string_of(field(node, key)); }
inline bool flag(const Json& node, FieldName key) { return flag_of(field(node, key)); }
inline long num(const Json& node, FieldName key, long fallback = 0) { return num_of(field(node, key), fallback); }
template <NodeKind K>
std::string_view str(const Fields<K>& node, typename Fields<K>::Name key) {
  return string_of(field(node, key));
}
template <NodeKind K>
bool flag(const Fields<K>& node, typename Fields<K>::Name key) {
  return flag_of(field(node, key));
}
template <NodeKind K>
long num(const Fields<K>& node, typename Fields<K>::Name key, long fallback = 0) {
  return num_of(field(node, key), fallback);
}

// A wrapped node is {"Kind": {...}}; these read its kind and its fields.
inline std::string_view kind(const Json& wrapped) {
  return wrapped.is_object() && wrapped.size() == 1 ? wrapped.members_begin()->key() : std::string_view();
}
inline const Json& inner(const Json& wrapped) { return wrapped.members_begin()->value; }

// The fields of `wrapped` when it is a node of kind K, else none.
template <NodeKind K>
Node<K> as(const Json& wrapped) {
  constexpr TreeKey key = K.key();
  bool is_k = wrapped.is_object() && wrapped.size() == 1 && wrapped.members_begin()->tree_key() == key;
  return Node<K>(is_k ? &inner(wrapped) : nullptr);
}

// A statement's own node as a node of kind K, so that its fields are checked
// against K's; an empty node (every field absent) when the statement is of
// another kind.
template <NodeKind K>
Fields<K> fields_of(const Statement& statement) {
  static const Json empty;
  return Fields<K>(statement.kind == K.view() ? statement.node : empty);
}

// The elements of a list field (empty when absent).
inline const Json& list_of(const Json* f) {
  static const Json empty;  // null: an empty range
  return f && f->is_array() ? *f : empty;
}
inline const Json& list(const Json& node, FieldName key) { return list_of(field(node, key)); }
template <NodeKind K>
const Json& list(const Fields<K>& node, typename Fields<K>::Name key) {
  return list_of(field(node, key));
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
  if (auto cast = as<"TypeCast">(expr)) {
    const Json* arg = field(*cast, "arg");
    return arg && is_null_constant(*arg);
  }
  auto c = as<"A_Const">(expr);
  return c && flag(*c, "isnull");
}

// Location of a node's "location" field, or -1.
inline long location(const Json& node) { return num(node, "location", -1); }

}  // namespace migrasafe::ast
