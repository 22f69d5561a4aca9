// `check` (analyse migrations), `baseline` (record today's findings),
// `explain` (what each statement does) and `plan` (the release plan): the command line and the
// configuration file resolved into a SessionConfig, one LintSession run, and
// its results written with the reporter the format names.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <cerrno>
#include <fstream>
#include <iostream>
#include <memory>
#include <set>

#include "cli/command.h"
#include "engine/baseline.h"
#include "config/config.h"
#include "engine/session.h"
#include "snapshot/snapshot.h"
#include "sources/discovery.h"
#include "parser/timings.h"
#include "plan/plan.h"
#include "reporters/registry.h"
#include "reporters/reporters.h"

namespace migrasafe::cli {
namespace {

struct CheckArgs {
  std::vector<std::string> paths;
  std::string format = "text";
  std::string color = "auto";  // --color: text output colour (always, never, auto)
  std::string output;
  int pg_version = 15;
  std::string fail_on = "warning";
  std::vector<std::string> select, ignore;
  bool assume_in_transaction = false;
  std::string stdin_filename;
  bool fix = false;      // --fix: apply the findings' fixes, then report what remains
  bool explain = false;  // `explain`: per-statement effects report, findings do not fail
  bool plan = false;     // `plan`: the release plan (format: text, markdown, yaml, json), findings do not fail
  std::string schema;    // pg_dump --schema-only of production: seeds the schema model
  std::string snapshot;  // `migrasafe snapshot` file: seeds the schema model and sizes the tables
  std::string max_file_size;  // --max-file-size: larger files are not read
  std::string layout = "auto";  // migration-tool layout, or auto-detected
  std::string changed_since;    // report only files changed since this git ref
  bool staged = false;          // report only files staged for commit
  std::string config;    // --config FILE (else .migrasafe.toml above the working directory)
  std::string baseline;  // check --baseline FILE: hide the findings recorded in it
  bool record_baseline = false;  // `baseline`: write the findings to --output instead of reporting
  std::set<std::string> given;   // options given on the command line (they override the config file)
};

// --color: `auto` colours only a terminal that can show it (stdout, not
// TERM=dumb) and only when NO_COLOR (no-color.org) is unset or empty.
bool use_color(const std::string& mode, bool to_stdout) {
  if (mode != "auto") return mode == "always";
  const char* no_color = std::getenv("NO_COLOR");
  const char* term = std::getenv("TERM");
  return to_stdout && isatty(STDOUT_FILENO) && !(no_color && *no_color) && !(term && std::string_view(term) == "dumb");
}

// `baseline`: today's findings to FILE; nothing is written when an input could not be read.
int record_baseline(const RunResult& run, const std::string& file) {
  Counts c = count(run);
  if (c.input_errors) {
    for (const FileResult& f : run.files)
      if (!f.input_error.empty()) say_error(f.path + ": " + f.input_error);
    say_error("baseline not written to " + file + ": every input must be readable");
    return kExitInput;
  }
  std::vector<BaselineEntry> entries = baseline_entries(run, baseline_root());
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << baseline_json(entries);
  out.close();
  if (!out) {
    say_error("cannot write the baseline file `" + file + "`");
    return kExitUsage;
  }
  std::set<std::string> files;
  for (const BaselineEntry& e : entries) files.insert(e.path);
  std::cerr << "migrasafe: recorded " << count_of(entries.size(), "finding") << " in " << count_of(files.size(), "file")
            << " to " << file << " (`migrasafe check --baseline " << file << "` reports only new ones)\n";
  return kExitClean;
}

// A snapshot's sizes age: say so when it is older than [snapshot] max_age_days.
void note_snapshot_age(const Snapshot& s, double max_age_days) {
  std::tm tm{};
  if (!strptime(s.taken_at.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm)) {
    std::cerr << "migrasafe: note: snapshot " << s.path << " has no valid taken_at time: its sizes may be out of date\n";
    return;
  }
  double days = std::difftime(std::time(nullptr), timegm(&tm)) / 86400;
  if (days > max_age_days)
    std::cerr << "migrasafe: note: snapshot " << s.path << " was taken " << static_cast<long>(days)
              << " days ago (more than max_age_days = " << max_age_days
              << "): table sizes may be out of date; take a new one with `migrasafe snapshot`\n";
}

// The configuration file under the command line: the session's configuration
// (paths, format, --fail-on and the report file resolved into `a`). nullopt
// after saying why.
std::optional<SessionConfig> resolve(CheckArgs& a, bool& input_error) {
  std::optional<SessionConfig> session;
  std::shared_ptr<const Snapshot> production;  // --snapshot (or [snapshot] file)
  std::shared_ptr<TableSizes> sizes;           // its table sizes, for size-aware findings
  try {
    Config config = load_run_config(a.config);
    if (a.paths.empty()) a.paths = config.migration_paths();
    if (!a.explain && !a.plan && config.format && !a.given.count("--format")) a.format = *config.format;
    if (config.fail_on && !a.given.count("--fail-on")) a.fail_on = *config.fail_on;
    if (config.layout && !a.given.count("--layout")) a.layout = *config.layout;
    set_max_file_size(!a.max_file_size.empty() ? *parse_file_size(a.max_file_size)
                                               : config.max_file_size.value_or(kDefaultMaxFileSize));
    if (auto file = config.snapshot_path(); file && a.snapshot.empty() && a.schema.empty()) a.snapshot = *file;
    if (auto file = config.baseline_path()) {
      if (a.record_baseline && a.output.empty()) a.output = *file;
      if (!a.record_baseline && !a.explain && !a.plan && a.baseline.empty()) a.baseline = *file;
    }
    if (!a.snapshot.empty()) {
      if (!a.schema.empty()) {
        say_error("--schema and --snapshot both seed the schema: give one");
        return std::nullopt;
      }
      try {
        production = std::make_shared<const Snapshot>(load_snapshot(a.snapshot));
      } catch (const SnapshotError& e) {
        say_error(std::string("--snapshot ") + e.what());
        input_error = true;
        return std::nullopt;
      }
      // The server's version is the default target version.
      int major = production->major_version();
      if (!a.given.count("--pg-version") && !config.pg_version && major >= kMinPgVersion && major <= kMaxPgVersion) {
        a.pg_version = major;
        a.given.insert("--pg-version");
      }
      note_snapshot_age(*production, config.snapshot.max_age_days);
      sizes = std::make_shared<TableSizes>(*production, config.snapshot.thresholds);
    }
    CommandLine cli;
    if (a.given.count("--pg-version")) cli.pg_version = a.pg_version;
    cli.assume_in_transaction = a.assume_in_transaction;
    cli.select = a.select;
    cli.ignore = a.ignore;
    session.emplace(Settings(std::move(config), std::move(cli)));
  } catch (const ConfigError& e) {
    say_error(e.what());
    return std::nullopt;
  }
  if (a.paths.empty()) {
    say_error(std::string("no paths given, and no `migrations` in a ") + kConfigFileName + " (see `migrasafe init`)");
    return std::nullopt;
  }
  if (a.record_baseline && a.output.empty()) {
    say_error(std::string("give the baseline file with -o FILE, or set `baseline` in a ") + kConfigFileName);
    return std::nullopt;
  }
  if (!a.baseline.empty()) {
    try {
      session->baseline = load_baseline(a.baseline);
    } catch (const BaselineError& e) {
      say_error(e.what());
      return std::nullopt;
    }
  }
  session->layout = forced_layout(a.layout);
  session->schema = a.schema;
  session->snapshot = production;
  session->sizes = sizes;
  session->stdin_filename = a.stdin_filename;
  session->changed_since = a.changed_since;
  session->staged = a.staged;
  session->fix = a.fix;
  session->baseline_file = a.baseline;
  session->report_path = a.output;
  // Fingerprints (baselines, SARIF, GitLab), --fix and `plan` read more of each file than the other reports.
  std::optional<Format> format = parse_format(a.format);
  session->keep_full_results =
      a.fix || a.plan || a.record_baseline || !a.baseline.empty() || !format || reads_fingerprints(*format);
  return session;
}

// The report to --output or stdout (with --fix on stdin: the fixed SQL instead).
int write_output(const CheckArgs& a, RunResult& run) {
  // The formats a CI system matches against the repository name files from its root.
  if (a.format == "sarif" || a.format == "gitlab" || a.format == "github") run.root = baseline_root();
  std::optional<FdStreamBuf> file_buffer;
  std::ostream file_out(nullptr);
  std::ostream* out = &std::cout;
  if (!a.output.empty()) {
    int fd = ::open(a.output.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0) return write_error(a.output, errno);
    file_buffer.emplace(fd);
    file_out.rdbuf(&*file_buffer);
    out = &file_out;
  }
  PhaseTimer report_timer(RunPhase::Report);
  if (run.fixed_stdin) {
    *out << *run.fixed_stdin;
  } else if (a.plan) {
    write_plan(*out, build_plans(run), plan_format(a.format).value_or(PlanFormat::Text));
  } else {
    ReportOptions options;
    options.color = use_color(a.color, a.output.empty());
    options.fail_on = a.fail_on == "never" ? std::nullopt : parse_severity(a.fail_on);
    options.explain = a.explain;
    write_report(*out, *parse_format(a.format), run, options);
  }
  out->flush();
  if (file_buffer) {
    int error = file_buffer->error();
    if (::close(file_buffer->fd()) != 0 && !error) error = errno;
    if (error) return write_error(a.output, error);
  } else if (!stdout_written()) {
    return kExitUsage;
  }
  return kExitClean;
}

// The exit code of a finished run, after its report is written.
int report_run(const CheckArgs& a, RunResult& run) {
  if (run.failure) {
    say(run.messages);
    say_error(run.failure->message);
    return run.failure->kind == RunFailure::Kind::Input ? kExitInput : kExitUsage;
  }
  say(run.messages);
  if (a.record_baseline && !run.internal_errors.empty()) {
    say_error("baseline not written to " + a.output + ": a file could not be analysed");
    return kExitInternal;
  }
  if (a.record_baseline) return record_baseline(run, a.output);
  if (int status = write_output(a, run); status != kExitClean) return status;
  // The text report says which files could not be read; the others are for machines.
  if (a.format != "text" || run.fixed_stdin) {
    for (const FileResult& f : run.files)
      if (!f.input_error.empty() && !run.internal_errors.count(f.path)) say_error(f.path + ": " + f.input_error);
  }

  Counts c = count(run);
  int status = kExitClean;
  if (!run.internal_errors.empty()) status = kExitInternal;
  else if (c.input_errors) status = kExitInput;
  else if (!a.explain && !a.plan) {
    std::size_t failing = a.fail_on == "never"     ? 0
                          : a.fail_on == "error"   ? c.errors
                          : a.fail_on == "warning" ? c.errors + c.warnings
                                                   : c.findings();
    if (failing) status = kExitFindings;
  }
  // --fix that could not write a file: that is the outcome, whatever remains.
  return run.fix_write_failed ? kExitInput : status;
}

int run_check(CheckArgs a) {
  bool input_error = false;
  std::optional<SessionConfig> config = resolve(a, input_error);
  if (!config) return input_error ? kExitInput : kExitUsage;
  auto session = std::make_unique<LintSession>(std::move(*config));
  RunResult run = session->run(a.paths);
  int status = report_run(a, run);
  keep_until_exit(std::pair(std::move(session), std::move(run)));  // the process exits next
  return status;
}

// --pg-version's check: why VALUE is not a supported major version ("" if it is).
std::string pg_version_problem(std::string& value) {
  const std::string range = std::to_string(kMinPgVersion) + " to " + std::to_string(kMaxPgVersion);
  if (value.empty()) return "the value is empty: give the PostgreSQL major version, " + range;
  bool digits = value.find_first_not_of("0123456789") == std::string::npos;
  if (!digits && value.find_first_not_of("0123456789.") == std::string::npos && std::isdigit(value[0]))
    return "`" + value + "` is not a major version: give the number before the dot, " + range;
  if (!digits) return "`" + value + "` is not a number: give the PostgreSQL major version, " + range;
  if (value.size() > 2 || std::stoi(value) < kMinPgVersion || std::stoi(value) > kMaxPgVersion)
    return "PostgreSQL " + value + " is not supported: give a major version from " + range;
  return "";
}

// Options shared by `check`, `baseline` and `explain`.
void add_analysis_options(CLI::App* cmd, CheckArgs& a) {
  cmd->add_option("paths", a.paths,
                  "Files, directories (searched for *.sql), globs, or - for stdin (default: `migrations` of the "
                  "configuration file)");
  cmd->add_option("--config", a.config, "Configuration file (default: the nearest .migrasafe.toml above the working directory)");
  cmd->add_option("-o,--output", a.output, "Write the report to FILE instead of stdout");
  cmd->add_option("--pg-version", a.pg_version, "PostgreSQL major version the migrations run on")
      ->check(CLI::Validator(pg_version_problem, std::to_string(kMinPgVersion) + "-" + std::to_string(kMaxPgVersion)))
      ->capture_default_str();
  cmd->add_flag("--assume-in-transaction", a.assume_in_transaction,
                "Treat each file as wrapped in a transaction by the migration runner");
  cmd->add_option("--stdin-filename", a.stdin_filename, "Name to report for input read from -");
  cmd->add_option("--layout", a.layout,
                  "Migration-tool layout (default: detected from the file names): orders the replay, pairs down "
                  "scripts and says whether each migration runs in a transaction")
      ->check(CLI::IsMember(layout_choices()))
      ->capture_default_str();
  cmd->add_option("--changed-since", a.changed_since,
                  "Report only on files added or modified since the merge base of REF and HEAD (committed, "
                  "staged, unstaged or untracked); every migration is still replayed for context. Also reports "
                  "migrations edited since then (edited-migration) and new ones older than the newest there "
                  "(version-out-of-order)");
  cmd->add_flag("--staged", a.staged,
                "Judge what the next commit records (for pre-commit hooks): the migrations are read from the git "
                "index, and only the files staged as added or modified are reported");
  cmd->add_option("--max-file-size", a.max_file_size,
                  "Largest file analysed (default 64MB; units kB, MB, GB): a larger one is an error, exit code 3")
      ->check(CLI::Validator([](std::string& v) { return parse_file_size(v) ? "" : "expected a size such as 64MB, 512kB or 1GB"; },
                             "SIZE"));
  cmd->add_option("--snapshot", a.snapshot,
                  "A production snapshot (`migrasafe snapshot`): replayed before the first migration like --schema, "
                  "its server version is the default --pg-version, and findings name the sizes of the tables they "
                  "hit (default: [snapshot] file of the configuration file)");
  cmd->add_option("--schema", a.schema,
                  "A schema dump (pg_dump --schema-only) replayed before the first migration, so tables created "
                  "outside the migrations are known");
}

// Registers `cmd`, recording which of the options that the configuration
// file can also set were given on the command line (they win).
void add(std::vector<Command>& commands, CLI::App* cmd, std::shared_ptr<CheckArgs> args) {
  commands.push_back({cmd, [cmd, args] {
                        for (const char* name : {"--pg-version", "--format", "--fail-on", "--layout"})
                          if (const CLI::Option* o = cmd->get_option_no_throw(name); o && o->count()) args->given.insert(name);
                        return run_check(*args);
                      }});
}

}  // namespace

void add_check_command(CLI::App& app, std::vector<Command>& commands) {
  auto check = std::make_shared<CheckArgs>();
  CLI::App* check_cmd = app.add_subcommand("check", "Analyse migration files and report dangerous statements");
  add_analysis_options(check_cmd, *check);
  check_cmd->add_option("-f,--format", check->format, "Output format")
      ->check(CLI::IsMember(format_names()))
      ->capture_default_str();
  check_cmd->add_option("--color", check->color,
                        "Colour the text report: auto (only on a terminal, unless TERM=dumb or NO_COLOR is set), "
                        "always, never")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->capture_default_str();
  check_cmd->add_option("--fail-on", check->fail_on, "Lowest severity that makes the exit code 1")
      ->check(CLI::IsMember({"error", "warning", "note", "never"}))
      ->capture_default_str();
  check_cmd->add_flag("--fix", check->fix,
                      "Apply the mechanical fixes of the reported findings to the files in place (each file written "
                      "atomically, and only if it still parses), then report what remains; with - (stdin), print the "
                      "fixed SQL instead of the report");
  check_cmd->add_option("--select", check->select, "Only these rules (names, codes or aliases; comma-separated)")
      ->allow_extra_args(false);  // one list per --select: the paths stay positional
  check_cmd->add_option("--ignore", check->ignore, "Skip these rules (names, codes or aliases; comma-separated)")
      ->allow_extra_args(false);
  check_cmd->add_option("--baseline", check->baseline,
                        "Report only findings that are not in this baseline file (written by `migrasafe baseline`; "
                        "default: `baseline` of the configuration file)");
  add(commands, check_cmd, check);
}

void add_baseline_command(CLI::App& app, std::vector<Command>& commands) {
  auto record = std::make_shared<CheckArgs>();
  record->record_baseline = true;
  CLI::App* baseline_cmd = app.add_subcommand(
      "baseline", "Record today's findings in a baseline file (-o FILE) that `check --baseline FILE` then hides");
  add_analysis_options(baseline_cmd, *record);
  baseline_cmd->get_option("--output")->description(
      "The baseline file to write (default: `baseline` of the configuration file)");
  baseline_cmd->add_option("--select", record->select, "Only these rules")->allow_extra_args(false);
  baseline_cmd->add_option("--ignore", record->ignore, "Skip these rules")->allow_extra_args(false);
  add(commands, baseline_cmd, record);
}

void add_explain_command(CLI::App& app, std::vector<Command>& commands) {
  auto explain = std::make_shared<CheckArgs>();
  explain->explain = true;
  CLI::App* explain_cmd = app.add_subcommand(
      "explain", "Per statement: the locks it takes and what they block, rewrite or scan, how long locks are held");
  add_analysis_options(explain_cmd, *explain);
  explain_cmd->add_option("-f,--format", explain->format, "Output format")
      ->check(CLI::IsMember(explain_format_names()))
      ->capture_default_str();
  add(commands, explain_cmd, explain);
}

void add_plan_command(CLI::App& app, std::vector<Command>& commands) {
  auto plan = std::make_shared<CheckArgs>();
  plan->plan = true;
  CLI::App* plan_cmd = app.add_subcommand(
      "plan", "The release plan of each migration: steps with their locks, expand/contract phase and deploy order, "
              "risks, rollback, and the queries that verify it before and after");
  add_analysis_options(plan_cmd, *plan);
  plan_cmd->add_option("-f,--format", plan->format, "Output format")
      ->check(CLI::IsMember({"text", "markdown", "yaml", "json"}))
      ->capture_default_str();
  add(commands, plan_cmd, plan);
}

}  // namespace migrasafe::cli
