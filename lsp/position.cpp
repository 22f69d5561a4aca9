#include "lsp/position.h"

#include <algorithm>

namespace migrasafe::lsp {
namespace {

// Bytes in the UTF-8 sequence that starts with `lead` (1 for a stray byte:
// it is one unit either way).
std::size_t sequence_length(unsigned char lead) {
  if (lead >= 0xF0 && lead < 0xF8) return 4;
  if (lead >= 0xE0) return lead < 0xF0 ? 3 : 1;
  if (lead >= 0xC0) return 2;
  return 1;
}

// How many units the character of `bytes` UTF-8 bytes takes.
int units(std::size_t bytes, PositionEncoding encoding) {
  if (encoding == PositionEncoding::Utf8) return static_cast<int>(bytes);
  return bytes == 4 ? 2 : 1;  // outside the BMP: a surrogate pair
}

}  // namespace

std::size_t offset_of(std::string_view text, const LineIndex& lines, LspPosition p, PositionEncoding encoding) {
  if (p.line < 0) return 0;
  if (static_cast<std::size_t>(p.line) >= lines.line_count()) return text.size();
  std::size_t at = lines.line_start(p.line + 1), end = lines.line_end(p.line + 1);
  for (int seen = 0; at < end;) {
    std::size_t len = std::min(sequence_length(static_cast<unsigned char>(text[at])), end - at);
    seen += units(len, encoding);
    if (seen > p.character) break;
    at += len;
  }
  return at;
}

LspPosition position_of(std::string_view text, const LineIndex& lines, std::size_t offset, PositionEncoding encoding) {
  offset = std::min(offset, text.size());
  int line = lines.position(offset).line;
  std::size_t at = lines.line_start(line);
  int character = 0;
  while (at < offset) {
    std::size_t len = std::min(sequence_length(static_cast<unsigned char>(text[at])), offset - at);
    character += units(len, encoding);
    at += len;
  }
  return {line - 1, character};
}

}  // namespace migrasafe::lsp
