#pragma once
// A migration file's bytes and the one mapping from byte offsets to the
// 1-based line/column positions every reporter prints.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace migrasafe {

struct Position {
  int line = 1;    // 1-based
  int column = 1;  // 1-based, in Unicode code points
};

class LineIndex {
 public:
  explicit LineIndex(std::string_view text);
  // Offsets past the end clamp to the end. A CRLF pair is one line break:
  // the CR belongs to the line it ends.
  Position position(std::size_t offset) const;
  // The same, for offsets asked for in about text order (a report's
  // statements): the line is searched forward from `near_line` (the last
  // answer's) for a few lines, then by a binary search.
  Position position(std::size_t offset, int near_line) const;
  std::size_t line_count() const { return line_starts_.size(); }
  std::size_t line_start(int line) const { return line_starts_[line - 1]; }
  // Byte offset one past the last byte of `line`, excluding its line break.
  std::size_t line_end(int line) const;

 private:
  // Code points before offset k * kBlock: a column is then counted from the
  // nearest block start, so a finding on a megabyte line costs no more than
  // one on a short line.
  static constexpr std::size_t kBlock = 1024;
  std::size_t code_points_before(std::size_t offset) const;
  Position on_line(std::size_t offset, std::size_t line) const;  // `offset` (clamped) on 1-based `line`

  std::string_view text_;
  std::vector<std::size_t> line_starts_;
  std::vector<std::size_t> block_code_points_;
  bool ascii_ = true;  // every byte is a code point: no counting needed
};

struct SourceFile {
  std::string path;  // as the user named it (or --stdin-filename)
  std::string text;
  LineIndex lines;
  SourceFile(std::string p, std::string t) : path(std::move(p)), text(std::move(t)), lines(text) {}
  SourceFile(const SourceFile&) = delete;
  SourceFile& operator=(const SourceFile&) = delete;
};

// Number of code points in text[begin, end): UTF-8 continuation bytes do not count.
std::size_t count_code_points(std::string_view text);
// Byte offset of the `n`th code point (0-based) of text; text.size() if past the end.
std::size_t byte_offset_of_code_point(std::string_view text, std::size_t n);
// Byte offset of the first invalid UTF-8 sequence, or npos if the text is valid.
std::size_t find_invalid_utf8(std::string_view text);

}  // namespace migrasafe
