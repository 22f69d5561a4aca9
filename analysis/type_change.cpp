#include "analysis/type_change.h"

#include <set>

namespace migrasafe {
namespace {

const std::set<std::string>& builtin_types() {
  static const std::set<std::string> names = {
      "int2", "int4", "int8", "numeric", "float4", "float8", "text", "varchar", "bpchar", "bool", "date",
      "timestamp", "timestamptz", "time", "timetz", "interval", "uuid", "json", "jsonb", "bytea", "inet",
      "cidr", "varbit", "bit", "money", "xml", "macaddr", "macaddr8", "oid", "char", "name", "tsvector"};
  return names;
}

// Length limit of varchar/varbit: 0 = unlimited.
long limit(const ColumnType& t) { return t.typmods.empty() ? 0 : t.typmods[0]; }

// Same type, different modifiers: widening (or dropping the limit) keeps the
// stored bytes valid; anything else has to check or convert every value.
Tri widening(const ColumnType& from, const ColumnType& to, std::string& reason) {
  long f = limit(from), t = limit(to);
  if (t == 0 || (f != 0 && t >= f)) {
    reason = from.display() + " to " + to.display() + " only widens the type, so no row is rewritten";
    return Tri::No;
  }
  reason = from.display() + " to " + to.display() + " narrows the type, so every row is checked and rewritten";
  return Tri::Yes;
}

}  // namespace

bool is_citext(const ColumnType& t) { return t.name == "citext" || t.name.ends_with(".citext"); }

Tri type_change_rewrite(const ColumnType& from, const ColumnType& to, int pg_version, std::string& reason) {
  if (from == to) {
    reason = "the type does not change";
    return Tri::No;
  }
  const std::string& f = from.name;
  const std::string& t = to.name;
  // The citext extension casts citext to and from text and varchar WITHOUT
  // FUNCTION (binary coercible); a varchar(n) target still checks the length.
  bool text_target = !to.array && (t == "text" || (t == "varchar" && to.typmods.empty()));
  bool text_source = !from.array && (f == "text" || f == "varchar");
  if ((is_citext(from) && !from.array && text_target) || (text_source && is_citext(to) && !to.array)) {
    reason = from.display() + " to " + to.display() + " is binary coercible (citext's cast is WITHOUT FUNCTION), so no row is rewritten";
    return Tri::No;
  }
  if (!builtin_types().count(f) || !builtin_types().count(t)) {
    reason = "a domain or extension type (" + from.display() + " to " + to.display() + ") may or may not be binary coercible";
    return Tri::Unknown;
  }
  if (from.array != to.array) {
    reason = from.display() + " to " + to.display() + " converts every value";
    return Tri::Yes;
  }
  if (f == t && (f == "varchar" || f == "varbit")) return widening(from, to, reason);
  if ((f == "varchar" && t == "text") || (f == "text" && t == "varchar" && to.typmods.empty()) || (f == "cidr" && t == "inet")) {
    reason = from.display() + " to " + to.display() + " is binary coercible, so no row is rewritten";
    return Tri::No;
  }
  if (f == t && f == "numeric") {
    // numeric(p, s): same scale and no smaller precision, or no limit at all.
    if (to.typmods.empty()) return widening(from, to, reason);
    long fs = from.typmods.size() > 1 ? from.typmods[1] : 0, ts = to.typmods.size() > 1 ? to.typmods[1] : 0;
    if (!from.typmods.empty() && fs == ts) return widening(from, to, reason);
    reason = from.display() + " to " + to.display() + " changes the scale, so every value is converted";
    return Tri::Yes;
  }
  if (f == t && (f == "timestamp" || f == "timestamptz" || f == "time" || f == "timetz")) {
    // Precision: an absent modifier means full precision (6).
    ColumnType a = from, b = to;
    if (a.typmods.empty()) a.typmods = {6};
    if (b.typmods.empty()) b.typmods = {6};
    return widening(a, b, reason);
  }
  if ((f == "timestamp" && t == "timestamptz") || (f == "timestamptz" && t == "timestamp")) {
    if (pg_version >= 12) {
      reason = "since PostgreSQL 12, " + from.display() + " to " + to.display() +
               " skips the rewrite only when the session TimeZone is UTC";
      return Tri::Unknown;
    }
    reason = "before PostgreSQL 12, " + from.display() + " to " + to.display() + " rewrites every row";
    return Tri::Yes;
  }
  reason = from.display() + " to " + to.display() + " converts every value";
  return Tri::Yes;
}

std::string type_change_loss(const ColumnType& from, const ColumnType& to) {
  if (from.array != to.array) return "";
  const std::string& f = from.name;
  const std::string& t = to.name;
  auto integer = [](const std::string& n) { return n == "int2" || n == "int4" || n == "int8"; };
  auto fractional = [](const std::string& n) { return n == "numeric" || n == "float4" || n == "float8" || n == "money"; };
  if (fractional(f) && integer(t)) return "rounds away the fractional part of every value";
  if (f == "numeric" && t == "numeric" && to.typmods.size() > 1 &&
      (from.typmods.size() < 2 || to.typmods[1] < from.typmods[1]))
    return "rounds every value to " + std::to_string(to.typmods[1]) + " decimal places";
  if (f == "numeric" && t == "numeric" && to.typmods.size() == 1 && (from.typmods.size() != 1))
    return "rounds every value to a whole number";
  if ((f == "float8" && t == "float4") || (f == "numeric" && (t == "float4" || t == "float8")))
    return "keeps only the precision of " + to.display();
  if ((f == "timestamp" || f == "timestamptz") && t == "date") return "drops the time of day";
  if ((f == "timestamptz" && t == "timestamp") || (f == "timetz" && t == "time")) return "drops the time zone offset";
  bool temporal = f == t && (f == "timestamp" || f == "timestamptz" || f == "time" || f == "timetz" || f == "interval");
  if (temporal && !to.typmods.empty() && (from.typmods.empty() ? 6 : from.typmods[0]) > to.typmods[0])
    return "rounds fractional seconds to " + std::to_string(to.typmods[0]) + " digits";
  if (f == "json" && t == "jsonb") return "drops duplicate keys, key order and whitespace";
  return "";
}

namespace {

bool string_type(const std::string& n) { return n == "text" || n == "varchar" || n == "bpchar" || n == "name"; }

// Digits left of the decimal point a numeric type keeps (0: unlimited).
long integer_digits(const ColumnType& t) {
  if (t.typmods.empty()) return 0;
  return t.typmods[0] - (t.typmods.size() > 1 ? t.typmods[1] : 0);
}

// How many digits an integer type's values can have.
long digits_of(const std::string& n) { return n == "int2" ? 5 : n == "int4" ? 10 : n == "int8" ? 19 : 0; }

}  // namespace

std::string type_change_failure(const ColumnType& from, const ColumnType& to, bool using_expr) {
  if (from == to || from.array != to.array) return "";
  const std::string& f = from.name;
  const std::string& t = to.name;
  if (!builtin_types().count(f) || !builtin_types().count(t)) return "";
  if (string_type(f) && !string_type(t))
    return using_expr ? "values that do not parse as " + to.display() + " make it fail"
                      : "there is no automatic cast from " + from.display() + " to " + to.display() +
                            ", so it fails unless a USING expression converts the values (which may then fail on "
                            "values that do not parse)";
  if (string_type(t) && !to.typmods.empty() && (!string_type(f) || from.typmods.empty() || to.typmods[0] < from.typmods[0]))
    return "values longer than " + std::to_string(to.typmods[0]) + " characters do not fit";
  long fd = digits_of(f), td = digits_of(t);
  if (fd && td && td < fd) return "values outside the range of " + to.display() + " overflow";
  bool fractional = f == "numeric" || f == "float4" || f == "float8";
  if (fractional && td) return "values outside the range of " + to.display() + " overflow";
  if (t == "numeric" && integer_digits(to) != 0) {
    long have = f == "numeric" ? integer_digits(from) : fd;
    if (have == 0 || have > integer_digits(to))
      return "values with more than " + std::to_string(integer_digits(to)) + " digits before the decimal point overflow";
  }
  return "";
}

}  // namespace migrasafe
