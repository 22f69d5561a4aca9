#pragma once
// The part of TOML a .migrasafe.toml may use, checked before toml++ sees the
// text. toml++ 3.3.0 (Debian 12) reaches undefined behaviour on some invalid
// input: a non-ASCII character where whitespace may stand (`ö = 1`) hits its
// "unreachable" path, and malformed keys, values and times trip its
// assertions. The configuration needs none of that, so the loader hands
// toml++ only text in a subset whose every construct toml++ handles:
//   - UTF-8 without control characters (tab and line breaks aside); non-ASCII
//     only inside strings and comments;
//   - keys: bare (A-Z a-z 0-9 _ -) or quoted, dotted;
//   - table headers [a.b] and [[a]];
//   - values: single-line "basic" and 'literal' strings, decimal integers,
//     true and false, arrays (over several lines, with comments) and inline
//     tables, nested.
// No floats, dates, times, multi-line strings or hex/octal/binary integers:
// no setting takes one.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace migrasafe {

struct TomlSubsetError {
  std::size_t line = 1, column = 1;  // 1-based; the column counts code points
  std::string message;
};

// The first place `text` leaves the subset, or nullopt when it stays inside.
// Never throws; linear time; nesting is limited (kMaxTomlNesting).
std::optional<TomlSubsetError> check_toml_subset(std::string_view text);

inline constexpr int kMaxTomlNesting = 32;

}  // namespace migrasafe
