#pragma once
// A small streaming JSON writer: reports with one entry per statement get
// large, and building a DOM first cost more than the whole analysis.
#include <array>
#include <cstdint>
#include <cstring>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "reporters/reporters.h"

namespace migrasafe {

class JsonWriter {
 public:
  explicit JsonWriter(std::ostream& out) : sink_(&out) {}
  // A writer of one element of the array `outer` has open, written as its
  // first element or a later one, into a string (text()), so that elements
  // can be formatted apart (on several threads) and then added in order with
  // append_element.
  JsonWriter(const JsonWriter& outer, bool first_element) : first_(outer.first_) { first_.back() = first_element; }
  ~JsonWriter() { flush(); }
  std::string& text() { return out_; }  // an element writer's text
  JsonWriter(const JsonWriter&) = delete;
  JsonWriter& operator=(const JsonWriter&) = delete;

  void begin_object() { open('{'); }
  void end_object() { close('}'); }
  void begin_array() { open('['); }
  void end_array() { close(']'); }
  void key(std::string_view k) {
    separator();
    string_literal(k);
    out_ += ": ";
    after_key_ = true;
  }
  void value(std::string_view s) {
    separator();
    string_literal(s);
  }
  void value(const char* s) { value(std::string_view(s)); }
  void value(const std::string& s) { value(std::string_view(s)); }
  void value(bool b) {
    separator();
    out_ += b ? "true" : "false";
  }
  void value(long long n) {
    separator();
    out_ += std::to_string(n);
  }
  void value(int n) { value(static_cast<long long>(n)); }
  void value(std::size_t n) { value(static_cast<long long>(n)); }
  // An element formatted by a writer made for it (above), in its place.
  void append_element(std::string_view formatted) {
    if (sink_ && out_.size() + formatted.size() > kFlushSize) {
      flush();
      sink_->write(formatted.data(), static_cast<std::streamsize>(formatted.size()));
    } else {
      out_ += formatted;
    }
    first_.back() = false;
  }
  bool empty_container() const { return first_.back(); }
  template <class T>
  void field(std::string_view k, const T& v) {
    key(k);
    value(v);
  }

 private:
  void separator() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    if (!first_.empty()) {
      if (!first_.back()) out_ += ',';
      first_.back() = false;
      newline();
    }
  }
  void open(char c) {
    separator();
    out_ += c;
    first_.push_back(true);
  }
  void close(char c) {
    bool empty = first_.back();
    first_.pop_back();
    if (!empty) newline();
    out_ += c;
    if (first_.empty()) out_ += '\n';
    if (out_.size() > kFlushSize) flush();
  }
  void newline() {
    out_ += '\n';
    out_.append(2 * first_.size(), ' ');
  }
  void string_literal(std::string_view text) {
    out_ += '"';
    const std::size_t start = out_.size();
    if (!append_escaped(text)) {
      // JSON is UTF-8: a file name (or SQL) with bytes that are not is written with U+FFFD.
      out_.resize(start);
      append_escaped(valid_utf8(text), true);
    }
    out_ += '"';
  }
  // Appends `s` escaped, copying the runs between characters that need an
  // escape in one append each. Stops at the first byte of 0x80 or above
  // (returning false) unless `utf8_checked`.
  bool append_escaped(std::string_view s, bool utf8_checked = false) {
    std::size_t run = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
      // Eight bytes at a time while none of them is special (most text).
      while (i + 8 <= s.size() && !any_special(s.data() + i)) i += 8;
      if (i == s.size()) break;
      const auto c = static_cast<unsigned char>(s[i]);
      if (!kSpecial[c]) continue;
      if (c >= 0x80) {
        if (!utf8_checked) return false;
        continue;
      }
      out_.append(s.data() + run, i - run);
      run = i + 1;
      escape(c);
    }
    out_.append(s.data() + run, s.size() - run);
    return true;
  }
  // Whether one of the 8 bytes at `p` is in kSpecial, by word arithmetic
  // (exact for "any", though not for which): a byte below 0x20, '"', '\\',
  // 0x7f, or one with its high bit set.
  static bool any_special(const char* p) {
    constexpr std::uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    std::uint64_t x;
    std::memcpy(&x, p, sizeof x);
    auto has_zero = [&](std::uint64_t v) { return (v - ones) & ~v & highs; };
    const std::uint64_t below_space = (x - ones * 0x20) & ~x & highs;
    return ((x & highs) | below_space | has_zero(x ^ (ones * '"')) | has_zero(x ^ (ones * '\\')) |
            has_zero(x ^ (ones * 0x7f))) != 0;
  }
  // The bytes append_escaped stops at: those JSON escapes, and non-ASCII
  // ones (checked for UTF-8): the report's hot loop, after any_special.
  static constexpr auto kSpecial = [] {
    std::array<bool, 256> special{};
    for (int c = 0; c < 256; ++c) special[c] = c < 0x20 || c == '"' || c == '\\' || c >= 0x7f;
    return special;
  }();
  void escape(unsigned char c) {
    static const char* hex = "0123456789abcdef";
    switch (c) {
      case '"': out_ += "\\\""; break;
      case '\\': out_ += "\\\\"; break;
      case '\n': out_ += "\\n"; break;
      case '\r': out_ += "\\r"; break;
      case '\t': out_ += "\\t"; break;
      default:
        out_ += "\\u00";
        out_ += hex[c >> 4];
        out_ += hex[c & 15];
    }
  }

  void flush() {
    if (!sink_) return;  // an element writer keeps its text
    sink_->write(out_.data(), static_cast<std::streamsize>(out_.size()));
    out_.clear();
  }

  static constexpr std::size_t kFlushSize = 1 << 20;
  std::ostream* sink_ = nullptr;
  std::string out_;  // buffered: writing to the stream char by char dominated the run time
  std::vector<bool> first_;  // per open container: nothing written yet
  bool after_key_ = false;
};

}  // namespace migrasafe
