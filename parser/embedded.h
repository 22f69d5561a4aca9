#pragma once
// Statements inside other statements' bodies: a DO block, a LANGUAGE plpgsql
// or sql function or procedure, and literal EXECUTE strings in PL/pgSQL.
// They become Statements of their own (placed right after the statement that
// holds them), so effects and every rule see them like any other statement.
#include <string>
#include <string_view>

#include "parser/parse.h"

namespace migrasafe {

// Adds the embedded statements of out.statements (parsed from `sql`, the
// preprocessed file text) and the parse problems of their bodies, and lexes
// the bodies that sit in the file verbatim into out.tokens, so comments in
// them (ignore comments, fixture expectations) are seen.
void add_embedded_statements(ParsedFile& out, const std::string& sql);

// Adds a template placeholder and the identifier it is parsed as to
// file.placeholders (once; a quoted one as its bare identifier and text).
void record_placeholder(ParsedFile& file, std::string_view identifier, std::string_view placeholder);

}  // namespace migrasafe
