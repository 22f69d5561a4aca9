// Compiled (never linked) by the ctest tests `field-names-*` (CMakeLists.txt): parser/ast.h must
// refuse a node or field name that PostgreSQL 15's parse nodes do not have. Built as it is, this
// file compiles; with MISSPELT_FIELD or MISSPELT_NODE defined, it holds one misspelt name and the
// build must fail on it.
#include "parser/ast.h"

namespace migrasafe {

std::string_view column_name_of(const Json& element) {
#if defined(MISSPELT_FIELD)
  const Json* column = ast::as(element, "ColumnDef");
  return column ? ast::str(*column, "colnmae") : std::string_view();
#elif defined(MISSPELT_NODE)
  const Json* column = ast::as(element, "ColumDef");
  return column ? ast::str(*column, "colname") : std::string_view();
#else
  const Json* column = ast::as(element, "ColumnDef");
  return column ? ast::str(*column, "colname") : std::string_view();
#endif
}

}  // namespace migrasafe
