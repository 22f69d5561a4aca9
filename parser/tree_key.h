#pragma once
// The keys of parse tree objects, as numbers. A tree has one key per object
// member, and they are few distinct names (the node and field names of
// PostgreSQL's parse nodes): a member keeps its key's 16-bit number instead of
// a pointer and a length, so that it takes 16 bytes instead of 24, and a key
// known when the code compiles (every key the raw tree builder writes and
// every field the rules read) is numbered then, so finding a member compares
// numbers, not strings.
#include <algorithm>
#include <array>
#include <cstdint>
#include <iterator>
#include <optional>
#include <string_view>

namespace migrasafe {

namespace parse_names {
#include "generated/parse_node_names.inc"

inline constexpr std::size_t kNodeNameCount = std::size(kParseNodeNames);
// The node names, then the field names that are not also node names: a
// name's place here is its key number.
inline constexpr std::size_t kKeyNameCount = [] {
  std::size_t n = kNodeNameCount;
  for (std::string_view f : kParseFieldNames)
    if (!std::binary_search(std::begin(kParseNodeNames), std::end(kParseNodeNames), f)) ++n;
  return n;
}();
inline constexpr std::array<std::string_view, kKeyNameCount> kKeyNames = [] {
  std::array<std::string_view, kKeyNameCount> a{};
  std::size_t n = 0;
  for (std::string_view name : kParseNodeNames) a[n++] = name;
  for (std::string_view f : kParseFieldNames)
    if (!std::binary_search(std::begin(kParseNodeNames), std::end(kParseNodeNames), f)) a[n++] = f;
  return a;
}();

// The number of a node or field name, or kKeyNameCount when it is neither.
constexpr std::size_t static_key_number(std::string_view name) {
  const auto* node = std::lower_bound(std::begin(kParseNodeNames), std::end(kParseNodeNames), name);
  if (node != std::end(kParseNodeNames) && *node == name) return static_cast<std::size_t>(node - std::begin(kParseNodeNames));
  // Field names keep their sorted order after the node names.
  const auto* field = std::lower_bound(kKeyNames.begin() + kNodeNameCount, kKeyNames.end(), name);
  return field != kKeyNames.end() && *field == name ? static_cast<std::size_t>(field - kKeyNames.begin()) : kKeyNameCount;
}

// Not constexpr: reaching it while a key is numbered at compile time fails
// the build with its name in the message.
void no_parse_node_has_this_key();
}  // namespace parse_names

class TreeKey {
 public:
  // A node or field name of PostgreSQL's parse nodes, numbered when it
  // compiles (`"relname"` converts; a misspelt key does not build).
  consteval TreeKey(const char* name) : number_(static_cast<std::uint16_t>(parse_names::static_key_number(name))) {
    if (number_ == parse_names::kKeyNameCount) parse_names::no_parse_node_has_this_key();
  }
  // Any name, numbered on first use (JSON text parsed as a tree may hold
  // keys no parse node has). Throws std::length_error past 65,536 names.
  static TreeKey of(std::string_view name);
  // The number `name` already has, if any.
  static std::optional<TreeKey> find(std::string_view name);
  static TreeKey from_number(std::uint16_t number) { return TreeKey(number); }

  std::uint16_t number() const { return number_; }
  std::string_view name() const {
    return number_ < parse_names::kKeyNameCount ? parse_names::kKeyNames[number_] : name_numbered_at_run_time();
  }
  bool operator==(const TreeKey&) const = default;

 private:
  explicit TreeKey(std::uint16_t number) : number_(number) {}
  std::string_view name_numbered_at_run_time() const;
  std::uint16_t number_;
};

}  // namespace migrasafe
