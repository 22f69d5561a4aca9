// migrasafe command line: `check` (analyse migrations), `baseline` (record
// today's findings), `explain` (what each statement does), `sources` (the
// migration set), `lock` (write migrasafe.sum), `rules` (list rules),
// `install-hook` (git pre-commit hook), `init` (write a starter .migrasafe.toml).
#include <pthread.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <set>
#include <iostream>
#include <map>
#include <sstream>
#include <thread>

#include <CLI/CLI.hpp>

#include <nlohmann/json.hpp>

#include "cli/baseline.h"
#include "cli/config.h"
#include "cli/hook.h"
#include "cli/output.h"
#include "parser/timings.h"
#include "reporters/reporters.h"
#include "rules/docs.h"
#include "rules/fix.h"
#include "sources/discovery.h"
#include "sources/git.h"
#include "sources/history.h"
#include "sources/layouts.h"

using namespace migrasafe;

namespace {

// Exit codes (README, DESIGN.md): 0 clean, 1 findings at or above --fail-on,
// 2 usage or configuration error, 3 input that could not be read, 4 internal
// error (a bug in migrasafe: the other files are still reported).
constexpr int kExitClean = 0, kExitFindings = 1, kExitUsage = 2, kExitInput = 3, kExitInternal = 4;

// For tests only: MIGRASAFE_TEST_INTERNAL_ERROR=TEXT makes the analysis of
// every file whose path contains TEXT throw, as a bug in a rule would, so
// that the handling of internal errors (exit 4, the other files reported)
// can be tested with the real binary.
void throw_if_test_internal_error(const std::string& path) {
  const char* text = std::getenv("MIGRASAFE_TEST_INTERNAL_ERROR");
  if (text && *text && path.find(text) != std::string::npos)
    throw std::logic_error("MIGRASAFE_TEST_INTERNAL_ERROR is set");
}

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

// What `check --fix` changed over its passes: a fix can make another rule's
// fix applicable (CONCURRENTLY, then the retry-safe DROP before it), so it
// runs again on the fixed files until nothing changes, like other linters.
struct FixTally {
  static constexpr int kMaxPasses = 10;
  int passes = 0;
  std::size_t fixes = 0, overlapping = 0;
  std::set<std::string> files;
};

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
  FixTally fixed;        // --fix: what the passes so far changed
  std::optional<std::string> stdin_text;  // --fix: stdin's fixed text, read instead of stdin
  bool print_stdin = false;               // --fix on stdin: print stdin_text instead of the report
  bool explain = false;  // `explain`: per-statement effects report, findings do not fail
  std::string schema;    // pg_dump --schema-only of production: seeds the schema model
  std::string layout = "auto";  // migration-tool layout, or auto-detected
  std::string changed_since;    // report only files changed since this git ref
  bool staged = false;          // report only files staged for commit
  std::string config;    // --config FILE (else .migrasafe.toml above the working directory)
  std::string baseline;  // check --baseline FILE: hide the findings recorded in it
  bool record_baseline = false;  // `baseline`: write the findings to --output instead of reporting
  std::set<std::string> given;  // options given on the command line (they override the config file)
};

// Standard output, through a buffer that keeps the reason of a failed
// write (cli/output.h); installed by main. What write errors call it:
FdStreamBuf stdout_buffer(STDOUT_FILENO);
constexpr const char* kStdoutName = "<stdout>";

// A report, list or file that could not be written (a full disk, a closed
// pipe, /dev/full): said, with exit code 2, never lost silently.
int write_error(const std::string& file, int error) {
  std::cerr << "migrasafe: error: cannot write " << file << ": " << std::strerror(error) << "\n";
  return kExitUsage;
}

// Whether everything sent to stdout was written (after a flush); says why not.
bool stdout_written() {
  std::cout.flush();
  if (!stdout_buffer.error()) return true;
  write_error(kStdoutName, stdout_buffer.error());
  return false;
}

// --color: `auto` colours only a terminal that can show it (stdout, not
// TERM=dumb) and only when NO_COLOR (no-color.org) is unset or empty.
bool use_color(const std::string& mode, bool to_stdout) {
  if (mode != "auto") return mode == "always";
  const char* no_color = std::getenv("NO_COLOR");
  const char* term = std::getenv("TERM");
  return to_stdout && isatty(STDOUT_FILENO) && !(no_color && *no_color) && !(term && std::string_view(term) == "dumb");
}

std::optional<Layout> forced_layout(const std::string& name) {
  return name == "auto" ? std::nullopt : parse_layout(name);
}


// Replaces `path`'s content with `text` atomically: a temporary file in the
// same directory, with the same permissions, synced and renamed over it (the
// target of a symlink is replaced, not the link).
bool write_atomically(const std::string& path, const std::string& text, std::string& error) {
  std::error_code ec;
  std::filesystem::path target = std::filesystem::canonical(path, ec);
  if (ec) {
    error = ec.message();
    return false;
  }
  struct stat st {};
  if (::stat(target.c_str(), &st) != 0) {
    error = std::strerror(errno);
    return false;
  }
  std::string tmp = (target.parent_path() / ("." + target.filename().string() + ".migrasafe-XXXXXX")).string();
  int fd = ::mkstemp(tmp.data());
  if (fd < 0) {
    error = std::strerror(errno);
    return false;
  }
  bool ok = ::fchmod(fd, st.st_mode & 07777) == 0;
  for (std::size_t done = 0; ok && done < text.size();) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) done += static_cast<std::size_t>(n);
  }
  ok = ok && ::fsync(fd) == 0;
  if (!ok) error = std::strerror(errno);
  ok = ::close(fd) == 0 && ok;
  if (ok && ::rename(tmp.c_str(), target.c_str()) != 0) {
    error = std::strerror(errno);
    ok = false;
  }
  if (!ok) ::unlink(tmp.c_str());
  return ok;
}

