#pragma once
// What a lint session returns, as values: the files of the run with their
// findings, and what a front end needs for its messages and exit code.
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "rules/engine.h"

namespace migrasafe {

// Something to tell the user beside the report (the CLI prints these on
// stderr, an editor may log them), in the order it happened.
struct RunMessage {
  enum class Level { Info, Warning, Error, InternalError };
  Level level;
  std::string text;
};

// A problem that stopped the run before any file was analysed.
struct RunFailure {
  enum class Kind { Usage, Input };  // a bad request or configuration; an input that cannot be read (--schema)
  Kind kind;
  std::string message;
};

struct RunResult {
  std::vector<FileResult> files;  // in the order the paths named them, then sum files and paths that named nothing
  AnalysisOptions options;
  std::optional<RunFailure> failure;
  std::vector<RunMessage> messages;
  std::set<std::string> internal_errors;  // files (as reported) whose analysis hit a bug in migrasafe
  bool fix_write_failed = false;           // --fix could not write a fixed file
  std::optional<std::string> fixed_stdin;  // --fix with stdin among the inputs: its fixed text
  // The repository root, for the formats that a CI system matches against the repository
  // (SARIF, GitLab, GitHub): their paths are relative to it. Empty: paths as given.
  std::filesystem::path root;
};

}  // namespace migrasafe
