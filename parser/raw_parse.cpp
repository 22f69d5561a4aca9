#include "parser/raw_parse.h"

#include <array>
#include <optional>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

// PostgreSQL's headers define macros (printf, Min, elog...) that C++ headers
// must not see: they come last, and only in this file.
extern "C" {
#include <pg_query.h>
#include <pg_query/pg_query_internal.h>

#include "nodes/makefuncs.h"
#include "nodes/parsenodes.h"
#include <parser/parser.h>
}

namespace migrasafe {

// The members or elements of the containers being built, until each is
// copied to the arena when it closes: a stack whose push is inline (a
// vector's out-of-line push_back was a tenth of the tree building).
template <class T>
class StagingStack {
  static_assert(std::is_trivially_copyable_v<T>);

 public:
  std::size_t size() const { return size_; }
  [[gnu::always_inline]] void push(const T& v) {
    if (size_ == capacity_) [[unlikely]] grow();
    data_[size_++] = v;
  }
  // Copies the items from `mark` up into `out` and pops them.
  std::size_t pop_into(std::size_t mark, T* __restrict out) {
    std::size_t count = size_ - mark;
    const T* __restrict from = data_.get() + mark;
    for (std::size_t k = 0; k < count; ++k) out[k] = from[k];  // a few items: no memcpy call
    size_ = mark;
    return count;
  }
  // Drops the items from `mark` up (those of a tree whose building threw).
  void pop_to(std::size_t mark) { size_ = mark; }

 private:
  [[gnu::noinline]] void grow() {
    capacity_ = capacity_ ? capacity_ * 2 : 64;
    auto bigger = std::make_unique_for_overwrite<T[]>(capacity_);
    if (size_) std::memcpy(static_cast<void*>(bigger.get()), data_.get(), size_ * sizeof(T));
    data_ = std::move(bigger);
  }
  std::unique_ptr<T[]> data_;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
};

// Builds the tree of one parse into its JsonDocument's arena, node by node,
// in the shape libpg_query's JSON has (see parser/gen_raw_nodes.py for the
// per-field conventions). Depth is counted as that JSON would nest, so a tree
// is refused at the same depth as before, and the recursion stays bounded.
class RawTreeBuilder {
 public:
  explicit RawTreeBuilder(JsonDocument& doc) : doc_(doc) {}
  ~RawTreeBuilder() {
    members_.pop_to(members_base_);
    elems_.pop_to(elems_base_);
  }
  RawTreeBuilder(const RawTreeBuilder&) = delete;
  RawTreeBuilder& operator=(const RawTreeBuilder&) = delete;

  // The fields of a statement node (the value under its node name).
  JsonNode statement(const Node* stmt) {
    depth_ = kStatementDepth;
    return fields_object(stmt);
  }

  void add_bool(TreeKey key, bool v) {
    if (v) add_bool_even_false(key, v);
  }
  void add_bool_even_false(TreeKey key, bool v) {
    add_member(key, scalar(JsonNode::Type::Bool, [&](JsonNode& n) { n.u_.b = v; }));
  }
  void add_int(TreeKey key, long v) {
    if (v != 0) add_member(key, scalar(JsonNode::Type::Int, [&](JsonNode& n) { n.u_.i = v; }));
  }
  void add_char(TreeKey key, char c) {
    if (c != 0) add_member(key, text(std::string_view(&kChars[static_cast<unsigned char>(c)], 1)));
  }
  void add_enum(TreeKey key, std::string_view name) { add_member(key, text(name)); }
  // The tests for an absent field are inline: most node and list fields are
  // NULL, and a call per field cost more than the test.
  void add_string(TreeKey key, const char* s) {
    if (s) add_present_string(key, s);
  }
  void add_node(TreeKey key, const Node* n) {
    if (n) add_present_node(key, n);
  }
  void add_list(TreeKey key, const List* l) {
    if (l) add_present_list(key, l);
  }
  // A field typed as one node struct: its fields, without the node's name.
  template <class T>
  void add_struct(TreeKey key, const T* p);
  // An object whose members `fill` adds.
  template <class Fill>
  void add_object(TreeKey key, Fill fill) {
    JsonNode object;
    {
      Level level(*this);
      std::size_t mark = members_.size();
      fill();
      object = close_object(mark);
    }
    add_member(key, object);
  }

