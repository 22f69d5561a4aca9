#pragma once
// lex() of a large text, in two halves on two threads (lexer.h's lex runs it
// from kLexHalvesFromBytes). Apart from lexer.h, which most of the code
// includes, so that the tests can choose the size.
#include <cstddef>
#include <string_view>
#include <vector>

#include "parser/lexer.h"

namespace migrasafe {

// A text of `halves_from` bytes or more is lexed in two halves, the second
// on another thread, and joined when the first half's lexer gets to where
// the second began as a new lexer starts (else it goes on alone): the
// tokens are lex()'s whatever the size. lex(text) splits texts from 256 kB
// (about 4M instructions of lexing: far more than a thread costs).
inline constexpr std::size_t kLexHalvesFromBytes = 256 * 1024;
std::vector<Token> lex(std::string_view text, std::size_t halves_from);

}  // namespace migrasafe
