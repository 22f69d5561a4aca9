#pragma once
// LSP positions (0-based line, and a character offset counted in UTF-16 code
// units or, when the client and server agreed on it, UTF-8 bytes) to and from
// byte offsets in a document.
#include <cstddef>
#include <string_view>

#include "parser/source.h"

namespace migrasafe::lsp {

enum class PositionEncoding { Utf16, Utf8 };

struct LspPosition {
  int line = 0;       // 0-based
  int character = 0;  // 0-based, in the encoding's units
};

// The byte offset of `p` in `text` (indexed by `lines`). Out-of-range
// positions clamp, as the protocol asks: a character past the end of its line
// is the line's end, a line past the last is the end of the text, and a
// position inside a UTF-16 surrogate pair or a UTF-8 sequence is the start of
// that character.
std::size_t offset_of(std::string_view text, const LineIndex& lines, LspPosition p, PositionEncoding encoding);

// The position of byte `offset` (clamped to the text).
LspPosition position_of(std::string_view text, const LineIndex& lines, std::size_t offset, PositionEncoding encoding);

}  // namespace migrasafe::lsp