  [[noreturn]] void unsupported(std::string_view node, std::string_view what) {
    throw std::logic_error("raw parse tree: " + std::string(node) + " (" + std::string(what) +
                           ") is not expected in a parse tree");
  }

 private:
  // A statement's node sits at this depth of the JSON form:
  // {"stmts": [{"stmt": {"Kind": {fields}}}]}.
  static constexpr int kStatementDepth = 4;
  // Every byte value, so a char field's one-character string needs no allocation.
  static constexpr std::array<char, 256> kChars = [] {
    std::array<char, 256> a{};
    for (int i = 0; i < 256; ++i) a[i] = static_cast<char>(i);
    return a;
  }();

  // Containers at the next `levels` levels (a named node is an object in an
  // object); counts them while they are filled.
  struct Level {
    RawTreeBuilder& b;
    int levels;
    explicit Level(RawTreeBuilder& builder, int nested = 1) : b(builder), levels(nested) {
      b.depth_ += levels;
      if (b.depth_ > JsonDocument::kMaxDepth) throw JsonTooDeep();
    }
    ~Level() { b.depth_ -= levels; }
    Level(const Level&) = delete;
    Level& operator=(const Level&) = delete;
  };

  template <class Fill>
  JsonNode scalar(JsonNode::Type type, Fill fill) {
    if (depth_ + 1 > JsonDocument::kMaxDepth) throw JsonTooDeep();
    JsonNode n;
    n.type_ = type;
    fill(n);
    return n;
  }
  JsonNode text(std::string_view s) {
    return scalar(JsonNode::Type::String, [&](JsonNode& n) {
      n.u_.s = s.data();
      n.size_ = static_cast<std::uint32_t>(s.size());
    });
  }
  std::string_view copy(const char* s) {
    std::size_t len = std::strlen(s);
    char* out = static_cast<char*>(doc_.arena_.allocate(len ? len : 1, 1));
    copy_bytes(out, s, len);
    return {out, len};
  }
  // Most strings of a tree are names, a few bytes long: copied inline (two
  // overlapping moves), not by a call to memcpy.
  static void copy_bytes(char* out, const char* s, std::size_t len) {
    if (len > 16) {
      std::memcpy(out, s, len);
    } else if (len >= 8) {
      std::memcpy(out, s, 8);
      std::memcpy(out + len - 8, s + len - 8, 8);
    } else if (len >= 4) {
      std::memcpy(out, s, 4);
      std::memcpy(out + len - 4, s + len - 4, 4);
    } else {
      for (std::size_t k = 0; k < len; ++k) out[k] = s[k];
    }
  }

  void add_member(TreeKey key, JsonNode v) { members_.push({key, v}); }
  [[gnu::noinline]] void add_present_string(TreeKey key, const char* s) { add_member(key, text(copy(s))); }
  [[gnu::noinline]] void add_present_node(TreeKey key, const Node* n) { add_member(key, named_node(n)); }
  [[gnu::noinline]] void add_present_list(TreeKey key, const List* l) { add_member(key, node_array(l)); }

  JsonNode close_object(std::size_t mark) {
    std::size_t count = members_.size() - mark;
    auto* out = static_cast<JsonNode::Member*>(
        doc_.arena_.allocate((count ? count : 1) * sizeof(JsonNode::Member), alignof(JsonNode::Member)));
    members_.pop_into(mark, out);
    return object_of(out, static_cast<std::uint32_t>(count));
  }

  JsonNode close_array(std::size_t mark) {
    std::size_t count = elems_.size() - mark;
    auto* out = static_cast<JsonNode*>(doc_.arena_.allocate((count ? count : 1) * sizeof(JsonNode), alignof(JsonNode)));
    elems_.pop_into(mark, out);
    JsonNode n;
    n.type_ = JsonNode::Type::Array;
    n.u_.elems = out;
    n.size_ = static_cast<std::uint32_t>(count);
    return n;
  }

