#pragma once
// The facts of a column definition (a ColumnDef node: a column of CREATE
// TABLE or ALTER TABLE ... ADD COLUMN), each defined once for the catalog,
// the effects and the rules.
#include <string_view>

#include "parser/parse.h"

namespace migrasafe {

// The integer type a serial pseudo-type stands for ("int4" for serial and
// serial4, "int8" for bigserial and serial8, "int2" for smallserial and
// serial2); empty for any other name.
std::string_view serial_integer_type(std::string_view type_name);

// Whether a TypeName node is a serial pseudo-type: PostgreSQL only expands an
// unqualified name (transformColumnDefinition); `pg_catalog.serial` is no type.
bool is_serial_type(const Json& type_name);

struct ColumnDefFacts {
  bool serial = false;     // NOT NULL with a nextval() default from its own sequence
  bool identity = false;   // GENERATED ... AS IDENTITY (NOT NULL, values from its sequence)
  bool generated = false;  // GENERATED ALWAYS AS (expr) STORED
  bool not_null = false;   // NOT NULL, PRIMARY KEY, identity or serial
  bool has_default = false;  // DEFAULT with a value: DEFAULT NULL is no default
  // Existing rows (and INSERTs that leave the column out) get a value.
  bool fills_rows() const { return serial || identity || generated || has_default; }
  // NOT NULL with nothing that fills it: adding it to a table with rows fails,
  // and so does an INSERT that leaves it out.
  bool needs_value() const { return not_null && !fills_rows(); }
};

ColumnDefFacts column_def_facts(const Json& column_def);

}  // namespace migrasafe
