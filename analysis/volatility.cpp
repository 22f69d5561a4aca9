#include "analysis/volatility.h"

#include <algorithm>
#include <string_view>
#include <unordered_map>

#include "parser/ast.h"

namespace migrasafe {
namespace {

struct BuiltinFunction {
  const char* name;
  char volatility;
};

const BuiltinFunction kBuiltins[] = {
#include "analysis/data/builtin_functions.inc"
};

const std::unordered_map<std::string_view, char>& builtins() {
  static const std::unordered_map<std::string_view, char> table = [] {
    std::unordered_map<std::string_view, char> t;
    for (const auto& f : kBuiltins) t.emplace(f.name, f.volatility);
    return t;
  }();
  return table;
}

int rank(Volatility v) {
  switch (v) {
    case Volatility::Immutable: return 0;
    case Volatility::Stable: return 1;
    case Volatility::Unknown: return 2;
    case Volatility::Volatile: return 3;
  }
  return 2;
}

void walk(const Json& node, Volatility& worst, std::string* culprit, const FunctionLookup& user) {
  if (node.is_array()) {
    for (const Json& v : node) walk(v, worst, culprit, user);
    return;
  }
  if (!node.is_object()) return;
  if (auto call = ast::as<"FuncCall">(node)) {
    auto names = ast::strings(ast::list(*call, "funcname"));
    Volatility v = Volatility::Unknown;
    if (!names.empty() && (names.size() == 1 || names[names.size() - 2] == "pg_catalog")) {
      v = builtin_volatility(names.back());
    }
    // pg_catalog comes first on the search path; otherwise ask the schema model.
    if (v == Volatility::Unknown && !names.empty() && user && (names.size() == 1 || names[names.size() - 2] != "pg_catalog")) {
      if (auto known = user(names)) v = *known;
    }
    if (rank(v) > rank(worst)) {
      worst = v;
      if (culprit) {
        std::string qualified;
        for (const auto& part : names) qualified += (qualified.empty() ? "" : ".") + part;
        *culprit = qualified + "()";
      }
    }
  } else if (ast::as<"SubLink">(node)) {
    if (rank(Volatility::Unknown) > rank(worst)) {
      worst = Volatility::Unknown;
      if (culprit) *culprit = "a subquery";
    }
    return;
  } else if (ast::as<"SQLValueFunction">(node)) {
    // CURRENT_TIMESTAMP, CURRENT_USER, ...: stable for the transaction.
    if (rank(Volatility::Stable) > rank(worst)) worst = Volatility::Stable;
  }
  for (const auto& member : node.items()) walk(member.value, worst, culprit, user);
}

}  // namespace

Volatility builtin_volatility(const std::string& name) {
  auto it = builtins().find(name);
  if (it == builtins().end()) return Volatility::Unknown;
  switch (it->second) {
    case 'i': return Volatility::Immutable;
    case 's': return Volatility::Stable;
    case 'v': return Volatility::Volatile;
    default: return Volatility::Unknown;
  }
}

bool is_builtin_function(const std::string& name) { return builtins().count(name) > 0; }

Volatility expression_volatility(const Json& expr, std::string* culprit, const FunctionLookup& user_function) {
  Volatility worst = Volatility::Immutable;
  walk(expr, worst, culprit, user_function);
  return worst;
}

}  // namespace migrasafe