  // {"NodeName": {fields}}
  JsonNode named_node(const Node* n);
  // {"String": {"sval": s}}, built without the staging stack.
  JsonNode string_node(const char* s);
  static JsonNode object_of(const JsonNode::Member* members, std::uint32_t count) {
    JsonNode n;
    n.type_ = JsonNode::Type::Object;
    n.u_.members = members;
    n.size_ = count;
    return n;
  }
  // {fields} of any node.
  JsonNode fields_object(const Node* n);
  // [named nodes]; a NULL element is {}.
  JsonNode node_array(const List* l);
  // Inline in its two callers: a node's fields are added at every node of a tree.
  [[gnu::always_inline]] inline void add_any_fields(const Node* n);

  JsonDocument& doc_;
  int depth_ = 0;  // JSON depth of the object or array being filled
  // Members and elements of the objects and arrays being built, copied to
  // the arena when they close. One pair per thread, kept from one tree to
  // the next: most parses are small (a body's statements and expressions are
  // parses of their own), and growing new stacks for each cost more than
  // building their trees' lists.
  static thread_local StagingStack<JsonNode::Member> thread_members_;
  static thread_local StagingStack<JsonNode> thread_elems_;
  StagingStack<JsonNode::Member>& members_ = thread_members_;
  StagingStack<JsonNode>& elems_ = thread_elems_;
  // Where this tree's items start: all it stages is popped by its end, also when it throws.
  const std::size_t members_base_ = members_.size();
  const std::size_t elems_base_ = elems_.size();
};

thread_local StagingStack<JsonNode::Member> RawTreeBuilder::thread_members_;
thread_local StagingStack<JsonNode> RawTreeBuilder::thread_elems_;

namespace {

// libpg_query writes a Boolean node's value even when it is false.
void add_fields(RawTreeBuilder& b, const Boolean& x) { b.add_bool_even_false("boolval", x.boolval); }

#include "generated/raw_nodes.inc"

// A_Const holds its value inline, in a union: written by hand. Its Boolean
// is written like its other values: nothing when it is the default (false).
void add_fields(RawTreeBuilder& b, const A_Const& x) {
  if (!x.isnull) {
    switch (nodeTag(&x.val)) {
      case T_Integer: b.add_struct("ival", &x.val.ival); break;
      case T_Float: b.add_struct("fval", &x.val.fval); break;
      case T_Boolean: b.add_object("boolval", [&] { b.add_bool("boolval", x.val.boolval.boolval); }); break;
      case T_String: b.add_struct("sval", &x.val.sval); break;
      case T_BitString: b.add_struct("bsval", &x.val.bsval); break;
      default: b.unsupported("A_Const", "value tag " + std::to_string(static_cast<int>(nodeTag(&x.val))));
    }
  }
  b.add_bool("isnull", x.isnull);
  b.add_int("location", x.location);
}
}  // namespace

template <class T>
void RawTreeBuilder::add_struct(TreeKey key, const T* p) {
  if (p) add_object(key, [&] { add_fields(*this, *p); });
}

inline void RawTreeBuilder::add_any_fields(const Node* n) {
  switch (nodeTag(n)) {
    case T_List: return add_list("items", reinterpret_cast<const List*>(n));
    case T_IntList:
    case T_OidList: {
      // Not made by the grammar today; written as libpg_query writes them.
      const List* l = reinterpret_cast<const List*>(n);
      Level level(*this);
      std::size_t mark = elems_.size();
      for (int i = 0; i < l->length; ++i) {
        long v = nodeTag(n) == T_IntList ? l->elements[i].int_value : static_cast<long>(l->elements[i].oid_value);
        elems_.push(scalar(JsonNode::Type::Int, [&](JsonNode& e) { e.u_.i = v; }));
      }
      JsonNode items = close_array(mark);
      return add_member("items", items);
    }
    case T_A_Const: return add_fields(*this, *reinterpret_cast<const A_Const*>(n));
    case T_Boolean: return add_fields(*this, *reinterpret_cast<const Boolean*>(n));
    default: return add_generated_fields(*this, n);
  }
}

JsonNode RawTreeBuilder::fields_object(const Node* n) {
  Level level(*this);
  std::size_t mark = members_.size();
  add_any_fields(n);
  return close_object(mark);
}

namespace {
// Each tag's node name's key number, numbered when it compiles;
// kKeyNameCount for a tag with no name.
constexpr auto kNodeKeyNumbers = [] {
  std::array<std::uint16_t, T_SupportRequestWFuncMonotonic + 1> by_tag{};
  for (std::size_t t = 0; t < by_tag.size(); ++t) {
    std::string_view name = node_name(static_cast<NodeTag>(t));
    by_tag[t] = static_cast<std::uint16_t>(name.empty() ? parse_names::kKeyNameCount : parse_names::static_key_number(name));
  }
  return by_tag;
}();
}  // namespace

JsonNode RawTreeBuilder::named_node(const Node* n) {
  // A third of a tree's nodes are Strings (names, column references, options).
  if (nodeTag(n) == T_String) {
    if (const char* s = reinterpret_cast<const String*>(n)->sval) return string_node(s);
  }
  const auto tag = static_cast<std::size_t>(nodeTag(n));
  if (tag >= kNodeKeyNumbers.size() || kNodeKeyNumbers[tag] == parse_names::kKeyNameCount)
    unsupported("node tag", std::to_string(tag));
  const TreeKey name = TreeKey::from_number(kNodeKeyNumbers[tag]);
  Level levels(*this, 2);  // {"Name": {fields}}
  std::size_t mark = members_.size();
  add_any_fields(n);
  // The node's one member and then its fields, in one allocation.
  std::size_t count = members_.size() - mark;
  auto* out = static_cast<JsonNode::Member*>(
      doc_.arena_.allocate(((count ? count : 1) + 1) * sizeof(JsonNode::Member), alignof(JsonNode::Member)));
  members_.pop_into(mark, out + 1);
  out[0] = JsonNode::Member(name, object_of(out + 1, static_cast<std::uint32_t>(count)));
  return object_of(out, 1);
}

JsonNode RawTreeBuilder::string_node(const char* s) {
  // The levels named_node and fields_object would count, and the string's.
  if (depth_ + 3 > JsonDocument::kMaxDepth) throw JsonTooDeep();
  // The node's one member, its fields' one member and the string's bytes, in one allocation.
  std::size_t len = std::strlen(s);
  auto* members = static_cast<JsonNode::Member*>(
      doc_.arena_.allocate(2 * sizeof(JsonNode::Member) + (len ? len : 1), alignof(JsonNode::Member)));
  char* bytes = reinterpret_cast<char*>(members + 2);
  copy_bytes(bytes, s, len);
  JsonNode sval = text(std::string_view(bytes, len));
  members[1] = JsonNode::Member("sval", sval);
  members[0] = JsonNode::Member("String", object_of(&members[1], 1));
  return object_of(&members[0], 1);
}

JsonNode RawTreeBuilder::node_array(const List* l) {
  if (l->type != T_List) unsupported("list field", node_name(l->type));
  Level level(*this);
  std::size_t mark = elems_.size();
  for (int i = 0; i < l->length; ++i) {
    const Node* e = static_cast<const Node*>(l->elements[i].ptr_value);
    if (e) {
      JsonNode v = named_node(e);
      elems_.push(v);
    } else {
      Level empty(*this);
      elems_.push(close_object(members_.size()));
    }
  }
  return close_array(mark);
}

namespace {

// libpg_query's memory context for one parse: everything the grammar
// allocates is freed with it, also when building the tree throws.
struct PgMemoryContext {
  MemoryContext ctx = pg_query_enter_memory_context();
  ~PgMemoryContext() { pg_query_exit_memory_context(ctx); }
  PgMemoryContext() = default;
  PgMemoryContext(const PgMemoryContext&) = delete;
  PgMemoryContext& operator=(const PgMemoryContext&) = delete;
};

// Our tree of a parse's statements.
ParsedSql tree_of(const List* stmts) {
  ParsedSql out;
  out.tree = std::make_shared<JsonDocument>();
  RawTreeBuilder builder(*out.tree);
  for (int i = 0; stmts && i < stmts->length; ++i) {
    const auto* rs = static_cast<const RawStmt*>(stmts->elements[i].ptr_value);
    if (!rs || !rs->stmt) continue;
    out.statements.push_back(
        {node_name(nodeTag(rs->stmt)), builder.statement(rs->stmt), rs->stmt_location, rs->stmt_len});
  }
  return out;
}

thread_local ParseRecording* active_recording = nullptr;

}  // namespace

ParsedSql parse_sql(const std::string& sql) {
  ParsedSql out;
  PgMemoryContext context;
  PgQueryInternalParsetreeAndError raw = pg_query_raw_parse(sql.c_str());
  std::free(raw.stderr_buffer);
  if (raw.error) {
    out.error = SqlParseError{raw.error->message ? raw.error->message : "syntax error", raw.error->cursorpos};
    pg_query_free_error(raw.error);
    return out;
  }
  return tree_of(raw.tree);
}

ParseRecording::ParseRecording(const char* skip, bool statements_only, const KnownFunction* skipped_function)
    : skip_(skip), statements_only_(statements_only), skipped_function_(skipped_function), outer_(active_recording) {
  active_recording = this;
}
ParseRecording::~ParseRecording() { active_recording = outer_; }

void ParseRecording::record(const char* sql, ParseMode mode, const void* raw_statements) noexcept {
  if (sql == skip_ || (statements_only_ && mode != ParseMode::Statements)) return;
  try {
    parses_.push_back({sql, mode, tree_of(static_cast<const List*>(raw_statements))});
  } catch (...) {
    // Too deep, or out of memory: not recorded, so parse_sql parses it again and meets the same.
  }
}

namespace {

// PostgreSQL's raw nodes for the parts of a CREATE FUNCTION statement's tree
// that libpg_query's compile_create_function_stmt (and the walk that finds
// the statement) reads, allocated in the current memory context: the first
// of funcname's Strings, each parameter's name, the return type's names and
// setof, and the AS and LANGUAGE options. No C++ exception leaves them: they
// run inside the C parser.
char* raw_text(std::string_view s) {
  char* out = static_cast<char*>(palloc(s.size() + 1));
  std::memcpy(out, s.data(), s.size());
  out[s.size()] = '\0';
  return out;
}

template <class T>
T* raw_node(NodeTag tag) {
  T* n = static_cast<T*>(palloc0(sizeof(T)));
  n->type = tag;
  return n;
}

// The member `key` of `node`, if both are there.
const JsonNode* member(const JsonNode* node, TreeKey key) { return node ? node->get(key) : nullptr; }

// {"String": {"sval": s}} as a String node; an empty one for any other node.
Node* raw_string(const JsonNode& named) {
  const JsonNode* sval = member(named.get(TreeKey("String")), "sval");
  return reinterpret_cast<Node*>(makeString(raw_text(sval ? sval->as_string() : std::string_view())));
}

// An array of Strings as a List of String nodes (NIL when absent or empty).
List* raw_strings(const JsonNode* array) {
  List* out = NIL;
  if (array)
    for (const JsonNode& e : *array) out = lappend(out, raw_string(e));
  return out;
}

List* raw_function_statement(const KnownFunction& known) {
  const JsonNode& function = known.fields;
  auto* stmt = raw_node<CreateFunctionStmt>(T_CreateFunctionStmt);
  stmt->funcname = raw_strings(member(&function, "funcname"));
  if (const JsonNode* parameters = member(&function, "parameters")) {
    for (const JsonNode& p : *parameters) {
      auto* param = raw_node<FunctionParameter>(T_FunctionParameter);
      if (const JsonNode* name = member(member(&p, "FunctionParameter"), "name")) param->name = raw_text(name->as_string());
      stmt->parameters = lappend(stmt->parameters, param);
    }
  }
  if (const JsonNode* returns = member(&function, "returnType")) {
    stmt->returnType = raw_node<TypeName>(T_TypeName);
    stmt->returnType->names = raw_strings(member(returns, "names"));
    const JsonNode* setof = member(returns, "setof");
    stmt->returnType->setof = setof && setof->as_bool();
  }
  if (const JsonNode* options = member(&function, "options")) {
    for (const JsonNode& o : *options) {
      const JsonNode* d = member(&o, "DefElem");
      const JsonNode* defname = member(d, "defname");
      const JsonNode* arg = member(d, "arg");
      if (!defname || !arg) continue;
      std::string_view name = defname->as_string();
      Node* raw_arg = nullptr;
      if (name == "as" && known.body) {
        raw_arg = reinterpret_cast<Node*>(list_make1(makeString(raw_text(*known.body))));
      } else if (name == "as") {
        raw_arg = reinterpret_cast<Node*>(raw_strings(member(member(arg, "List"), "items")));
      } else if (name == "language") {
        raw_arg = raw_string(*arg);
      } else {
        continue;  // not read
      }
      stmt->options = lappend(stmt->options, makeDefElem(raw_text(name), raw_arg, -1));
    }
  }
  auto* raw = raw_node<RawStmt>(T_RawStmt);
  raw->stmt = reinterpret_cast<Node*>(stmt);
  return list_make1(raw);
}

}  // namespace

void* ParseRecording::prebuilt_parse(const char* sql) const noexcept {
  if (sql != skip_ || !skipped_function_) return nullptr;
  return raw_function_statement(*skipped_function_);
}

std::optional<ParsedSql> RecordedParses::take(const std::string& sql, ParseMode mode) {
  for (std::size_t k = 0; k < parses_.size(); ++k) {
    ParseRecording::Parse& p = parses_[(next_ + k) % parses_.size()];
    if (!p.parsed.tree || p.mode != mode || p.text != sql) continue;
    next_ = (next_ + k + 1) % parses_.size();
    return std::move(p.parsed);  // its tree is null now: taken
  }
  return std::nullopt;
}

ParsedSql RecordedParses::parse(const std::string& sql) {
  std::optional<ParsedSql> recorded = take(sql);
  return recorded ? std::move(*recorded) : parse_sql(sql);
}

}  // namespace migrasafe

