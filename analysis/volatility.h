#pragma once
// Function volatility, judged from PostgreSQL's own pg_proc (a generated
// table of built-ins) rather than from a guess by name.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "parser/parse.h"

namespace migrasafe {

enum class Volatility { Immutable, Stable, Volatile, Unknown };

// Volatility of a built-in function by name; Unknown when the name is not a
// built-in or its overloads disagree.
Volatility builtin_volatility(const std::string& name);
// Whether PostgreSQL has a built-in function of that name (pg_catalog).
bool is_builtin_function(const std::string& name);

// Volatility of an expression: Volatile if any call in it is volatile,
// Unknown if any call could not be judged, else the strongest of the rest.
// `culprit` receives the call that decided a Volatile/Unknown answer.
// `user_function` answers for functions that are not built in (e.g. created
// by an earlier migration); it receives the call's name parts.
using FunctionLookup = std::function<std::optional<Volatility>(const std::vector<std::string>&)>;
Volatility expression_volatility(const Json& expr, std::string* culprit = nullptr, const FunctionLookup& user_function = {});

}  // namespace migrasafe
