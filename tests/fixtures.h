#pragma once
// The fixture conventions (tests/fixture_tests.cpp), shared with the fix test.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "engine/session.h"
#include "rules/engine.h"

namespace fixtures {

// A header `-- options: key=value ...` (fixtures and doc examples).
void apply_options(const std::string& text, migrasafe::LintOptions& o);
// Only `rule` (and syntax-error) enabled, then the file's options.
migrasafe::LintOptions options_for(const std::string& text, const migrasafe::RuleInfo& rule);
// A session that lints a fixture case (a file, or a directory: a migration
// history) the way `migrasafe check CASE` does, each file with its
// `-- options:` header on top, and only `rule` (and syntax-error) enabled, or
// every rule when `rule` is null. A `-- layout: NAME` header in the case's
// first file forces the migration-tool layout (as --layout does).
// `ignore_declared_kinds`: call the rule for every statement, not only the
// kinds it declares (the dispatch test). `free_trees`: which files free their
// trees as the replay passes them (the tree release test).
std::unique_ptr<migrasafe::LintSession> session_for(const std::filesystem::path& fixture_case,
                                                    const migrasafe::RuleInfo* rule, bool ignore_declared_kinds = false,
                                                    migrasafe::LintOptions::FreeTrees free_trees =
                                                        migrasafe::LintOptions::FreeTrees::LargeFiles);
// The .sql files of a fixture case (a file, or a directory: a history), in name order.
std::vector<std::filesystem::path> sql_files(const std::filesystem::path& p);
// fixtures/rules/<rule>/<prefix>* (files and directories), in name order.
std::vector<std::filesystem::path> cases(const std::string& rule, const std::string& prefix);

}  // namespace fixtures
