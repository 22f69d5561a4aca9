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

// An element writer's text (JsonWriter::take_text), its buffer handed over, not copied.
struct JsonText {
  std::unique_ptr<char[]> bytes;
  std::size_t size = 0, capacity = 0;
  std::string_view view() const { return {bytes.get(), size}; }
};

class JsonWriter {
 public:
  explicit JsonWriter(std::ostream& out, JsonEscapes escapes = JsonEscapes::Report) : sink_(&out), escapes_(escapes) {}
  // A writer of one element of the array `outer` has open, written as its
  // first element or a later one, into a string (take_text()), so that
  // elements can be formatted apart (on several threads) and then added in
  // order with append_element.
  using Text = JsonText;
  // `reuse`: the buffer of an element written before (its text is done
  // with), so that the writer does not grow a new one from nothing.
  JsonWriter(const JsonWriter& outer, bool first_element, Text reuse = {})
      : escapes_(outer.escapes_), buffer_(std::move(reuse.bytes)), capacity_(reuse.capacity), first_(outer.first_) {
    first_.back() = first_element;
  }
  ~JsonWriter() { flush(); }
  // The writer is done with it.
  Text take_text() {
    Text text{std::move(buffer_), used_, capacity_};
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
    separator();
    char* p = room(k.quoted.size());
    std::memcpy(p, k.quoted.data(), k.quoted.size());  // whole: a fixed-size copy is a few moves
    commit(p + k.length);
    after_key_ = true;
  }
  void value(std::string_view s) {
    separator();
    string_literal(s);
  }
  // A name of the program's own (a lock mode, a rule): printable ASCII
  // without quote or backslash, written as it is (a test checks every name
  // the report writes so).
  void plain_value(std::string_view s) {
    separator();
    char* p = room(s.size() + 2);
    *p++ = '"';
    p = copy(p, s);
    *p++ = '"';
    commit(p);
  }
  void value(const char* s) { value(std::string_view(s)); }
  void value(const std::string& s) { value(std::string_view(s)); }
  void value(bool b) {
    separator();
    append(b ? "true" : "false");
  }
  void value(long long n) {
    separator();
    char* p = room(20);
    commit(std::to_chars(p, p + 20, n).ptr);
  }
  void value(int n) { value(static_cast<long long>(n)); }
  void value(std::size_t n) { value(static_cast<long long>(n)); }
  // A value already formatted as JSON, indented for this place in the document.
  void raw_value(std::string_view json) {
    separator();
    append(json);
  }
  // An element formatted by a writer made for it (above), in its place.
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
  template <class T>
  void field(const JsonKey& k, const T& v) {
    key(k);
    value(v);
  }

  // `text` as the body of a JSON string literal (without the quotes) at
  // `out`, which has room for 6 bytes per byte of `text` (the longest escape,
  // \u00XX; U+FFFD takes 3): quote, backslash and C0 controls escaped (and
  // DEL, in the report's spelling), UTF-8 kept and each ill-formed part of it
  // written as U+FFFD (as valid_utf8 does: JSON is UTF-8). Returns the end
  // of what it wrote.
  static char* escape_string(char* out, std::string_view text, JsonEscapes escapes = JsonEscapes::Report);

 private:
  void separator() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    if (first_.empty()) return;
    const bool first = first_.back();
    first_.back() = false;
    const std::size_t indent = 2 * first_.size();
    char* p = room(1 + line_break_room(indent));
    if (!first) *p++ = ',';
    commit(line_break(p, indent));
  }
  void open(char c) {
    separator();
    *room(1) = c;
    ++used_;
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
  void string_literal(std::string_view text) {
    char* p = room(6 * text.size() + 2);
    *p++ = '"';
    p = escape_string(p, text, escapes_);
    *p++ = '"';
    commit(p);
  }
  void append(std::string_view s) { commit(copy(room(s.size()), s)); }

  static char* copy(char* out, std::string_view s) {
    std::memcpy(out, s.data(), s.size());
    return out + s.size();
  }
  // Room for `n` more bytes at the end of the text; commit(end) keeps what
  // was written up to `end`.
  char* room(std::size_t n) {
    if (capacity_ - used_ < n) grow(n);
    return buffer_.get() + used_;
  }
  void grow(std::size_t n) {
    capacity_ = std::max(2 * capacity_, used_ + n + kMinimumBuffer);
    auto larger = std::make_unique_for_overwrite<char[]>(capacity_);  // not zeroed: it is written before it is read
    if (used_) std::memcpy(larger.get(), buffer_.get(), used_);
    buffer_ = std::move(larger);
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
  std::unique_ptr<char[]> buffer_;  // used_ bytes of text, room for capacity_
  std::size_t used_ = 0, capacity_ = 0;
  std::vector<char> first_;  // per open container: nothing written yet (not vector<bool>: back() is a hot path)
  bool after_key_ = false;
};

}  // namespace migrasafe
