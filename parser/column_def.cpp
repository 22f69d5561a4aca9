#include "parser/column_def.h"

#include "parser/ast.h"

namespace migrasafe {

std::string_view serial_integer_type(std::string_view name) {
  if (name == "serial" || name == "serial4") return "int4";
  if (name == "bigserial" || name == "serial8") return "int8";
  if (name == "smallserial" || name == "serial2") return "int2";
  return {};
}

bool is_serial_type(const Json& type_name) {
  const Json& names = ast::list(type_name, "names");
  if (names.size() != 1 || ast::flag(type_name, "pct_type")) return false;
  auto name = ast::as<"String">(names[0]);
  return name && !serial_integer_type(ast::str(*name, "sval")).empty();
}

ColumnDefFacts column_def_facts(const Json& column_def) {
  ColumnDefFacts facts;
  const Json* type = ast::field(column_def, "typeName");
  facts.serial = type && is_serial_type(*type);
  if (const Json* expr = ast::field(column_def, "raw_default")) facts.has_default = !ast::is_null_constant(*expr);
  for (const Json& c : ast::list(column_def, "constraints")) {
    auto con = ast::as<"Constraint">(c);
    std::string_view kind = con ? ast::str(*con, "contype") : "";
    if (kind == "CONSTR_NOTNULL" || kind == "CONSTR_PRIMARY") facts.not_null = true;
    if (kind == "CONSTR_IDENTITY") facts.identity = true;
    if (kind == "CONSTR_GENERATED") facts.generated = true;
    if (kind == "CONSTR_DEFAULT")
      if (const Json* expr = ast::field(*con, "raw_expr"); expr && !ast::is_null_constant(*expr)) facts.has_default = true;
  }
  if (facts.serial || facts.identity) facts.not_null = true;
  return facts;
}

}  // namespace migrasafe
