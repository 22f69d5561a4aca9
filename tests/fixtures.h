#pragma once
// The fixture conventions (tests/fixture_tests.cpp), shared with the fix test.
#include <filesystem>
#include <string>
#include <vector>

#include "rules/engine.h"

namespace fixtures {

// A header `-- options: key=value ...` (fixtures and doc examples).
void apply_options(const std::string& text, migrasafe::LintOptions& o);
// Only `rule` (and syntax-error) enabled, then the file's options.
migrasafe::LintOptions options_for(const std::string& text, const migrasafe::RuleInfo& rule);
// The .sql files of a fixture case (a file, or a directory: a history), in name order.
std::vector<std::filesystem::path> sql_files(const std::filesystem::path& p);
// fixtures/rules/<rule>/<prefix>* (files and directories), in name order.
std::vector<std::filesystem::path> cases(const std::string& rule, const std::string& prefix);

}  // namespace fixtures