std::string plural(std::size_t n, const std::string& word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

// `check --fix`: applies the fixes of the reported findings to `files` (one
// FileResult per input). A file is rewritten in place unless the fixed SQL
// would have more syntax errors than before. With stdin among the inputs only
// stdin is fixed, into `stdin_text`, and the other files are context. The
// summary goes to stderr. Returns kExitInput if a file could not be written.
int fix_inputs(const std::vector<InputFile>& inputs, const std::vector<FileResult>& files,
               std::optional<std::string>& stdin_text, FixTally& tally, std::size_t& applied) {
  bool stdin_only = std::any_of(inputs.begin(), inputs.end(), [](const InputFile& f) { return f.from_stdin; });
  std::size_t overlapping = 0;
  applied = 0;
  int status = kExitClean;
  for (const FileResult& f : files) {
    bool from_stdin = std::any_of(inputs.begin(), inputs.end(), [&](const InputFile& in) { return in.from_stdin && in.path == f.path; });
    if (from_stdin != stdin_only || !f.input_error.empty()) continue;
    const std::string& original = f.parsed.source->text;
    FixOutcome o = apply_fixes(original, f.diagnostics);
    overlapping += o.skipped;
    if (from_stdin) stdin_text = original;
    if (o.applied == 0) continue;
    std::size_t before = syntax_error_count(parse_file(std::make_shared<const SourceFile>(f.path, original)));
    std::size_t after = syntax_error_count(parse_file(std::make_shared<const SourceFile>(f.path, o.text)));
    if (after > before) {
      std::cerr << "migrasafe: warning: " << f.path << ": not fixed: with its " << plural(o.applied, "fix")
                << " the file would have " << plural(after - before, "new syntax error") << "\n";
      continue;
    }
    std::string error;
    if (from_stdin) {
      stdin_text = std::move(o.text);
    } else if (!write_atomically(f.path, o.text, error)) {
      std::cerr << "migrasafe: error: " << f.path << ": cannot write the fixed file: " << error << "\n";
      status = kExitInput;
      continue;
    }
    applied += o.applied;
    tally.files.insert(f.path);
  }
  tally.fixes += applied;
  tally.overlapping = overlapping;  // the last pass's: earlier ones were retried
  ++tally.passes;
  return status;
}

void print_fix_summary(const FixTally& t) {
  std::cerr << "migrasafe: fixed " << plural(t.fixes, "finding") << " in " << plural(t.files.size(), "file");
  if (t.overlapping) std::cerr << "; " << plural(t.overlapping, "fix") << " left out because it overlaps another";
  std::cerr << "\n";
}

// The directories among the paths: where check looks for migrasafe.sum.
std::vector<std::filesystem::path> sum_dirs(const std::vector<std::string>& paths) {
  std::vector<std::filesystem::path> dirs;
  std::error_code ec;
  for (const std::string& p : paths)
    if (p != "-" && std::filesystem::is_directory(p, ec)) dirs.emplace_back(p);
  return dirs;
}

// A sum file's findings as a file of the report (enabled rules only, with
// the configured severities).
FileResult sum_file_result(SumFileResult sum, const LintOptions& options) {
  FileResult f;
  f.path = sum.path;
  f.input_error = std::move(sum.error);
  f.parsed.source = std::make_shared<const SourceFile>(sum.path, std::move(sum.text));
  for (SumFinding& s : sum.findings) {
    std::size_t id = static_cast<std::size_t>(s.rule);
    if (!options.enabled[id]) continue;
    f.diagnostics.push_back({s.rule, options.severity[id].value_or(rule_info(s.rule).severity), s.begin, s.end,
                             std::move(s.message), std::move(s.help)});
  }
  return f;
}

// `baseline`: today's findings to FILE; nothing is written when an input could not be read.
int record_baseline(const RunResult& run, const std::string& file) {
  Counts c = count(run);
  if (c.input_errors) {
    for (const FileResult& f : run.files)
      if (!f.input_error.empty()) std::cerr << "migrasafe: error: " << f.path << ": " << f.input_error << "\n";
    std::cerr << "migrasafe: error: baseline not written to " << file << ": every input must be readable\n";
    return kExitInput;
  }
  std::vector<BaselineEntry> entries = baseline_entries(run, baseline_root());
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << baseline_json(entries);
  out.close();
  if (!out) {
    std::cerr << "migrasafe: error: cannot write the baseline file `" << file << "`\n";
    return kExitUsage;
  }
  std::set<std::string> files;
  for (const BaselineEntry& e : entries) files.insert(e.path);
  std::cerr << "migrasafe: recorded " << entries.size() << (entries.size() == 1 ? " finding" : " findings") << " in "
            << files.size() << (files.size() == 1 ? " file" : " files") << " to " << file
            << " (`migrasafe check --baseline " << file << "` reports only new ones)\n";
  return kExitClean;
}

int run_check(CheckArgs a) {
  // .migrasafe.toml (or --config) under the command line: per-file options.
  std::optional<Settings> settings;
  std::string config_file;  // the configuration file read, if any
  try {
    Config config = load_run_config(a.config);
    config_file = config.path;
    if (a.paths.empty()) a.paths = config.migration_paths();
    if (!a.explain && config.format && !a.given.count("--format")) a.format = *config.format;
    if (config.fail_on && !a.given.count("--fail-on")) a.fail_on = *config.fail_on;
    if (config.layout && !a.given.count("--layout")) a.layout = *config.layout;
    if (auto file = config.baseline_path()) {
      if (a.record_baseline && a.output.empty()) a.output = *file;
      if (!a.record_baseline && !a.explain && a.baseline.empty()) a.baseline = *file;
    }
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
  if (a.record_baseline && a.output.empty()) {
    std::cerr << "migrasafe: error: give the baseline file with -o FILE, or set `baseline` in a " << kConfigFileName
              << "\n";
    return kExitUsage;
  }
  std::optional<std::vector<BaselineEntry>> baseline;
  if (!a.baseline.empty()) {
    try {
      baseline = load_baseline(a.baseline);
    } catch (const BaselineError& e) {
      std::cerr << "migrasafe: error: " << e.what() << "\n";
      return kExitUsage;
    }
  }
  LintOptions options = settings->base_options();
  if (std::count(a.paths.begin(), a.paths.end(), "-") > 1) {
    std::cerr << "migrasafe: error: `-` (stdin) can be given only once\n";
    return kExitUsage;
  }
  if (!a.stdin_filename.empty() && std::count(a.paths.begin(), a.paths.end(), "-") == 0) {
    std::cerr << "migrasafe: error: --stdin-filename names the input read from `-`, and `-` is not among the paths\n";
    return kExitUsage;
  }
  if (a.staged && !a.changed_since.empty()) {
    std::cerr << "migrasafe: error: --staged and --changed-since cannot be combined: --staged checks what the next "
                 "commit records, --changed-since what a branch changed\n";
    return kExitUsage;
  }
  if (a.staged && a.fix) {
    std::cerr << "migrasafe: error: --fix cannot be combined with --staged: it fixes the files of the working tree, "
                 "--staged checks the index\n";
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

  // --changed-since / --staged narrow the report, not the replay.
  std::optional<ChangedFiles> report_only;
  if (!a.changed_since.empty() || a.staged) {
    std::string error;
    report_only = a.staged ? staged_files(error) : changed_since(a.changed_since, error);
    if (!report_only) {
      std::cerr << "migrasafe: error: " << (a.staged ? "--staged" : "--changed-since") << ": " << error << "\n";
      return kExitUsage;
    }
  }

  // --staged: read the migrations as the index has them; report them under their own names.
  std::optional<IndexSnapshot> snapshot;
  std::vector<std::string> read_paths = a.paths;
  if (a.staged) {
    std::string error;
    if (auto taken = IndexSnapshot::take(a.paths, error)) snapshot.emplace(std::move(*taken));
    if (!snapshot) {
      std::cerr << "migrasafe: error: --staged: " << error << "\n";
      return kExitUsage;
    }
    read_paths = snapshot->paths_to_read();
  }
  auto shown = [&snapshot](const std::string& path) { return snapshot ? snapshot->shown(path) : path; };

  std::vector<InputError> input_errors;
  std::vector<InputFile> inputs = discover(read_paths, a.stdin_filename, input_errors);
  // Read stdin up front (a named one's layout may depend on its text); every
  // other file is read by the worker that lints it.
  std::vector<std::optional<std::string>> preloaded(inputs.size());
  std::vector<std::string> preload_errors(inputs.size());
  const std::string* stdin_text = nullptr;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i].from_stdin) continue;
    preloaded[i] = a.stdin_text ? a.stdin_text : read_input(inputs[i], preload_errors[i]);
    if (preloaded[i]) stdin_text = &*preloaded[i];
  }
  // The report must not overwrite what it reports on (under any spelling of its path).
  if (!a.output.empty()) {
    std::vector<std::string> read;
    for (const InputFile& in : inputs)
      if (!in.from_stdin) read.push_back(shown(in.path));
    for (const std::string* p : {&a.schema, &a.baseline, &config_file})
      if (!p->empty()) read.push_back(*p);
    for (const std::filesystem::path& dir : sum_dirs(a.paths)) read.push_back((dir / kSumFileName).string());
    for (const std::string& p : read) {
      std::error_code ec;
      if (!std::filesystem::equivalent(a.output, p, ec)) continue;
      std::cerr << "migrasafe: error: --output " << a.output << " is the input file " << p
                << ": refusing to overwrite it\n";
      return kExitUsage;
    }
  }

  // The migration set orders the replay, pairs up and down scripts and says
  // whether the tool wraps each migration in a transaction. Every file is
  // analysed once (dbmate: once per section, merged); unnamed stdin and
  // anything the set does not hold run last, as plain files.
  MigrationSet set = build_migration_set(inputs, forced_layout(a.layout), stdin_text);
  // History integrity: the set against itself, the git base and migrasafe.sum
  // in each directory named.
  HistoryResult history = check_history(set, sum_dirs(read_paths), a.changed_since.empty() ? nullptr : &*report_only);
  enum class Part { Up, Down, Verify, Whole };
  struct Unit {
    std::size_t input;
    const Migration* migration;
    Part part;
    bool transaction;
  };
  std::vector<Unit> units;
  {
    std::map<std::string, std::size_t> index_of;
    for (std::size_t i = 0; i < inputs.size(); ++i)
      if (!inputs[i].from_stdin || inputs[i].named) index_of.emplace(inputs[i].path, i);
    std::vector<char> covered(inputs.size(), 0);
    auto add = [&](const std::string& path, const Migration& m, Part part, bool transaction) {
      auto it = index_of.find(path);
      if (it == index_of.end()) return;  // on disk, but not among the files asked about
      units.push_back({it->second, &m, part, transaction});
      covered[it->second] = 1;
    };
    for (const Migration& m : set.migrations) {
      if (!m.up.empty()) add(m.up, m, Part::Up, m.transaction);
      if (m.layout == Layout::Dbmate) {
        if (m.down_section) add(m.up, m, Part::Down, m.down_transaction);
      } else if (m.down) {
        add(*m.down, m, Part::Down, m.down_transaction);
      }
      if (m.verify) add(*m.verify, m, Part::Verify, false);
    }
    for (std::size_t i = 0; i < inputs.size(); ++i)
      if (!covered[i]) units.push_back({i, nullptr, Part::Whole, false});
  }

  RunResult run;
  run.options = options.analysis;
  std::vector<FileResult> results(units.size());

  // Reading and parsing dominate and files are independent: parse workers
  // take units in order. The replay is sequential, in migration order, so each
  // migration sees the schema the ones before it left (the history); it runs
  // beside the parsers and frees each file's trees as soon as it is done.
  std::vector<std::optional<ParsedFile>> parsed(units.size()), undone_ups(units.size());
  std::vector<std::shared_ptr<const SourceFile>> originals(units.size());  // dbmate: the unblanked file
  std::vector<MigrationRole> roles(units.size());
  std::vector<char> ready(units.size(), 0);
  std::mutex ready_mutex;
  std::condition_variable ready_cv;
  std::atomic<std::size_t> next{0};
  std::set<std::string> internal_errors;  // the files (as shown), said on stderr already
  std::mutex stderr_mutex;
  auto internal_error = [&](std::size_t k, const std::exception& e) {
    // A bug, not bad input: say so loudly, keep the other files' results.
    std::lock_guard<std::mutex> lock(stderr_mutex);
    internal_errors.insert(shown(inputs[units[k].input].path));
    std::cerr << "migrasafe: internal error: " << shown(inputs[units[k].input].path) << ": " << e.what() << "\n";
    results[k].input_error = std::string("internal error: ") + e.what();
  };
  auto read_down = [](const std::string& path) -> std::optional<std::string> {
    std::string err;
    return read_input({path, false}, err);
  };
  auto parse_one = [&](std::size_t k) {
    const Unit& u = units[k];
    const InputFile& in = inputs[u.input];
    FileResult& slot = results[k];
    slot.path = in.path;
    std::string err;
    std::optional<std::string> text;
    if (in.from_stdin) {
      text = preloaded[u.input];  // a copy: a dbmate file's two sections are two units
      err = preload_errors[u.input];
    } else {
      text = read_input(in, err);
    }
    if (!text) {
      slot.input_error = err;
      return;
    }
    try {
      const Migration* m = u.migration;
      if (m && m->layout == Layout::Dbmate && m->up_section) {
        // One file, two scripts: each section is analysed with the other
        // blanked out, so offsets, lines and columns are the file's own.
        ByteRange up = *m->up_section;
        std::optional<ByteRange> down = m->down_section;
        ByteRange up_keep = up, down_keep = down.value_or(ByteRange{});
        if (!down || up.begin < down->begin) up_keep.begin = 0;  // comments before the first marker go with it
        else down_keep.begin = 0;
        originals[k] = std::make_shared<const SourceFile>(in.path, *text);
        if (u.part == Part::Down) {
          roles[k] = down_role(*m);
          undone_ups[k] = parse_file(std::make_shared<const SourceFile>(in.path, blank_outside(*text, up_keep)));
          parsed[k] = parse_file(std::make_shared<const SourceFile>(in.path, blank_outside(*text, down_keep)));
        } else {
          std::optional<std::string> down_text;
          if (down) down_text = text->substr(down->begin, down->end - down->begin);
          roles[k] = up_role(*m, std::move(down_text));
          parsed[k] = parse_file(std::make_shared<const SourceFile>(in.path, blank_outside(*text, up_keep)));
        }
        return;
      }
      parsed[k] = parse_file(std::make_shared<const SourceFile>(in.path, std::move(*text)));
      switch (u.part) {
        case Part::Up: roles[k] = up_role(*m, m->down ? read_down(*m->down) : std::nullopt); break;
        case Part::Down: roles[k] = down_role(*m); break;
        case Part::Verify: roles[k].kind = MigrationRole::Kind::Verify; break;
        case Part::Whole: break;
      }
      if (auto up = load_undone_up(roles[k])) undone_ups[k] = parse_file(std::move(up));
    } catch (const std::exception& e) {
      internal_error(k, e);
    }
    if (u.part == Part::Up || u.part == Part::Whole)
      if (auto it = history.by_file.find(in.path); it != history.by_file.end()) roles[k].history = it->second;
  };
  auto parse_next = [&]() -> bool {  // false when every unit is taken
    std::size_t k = next++;
    if (k >= units.size()) return false;
    try {
      parse_one(k);
    } catch (const std::exception& e) {  // nothing may escape a worker thread: it would end the whole run
      internal_error(k, e);
    }
    {
      std::lock_guard<std::mutex> lock(ready_mutex);
      ready[k] = 1;
    }
    ready_cv.notify_all();
    return true;
  };
  auto analyse_all = [&] {
    Catalog history = std::move(seed);
    for (std::size_t k = 0; k < units.size(); ++k) {
      // Help parse while unit k is not ready; wait only when all are taken.
      while (true) {
        {
          std::unique_lock<std::mutex> lock(ready_mutex);
          if (ready[k]) break;
        }
        if (parse_next()) continue;
        std::unique_lock<std::mutex> lock(ready_mutex);
        ready_cv.wait(lock, [&] { return ready[k] != 0; });
        break;
      }
      if (!parsed[k]) continue;
      auto source = parsed[k]->source;
      try {
        // Per-file options (config overrides), and the layout's transaction convention.
        throw_if_test_internal_error(inputs[units[k].input].path);
        LintOptions o = settings->options_for(shown(inputs[units[k].input].path));
        if (const Migration* m = units[k].migration) {
          o.analysis.single_query = m->layout == Layout::GolangMigrate || m->layout == Layout::Prisma;
          // Flyway decides from the statements (a file of CONCURRENTLY statements runs without one).
          if (runs_in_transaction(*m, units[k].transaction, *parsed[k], o.analysis.pg_version))
            o.analysis.assume_in_transaction = true;
        }
        results[k] = analyse_file(std::move(*parsed[k]), roles[k], o, undone_ups[k] ? &*undone_ups[k] : nullptr,
                                  &history);
      } catch (const std::exception& e) {
        results[k] = FileResult{};
        results[k].path = inputs[units[k].input].path;
        results[k].parsed.source = source;
        internal_error(k, e);
      }
      parsed[k].reset();
      undone_ups[k].reset();
    }
  };
  std::atomic<bool> analyser_started{false};
  auto worker = [&] {
    // The first thread in replays (and parses while it would wait); the others parse.
    if (!analyser_started.exchange(true)) return analyse_all();
    while (parse_next()) {
    }
  };
  unsigned n_threads = std::max(1u, std::min<unsigned>(std::thread::hardware_concurrency(), static_cast<unsigned>(units.size())));
  run_on_large_stacks(n_threads, worker);

  // Reported per file, in the order the paths named them.
  run.files.resize(inputs.size());
  std::vector<char> filled(inputs.size(), 0);
  for (std::size_t k = 0; k < units.size(); ++k) {
    std::size_t i = units[k].input;
    if (originals[k] && results[k].input_error.empty()) results[k].parsed.source = originals[k];
    if (!filled[i]) run.files[i] = std::move(results[k]);
    else run.files[i] = merge_disjoint(std::move(run.files[i]), std::move(results[k]));
    filled[i] = 1;
  }
  for (FileResult& f : run.files)
    if (!f.parsed.source) f.parsed.source = std::make_shared<SourceFile>(f.path, "");
  if (snapshot)
    for (FileResult& f : run.files) f.path = shown(f.path);
  if (report_only)
    std::erase_if(run.files, [&](const FileResult& f) { return f.path != a.stdin_filename && !report_only->contains(f.path); });

  // --fix: fix the reported findings (not the baselined ones), then run again on the fixed files
  // (and stdin's fixed text) for the report of what remains.
  // (Unreadable stdin: nothing was fixed, and it cannot be read again.)
  bool has_stdin = std::any_of(inputs.begin(), inputs.end(), [](const InputFile& f) { return f.from_stdin; });
  if (a.fix) {
    CheckArgs again = a;
    if (baseline) apply_baseline(*baseline, run, baseline_root());  // not reported: not fixed (the re-run says so)
    std::size_t applied = 0;
    int status = fix_inputs(inputs, run.files, again.stdin_text, again.fixed, applied);
    again.fix = applied > 0 && again.fixed.passes < FixTally::kMaxPasses && status == kExitClean;
    if (!again.fix) print_fix_summary(again.fixed);
    if (!has_stdin || again.stdin_text) {
      again.print_stdin = has_stdin && !again.fix;
      int remaining = run_check(std::move(again));
      return status == kExitInput && remaining != kExitUsage ? kExitInput : remaining;
    }
  }

  // Findings on migrasafe.sum itself (vanished migrations, a bad total).
  for (SumFileResult& sum : history.sum_files) {
    FileResult f = sum_file_result(std::move(sum), options);
    f.path = shown(f.path);
    if (!f.diagnostics.empty() || !f.input_error.empty()) run.files.push_back(std::move(f));
  }

  // Paths that named nothing are reported like unreadable files.
  for (const InputError& e : input_errors) {
    FileResult f;
    f.path = shown(e.path);
    f.input_error = e.message;
    f.parsed.source = std::make_shared<SourceFile>(e.path, "");
    run.files.push_back(std::move(f));
  }

  if (a.record_baseline && !internal_errors.empty()) {
    std::cerr << "migrasafe: error: baseline not written to " << a.output << ": a file could not be analysed\n";
    return kExitInternal;
  }
  if (a.record_baseline) return record_baseline(run, a.output);
  if (baseline) {
    BaselineSummary b = apply_baseline(*baseline, run, baseline_root());
    std::cerr << "migrasafe: baseline " << a.baseline << ": " << b.hidden << (b.hidden == 1 ? " finding" : " findings")
              << " hidden";
    if (b.stale)
      std::cerr << ", " << b.stale << (b.stale == 1 ? " entry no longer matches" : " entries no longer match")
                << " (fixed: `migrasafe baseline` rewrites the file without them)";
    std::cerr << "\n";
  }

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
  PhaseTimer report_timer(Phase::Report);
  if (a.print_stdin) {  // --fix on stdin: the fixed SQL instead of the report
    *out << *a.stdin_text;
  } else if (a.explain && a.format == "text") {
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
    write_text(*out, run, use_color(a.color, a.output.empty()));
  }
  out->flush();
  if (file_buffer) {
    int error = file_buffer->error();
    if (::close(file_buffer->fd()) != 0 && !error) error = errno;
    if (error) return write_error(a.output, error);
  } else if (!stdout_written()) {
    return kExitUsage;
  }
  if (a.format != "text" || a.print_stdin) {
    for (const FileResult& f : run.files)
      if (!f.input_error.empty() && !internal_errors.count(f.path))
        std::cerr << "migrasafe: error: " << f.path << ": " << f.input_error << "\n";
  }

  Counts c = count(run);
  if (!internal_errors.empty()) return kExitInternal;
  if (c.input_errors) return kExitInput;
  if (a.explain) return kExitClean;
  std::size_t failing = a.fail_on == "never"     ? 0
                        : a.fail_on == "error"   ? c.errors
                        : a.fail_on == "warning" ? c.errors + c.warnings
                                                 : c.findings();
  return failing ? kExitFindings : kExitClean;
}

