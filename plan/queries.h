#pragma once
// The verification queries of a plan, written from a statement's parse tree:
// before it (preconditions: the rows that would make it fail) and after it
// (postconditions: the catalog shows what it did). Every query returns one
// value, compared with Check::expected as `psql -At` prints it. Objects are
// named as the statement names them, so the queries resolve them with the
// same search_path the migration runs with.
#include <vector>

#include "analysis/catalog.h"
#include "parser/parse.h"
#include "plan/plan.h"

namespace migrasafe {

std::vector<Check> preconditions(const ParsedFile& file, const Statement& stmt);
std::vector<Check> postconditions(const ParsedFile& file, const Statement& stmt);

// format_type()'s spelling of a column type ("bigint", "character varying(20)",
// "timestamp with time zone", "text[]"); empty when it cannot be known.
std::string format_type_name(const ColumnType& t);

}  // namespace migrasafe
