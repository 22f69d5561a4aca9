#pragma once
// A small streaming JSON writer: reports with one entry per statement get
// large, and building a DOM first cost more than the whole analysis. The
// report of a big file is tens of megabytes, so the writer fills a byte
// buffer through a pointer (one capacity check per key or value, not per
// character) and hands it to the stream in large blocks.
#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "reporters/reporters.h"

namespace migrasafe {

// A member name known when the program is compiled, checked then to need no
// escaping and kept with its quotes and colon, ready to copy in one block.
struct JsonKey {
  consteval JsonKey(const char* name) {
    std::string_view text(name);
    if (text.size() + 4 > quoted.size()) throw "a constant JSON key is at most 28 characters";
    std::size_t n = 0;
    quoted[n++] = '"';
    for (char c : text) {
      if (static_cast<unsigned char>(c) < 0x20 || c == '"' || c == '\\' || static_cast<unsigned char>(c) >= 0x7f)
        throw "a constant JSON key must need no escaping";
      quoted[n++] = c;
    }
    for (char c : std::string_view("\": ")) quoted[n++] = c;
    length = n;
  }
  std::array<char, 32> quoted{};  // "name": , then zeros
  std::size_t length = 0;
};

// How control characters are spelt. The JSON report has always written
// \u0008, \u000c and \u007f; SARIF and GitLab were first written by
// nlohmann::json (\b, \f, DEL as itself), and keep its spelling.
enum class JsonEscapes { Report, Nlohmann };

// An element writer's text (JsonWriter::take_text), its buffers handed over,
// not copied: when one fills up, the text goes on in a new one (twice as
// large), so that no text is copied to grow the buffer.
struct JsonText {
  struct Part {
    std::unique_ptr<char[]> bytes;
    std::size_t size = 0, capacity = 0;
    std::string_view view() const { return {bytes.get(), size}; }
  };
  std::vector<Part> parts;  // in order, the last the largest
  std::size_t capacity() const { return parts.empty() ? 0 : parts.back().capacity; }
};

class JsonWriter {
 public:
  explicit JsonWriter(std::ostream& out, JsonEscapes escapes = JsonEscapes::Report) : sink_(&out), escapes_(escapes) {}
  // A writer of one element of the array `outer` has open, written as its
  // first element or a later one, into a string (take_text()), so that
  // elements can be formatted apart (on several threads) and then added in
  // order with append_element.
  using Text = JsonText;
  // `reuse`: the text of an element written before (it is done with): its
  // largest buffer is written again, so that the writer does not grow a new
  // one from nothing.
  JsonWriter(const JsonWriter& outer, bool first_element, Text reuse = {})
      : escapes_(outer.escapes_), first_(outer.first_) {
    first_.back() = first_element;
    if (!reuse.parts.empty()) {
      buffer_ = std::move(reuse.parts.back().bytes);
      capacity_ = reuse.parts.back().capacity;
    }
  }
  ~JsonWriter() { flush(); }
  // The writer is done with it.
  Text take_text() {
    Text text{std::move(full_)};
    full_.clear();
    if (used_) text.parts.push_back({std::move(buffer_), used_, capacity_});
    used_ = capacity_ = 0;
    return text;
  }
  JsonWriter(const JsonWriter&) = delete;
  JsonWriter& operator=(const JsonWriter&) = delete;