int run_install_hook(HookRequest request) {
  std::error_code ec;
  request.binary = std::filesystem::read_symlink("/proc/self/exe", ec).string();
  if (ec) request.binary = "migrasafe";
  // A hook over paths that name nothing would fail every commit: check them first.
  if (std::count(request.paths.begin(), request.paths.end(), "-")) {
    std::cerr << "migrasafe: error: install-hook: the hook checks files, not stdin (`-`)\n";
    return kExitUsage;
  }
  std::string error;
  if (!repository_root(error)) {
    std::cerr << "migrasafe: error: install-hook: " << error << "\n";
    return kExitUsage;
  }
  std::vector<InputError> missing;
  discover(request.paths, "", missing);
  for (const InputError& e : missing) std::cerr << "migrasafe: error: " << e.path << ": " << e.message << "\n";
  if (!missing.empty()) {
    std::cerr << "migrasafe: error: install-hook: no hook written\n";
    return kExitInput;
  }
  std::string written;
  try {
    if (!install_hook(request, written, error)) {
      std::cerr << "migrasafe: error: install-hook: " << error << "\n";
      return kExitUsage;
    }
  } catch (const ConfigError& e) {
    std::cerr << "migrasafe: error: " << e.what() << "\n";
    return kExitUsage;
  }
  std::cout << "wrote " << written << ": `git commit` now runs `migrasafe check --staged`\n";
  return kExitClean;
}

