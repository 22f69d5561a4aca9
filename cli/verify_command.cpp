#include "cli/verify_command.h"

#include <algorithm>
#include <fstream>
#include <iostream>
#include <memory>

#include "analysis/context.h"
#include "config/config.h"
#include "engine/baseline.h"
#include "reporters/registry.h"
#include "reporters/reporters.h"
#include "rules/registry.h"
#include "sources/discovery.h"
#include "sources/layouts.h"
#include "verify/pg.h"
#include "verify/report.h"
#include "verify/runner.h"
#include "verify/server.h"

namespace migrasafe {

namespace {

// Exit codes as for `check` (DESIGN.md); a server that cannot be found or started is a usage error.
constexpr int kExitClean = 0, kExitFindings = 1, kExitUsage = 2, kExitInput = 3;

struct VerifyArgs {
  std::vector<std::string> paths;
  std::string pg_bin, database, schema, seed, layout = "auto", format = "text", fail_on = "warning", output, config;
  int rows = 1000;
  bool keep = false;
};

int run(const VerifyArgs& a) {
  using namespace verify;
  std::vector<InputError> input_errors;
  std::vector<InputFile> inputs = discover(a.paths, "", input_errors);
  for (const InputError& e : input_errors) std::cerr << "migrasafe: error: " << e.path << ": " << e.message << "\n";
  if (!input_errors.empty()) return kExitInput;
  for (const InputFile& in : inputs)
    if (in.from_stdin) {
      std::cerr << "migrasafe: error: verify reads migrations from files, not stdin\n";
      return kExitUsage;
    }
  MigrationSet set = build_migration_set(inputs, a.layout == "auto" ? std::nullopt : parse_layout(a.layout));
  // The configuration's rule settings and overrides apply to verify's findings as to check's.
  std::optional<Settings> settings;
  try {
    settings.emplace(load_run_config(a.config), CommandLine{});
  } catch (const ConfigError& e) {
    std::cerr << "migrasafe: error: " << e.what() << "\n";
    return kExitUsage;
  }

  std::unique_ptr<Server> server;
  ServerInfo info;
  if (!a.database.empty()) {
    server = scratch_database(a.database);
    info.description = "a scratch database on --database";
  } else {
    std::string why;
    auto bindir = find_server_binaries(a.pg_bin, why);
    if (!bindir) {
      std::cerr << "migrasafe: error: " << why << "\n";
      return kExitUsage;
    }
    server = ephemeral_cluster(*bindir);
    info.description = "an ephemeral cluster (" + bindir->string() + ")";
  }
  // From here on, Ctrl-C removes what was created (also while it is being created).
  InterruptCleanup interrupt_cleanup(server.get());
  try {
    server->start();
  } catch (const ServerError& e) {
    std::cerr << "migrasafe: error: " << e.what() << "\n";
    return kExitUsage;
  }
  if (!server->dbname().empty()) info.description = "scratch database " + server->dbname() + " on --database";
  if (a.keep) server->keep();

  VerifyResult result;
  VerifyOptions options;
  try {
    Connection conn(server->conninfo(), server->dbname());
    Connection observer(server->conninfo(), server->dbname());  // samples locks of non-transactional statements
    int major = conn.server_version() / 10000;
    options.lint.analysis.pg_version = std::clamp(major, kMinPgVersion, kMaxPgVersion);
    std::fill(options.lint.enabled.begin(), options.lint.enabled.end(), false);  // effects only
    options.schema_file = a.schema;
    options.seed_file = a.seed;
    options.rows = a.rows;
    info.description = "PostgreSQL " + conn.query("SHOW server_version")[0][0] + ", " + info.description;
    result = run_verify(conn, observer, set, options);
  } catch (const ConnectionError& e) {
    std::cerr << "migrasafe: error: the verify server: " << e.what() << "\n";
    return kExitUsage;
  }

  RunResult run = verify_run_result(result, *settings);
  run.options = options.lint.analysis;  // the server's version, as the JSON report's options say
  Format format = *parse_format(a.format);
  // The formats a CI system matches against the repository name files from its root.
  if (format == Format::Sarif || format == Format::Gitlab || format == Format::Github) run.root = baseline_root();
  std::ofstream file;
  if (!a.output.empty()) {
    file.open(a.output, std::ios::binary);
    if (!file) {
      std::cerr << "migrasafe: error: cannot write " << a.output << "\n";
      return kExitUsage;
    }
  }
  std::ostream& out = a.output.empty() ? std::cout : file;
  ReportOptions report;
  report.fail_on = a.fail_on == "never" ? std::nullopt : parse_severity(a.fail_on);
  write_verify_report(out, format, result, run, info, report);
  out.flush();
  if (!out) {
    std::cerr << "migrasafe: error: cannot write " << (a.output.empty() ? "<stdout>" : a.output) << "\n";
    return kExitUsage;
  }
  if (a.keep) std::cerr << "migrasafe: " << server->how_to_connect() << "\n";

  // As `check`: a file that could not be read is exit 3, else findings at or above --fail-on are exit 1.
  Counts c = count(run);
  if (format != Format::Text)
    for (const FileResult& f : run.files)
      if (!f.input_error.empty()) std::cerr << "migrasafe: error: " << f.path << ": " << f.input_error << "\n";
  if (c.input_errors) return kExitInput;
  std::size_t failing = !report.fail_on                        ? 0
                        : *report.fail_on == Severity::Error   ? c.errors
                        : *report.fail_on == Severity::Warning ? c.errors + c.warnings
                                                               : c.findings();
  return failing ? kExitFindings : kExitClean;
}

}  // namespace

VerifyCommand add_verify_command(CLI::App& app) {
  auto args = std::make_shared<VerifyArgs>();
  CLI::App* cmd = app.add_subcommand(
      "verify",
      "Run the migrations on a real PostgreSQL (an ephemeral local cluster by default): observe each statement's "
      "locks, rewrites and scans against the static analysis, prove each down script undoes its up script");
  cmd->add_option("paths", args->paths, "Migration files, directories or globs")->required();
  cmd->add_option("--pg-bin", args->pg_bin,
                  "Directory of the PostgreSQL server binaries (default: `pg_config --bindir`, else the newest "
                  "/usr/lib/postgresql/*/bin)");
  cmd->add_option("--database", args->database,
                  "libpq URL of a server to verify on instead of an ephemeral cluster: a scratch database is created "
                  "there (random name) and dropped at the end; no other database is touched");
  cmd->add_option("--config", args->config,
                  "Configuration file whose rule settings apply to the findings (default: the nearest "
                  ".migrasafe.toml above the working directory)");
  cmd->add_option("--schema", args->schema, "A schema dump (pg_dump --schema-only) applied before the first migration");
  cmd->add_option("--seed", args->seed, "SQL file with the team's own data, run after --schema (instead of --rows)");
  cmd->add_option("--rows", args->rows, "Synthetic rows given to every empty table before each migration")
      ->check(CLI::Range(0, 10000000))
      ->capture_default_str();
  cmd->add_option("--layout", args->layout, "Migration-tool layout (default: detected)")
      ->check(CLI::IsMember(layout_choices()))
      ->capture_default_str();
  cmd->add_option("-f,--format", args->format, "Output format")
      ->check(CLI::IsMember(format_names()))
      ->capture_default_str();
  cmd->add_option("-o,--output", args->output, "Write the report to FILE instead of stdout");
  cmd->add_option("--fail-on", args->fail_on, "Lowest severity that makes the exit code 1")
      ->check(CLI::IsMember({"error", "warning", "note", "never"}))
      ->capture_default_str();
  cmd->add_flag("--keep", args->keep, "Leave the cluster (or scratch database) for inspection and print how to connect");
  return {cmd, [args] { return run(*args); }};
}

}  // namespace migrasafe