  void begin_object() { open('{'); }
  void end_object() { close('}'); }
  void begin_array() { open('['); }
  void end_array() { close(']'); }
  void key(const JsonKey& k) {
    commit(member(k, 0));
    after_key_ = true;
  }
  void value(std::string_view s) { commit(string_literal(place(6 * s.size() + 2), s)); }
  // A name of the program's own (a lock mode, a rule): printable ASCII
  // without quote or backslash, written as it is (a test checks every name
  // the report writes so).
  void plain_value(std::string_view s) { commit(plain_literal(place(s.size() + 2), s)); }
  void value(const char* s) { value(std::string_view(s)); }
  void value(const std::string& s) { value(std::string_view(s)); }
  void value(bool b) { commit(boolean(place(5), b)); }
  void value(long long n) { commit(integer(place(kIntegerRoom), n)); }
  void value(int n) { value(static_cast<long long>(n)); }
  void value(std::size_t n) { value(static_cast<long long>(n)); }
  // A value already formatted as JSON, indented for this place in the document.
  void raw_value(std::string_view json) { commit(copy(place(json.size()), json)); }
  // An element formatted by a writer made for it (above), in its place.
  void append_element(const Text& formatted) {
    for (const Text::Part& part : formatted.parts) append_element(part.view());
    first_.back() = false;
  }
  void append_element(std::string_view formatted) {
    if (sink_ && (used_ + formatted.size() > kFlushSize || formatted.size() >= kDirectSize)) {
      flush();
      sink_->write(formatted.data(), static_cast<std::streamsize>(formatted.size()));
    } else {
      append(formatted);
    }
    first_.back() = false;
  }
  bool empty_container() const { return first_.back(); }
  // A member: its separator, key and value written at one reservation.
  void field(const JsonKey& k, std::string_view s) { commit(string_literal(member(k, 6 * s.size() + 2), s)); }
  void field(const JsonKey& k, const char* s) { field(k, std::string_view(s)); }
  void field(const JsonKey& k, const std::string& s) { field(k, std::string_view(s)); }
  void field(const JsonKey& k, bool b) { commit(boolean(member(k, 5), b)); }
  void field(const JsonKey& k, long long n) { commit(integer(member(k, kIntegerRoom), n)); }
  void field(const JsonKey& k, int n) { field(k, static_cast<long long>(n)); }
  void field(const JsonKey& k, std::size_t n) { field(k, static_cast<long long>(n)); }
  // A member whose value is a plain_value.
  void plain_field(const JsonKey& k, std::string_view s) { commit(plain_literal(member(k, s.size() + 2), s)); }
  // A member whose value is an empty array.
  void empty_array_field(const JsonKey& k) {
    char* p = member(k, 2);
    *p++ = '[';
    *p++ = ']';
    commit(p);
  }

  // `text` as the body of a JSON string literal (without the quotes) at
  // `out`, which has room for 6 bytes per byte of `text` (the longest escape,
  // \u00XX; U+FFFD takes 3): quote, backslash and C0 controls escaped (and
  // DEL, in the report's spelling), UTF-8 kept and each ill-formed part of it
  // written as U+FFFD (as valid_utf8 does: JSON is UTF-8). Returns the end
  // of what it wrote.
  static char* escape_string(char* out, std::string_view text, JsonEscapes escapes = JsonEscapes::Report);

