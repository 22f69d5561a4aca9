#pragma once
// A read-only tree in the shape of libpg_query's JSON parse output. SQL
// trees are built into it straight from PostgreSQL's raw parse nodes
// (parser/raw_parse.h). JsonDocument::parse reads libpg_query's JSON text
// itself: only the differential tests do, as the reference the raw trees and
// the PL/pgSQL bodies read from structs (parser/plpgsql_body.h) are checked against.
// A tree is read many times and never modified, so it lives in one arena per
// parse: no allocation per node, no destructor walk, and strings point into
// the JSON text when they need no unescaping. (nlohmann::json spent most of
// the analysis time allocating and freeing map nodes.)
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "parser/tree_key.h"

namespace migrasafe {

class JsonNode {
 public:
  enum class Type : std::uint8_t { Null, Bool, Int, Double, String, Array, Object };
  struct Member;

  Type type() const { return type_; }
  bool is_object() const { return type_ == Type::Object; }
  bool is_array() const { return type_ == Type::Array; }
  bool is_string() const { return type_ == Type::String; }
  bool is_boolean() const { return type_ == Type::Bool; }
  bool is_number_integer() const { return type_ == Type::Int; }

  bool as_bool() const { return type_ == Type::Bool && u_.b; }
  long as_int() const { return type_ == Type::Int ? u_.i : 0; }
  std::string_view as_string() const { return type_ == Type::String ? std::string_view(u_.s, size_) : std::string_view(); }

  // Elements of an array or members of an object.
  std::size_t size() const { return type_ == Type::Array || type_ == Type::Object ? size_ : 0; }
  const JsonNode* begin() const { return type_ == Type::Array ? u_.elems : nullptr; }
  const JsonNode* end() const { return type_ == Type::Array ? u_.elems + size_ : nullptr; }
  const JsonNode& operator[](std::size_t i) const { return u_.elems[i]; }

  // Object access: the member named `key`, or nullptr.
  const JsonNode* get(TreeKey key) const;
  const JsonNode* get(std::string_view key) const {
    std::optional<TreeKey> known = TreeKey::find(key);
    return known ? get(*known) : nullptr;
  }
  // A literal converts both ways; either finds the same member.
  template <std::size_t N>
  const JsonNode* get(const char (&key)[N]) const {
    return get(std::string_view(key, N - 1));
  }
  const Member* members_begin() const { return type_ == Type::Object ? u_.members : nullptr; }
  const Member* members_end() const;
  struct Members {
    const Member* b;
    const Member* e;
    const Member* begin() const { return b; }
    const Member* end() const { return e; }
  };
  Members items() const { return {members_begin(), members_end()}; }

  // Where an array's elements, an object's members or a string's bytes are
  // stored (nullptr for other types): tells which document a tree is in.
  const void* storage() const {
    return type_ == Type::Array || type_ == Type::Object || type_ == Type::String ? static_cast<const void*>(u_.s) : nullptr;
  }

 private:
  friend class JsonParser;
  friend class RawTreeBuilder;
  friend class JsonDocument;
  Type type_ = Type::Null;
  // In a member's value: the member's key (TreeKey's number), kept here in
  // what would be padding so that a member takes 16 bytes (members are most
  // of a tree's memory).
  std::uint16_t key_ = 0;
  std::uint32_t size_ = 0;
  union {
    bool b;
    long i;
    double d;
    const char* s;
    const JsonNode* elems;
    const Member* members;
  } u_{};
};

// The key is in the value (JsonNode::key_), so `auto [key, value]` does not
// build: a member has one data member.
struct JsonNode::Member {
  Member() = default;
  Member(TreeKey k, JsonNode v) : value(v) { value.key_ = k.number(); }
  TreeKey tree_key() const { return TreeKey::from_number(value.key_); }
  std::string_view key() const { return tree_key().name(); }

  JsonNode value;
};
static_assert(sizeof(JsonNode) == 16 && sizeof(JsonNode::Member) == 16);

inline const JsonNode::Member* JsonNode::members_end() const {
  return type_ == Type::Object ? u_.members + size_ : nullptr;
}

// Inline: a key known at compile time (ast::field's) is one number to compare per member.
inline const JsonNode* JsonNode::get(TreeKey key) const {
  if (type_ != Type::Object) return nullptr;
  for (const Member* m = u_.members; m != u_.members + size_; ++m)
    if (m->value.key_ == key.number()) return &m->value;
  return nullptr;
}

// Thrown when a parse tree nests deeper than JsonDocument::kMaxDepth.
struct JsonTooDeep : std::runtime_error {
  JsonTooDeep() : std::runtime_error("parse tree nested too deeply") {}
};

// The memory a tree's nodes and strings live in, freed all at once. Blocks
// double from 256 bytes up to 256 KiB, then stay at that size, so a small
// parse takes little and a large one wastes at most one block's free tail (a
// buffer that keeps doubling, as std::pmr::monotonic_buffer_resource's does,
// can leave a third of a large tree's memory allocated and unused). Most
// trees are small (each statement of a PL/pgSQL body, and a body's
// expressions, are a parse of their own, kept as long as its file): with a
// first block of 4 KiB, they held 7.7 of the 53 MB of trees of the bench's 4 MB file.
// Large blocks are mapped from the system and unmapped when freed
// (json_tree.cpp says why).
class TreeArena {
 public:
  TreeArena() = default;
  ~TreeArena();
  TreeArena(const TreeArena&) = delete;
  TreeArena& operator=(const TreeArena&) = delete;
  // `align` is at most alignof(std::max_align_t).
  void* allocate(std::size_t bytes, std::size_t align) {
    std::size_t pad = (align - reinterpret_cast<std::uintptr_t>(next_) % align) % align;
    if (next_ == nullptr || pad + bytes > static_cast<std::size_t>(end_ - next_)) return allocate_in_new_block(bytes);
    void* out = next_ + pad;
    next_ += pad + bytes;
    return out;
  }
  // Calls f(first byte, size) for each block.
  template <class F>
  void for_each_block(F&& f) const {
    for (const Block& b : blocks_) f(b.data, b.size);
  }

 private:
  struct Block {
    char* data;
    std::size_t size;
  };
  void* allocate_in_new_block(std::size_t bytes);
  std::vector<Block> blocks_;
  char* next_ = nullptr;
  char* end_ = nullptr;
  std::size_t block_size_ = 0;  // of the next block; 0: the first
};

// Owns the arena (and the JSON text, if any) every node of one parse points into.
class JsonDocument {
 public:
  static constexpr int kMaxDepth = 20000;
  // Throws std::runtime_error on malformed JSON.
  static std::shared_ptr<JsonDocument> parse(std::string text);
  const JsonNode& root() const { return root_; }
  // A copy of `node` and everything under it (strings and keys included)
  // in this document's arena (keys are numbers, shared by every document),
  // independent of the document `node` is in: a
  // tree that must outlive its own document is copied into another one.
  JsonNode copy(const JsonNode& node);
  const TreeArena& arena() const { return arena_; }

 private:
  friend class JsonParser;
  friend class RawTreeBuilder;
  std::string text_;
  TreeArena arena_;
  JsonNode root_;
};

}  // namespace migrasafe