// Rows as left-aligned columns two spaces apart (the last column unpadded).
void print_columns(std::ostream& out, const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> width(rows.front().size(), 0);
  for (const auto& r : rows)
    for (std::size_t c = 0; c < r.size(); ++c) width[c] = std::max(width[c], count_code_points(r[c]));
  for (const auto& r : rows) {
    std::string line;
    for (std::size_t c = 0; c < r.size(); ++c) {
      line += r[c];
      if (c + 1 < r.size()) line += std::string(width[c] - count_code_points(r[c]) + 2, ' ');
    }
    out << line << "\n";
  }
}

std::string count_of(std::size_t n, std::string_view noun) {
  return std::to_string(n) + " " + std::string(noun) + (n == 1 ? "" : "s");
}

int run_rules(const std::string& format) {
  if (format == "json") {
    nlohmann::json list = nlohmann::json::array();
    for (const RuleInfo& r : all_rules()) {
      list.push_back({{"code", r.code},
                      {"name", r.name},
                      {"category", category_name(r.category)},
                      {"severity", severity_name(r.severity)},
                      {"enabled_by_default", r.default_on},
                      {"fixable", r.fixable},
                      {"since", r.since},
                      {"summary", r.summary},
                      {"aliases", r.aliases},
                      {"help_uri", rule_doc_url(r)}});
    }
    std::cout << list.dump(2) << "\n";
    return kExitClean;
  }
  // A header, then one row per rule; `fix` says whether `check --fix` can fix its findings.
  std::vector<std::vector<std::string>> rows{{"code", "rule", "category", "severity", "fix", "summary"}};
  for (const RuleInfo& r : all_rules())
    rows.push_back({std::string(r.code), std::string(r.name), std::string(category_name(r.category)),
                    std::string(severity_name(r.severity)), r.fixable ? "yes" : "-",
                    (r.default_on ? "" : "(opt-in) ") + std::string(r.summary)});
  print_columns(std::cout, rows);
  return kExitClean;
}

