#pragma once
// Whether ALTER COLUMN ... TYPE rewrites the table: PostgreSQL skips the
// rewrite only when the old type is binary coercible to the new one.
#include <string>

#include "analysis/catalog.h"
#include "analysis/effects.h"

namespace migrasafe {

// `reason` says why (for messages), e.g. "int4 to int8 converts every value".
Tri type_change_rewrite(const ColumnType& from, const ColumnType& to, int pg_version, std::string& reason);

}  // namespace migrasafe