 private:
  // Room for what comes before a value (a comma, a line break and its
  // indent) and `value_room` bytes after it: the separator is written, the
  // place of the value returned (commit() its end).
  char* place(std::size_t value_room) {
    if (after_key_) {
      after_key_ = false;
      return room(value_room);
    }
    if (first_.empty()) return room(value_room);
    const std::size_t indent = 2 * first_.size();
    char* p = room(value_room + separator_room(indent));
    const bool first = first_.back();
    first_.back() = false;
    return separator(p, first, indent);
  }
  // place() with a key before the value.
  char* member(const JsonKey& k, std::size_t value_room) {
    char* p = place(k.quoted.size() + value_room);
    std::memcpy(p, k.quoted.data(), k.quoted.size());  // whole: a fixed-size copy is a few moves
    return p + k.length;
  }
  // A comma unless `first`, then a line break and `indent` spaces, at `out`
  // (which has separator_room(indent) bytes of room); returns their end.
  static std::size_t separator_room(std::size_t indent) { return std::max(kCommaBreak.size(), indent + 2); }
  static char* separator(char* out, bool first, std::size_t indent) {
    if (indent + 2 >= kCommaBreak.size()) {  // deeper than any report goes
      if (!first) *out++ = ',';
      return line_break(out, indent);
    }
    std::memcpy(out, kCommaBreak.data() + first, kCommaBreak.size() - 1);  // whole: a fixed-size copy is a few moves
    return out + 2 - first + indent;
  }
  void open(char c) {
    char* p = place(1);
    *p++ = c;
    commit(p);
    first_.push_back(1);
  }
  void close(char c) {
    const bool empty = first_.back();
    first_.pop_back();
    const std::size_t indent = 2 * first_.size();
    char* p = room(line_break_room(indent) + 2);
    if (!empty) p = line_break(p, indent);
    *p++ = c;
    if (first_.empty()) *p++ = '\n';
    commit(p);
    if (used_ > kFlushSize) flush();
  }
  // A newline and `indent` spaces at `out`, which has line_break_room(indent)
  // bytes of room (a shallow break copies the whole of kBreak).
  static std::size_t line_break_room(std::size_t indent) { return std::max(kBreak.size(), indent + 1); }
  static char* line_break(char* out, std::size_t indent) {
    if (indent + 1 >= kBreak.size()) {  // deeper than any report goes
      *out++ = '\n';
      std::memset(out, ' ', indent);
      return out + indent;
    }
    std::memcpy(out, kBreak.data(), kBreak.size());  // whole: a fixed-size copy is a few moves
    return out + 1 + indent;
  }
  static constexpr std::array<char, 64> kBreak = [] {
    std::array<char, 64> text{};
    text.fill(' ');
    text[0] = '\n';
    return text;
  }();
  static constexpr std::array<char, 65> kCommaBreak = [] {
    std::array<char, 65> text{};
    text.fill(' ');
    text[0] = ',';
    text[1] = '\n';
    return text;
  }();
  char* string_literal(char* p, std::string_view text) const {
    *p++ = '"';
    p = escape_string(p, text, escapes_);
    *p++ = '"';
    return p;
  }
  static char* plain_literal(char* p, std::string_view s) {
    *p++ = '"';
    p = copy(p, s);
    *p++ = '"';
    return p;
  }
  static char* boolean(char* p, bool b) {
    std::memcpy(p, b ? "true" : "false", 5);  // whole: "true" and its terminating zero, or "false"
    return p + (b ? 4 : 5);
  }
  static constexpr std::size_t kIntegerRoom = 20;
  static char* integer(char* p, long long n) {
    if (n >= 0 && n < 10) {  // most counts, columns and short files' lines
      *p = static_cast<char>('0' + n);
      return p + 1;
    }
    return std::to_chars(p, p + kIntegerRoom, n).ptr;
  }
  void append(std::string_view s) { commit(copy(room(s.size()), s)); }

  static char* copy(char* out, std::string_view s) {
    std::memcpy(out, s.data(), s.size());
    return out + s.size();
  }
  // Room for `n` more bytes at the end of the text; commit(end) keeps what
  // was written up to `end`.
  char* room(std::size_t n) {
    if (capacity_ - used_ < n) [[unlikely]]
      grow(n);
    return buffer_.get() + used_;
  }
  // Room in a new buffer. An element writer's text so far is kept as a part
  // of its text, not copied; a stream writer's is copied, or written to the
  // stream once it is large.
  [[gnu::noinline]] void grow(std::size_t n) {
    std::size_t keep = used_;  // bytes copied to the new buffer
    if (!sink_) {
      if (used_) full_.push_back({std::move(buffer_), used_, capacity_});
      keep = used_ = 0;
    } else if (used_ + n > kFlushSize) {
      flush();
      keep = 0;
      if (capacity_ >= n) return;
    }
    const std::size_t capacity = std::max(2 * capacity_, keep + n + kMinimumBuffer);
    auto larger = std::make_unique_for_overwrite<char[]>(capacity);  // not zeroed: it is written before it is read
    if (keep) std::memcpy(larger.get(), buffer_.get(), keep);
    buffer_ = std::move(larger);
    capacity_ = capacity;
  }
  void commit(char* end) { used_ = static_cast<std::size_t>(end - buffer_.get()); }

  void flush() {
    if (!sink_) return;  // an element writer keeps its text
    sink_->write(buffer_.get(), static_cast<std::streamsize>(used_));
    used_ = 0;
  }

  // A formatted element this large goes to the stream as it is (no copy into the buffer).
  static constexpr std::size_t kFlushSize = 1 << 20, kDirectSize = 1 << 16, kMinimumBuffer = 4096;
  std::ostream* sink_ = nullptr;
  JsonEscapes escapes_ = JsonEscapes::Report;
  std::vector<Text::Part> full_;    // an element writer's buffers that filled up, before buffer_
  std::unique_ptr<char[]> buffer_;  // used_ bytes of text, room for capacity_
  std::size_t used_ = 0, capacity_ = 0;
  std::vector<char> first_;  // per open container: nothing written yet (not vector<bool>: back() is a hot path)
  bool after_key_ = false;
};

}  // namespace migrasafe
