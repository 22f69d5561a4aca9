#pragma once
// Turns command-line paths (files, directories, globs, "-") into the list of
// migration files to analyse, and works out each file's role (up/down).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "parser/source.h"
#include "sources/role.h"

namespace migrasafe {

// What unnamed stdin is called in reports.
inline constexpr std::string_view kStdinName = "<stdin>";

struct InputFile {
  std::string path;  // as shown in reports
  bool from_stdin = false;
  // Stdin named with --stdin-filename: it belongs to the migration set under
  // that name (an editor's unsaved buffer), in place of the file on disk.
  bool named = false;
};

struct InputError {
  std::string path;
  std::string message;
};

// Directories are searched recursively for *.sql files, in sorted order;
// globs follow sources/glob.h. Paths that do not exist, globs that match
// nothing, directories without SQL files and paths that are not regular files
// (FIFOs, devices, sockets, symlink loops) are errors: nothing is skipped
// silently. A file named twice (also through another spelling or a symlink)
// is listed once, under its first spelling. "-" is stdin, named `stdin_name`
// when given; it then replaces the file of that name.
std::vector<InputFile> discover(const std::vector<std::string>& args, const std::string& stdin_name,
                                std::vector<InputError>& errors);

// Reads a file (or stdin) as text. Fails on unreadable and non-regular
// files, files larger than max_file_size() (read no further than that), NUL
// bytes (reading stops at the first) and invalid UTF-8, naming the line.
std::optional<std::string> read_input(const InputFile& f, std::string& error);

// The largest file read_input accepts, for every file of a run (--max-file-size,
// max_file_size in the configuration): memory and time stay bounded on a
// generated dump or a stray binary. Set once, before files are read.
inline constexpr std::uint64_t kDefaultMaxFileSize = std::uint64_t{64} << 20;
void set_max_file_size(std::uint64_t bytes);
std::uint64_t max_file_size();
// A size: a number (decimals allowed) with an optional unit B, kB, MB, GB or
// TB (PostgreSQL's units, 1024-based, any case), "1.5GB"; nullopt when not a
// positive size below 10^18 of that form. The one size syntax of the command
// line and the configuration.
std::optional<double> parse_size(std::string_view text);
// "64MB", "512kB", "1GB" or a number of bytes (parse_size, a whole number of
// bytes); nullopt when not a positive size of that form.
std::optional<std::uint64_t> parse_file_size(std::string_view text);
// A size as those units show it: "64MB", or "1500 bytes".
std::string format_file_size(std::uint64_t bytes);

// Up/down pairing for the two common layouts: NNN_name.up.sql beside
// NNN_name.down.sql, and a directory holding up.sql and down.sql.
MigrationRole migration_role(const std::string& path);

}  // namespace migrasafe
