// Compiled (never linked) by the ctest tests `field-names-*` (CMakeLists.txt): parser/ast.h must
// refuse a node or field name that PostgreSQL 15's parse nodes do not have, and a field that the
// node being read does not have. Built as it is, this file compiles; with MISSPELT_FIELD,
// MISSPELT_NODE or OTHER_NODES_FIELD defined, it holds one wrong name and the build must fail on it.
#include "parser/ast.h"

namespace migrasafe {

std::string_view column_name_of(const Json& element) {
#if defined(MISSPELT_FIELD)
  return ast::str(element, "colnmae");  // read from any node: checked against every node's fields
#elif defined(MISSPELT_NODE)
  auto column = ast::as<"ColumDef">(element);
  return column ? ast::str(*column, "colname") : std::string_view();
#elif defined(OTHER_NODES_FIELD)
  auto column = ast::as<"ColumnDef">(element);
  return column ? ast::str(*column, "relname") : std::string_view();  // a RangeVar's field
#else
  auto column = ast::as<"ColumnDef">(element);
  return column ? ast::str(*column, "colname") : std::string_view();
#endif
}

// Code that reads any node keeps the check against all nodes' fields.
std::string_view any_name(const Json& fields) { return ast::str(fields, "relname"); }

}  // namespace migrasafe