// `rule NAME`: the rule's documentation page, from the binary. NAME may be a
// code or an alias; an alias that stands for several rules prints each page.
int run_rule(const std::string& name) {
  std::vector<const RuleInfo*> found = find_rules(name);
  if (found.empty()) {
    std::cerr << "migrasafe: error: no rule named `" << name << "` (`migrasafe rules` lists them)\n";
    return kExitUsage;
  }
  for (const RuleInfo* r : found) {
    auto page = std::find_if(rule_docs().begin(), rule_docs().end(), [&](const RuleDoc& d) { return d.name == r->name; });
    if (page == rule_docs().end()) {
      std::cerr << "migrasafe: internal error: rule " << r->name << " has no embedded page\n";
      return kExitInternal;
    }
    if (r != found.front()) std::cout << "\n";
    std::cout << page->markdown;
  }
  return kExitClean;
}

// `sources`: the detected layout and the ordered migrations.
int run_sources(const std::vector<std::string>& paths, const std::string& format, const std::string& layout) {
  std::vector<InputError> errors;
  std::vector<InputFile> inputs = discover(paths, "", errors);
  if (std::any_of(inputs.begin(), inputs.end(), [](const InputFile& f) { return f.from_stdin; })) {
    std::cerr << "migrasafe: error: `sources` reads files, not stdin (`-`)\n";
    return kExitUsage;
  }
  MigrationSet set = build_migration_set(inputs, forced_layout(layout));
  for (const InputError& e : errors) std::cerr << "migrasafe: error: " << e.path << ": " << e.message << "\n";
  // dbmate sections as line ranges.
  std::map<std::string, std::shared_ptr<const SourceFile>> texts;
  auto lines_of = [&](const std::string& path, ByteRange r) -> std::pair<int, int> {
    auto& src = texts[path];
    if (!src) {
      std::string err;
      src = std::make_shared<const SourceFile>(path, read_input({path, false}, err).value_or(""));
    }
    int first = src->lines.position(r.begin).line;
    int last = src->lines.position(r.end > r.begin ? r.end - 1 : r.begin).line;
    return {first, std::max(first, last)};
  };
  auto section = [&](const std::string& path, const std::optional<ByteRange>& r) {
    if (!r) return path;
    auto [first, last] = lines_of(path, *r);
    return path + ":" + std::to_string(first) + "-" + std::to_string(last);
  };
  std::size_t files = 0;
  for (const auto& [l, n] : set.files_by_layout) files += n;
  if (format == "json") {
    nlohmann::json doc;
    doc["layout"] = layout_name(set.layout);
    doc["forced"] = set.forced;
    doc["mixed"] = set.mixed();
    doc["files"] = files;
    doc["files_by_layout"] = nlohmann::json::object();
    for (const auto& [l, n] : set.files_by_layout) doc["files_by_layout"][std::string(layout_name(l))] = n;
    nlohmann::json list = nlohmann::json::array();
    for (const Migration& m : set.migrations) {
      nlohmann::json j{{"version", m.version},
                       {"name", m.name},
                       {"layout", layout_name(m.layout)},
                       {"up", m.up.empty() ? nlohmann::json() : nlohmann::json(m.up)},
                       {"down", m.down ? nlohmann::json(*m.down) : nlohmann::json()},
                       {"transaction", m.transaction},
                       {"down_transaction", m.down_transaction},
                       {"repeatable", m.repeatable}};
      if (m.verify) j["verify"] = *m.verify;
      if (m.snapshot) j["snapshot"] = true;  // a schema dump, replayed after the migrations
      for (auto [key, r] : {std::pair{"up_section", m.up_section}, std::pair{"down_section", m.down_section}}) {
        if (!r) continue;
        auto [first, last] = lines_of(m.up, *r);
        j[key] = {{"begin", r->begin}, {"end", r->end}, {"line", first}, {"end_line", last}};
      }
      list.push_back(std::move(j));
    }
    doc["migrations"] = std::move(list);
    doc["notes"] = set.notes;
    std::cout << doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  } else {
    std::cout << "layout: " << layout_name(set.layout) << (set.forced ? " (--layout)" : "");
    if (set.mixed()) {
      std::cout << ", mixed (";
      bool first = true;
      for (const auto& [l, n] : set.files_by_layout) {
        std::cout << (first ? "" : ", ") << layout_name(l) << " " << count_of(n, "file");
        first = false;
      }
      std::cout << ")";
    }
    // The file count only when it says more than the migration count (down scripts, sections).
    std::cout << "\nmigrations: " << set.migrations.size();
    if (files != set.migrations.size()) std::cout << " (" << count_of(files, "file") << ")";
    std::cout << "\n";
    std::vector<std::vector<std::string>> rows;
    rows.push_back({"#", "version", "name", "tx", "up", "down"});
    if (set.mixed()) rows.back().insert(rows.back().begin() + 1, "layout");
    for (std::size_t i = 0; i < set.migrations.size(); ++i) {
      const Migration& m = set.migrations[i];
      std::vector<std::string> row{std::to_string(i + 1), m.repeatable ? "R" : m.version.empty() ? "-" : visible_controls(m.version),
                                   m.name.empty() ? "-" : visible_controls(m.name), m.transaction ? "yes" : "no",
                                   m.up.empty() ? "-" : visible_controls(section(m.up, m.up_section)),
                                   m.down ? visible_controls(section(*m.down, m.down_section)) : "-"};
      if (set.mixed()) row.insert(row.begin() + 1, std::string(layout_name(m.layout)));
      rows.push_back(std::move(row));
    }
    print_columns(std::cout, rows);
    for (const std::string& n : set.notes) std::cout << "note: " << n << "\n";
  }
  return errors.empty() ? kExitClean : kExitInput;
}

