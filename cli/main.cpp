// migrasafe command line: `check` (analyse migrations), `explain` (what each
// statement does), `rules` (list rules), `init` (write a starter .migrasafe.toml).
#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <mutex>
#include <set>
#include <iostream>
#include <sstream>
#include <thread>

#include <CLI/CLI.hpp>

#include <nlohmann/json.hpp>

#include "cli/config.h"
#include "reporters/reporters.h"
#include "sources/discovery.h"

using namespace migrasafe;

namespace {

// Exit codes (README, DESIGN.md): 0 clean, 1 findings at or above --fail-on,
// 2 usage or configuration error, 3 input that could not be read.
constexpr int kExitClean = 0, kExitFindings = 1, kExitUsage = 2, kExitInput = 3;

// Runs `fn` on `n` threads with 256 MiB stacks (address space only; pages are
// touched as used), so deeply nested statements cannot overflow the recursive
// tree walks. The parse tree depth is bounded too (JsonDocument::kMaxDepth).
void run_on_large_stacks(unsigned n, const std::function<void()>& fn) {
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 256u << 20);
  std::vector<pthread_t> threads;
  auto trampoline = [](void* f) -> void* {
    (*static_cast<const std::function<void()>*>(f))();
    return nullptr;
  };
  for (unsigned t = 0; t < n; ++t) {
    pthread_t id;
    if (pthread_create(&id, &attr, trampoline, const_cast<std::function<void()>*>(&fn)) == 0) threads.push_back(id);
  }
  pthread_attr_destroy(&attr);
  if (threads.empty()) fn();  // could not create threads: run here
  for (pthread_t id : threads) pthread_join(id, nullptr);
}

struct CheckArgs {
  std::vector<std::string> paths;
  std::string format = "text";
  std::string output;
  int pg_version = 15;
  std::string fail_on = "warning";
  std::vector<std::string> select, ignore;
  bool assume_in_transaction = false;
  std::string stdin_filename;
  bool explain = false;  // `explain`: per-statement effects report, findings do not fail
  std::string schema;    // pg_dump --schema-only of production: seeds the schema model
  std::string config;    // --config FILE (else .migrasafe.toml above the working directory)
  std::set<std::string> given;  // options given on the command line (they override the config file)
};

