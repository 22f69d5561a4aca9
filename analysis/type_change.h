#pragma once
// Whether ALTER COLUMN ... TYPE rewrites the table: PostgreSQL skips the
// rewrite only when the old type is binary coercible to the new one.
#include <string>
#include <string_view>

#include "analysis/catalog.h"
#include "analysis/effects.h"

namespace migrasafe {

// The citext extension type (case-insensitive text), qualified or not.
bool is_citext(const ColumnType& t);

// `reason` says why (for messages), e.g. "int4 to int8 converts every value".
Tri type_change_rewrite(const ColumnType& from, const ColumnType& to, int pg_version, std::string& reason);

// What a type change silently throws away from existing values ("rounds
// values to 2 decimal places"), or "" when every value survives or the
// change fails instead (a narrower varchar rejects longer values).
std::string type_change_loss(const ColumnType& from, const ColumnType& to);

// Why converting existing values can fail, making the ALTER fail ("values
// longer than 20 characters do not fit"), or "" when every value converts.
// `using_expr`: the change has a USING expression (without one, PostgreSQL
// has no automatic cast from text types to most others).
std::string type_change_failure(const ColumnType& from, const ColumnType& to, bool using_expr);

}  // namespace migrasafe
