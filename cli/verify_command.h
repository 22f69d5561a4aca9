#pragma once
// `migrasafe verify`: runs the migrations on a real PostgreSQL (verify/).
#include <functional>

#include <CLI/CLI.hpp>

namespace migrasafe {

struct VerifyCommand {
  CLI::App* command;
  std::function<int()> run;  // after parsing, when `command` was given
};
VerifyCommand add_verify_command(CLI::App& app);

}  // namespace migrasafe