int run_check(CheckArgs a) {
  // .migrasafe.toml (or --config) under the command line: per-file options.
  std::optional<Settings> settings;
  try {
    Config config = load_run_config(a.config);
    if (a.paths.empty()) a.paths = config.migration_paths();
    if (!a.explain && config.format && !a.given.count("--format")) a.format = *config.format;
    if (config.fail_on && !a.given.count("--fail-on")) a.fail_on = *config.fail_on;
    CommandLine cli;
    if (a.given.count("--pg-version")) cli.pg_version = a.pg_version;
    cli.assume_in_transaction = a.assume_in_transaction;
    cli.select = a.select;
    cli.ignore = a.ignore;
    settings.emplace(std::move(config), std::move(cli));
  } catch (const ConfigError& e) {
    std::cerr << "migrasafe: error: " << e.what() << "\n";
    return kExitUsage;
  }
  if (a.paths.empty()) {
    std::cerr << "migrasafe: error: no paths given, and no `migrations` in a " << kConfigFileName
              << " (see `migrasafe init`)\n";
    return kExitUsage;
  }
  LintOptions options = settings->base_options();
  if (std::count(a.paths.begin(), a.paths.end(), "-") > 1) {
    std::cerr << "migrasafe: error: `-` (stdin) can be given only once\n";
    return kExitUsage;
  }

  // --schema: replay the dump (no rules) so the first migration sees production's schema.
  Catalog seed;
  if (!a.schema.empty()) {
    std::string err;
    auto text = read_input({a.schema, false}, err);
    if (!text) {
      std::cerr << "migrasafe: error: --schema " << a.schema << ": " << err << "\n";
      return kExitInput;
    }
    LintOptions replay_only = options;
    std::fill(replay_only.enabled.begin(), replay_only.enabled.end(), false);
    FileResult dump = analyse_file(parse_file(std::make_shared<const SourceFile>(a.schema, std::move(*text))), {},
                                   replay_only, nullptr, &seed);
    for (const ParseProblem& p : dump.parsed.problems)
      if (p.kind == ProblemKind::SyntaxError)
        std::cerr << "migrasafe: warning: --schema " << a.schema << ":"
                  << dump.parsed.source->lines.position(p.begin).line << ": " << p.message
                  << " (statement skipped)\n";
  }

  std::vector<InputError> input_errors;
  std::vector<InputFile> inputs = discover(a.paths, a.stdin_filename, input_errors);

  RunResult run;
  run.options = options.analysis;
  run.files.resize(inputs.size());
  // Read stdin up front; every other file is read by the worker that lints it.
  std::vector<std::optional<std::string>> preloaded(inputs.size());
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i].from_stdin) continue;
    std::string err;
    preloaded[i] = read_input(inputs[i], err);
    if (!preloaded[i]) run.files[i].input_error = err;
  }

  // Reading and parsing dominate and files are independent: parse workers
  // take files in order. The replay is sequential, in path order, so each
  // file sees the schema the files before it left (the history); it runs
  // beside the parsers and frees each file's trees as soon as it is done.
  std::vector<std::optional<ParsedFile>> parsed(inputs.size()), undone_ups(inputs.size());
  std::vector<MigrationRole> roles(inputs.size());
  std::vector<char> ready(inputs.size(), 0);
  std::mutex ready_mutex;
  std::condition_variable ready_cv;
  std::atomic<std::size_t> next{0};
  std::atomic<int> internal_errors{0};
  std::mutex stderr_mutex;
  auto internal_error = [&](std::size_t i, const std::exception& e) {
    // A bug, not bad input: say so loudly, keep the other files' results.
    internal_errors++;
    std::lock_guard<std::mutex> lock(stderr_mutex);
    std::cerr << "migrasafe: internal error: " << inputs[i].path << ": " << e.what() << "\n";
    run.files[i].input_error = std::string("internal error: ") + e.what();
  };
  auto parse_one = [&](std::size_t i) {
    FileResult& slot = run.files[i];
    slot.path = inputs[i].path;
    if (!slot.input_error.empty()) return;
    std::string err;
    std::optional<std::string> text = inputs[i].from_stdin ? std::move(preloaded[i]) : read_input(inputs[i], err);
    if (!text) {
      slot.input_error = err;
      return;
    }
    try {
      parsed[i] = parse_file(std::make_shared<const SourceFile>(inputs[i].path, std::move(*text)));
      roles[i] = inputs[i].from_stdin ? MigrationRole{} : migration_role(inputs[i].path);
      if (auto up = load_undone_up(roles[i])) undone_ups[i] = parse_file(std::move(up));
    } catch (const std::exception& e) {
      internal_error(i, e);
    }
  };
  auto parse_next = [&]() -> bool {  // false when every file is taken
    std::size_t i = next++;
    if (i >= inputs.size()) return false;
    parse_one(i);
    {
      std::lock_guard<std::mutex> lock(ready_mutex);
      ready[i] = 1;
    }
    ready_cv.notify_all();
    return true;
  };
  auto analyse_all = [&] {
    Catalog history = std::move(seed);
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      // Help parse while file i is not ready; wait only when all are taken.
      while (true) {
        {
          std::unique_lock<std::mutex> lock(ready_mutex);
          if (ready[i]) break;
        }
        if (parse_next()) continue;
        std::unique_lock<std::mutex> lock(ready_mutex);
        ready_cv.wait(lock, [&] { return ready[i] != 0; });
        break;
      }
      if (!parsed[i]) continue;
      auto source = parsed[i]->source;
      try {
        run.files[i] = analyse_file(std::move(*parsed[i]), roles[i], settings->options_for(inputs[i].path),
                                    undone_ups[i] ? &*undone_ups[i] : nullptr, &history);
      } catch (const std::exception& e) {
        run.files[i] = FileResult{};
        run.files[i].path = inputs[i].path;
        run.files[i].parsed.source = source;
        internal_error(i, e);
      }
      parsed[i].reset();
      undone_ups[i].reset();
    }
  };
  std::atomic<bool> analyser_started{false};
  auto worker = [&] {
    // The first thread in replays (and parses while it would wait); the others parse.
    if (!analyser_started.exchange(true)) return analyse_all();
    while (parse_next()) {
    }
  };
  unsigned n_threads = std::max(1u, std::min<unsigned>(std::thread::hardware_concurrency(), static_cast<unsigned>(inputs.size())));
  run_on_large_stacks(n_threads, worker);
  for (FileResult& f : run.files)
    if (!f.parsed.source) f.parsed.source = std::make_shared<SourceFile>(f.path, "");

  // Paths that named nothing are reported like unreadable files.
  for (const InputError& e : input_errors) {
    FileResult f;
    f.path = e.path;
    f.input_error = e.message;
    f.parsed.source = std::make_shared<SourceFile>(e.path, "");
    run.files.push_back(std::move(f));
  }

  std::ofstream file_out;
  std::ostream* out = &std::cout;
  if (!a.output.empty()) {
    file_out.open(a.output, std::ios::binary);
    if (!file_out) {
      std::cerr << "migrasafe: error: cannot write --output file `" << a.output << "`\n";
      return kExitUsage;
    }
    out = &file_out;
  }
  if (a.explain && a.format == "text") {
    write_explain_text(*out, run);
  } else if (a.format == "json") {
    write_json(*out, run);
  } else if (a.format == "sarif") {
    write_sarif(*out, run);
  } else if (a.format == "github") {
    write_github(*out, run);
  } else if (a.format == "gcc") {
    write_gcc(*out, run);
  } else if (a.format == "gitlab") {
    write_gitlab(*out, run);
  } else if (a.format == "markdown") {
    write_markdown(*out, run);
  } else if (a.format == "junit") {
    write_junit(*out, run, a.fail_on == "never" ? std::nullopt : parse_severity(a.fail_on));
  } else {
    const char* no_color = std::getenv("NO_COLOR");
    bool color = a.output.empty() && isatty(STDOUT_FILENO) && !(no_color && *no_color);
    write_text(*out, run, color);
  }
  out->flush();
  if (a.format != "text") {
    for (const FileResult& f : run.files)
      if (!f.input_error.empty()) std::cerr << "migrasafe: error: " << f.path << ": " << f.input_error << "\n";
  }

  Counts c = count(run);
  if (internal_errors) return kExitUsage;
  if (c.input_errors) return kExitInput;
  if (a.explain) return kExitClean;
  std::size_t failing = a.fail_on == "never"     ? 0
                        : a.fail_on == "error"   ? c.errors
                        : a.fail_on == "warning" ? c.errors + c.warnings
                                                 : c.findings();
  return failing ? kExitFindings : kExitClean;
}

