#pragma once
// The configuration file, .migrasafe.toml: found by walking up from the
// working directory (or given with --config), parsed with toml++, validated
// strictly (unknown keys, wrong types and bad values are errors naming the
// file, line and key), and turned into per-file LintOptions with the
// command line on top.
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "rules/engine.h"
#include "sources/glob.h"  // glob_to_regex: the one glob syntax

namespace re2 {
class RE2;
}

namespace migrasafe {

inline constexpr const char* kConfigFileName = ".migrasafe.toml";

// A configuration problem: the message names the file and line ("FILE:LINE: ...").
struct ConfigError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// select / ignore / severity, at the top level ([rules]) or in an override.
struct RuleSettings {
  std::optional<std::vector<RuleId>> select;  // none: keep the selection so far
  std::vector<RuleId> ignore;
  std::map<RuleId, std::optional<Severity>> severity;  // nullopt: "off"
};

// [[overrides]]: settings for the files whose path (relative to the config
// file's directory) matches one of the globs.
struct PathOverride {
  std::vector<std::string> paths;  // globs as written
  std::vector<std::shared_ptr<const re2::RE2>> regexes;
  RuleSettings rules;
  std::optional<int> pg_version;
  std::optional<bool> assume_in_transaction;
};

// [snapshot]: the production snapshot `check` uses by default, and the
// thresholds and speeds its size-aware findings follow.
struct SnapshotSettings {
  std::optional<std::string> file;  // as written, relative to the configuration's directory
  SizeThresholds thresholds;
  double max_age_days = 30;  // an older snapshot gets a note
};

struct Config {
  std::string path;           // as shown in messages; empty: no configuration file
  std::filesystem::path dir;  // absolute directory of the file (relative paths start here)
  std::optional<int> pg_version;
  std::optional<bool> assume_in_transaction;
  std::optional<std::string> fail_on;  // error | warning | note | never
  std::optional<std::string> format;   // default output format of `check`
  // Migration-tool layout (auto, flyway, golang-migrate, dir-pairs, dbmate,
  // sqitch, prisma, plain): validated and exposed here; layout detection
  // reads it (a command-line --layout wins).
  std::optional<std::string> layout;
  std::vector<std::string> migrations;  // as written, relative to dir
  std::optional<std::string> baseline;  // baseline file, as written, relative to dir
  RuleSettings rules;
  std::vector<PathOverride> overrides;
  std::vector<std::string> hot_tables;  // lower-cased, "schema.table" or "table"
  std::optional<std::uint64_t> max_file_size;  // bytes; larger files are not read
  // [rules.<name>] tables (and their aliases: a top-level max_lock_timeout, [naming]).
  RuleOptionSet rule_options;
  SnapshotSettings snapshot;

  // `migrations` as paths to analyse: relative to the working directory
  // when that is shorter, else absolute.
  std::vector<std::string> migration_paths() const;
  // `baseline` as a path, the same way (nullopt when not set).
  std::optional<std::string> baseline_path() const;
  // [snapshot] file as a path, the same way (nullopt when not set).
  std::optional<std::string> snapshot_path() const;
};

// The nearest .migrasafe.toml in `start` or a directory above it.
std::optional<std::filesystem::path> find_config(const std::filesystem::path& start);

// Parses and validates configuration text. `display_path` names the file in
// messages; `dir` is the directory relative paths and globs start from.
Config parse_config(std::string_view text, const std::string& display_path, const std::filesystem::path& dir);

// Reads `file` (an error if it does not exist or cannot be read).
Config load_config(const std::filesystem::path& file);

// The configuration a command runs with: `explicit_path` (--config) when
// given, else the nearest .migrasafe.toml above the working directory, else
// none (an empty Config).
Config load_run_config(const std::string& explicit_path);

// What the command line said; it overrides the configuration file.
struct CommandLine {
  std::optional<int> pg_version;
  bool assume_in_transaction = false;
  std::vector<std::string> select, ignore;  // names, codes or aliases; comma lists allowed
};

// Per-file options: the file's top-level settings, then every override whose
// globs match the file (in file order), then the command line.
class Settings {
 public:
  // Throws ConfigError for an unknown rule on the command line.
  Settings(Config config, CommandLine cli);
  LintOptions options_for(const std::string& path) const;  // path as reported
  LintOptions base_options() const;                        // no override applied
  const Config& config() const { return config_; }

 private:
  LintOptions build(const std::string* path) const;
  bool matches(const PathOverride& o, const std::string& path) const;

  Config config_;
  CommandLine cli_;
  std::vector<RuleId> cli_select_, cli_ignore_;
};

// The commented starter file `migrasafe init` writes.
std::string starter_config();

// Writes the starter file into `dir`; false (with a message) when one exists
// and `force` is not set, or it cannot be written.
bool write_starter_config(const std::filesystem::path& dir, bool force, std::string& error);

}  // namespace migrasafe
