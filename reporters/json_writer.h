#pragma once
// A small streaming JSON writer: reports with one entry per statement get
// large, and building a DOM first cost more than the whole analysis.
#include <algorithm>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "reporters/reporters.h"

namespace migrasafe {

class JsonWriter {
 public:
  explicit JsonWriter(std::ostream& out) : sink_(out) {}
  ~JsonWriter() { flush(); }
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
    if (out_.size() > (1 << 20)) flush();
  }
  void newline() {
    out_ += '\n';
    out_.append(2 * first_.size(), ' ');
  }
  void string_literal(std::string_view text) {
    static const char* hex = "0123456789abcdef";
    // JSON is UTF-8: a file name (or SQL) with bytes that are not is written with U+FFFD.
    std::string repaired;
    std::string_view s = text;
    if (std::any_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; }))
      s = repaired = valid_utf8(text);
    out_ += '"';
    for (unsigned char c : s) {
      switch (c) {
        case '"': out_ += "\\\""; break;
        case '\\': out_ += "\\\\"; break;
        case '\n': out_ += "\\n"; break;
        case '\r': out_ += "\\r"; break;
        case '\t': out_ += "\\t"; break;
        default:
          if (c < 0x20 || c == 0x7f) {
            out_ += "\\u00";
            out_ += hex[c >> 4];
            out_ += hex[c & 15];
          } else {
            out_ += static_cast<char>(c);
          }
      }
    }
    out_ += '"';
  }

  void flush() {
    sink_.write(out_.data(), static_cast<std::streamsize>(out_.size()));
    out_.clear();
  }

  std::ostream& sink_;
  std::string out_;  // buffered: writing to the stream char by char dominated the run time
  std::vector<bool> first_;  // per open container: nothing written yet
  bool after_key_ = false;
};

}  // namespace migrasafe
