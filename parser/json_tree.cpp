#include "parser/json_tree.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <mutex>
#include <new>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include "parser/tree_blocks.h"

namespace migrasafe {

namespace {

// Keys that are no parse node's name or field, numbered from
// parse_names::kKeyNameCount on as they come (only JSON text read as a tree
// has them: the differential tests').
struct RunTimeKeys {
  std::mutex mutex;
  std::deque<std::string> names;  // a deque: names stay where they are as it grows
  std::unordered_map<std::string_view, std::uint16_t> numbers;
};

RunTimeKeys& run_time_keys() {
  static RunTimeKeys keys;
  return keys;
}

}  // namespace

static_assert(parse_names::kKeyNameCount <= UINT16_MAX, "node and field names must leave key numbers for others");

std::optional<TreeKey> TreeKey::find(std::string_view name) {
  std::size_t known = parse_names::static_key_number(name);
  if (known < parse_names::kKeyNameCount) return TreeKey(static_cast<std::uint16_t>(known));
  RunTimeKeys& keys = run_time_keys();
  std::lock_guard<std::mutex> lock(keys.mutex);
  auto it = keys.numbers.find(name);
  if (it == keys.numbers.end()) return std::nullopt;
  return TreeKey(it->second);
}

TreeKey TreeKey::of(std::string_view name) {
  if (std::optional<TreeKey> known = find(name)) return *known;
  RunTimeKeys& keys = run_time_keys();
  std::lock_guard<std::mutex> lock(keys.mutex);
  auto it = keys.numbers.find(name);  // another thread may have numbered it since
  if (it != keys.numbers.end()) return TreeKey(it->second);
  std::size_t number = parse_names::kKeyNameCount + keys.names.size();
  if (number > UINT16_MAX) throw std::length_error("more than 65,536 distinct parse tree keys");
  keys.numbers.emplace(keys.names.emplace_back(name), static_cast<std::uint16_t>(number));
  return TreeKey(static_cast<std::uint16_t>(number));
}

std::string_view TreeKey::name_numbered_at_run_time() const {
  RunTimeKeys& keys = run_time_keys();
  std::lock_guard<std::mutex> lock(keys.mutex);
  return keys.names.at(number_ - parse_names::kKeyNameCount);
}

namespace {

constexpr std::size_t kFirstBlock = 256;
constexpr std::size_t kLargestBlock = 256 * 1024;

// Blocks of kMappedTreeBlock bytes or more are mapped (tree_blocks.h says why).
char* new_block(std::size_t size) {
  if (size < kMappedTreeBlock) return new char[size];
  void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  return static_cast<char*>(p);
}

void free_block(char* data, std::size_t size) {
  if (size < kMappedTreeBlock) delete[] data;
  else munmap(data, size);
}

}  // namespace

TreeArena::~TreeArena() {
  for (const Block& b : blocks_) free_block(b.data, b.size);
}

void* TreeArena::allocate_in_new_block(std::size_t bytes) {
  if (block_size_ == 0) block_size_ = kFirstBlock;
  // An allocation larger than a quarter block (a long string or list) gets a
  // block of its own, and the current block stays open for what follows.
  bool own_block = bytes > block_size_ / 4 && next_ != nullptr;
  std::size_t size = own_block ? bytes : std::max(block_size_, bytes);
  // Room first, so that a block once made is recorded (and freed).
  if (blocks_.size() == blocks_.capacity()) blocks_.reserve(std::max<std::size_t>(8, 2 * blocks_.size()));
  char* data = new_block(size);
  blocks_.push_back({data, size});
  if (own_block) return data;
  block_size_ = std::min(block_size_ * 2, kLargestBlock);
  next_ = data + bytes;
  end_ = data + size;
  return data;
}

JsonNode JsonDocument::copy(const JsonNode& node) {
  JsonNode out = node;
  auto bytes = [&](const void* from, std::size_t size, std::size_t align) {
    void* to = arena_.allocate(std::max<std::size_t>(size, 1), align);
    if (size) std::memcpy(to, from, size);
    return to;
  };
  switch (node.type_) {
    case JsonNode::Type::String:
      out.u_.s = static_cast<const char*>(bytes(node.u_.s, node.size_, 1));
      break;
    case JsonNode::Type::Array: {
      auto* elems = static_cast<JsonNode*>(arena_.allocate(node.size_ * sizeof(JsonNode), alignof(JsonNode)));
      for (std::uint32_t i = 0; i < node.size_; ++i) elems[i] = copy(node.u_.elems[i]);
      out.u_.elems = elems;
      break;
    }
    case JsonNode::Type::Object: {
      auto* members =
          static_cast<JsonNode::Member*>(arena_.allocate(node.size_ * sizeof(JsonNode::Member), alignof(JsonNode::Member)));
      for (std::uint32_t i = 0; i < node.size_; ++i)
        members[i] = JsonNode::Member(node.u_.members[i].tree_key(), copy(node.u_.members[i].value));
      out.u_.members = members;
      break;
    }
    default:
      break;
  }
  return out;
}

class JsonParser {
 public:
  JsonParser(JsonDocument& doc) : doc_(doc), p_(doc.text_.data()), end_(p_ + doc.text_.size()) {}