// `lock`: writes migrasafe.sum for the migrations in `dir`.
int run_lock(std::string dir, const std::string& layout, const std::string& config_path) {
  if (dir.empty()) {
    try {
      auto paths = load_run_config(config_path).migration_paths();
      dir = paths.size() == 1 ? paths.front() : ".";
    } catch (const ConfigError& e) {
      std::cerr << "migrasafe: error: " << e.what() << "\n";
      return kExitUsage;
    }
  }
  std::error_code ec;
  if (!std::filesystem::exists(dir, ec)) {
    std::cerr << "migrasafe: error: " << dir << ": no such file or directory\n";
    return kExitInput;
  }
  if (!std::filesystem::is_directory(dir, ec)) {
    std::cerr << "migrasafe: error: `lock` needs a directory of migrations, and `" << dir << "` is not one\n";
    return kExitUsage;
  }
  std::vector<InputError> errors;
  MigrationSet set = build_migration_set(discover({dir}, "", errors), forced_layout(layout));
  std::string error;
  auto text = sum_file_text(set, dir, error);
  if (!text) {
    std::cerr << "migrasafe: error: " << error << "\n";
    return kExitInput;
  }
  std::filesystem::path out = std::filesystem::path(dir) / kSumFileName;
  std::ofstream file(out, std::ios::binary);
  if (!(file << *text) || !file.flush()) return write_error(out.string(), errno ? errno : EIO);
  std::size_t n = static_cast<std::size_t>(std::count(text->begin(), text->end(), '\n')) - 1;
  std::cout << "wrote " << out.string() << " (" << n << " migration" << (n == 1 ? "" : "s") << ")\n";
  return kExitClean;
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

// `--pg-version= x.sql`: CLI11 would take x.sql as the value. An option
// written with `=` and nothing after it is named here (options before `--`).
std::optional<std::string> option_with_empty_value(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--") break;
    if (arg.starts_with("--") && arg.find('=') == arg.size() - 1) return std::string(arg.substr(0, arg.size() - 1));
  }
  return std::nullopt;
}

