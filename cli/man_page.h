#pragma once
// The manual page (roff, section 1), generated from the command line's own
// help texts so that it cannot drift from `migrasafe <command> --help`.
#include <string>

#include <CLI/CLI.hpp>

namespace migrasafe {

std::string man_page(const CLI::App& app, const std::string& version);

}  // namespace migrasafe
