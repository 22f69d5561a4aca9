#include "parser/source.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace migrasafe {

namespace {

// From `from`, the offset of the first block of eight bytes that holds a
// byte of 0x80 or above, or of the short block at the end.
std::size_t skip_ascii_blocks(std::string_view text, std::size_t from) {
  constexpr std::uint64_t kHighBits = 0x8080808080808080ull;
  for (std::uint64_t word; from + 8 <= text.size(); from += 8) {
    std::memcpy(&word, text.data() + from, 8);
    if (word & kHighBits) break;
  }
  return from;
}

// Whether every byte is below 0x80.
bool is_ascii(std::string_view text) {
  for (std::size_t i = skip_ascii_blocks(text, 0); i < text.size(); ++i)
    if (static_cast<unsigned char>(text[i]) >= 0x80) return false;
  return true;
}

}  // namespace

LineIndex::LineIndex(std::string_view text) : text_(text) {
  line_starts_.push_back(0);
  if (text.find('\r') == std::string_view::npos) {
    // Only LF breaks (nearly every file): memchr jumps from one to the next.
    const char* begin = text.data();
    const char* end = begin + text.size();
    for (const char* p = begin; (p = static_cast<const char*>(std::memchr(p, '\n', end - p))) != nullptr;)
      line_starts_.push_back(static_cast<std::size_t>(++p - begin));
  } else {
    for (std::size_t i = 0; i < text.size(); ++i) {
      char c = text[i];
      if (c == '\n') {
        line_starts_.push_back(i + 1);
      } else if (c == '\r') {
        if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
        line_starts_.push_back(i + 1);
      }
    }
  }
  ascii_ = is_ascii(text);
  if (ascii_) return;  // every byte is a code point: no blocks needed
  block_code_points_.reserve(text.size() / kBlock + 1);
  std::size_t code_points = 0;
  for (std::size_t block = 0; block < text.size(); block += kBlock) {
    block_code_points_.push_back(code_points);
    code_points += count_code_points(text.substr(block, kBlock));
  }
}

std::size_t LineIndex::line_end(int line) const {
  std::size_t end = static_cast<std::size_t>(line) < line_starts_.size() ? line_starts_[line] : text_.size();
  std::size_t start = line_starts_[line - 1];
  while (end > start && (text_[end - 1] == '\n' || text_[end - 1] == '\r')) --end;
  return end;
}

Position LineIndex::position(std::size_t offset) const {
  offset = std::min(offset, text_.size());
  auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
  return on_line(offset, static_cast<std::size_t>(it - line_starts_.begin()));
}

Position LineIndex::position(std::size_t offset, int near_line) const {
  offset = std::min(offset, text_.size());
  constexpr int kSteps = 8;  // farther on: the binary search
  if (near_line < 1 || static_cast<std::size_t>(near_line) > line_starts_.size() || line_starts_[near_line - 1] > offset)
    return position(offset);
  std::size_t line = static_cast<std::size_t>(near_line);
  for (int steps = 0; line < line_starts_.size() && line_starts_[line] <= offset; ++line)
    if (++steps > kSteps) return position(offset);
  return on_line(offset, line);
}

Position LineIndex::on_line(std::size_t offset, std::size_t line) const {
  std::size_t start = line_starts_[line - 1];
  Position p;
  p.line = static_cast<int>(line);
  p.column = static_cast<int>(code_points_before(offset) - code_points_before(start)) + 1;
  // Editors do not count a leading byte order mark as a column.
  if (start == 0 && offset >= 3 && text_.starts_with("\xEF\xBB\xBF")) --p.column;
  return p;
}

std::size_t LineIndex::code_points_before(std::size_t offset) const {
  if (ascii_) return std::min(offset, text_.size());
  std::size_t block = offset / kBlock;
  if (block >= block_code_points_.size()) block = block_code_points_.empty() ? 0 : block_code_points_.size() - 1;
  std::size_t base = block_code_points_.empty() ? 0 : block_code_points_[block];
  return base + count_code_points(text_.substr(block * kBlock, offset - block * kBlock));
}

std::size_t count_code_points(std::string_view text) {
  std::size_t n = 0;
  for (unsigned char c : text) n += (c & 0xC0) != 0x80;
  return n;
}

std::size_t byte_offset_of_code_point(std::string_view text, std::size_t n) {
  std::size_t seen = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      if (seen == n) return i;
      ++seen;
    }
  }
  return text.size();
}

std::size_t find_invalid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    i = skip_ascii_blocks(s, i);  // migrations are mostly ASCII
    if (i == s.size()) break;
    unsigned char c = static_cast<unsigned char>(s[i]);
    std::size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (len == 0 || i + len > s.size()) return i;
    for (std::size_t k = 1; k < len; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return i;
    i += len;
  }
  return std::string_view::npos;
}

}  // namespace migrasafe
