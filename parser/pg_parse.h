#pragma once
// libpg_query's parse result, freed when it goes out of scope.
#include <pg_query.h>

#include <string>

namespace migrasafe {

struct PgParse {
  PgQueryParseResult r;
  explicit PgParse(const std::string& sql) : r(pg_query_parse(sql.c_str())) {}
  ~PgParse() { pg_query_free_parse_result(r); }
  PgParse(const PgParse&) = delete;
  PgParse& operator=(const PgParse&) = delete;
};

}  // namespace migrasafe