// `--output ''` and the like: an option given an empty value (a flag takes
// none). nullopt if there is none.
std::optional<std::string> option_given_empty(const CLI::App& app) {
  for (const CLI::App* cmd : app.get_subcommands())
    for (const CLI::Option* o : cmd->get_options())
      if (!o->get_positional() && o->get_type_size() > 0 && o->count())
        for (const std::string& r : o->results())
          if (r.empty()) return o->get_name();
  return std::nullopt;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"migrasafe: static safety analysis for PostgreSQL migrations"};
  app.set_version_flag("-V,--version", std::string("migrasafe ") + MIGRASAFE_VERSION + " (parses with the PostgreSQL " +
                                           std::to_string(grammar_version()) + " grammar, libpg_query)");
  app.require_subcommand(1);
  app.footer("Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage, configuration or baseline-file error, "
             "3 unreadable input, 4 internal error.");

  // Options shared by `check` and `explain`.
  auto add_analysis_options = [](CLI::App* cmd, CheckArgs& a) {
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
  check_cmd->add_option("--color", check.color,
                        "Colour the text report: auto (only on a terminal, unless TERM=dumb or NO_COLOR is set), "
                        "always, never")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->capture_default_str();
  check_cmd->add_option("--fail-on", check.fail_on, "Lowest severity that makes the exit code 1")
      ->check(CLI::IsMember({"error", "warning", "note", "never"}))
      ->capture_default_str();
  check_cmd->add_flag("--fix", check.fix,
                      "Apply the mechanical fixes of the reported findings to the files in place (each file written "
                      "atomically, and only if it still parses), then report what remains; with - (stdin), print the "
                      "fixed SQL instead of the report");
  check_cmd->add_option("--select", check.select, "Only these rules (names, codes or aliases; comma-separated)")
      ->allow_extra_args(false);  // one list per --select: the paths stay positional
  check_cmd->add_option("--ignore", check.ignore, "Skip these rules (names, codes or aliases; comma-separated)")
      ->allow_extra_args(false);
  check_cmd->add_option("--baseline", check.baseline,
                        "Report only findings that are not in this baseline file (written by `migrasafe baseline`; "
                        "default: `baseline` of the configuration file)");

  CheckArgs record;
  record.record_baseline = true;
  CLI::App* baseline_cmd = app.add_subcommand(
      "baseline", "Record today's findings in a baseline file (-o FILE) that `check --baseline FILE` then hides");
  add_analysis_options(baseline_cmd, record);
  baseline_cmd->get_option("--output")->description(
      "The baseline file to write (default: `baseline` of the configuration file)");
  baseline_cmd->add_option("--select", record.select, "Only these rules")->allow_extra_args(false);
  baseline_cmd->add_option("--ignore", record.ignore, "Skip these rules")->allow_extra_args(false);

  CheckArgs explain;
  explain.explain = true;
  CLI::App* explain_cmd = app.add_subcommand(
      "explain", "Per statement: the locks it takes and what they block, rewrite or scan, how long locks are held");
  add_analysis_options(explain_cmd, explain);
  explain_cmd->add_option("-f,--format", explain.format, "Output format")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();

  std::vector<std::string> sources_paths;
  std::string sources_format = "text", sources_layout = "auto";
  CLI::App* sources_cmd = app.add_subcommand(
      "sources", "Show the detected migration-tool layout and the migrations in the order the tool runs them");
  sources_cmd->add_option("paths", sources_paths, "Files, directories (searched for *.sql) or globs")->required();
  sources_cmd->add_option("-f,--format", sources_format, "Output format")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  sources_cmd->add_option("--layout", sources_layout, "Migration-tool layout (default: detected)")
      ->check(CLI::IsMember(layout_choices()))
      ->capture_default_str();

  std::string rules_format = "text";
  CLI::App* rules_cmd = app.add_subcommand("rules", "List every rule with its code, category and severity");
  rules_cmd->add_option("-f,--format", rules_format, "Output format")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();

  std::string lock_dir, lock_layout = "auto", lock_config;
  CLI::App* lock_cmd = app.add_subcommand(
      "lock", "Record every migration's SHA-256 in DIR/migrasafe.sum, so `check` reports later edits to them");
  lock_cmd->add_option("dir", lock_dir,
                       "Directory of migrations (default: `migrations` of the configuration file when it names one "
                       "directory, else the current directory)");
  lock_cmd->add_option("--layout", lock_layout, "Migration-tool layout (default: detected)")
      ->check(CLI::IsMember(layout_choices()))
      ->capture_default_str();
  lock_cmd->add_option("--config", lock_config, "Configuration file (default: the nearest .migrasafe.toml)");

  std::string rule_name;
  CLI::App* rule_cmd = app.add_subcommand("rule", "Print a rule's documentation (name, MSnnn code or squawk alias)");
  rule_cmd->add_option("name", rule_name, "The rule")->required();

  HookRequest hook;
  CLI::App* hook_cmd = app.add_subcommand(
      "install-hook", "Write a git pre-commit hook (.git/hooks/pre-commit, or core.hooksPath) that runs `migrasafe "
                      "check --staged`");
  hook_cmd->add_option("paths", hook.paths,
                       "Migration files, directories or globs the hook checks (default: `migrations` of the "
                       ".migrasafe.toml at the repository root)");
  hook_cmd->add_flag("--force", hook.force, "Replace an existing pre-commit hook that migrasafe did not write");

  bool init_force = false;
  CLI::App* init_cmd = app.add_subcommand("init", "Write a commented starter .migrasafe.toml in the current directory");
  init_cmd->add_flag("--force", init_force, "Overwrite an existing .migrasafe.toml");

  // stdout through a buffer that keeps write errors; put back (flushed) on the way out.
  struct StdoutGuard {
    std::streambuf* original = std::cout.rdbuf(&stdout_buffer);
    ~StdoutGuard() {
      std::cout.flush();
      std::cout.rdbuf(original);
    }
  } stdout_guard;
  if (auto option = option_with_empty_value(argc, argv)) {
    std::cerr << "migrasafe: error: " << *option << "= has an empty value (write " << *option << "=VALUE)\n";
    return kExitUsage;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "migrasafe: error: " << e.what() << " (see `migrasafe --help`)\n";
    return kExitUsage;
  }
  if (auto option = option_given_empty(app)) {
    std::cerr << "migrasafe: error: " << *option << " has an empty value\n";
    return kExitUsage;
  }

  // Which options the command line gave: they override the configuration file.
  for (auto [cmd, args] : {std::pair{check_cmd, &check}, std::pair{explain_cmd, &explain}, std::pair{baseline_cmd, &record}})
    for (const char* name : {"--pg-version", "--format", "--fail-on", "--layout"})
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
    int status = kExitUsage;
    if (*check_cmd) status = run_check(check);
    else if (*baseline_cmd) status = run_check(record);
    else if (*hook_cmd) status = run_install_hook(hook);
    else if (*explain_cmd) status = run_check(explain);
    else if (*rules_cmd) status = run_rules(rules_format);
    else if (*lock_cmd) status = run_lock(lock_dir, lock_layout, lock_config);
    else if (*rule_cmd) status = run_rule(rule_name);
    else if (*sources_cmd) status = run_sources(sources_paths, sources_format, sources_layout);
    return status == kExitUsage || stdout_written() ? status : kExitUsage;
  } catch (const std::exception& e) {
    std::cerr << "migrasafe: internal error: " << e.what() << "\n";
    return kExitInternal;
  }
  return kExitUsage;
}
