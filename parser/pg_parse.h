#pragma once
// Messages for libpg_query's parse errors.
#include <algorithm>
#include <string>
#include <string_view>

#include "parser/lexer.h"

namespace migrasafe {

// The parser's error message for `sql`, in words a user can act on: when
// PostgreSQL's grammar runs out of parser stack (bison's 10,000 entries) it
// says only "memory exhausted"; that is deep nesting, so say so, and how deep.
inline std::string parser_error_message(std::string_view message, std::string_view sql) {
  if (!message.starts_with("memory exhausted")) return std::string(message);
  int depth = 0, deepest = 0;
  for (const Token& t : lex(sql)) {
    if (t.kind != TokenKind::Punct) continue;
    if (sql[t.begin] == '(') deepest = std::max(deepest, ++depth);
    else if (sql[t.begin] == ')' && depth > 0) --depth;
  }
  std::string what = deepest >= 100 ? "expression nested too deeply for the parser (" + std::to_string(deepest) +
                                         " levels of parentheses)"
                                   : std::string("statement nested too deeply for the parser");
  return what + "; PostgreSQL's parser fails on it too, with \"memory exhausted\"";
}

}  // namespace migrasafe
