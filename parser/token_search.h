#pragma once
// Finding a token by offset in a file's tokens (sorted by position) when the
// searches come nearly in file order, as statements do.
#include <algorithm>
#include <cstddef>
#include <vector>

#include "parser/lexer.h"

namespace migrasafe {

// The index of the first token that begins at or after `off` (toks.size() if
// none), searched from `from` on: every token before `from` must begin
// before `off`. Forward in doubling steps, then a binary search, so a search
// from the previous statement's tokens costs the log of the distance, not of
// the file's size.
inline std::size_t first_token_from(const std::vector<Token>& toks, std::size_t from, std::size_t off) {
  std::size_t lo = from, step = 1;
  while (lo + step < toks.size() && toks[lo + step].begin < off) {
    lo += step;
    step *= 2;
  }
  auto first = toks.begin() + static_cast<std::ptrdiff_t>(lo);
  auto last = toks.begin() + static_cast<std::ptrdiff_t>(std::min(lo + step, toks.size()));
  return static_cast<std::size_t>(
      std::lower_bound(first, last, off, [](const Token& t, std::size_t o) { return t.begin < o; }) - toks.begin());
}

}  // namespace migrasafe
