#pragma once
// What every subcommand file shares: the exit codes, the registration of a
// subcommand, and the helpers for stdout and messages. A command file adds
// its subcommand(s) with one `add_*` function, called once from main.
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/output.h"
#include "engine/result.h"
#include "sources/layouts.h"

namespace migrasafe::cli {

// Exit codes (README, DESIGN.md): 0 clean, 1 findings at or above --fail-on,
// 2 usage or configuration error, 3 input that could not be read, 4 internal
// error (a bug in migrasafe: the other files are still reported).
constexpr int kExitClean = 0, kExitFindings = 1, kExitUsage = 2, kExitInput = 3, kExitInternal = 4;

// A subcommand: its CLI11 app (options bound to state the command owns) and
// what runs when the command line chose it.
struct Command {
  CLI::App* app;
  std::function<int()> run;
};

void add_check_command(CLI::App& app, std::vector<Command>& commands);
void add_baseline_command(CLI::App& app, std::vector<Command>& commands);
void add_explain_command(CLI::App& app, std::vector<Command>& commands);
void add_plan_command(CLI::App& app, std::vector<Command>& commands);
void add_sources_command(CLI::App& app, std::vector<Command>& commands);
void add_rules_commands(CLI::App& app, std::vector<Command>& commands);  // rules, rule
void add_lock_command(CLI::App& app, std::vector<Command>& commands);
void add_hook_command(CLI::App& app, std::vector<Command>& commands);   // install-hook
void add_init_command(CLI::App& app, std::vector<Command>& commands);
void add_snapshot_command(CLI::App& app, std::vector<Command>& commands);
void add_verify(CLI::App& app, std::vector<Command>& commands);  // verify (cli/verify_command.cpp with libpq, or a note without it)

// Standard output, through a buffer that keeps the reason of a failed write;
// installed by main.
FdStreamBuf& stdout_buffer();
inline constexpr const char* kStdoutName = "<stdout>";

// `migrasafe: error: TEXT` on stderr.
void say_error(const std::string& text);
// The session's messages on stderr, each as `migrasafe: [level: ]text`.
void say(const std::vector<RunMessage>& messages);
// A report, list or file that could not be written (a full disk, a closed
// pipe, /dev/full): said, with exit code 2, never lost silently.
int write_error(const std::string& file, int error);
// Whether everything sent to stdout was written (after a flush); says why not.
bool stdout_written();

// Hands `value` to the end of the process instead of destroying it: freeing
// a run's results (every file's statements, effects and findings) object by
// object would keep the main thread busy after the report is written, while
// the process gives its memory back at once on exit. One value per process;
// the pointer that holds it keeps it reachable, so leak checkers do not count
// it. A leak-checking build (MIGRASAFE_FREE_AT_EXIT: the sanitizer build)
// destroys it here, so that its destructors are checked.
template <typename T>
void keep_until_exit(T&& value) {
#ifdef MIGRASAFE_FREE_AT_EXIT
  [[maybe_unused]] T destroyed_here = std::move(value);
#else
  static T* kept = nullptr;
  if (!kept) kept = new T(std::move(value));
#endif
}

std::optional<Layout> forced_layout(const std::string& name);  // "auto": none
// Rows as left-aligned columns two spaces apart (the last column unpadded).
void print_columns(std::ostream& out, const std::vector<std::vector<std::string>>& rows);
std::string count_of(std::size_t n, std::string_view noun);  // "1 file", "2 files"

}  // namespace migrasafe::cli