// Every parse libpg_query makes passes through here (the build links with
// --wrap=raw_parser), the PL/pgSQL compiler's included. A parse that fails
// does not return (libpg_query's error handling jumps past this frame, which
// holds nothing to destroy).
extern "C" List* __real_raw_parser(const char* str, RawParseMode mode);
extern "C" List* __wrap_raw_parser(const char* str, RawParseMode mode) {
  migrasafe::ParseRecording* const recording = migrasafe::active_recording;
  if (recording && mode == RAW_PARSE_DEFAULT) {
    if (void* prebuilt = recording->prebuilt_parse(str)) return static_cast<List*>(prebuilt);
  }
  List* tree = __real_raw_parser(str, mode);
  if (recording) {
    using migrasafe::ParseMode;
    switch (mode) {
      case RAW_PARSE_DEFAULT: recording->record(str, ParseMode::Statements, tree); break;
      case RAW_PARSE_PLPGSQL_EXPR: recording->record(str, ParseMode::Expression, tree); break;
      case RAW_PARSE_PLPGSQL_ASSIGN1:
      case RAW_PARSE_PLPGSQL_ASSIGN2:
      case RAW_PARSE_PLPGSQL_ASSIGN3: recording->record(str, ParseMode::Assignment, tree); break;
      case RAW_PARSE_TYPE_NAME: break;  // a type name: not a tree parse_sql makes
    }
  }
  return tree;
}