  void run() {
    doc_.root_ = value();
    skip_ws();
    if (p_ != end_) fail("trailing characters");
  }

 private:
  [[noreturn]] void fail(const char* what) {
    throw std::runtime_error(std::string("malformed parse tree JSON: ") + what);
  }

  void skip_ws() {
    while (p_ != end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }

  template <class T>
  T* allocate(std::size_t n) {
    return static_cast<T*>(doc_.arena_.allocate(n * sizeof(T), alignof(T)));
  }

  JsonNode value() {
    skip_ws();
    if (p_ == end_) fail("unexpected end");
    // Bounded so that this parser and the recursive walks over its trees
    // stay within the analysis threads' stacks (see cli/main.cpp).
    if (++depth_ > JsonDocument::kMaxDepth) throw JsonTooDeep();
    struct Leave {
      int& d;
      ~Leave() { --d; }
    } leave{depth_};
    JsonNode n;
    switch (*p_) {
      case '{': object(n); break;
      case '[': array(n); break;
      case '"': {
        std::string_view s = string();
        n.type_ = JsonNode::Type::String;
        n.u_.s = s.data();
        n.size_ = static_cast<std::uint32_t>(s.size());
        break;
      }
      case 't': literal("true"); n.type_ = JsonNode::Type::Bool; n.u_.b = true; break;
      case 'f': literal("false"); n.type_ = JsonNode::Type::Bool; n.u_.b = false; break;
      case 'n': literal("null"); break;
      default: number(n);
    }
    return n;
  }

  void literal(const char* word) {
    std::size_t len = std::strlen(word);
    if (static_cast<std::size_t>(end_ - p_) < len || std::memcmp(p_, word, len) != 0) fail("bad literal");
    p_ += len;
  }

  void number(JsonNode& n) {
    const char* start = p_;
    bool integer = true;
    while (p_ != end_ && (std::isdigit(static_cast<unsigned char>(*p_)) || *p_ == '-' || *p_ == '+' || *p_ == '.' ||
                          *p_ == 'e' || *p_ == 'E')) {
      if (*p_ == '.' || *p_ == 'e' || *p_ == 'E') integer = false;
      ++p_;
    }
    if (p_ == start) fail("unexpected character");
    std::string digits(start, p_);
    if (integer) {
      n.type_ = JsonNode::Type::Int;
      n.u_.i = std::strtol(digits.c_str(), nullptr, 10);
    } else {
      n.type_ = JsonNode::Type::Double;
      n.u_.d = std::strtod(digits.c_str(), nullptr);
    }
  }

  // Returns the string's text: a view into the JSON when it has no escapes,
  // else a decoded copy in the arena.
  std::string_view string() {
    ++p_;  // opening quote
    const char* start = p_;
    // To the closing quote or the first backslash, whichever comes first (memchr: long strings are whole queries).
    const auto* quote = static_cast<const char*>(std::memchr(p_, '"', static_cast<std::size_t>(end_ - p_)));
    const char* scan_end = quote ? quote : end_;
    const auto* backslash = static_cast<const char*>(std::memchr(p_, '\\', static_cast<std::size_t>(scan_end - p_)));
    if (!quote && !backslash) fail("unterminated string");
    if (!backslash) {
      p_ = quote + 1;
      return {start, static_cast<std::size_t>(quote - start)};
    }
    p_ = backslash;
    std::string decoded(start, p_);
    while (p_ != end_ && *p_ != '"') {
      if (*p_ != '\\') {
        decoded += *p_++;
        continue;
      }
      if (++p_ == end_) fail("bad escape");
      char e = *p_++;
      switch (e) {
        case 'n': decoded += '\n'; break;
        case 't': decoded += '\t'; break;
        case 'r': decoded += '\r'; break;
        case 'b': decoded += '\b'; break;
        case 'f': decoded += '\f'; break;
        case 'u': decoded += unicode_escape(); break;
        default: decoded += e;  // \" \\ \/
      }
    }
    if (p_ == end_) fail("unterminated string");
    ++p_;
    char* copy = allocate<char>(decoded.size() + 1);
    std::memcpy(copy, decoded.data(), decoded.size());
    return {copy, decoded.size()};
  }

  unsigned hex4() {
    if (end_ - p_ < 4) fail("bad \\u escape");
    unsigned v = 0;
    for (int k = 0; k < 4; ++k) {
      char c = *p_++;
      v <<= 4;
      if (c >= '0' && c <= '9') v |= c - '0';
      else if (c >= 'a' && c <= 'f') v |= c - 'a' + 10;
      else if (c >= 'A' && c <= 'F') v |= c - 'A' + 10;
      else fail("bad \\u escape");
    }
    return v;
  }

  std::string unicode_escape() {
    unsigned cp = hex4();
    if (cp >= 0xD800 && cp < 0xDC00 && end_ - p_ >= 6 && p_[0] == '\\' && p_[1] == 'u') {
      p_ += 2;
      unsigned low = hex4();
      cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
    }
    std::string out;
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
    return out;
  }

  void array(JsonNode& n) {
    ++p_;
    std::size_t mark = elems_.size();
    skip_ws();
    if (p_ != end_ && *p_ == ']') {
      ++p_;
    } else {
      for (;;) {
        JsonNode v = value();
        elems_.push_back(v);
        skip_ws();
        if (p_ == end_) fail("unterminated array");
        if (*p_ == ',') { ++p_; continue; }
        if (*p_ == ']') { ++p_; break; }
        fail("expected , or ]");
      }
    }
    std::size_t count = elems_.size() - mark;
    JsonNode* out = allocate<JsonNode>(count ? count : 1);
    for (std::size_t k = 0; k < count; ++k) out[k] = elems_[mark + k];
    elems_.resize(mark);
    n.type_ = JsonNode::Type::Array;
    n.u_.elems = out;
    n.size_ = static_cast<std::uint32_t>(count);
  }

  void object(JsonNode& n) {
    ++p_;
    std::size_t mark = members_.size();
    skip_ws();
    if (p_ != end_ && *p_ == '}') {
      ++p_;
    } else {
      for (;;) {
        skip_ws();
        if (p_ == end_ || *p_ != '"') fail("expected a key");
        std::string_view key = string();
        skip_ws();
        if (p_ == end_ || *p_ != ':') fail("expected :");
        ++p_;
        JsonNode v = value();
        members_.push_back({TreeKey::of(key), v});
        skip_ws();
        if (p_ == end_) fail("unterminated object");
        if (*p_ == ',') { ++p_; continue; }
        if (*p_ == '}') { ++p_; break; }
        fail("expected , or }");
      }
    }
    std::size_t count = members_.size() - mark;
    auto* out = allocate<JsonNode::Member>(count ? count : 1);
    for (std::size_t k = 0; k < count; ++k) new (&out[k]) JsonNode::Member(members_[mark + k]);
    members_.resize(mark);
    n.type_ = JsonNode::Type::Object;
    n.u_.members = out;
    n.size_ = static_cast<std::uint32_t>(count);
  }

  JsonDocument& doc_;
  int depth_ = 0;
  const char* p_;
  const char* end_;
  // Children of the arrays/objects being parsed, copied to the arena when they close.
  std::vector<JsonNode> elems_;
  std::vector<JsonNode::Member> members_;
};

std::shared_ptr<JsonDocument> JsonDocument::parse(std::string text) {
  auto doc = std::make_shared<JsonDocument>();
  doc->text_ = std::move(text);
  JsonParser(*doc).run();
  return doc;
}

}  // namespace migrasafe