int run_rules(const std::string& format) {
  if (format == "json") {
    nlohmann::json list = nlohmann::json::array();
    for (const RuleInfo& r : all_rules()) {
      list.push_back({{"code", r.code},
                      {"name", r.name},
                      {"category", category_name(r.category)},
                      {"severity", severity_name(r.severity)},
                      {"fixable", r.fixable},
                      {"since", r.since},
                      {"summary", r.summary},
                      {"aliases", r.aliases},
                      {"help_uri", rule_doc_url(r)}});
    }
    std::cout << list.dump(2) << "\n";
    return kExitClean;
  }
  for (const RuleInfo& r : all_rules()) {
    std::string name(r.name), cat(category_name(r.category)), sev(severity_name(r.severity));
    std::cout << r.code << "  " << name << std::string(name.size() < 30 ? 30 - name.size() : 1, ' ') << cat
              << std::string(cat.size() < 15 ? 15 - cat.size() : 1, ' ') << sev
              << std::string(sev.size() < 9 ? 9 - sev.size() : 1, ' ') << r.summary << "\n";
  }
  return kExitClean;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"migrasafe: static safety analysis for PostgreSQL migrations"};
  app.set_version_flag("-V,--version", std::string("migrasafe ") + MIGRASAFE_VERSION);
  app.require_subcommand(1);
  app.footer("Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage error, 3 unreadable input.");

  // Options shared by `check` and `explain`.
  auto add_analysis_options = [](CLI::App* cmd, CheckArgs& a) {
    cmd->add_option("paths", a.paths,
                    "Files, directories (searched for *.sql), globs, or - for stdin (default: `migrations` of the "
                    "configuration file)");
    cmd->add_option("--config", a.config, "Configuration file (default: the nearest .migrasafe.toml above the working directory)");
    cmd->add_option("-o,--output", a.output, "Write the report to FILE instead of stdout");
    cmd->add_option("--pg-version", a.pg_version, "PostgreSQL major version the migrations run on")
        ->check(CLI::Range(10, 18))
        ->capture_default_str();
    cmd->add_flag("--assume-in-transaction", a.assume_in_transaction,
                  "Treat each file as wrapped in a transaction by the migration runner");
    cmd->add_option("--stdin-filename", a.stdin_filename, "Name to report for input read from -");
    cmd->add_option("--schema", a.schema,
                    "A schema dump (pg_dump --schema-only) replayed before the first migration, so tables created "
                    "outside the migrations are known");
  };

  CheckArgs check;
  CLI::App* check_cmd = app.add_subcommand("check", "Analyse migration files and report dangerous statements");
  add_analysis_options(check_cmd, check);
  check_cmd->add_option("-f,--format", check.format, "Output format")
      ->check(CLI::IsMember({"text", "json", "sarif", "github", "gcc", "gitlab", "markdown", "junit"}))
      ->capture_default_str();
  check_cmd->add_option("--fail-on", check.fail_on, "Lowest severity that makes the exit code 1")
      ->check(CLI::IsMember({"error", "warning", "note", "never"}))
      ->capture_default_str();
  check_cmd->add_option("--select", check.select, "Only these rules (names, codes or aliases; comma-separated)")
      ->allow_extra_args(false);  // one list per --select: the paths stay positional
  check_cmd->add_option("--ignore", check.ignore, "Skip these rules (names, codes or aliases; comma-separated)")
      ->allow_extra_args(false);

  CheckArgs explain;
  explain.explain = true;
  CLI::App* explain_cmd = app.add_subcommand(
      "explain", "Per statement: the locks it takes and what they block, rewrite or scan, how long locks are held");
  add_analysis_options(explain_cmd, explain);
  explain_cmd->add_option("-f,--format", explain.format, "Output format")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();

  std::string rules_format = "text";
  CLI::App* rules_cmd = app.add_subcommand("rules", "List every rule with its code, category and severity");
  rules_cmd->add_option("-f,--format", rules_format, "Output format")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();

  bool init_force = false;
  CLI::App* init_cmd = app.add_subcommand("init", "Write a commented starter .migrasafe.toml in the current directory");
  init_cmd->add_flag("--force", init_force, "Overwrite an existing .migrasafe.toml");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;
  }

  // Which options the command line gave: they override the configuration file.
  for (auto [cmd, args] : {std::pair{check_cmd, &check}, std::pair{explain_cmd, &explain}})
    for (const char* name : {"--pg-version", "--format", "--fail-on"})
      if (const CLI::Option* o = cmd->get_option_no_throw(name); o && o->count()) args->given.insert(name);

  try {
    if (*init_cmd) {
      std::string error;
      if (!write_starter_config(".", init_force, error)) {
        std::cerr << "migrasafe: error: " << error << "\n";
        return kExitUsage;
      }
      std::cout << "wrote " << kConfigFileName << "\n";
      return kExitClean;
    }
    if (*check_cmd) return run_check(check);
    if (*explain_cmd) return run_check(explain);
    if (*rules_cmd) return run_rules(rules_format);
  } catch (const std::exception& e) {
    std::cerr << "migrasafe: internal error: " << e.what() << "\n";
    return kExitUsage;
  }
  return kExitUsage;
}
