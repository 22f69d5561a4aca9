// The CLI as a gate (pre-commit hook, CI step): it judges what will be
// committed, reports every file it could analyse, never loses a report
// silently, and refuses options and paths that cannot do what they say.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "support.h"

namespace fs = std::filesystem;
using testing::run_cli;

namespace {

bool have_git() { return std::system("command -v git >/dev/null 2>&1") == 0; }

// A throwaway directory (a git repository when asked), removed afterwards.
struct Dir {
  fs::path dir;
  explicit Dir(const std::string& name, bool repo = false) {
    dir = fs::temp_directory_path() / ("migrasafe-gate-" + name + "-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir / "db" / "sub");
    if (repo) REQUIRE(git("init -q -b main") == 0);
  }
  ~Dir() { fs::remove_all(dir); }
  void write(const std::string& rel, const std::string& text) const {
    std::ofstream(dir / rel, std::ios::binary) << text;
  }
  int git(const std::string& args) const {
    return std::system(("cd '" + dir.string() + "' && git -c user.email=t@t -c user.name=t " + args + " >/dev/null 2>&1").c_str());
  }
  // migrasafe ARGS (bash syntax) from the subdirectory `in`, stderr merged.
  testing::Run run(const std::string& args, const std::string& in = ".") const {
    return run_cli(args + " 2>&1", (dir / in).string());
  }
  // Any shell command from the directory (MIGRASAFE is the binary), stderr merged.
  testing::Run shell(const std::string& command) const {
    return run_cli("--version >/dev/null; MIGRASAFE=" + std::string(MIGRASAFE_BINARY) + "; { " + command + "; } 2>&1",
                   dir.string());
  }
};

std::set<std::string> reported(const std::string& json) {
  std::set<std::string> files;
  auto doc = nlohmann::json::parse(json);
  for (const auto& f : doc["files"]) files.insert(f["path"].get<std::string>());
  return files;
}

std::size_t temp_snapshots() {
  std::size_t n = 0;
  for (const auto& e : fs::directory_iterator(fs::temp_directory_path()))
    n += e.path().filename().string().starts_with("migrasafe-index-");
  return n;
}

}  // namespace

TEST_CASE("--staged and the git hook judge the index, not the working tree", "[cli][git][gate]") {
  if (!have_git()) {
    WARN("git not installed; skipped");
    return;
  }
  Dir repo("staged", true);
  repo.write("db/001_create.sql", "CREATE TABLE t (id int);\n");
  REQUIRE(repo.git("add . && git -c user.email=t@t -c user.name=t commit -qm init") == 0);
  REQUIRE(repo.run("install-hook db").exit_code == 0);
  std::size_t snapshots_before = temp_snapshots();

  // A DROP TABLE staged, then edited back to something harmless without staging.
  repo.write("db/002_drop.sql", "DROP TABLE t;\n");
  REQUIRE(repo.git("add db/002_drop.sql") == 0);
  repo.write("db/002_drop.sql", "SELECT 1;\n");
  auto staged = repo.run("check --staged --format json db");
  CHECK(staged.exit_code == 1);
  CHECK_THAT(staged.out, Catch::Contains("drop-table"));
  CHECK(reported(staged.out) == std::set<std::string>{"db/002_drop.sql"});
  // The same from a subdirectory, with a relative and with an absolute path.
  CHECK(reported(repo.run("check --staged --format json ..", "db/sub").out) == std::set<std::string>{"../002_drop.sql"});
  CHECK(reported(repo.run("check --staged --format json '" + (repo.dir / "db").string() + "'", "db/sub").out) ==
        std::set<std::string>{(repo.dir / "db" / "002_drop.sql").string()});
  // The commit through the installed hook is blocked.
  auto commit = repo.shell("git -c user.email=t@t -c user.name=t commit -qm drop");
  CHECK(commit.exit_code != 0);
  CHECK_THAT(commit.out, Catch::Contains("db/002_drop.sql:1:1") && Catch::Contains("drop-table"));
  CHECK(repo.git("rev-parse -q --verify HEAD~1") != 0);  // still one commit

  // The other way round: the staged version is harmless, the working tree's is not.
  REQUIRE(repo.git("add db/002_drop.sql") == 0);
  repo.write("db/002_drop.sql", "DROP TABLE t;\n");
  CHECK(repo.run("check --staged db").exit_code == 0);
  CHECK(repo.git("commit -qm select") == 0);

  // A staged new file deleted from the working tree is still judged; history
  // deleted from the index is gone (the column type from 001 is unknown).
  repo.write("db/003_type.sql", "ALTER TABLE t ALTER COLUMN id TYPE bigint;\n");
  REQUIRE(repo.git("add db/003_type.sql") == 0);
  fs::remove(repo.dir / "db" / "003_type.sql");
  auto with_history = repo.run("check --staged --format json db");
  CHECK(with_history.exit_code == 1);
  CHECK_THAT(with_history.out, Catch::Contains("int4 to int8"));
  REQUIRE(repo.git("rm -q --cached db/001_create.sql") == 0);
  auto without_history = repo.run("check --staged --format json db");
  CHECK(reported(without_history.out) == std::set<std::string>{"db/003_type.sql"});
  CHECK_THAT(without_history.out, !Catch::Contains("int4 to int8"));

  // An untracked directory holds nothing staged: nothing to report.
  fs::create_directories(repo.dir / "other");
  repo.write("other/001.sql", "DROP TABLE t;\n");
  CHECK(repo.run("check --staged other").exit_code == 0);

  // The snapshot of the index is removed afterwards.
  CHECK(temp_snapshots() == snapshots_before);
}

TEST_CASE("an internal error is reported for its file only, with exit code 4", "[cli][gate]") {
  Dir d("internal");
  d.write("db/001_a.sql", "CREATE TABLE a (id int);\n");
  d.write("db/002_b.sql", "DROP TABLE a;\n");
  d.write("db/003_c.sql", "DROP TABLE c;\n");
  for (const std::string format : {"text", "json", "sarif", "gcc"}) {
    INFO(format);
    auto r = d.shell("MIGRASAFE_TEST_INTERNAL_ERROR=002_b $MIGRASAFE check --format " + format +
                     " -o report db; echo \"exit=$?\"; cat report");
    CHECK_THAT(r.out, Catch::Contains("exit=4"));
    CHECK_THAT(r.out, Catch::Contains("migrasafe: internal error: db/002_b.sql: MIGRASAFE_TEST_INTERNAL_ERROR is set"));
    // Said once, and the other files are in the report.
    CHECK(r.out.find("MIGRASAFE_TEST_INTERNAL_ERROR is set\nmigrasafe: error: db/002_b.sql") == std::string::npos);
    CHECK_THAT(r.out, Catch::Contains("003_c.sql") && Catch::Contains("drop-table"));
    CHECK_THAT(r.out, Catch::Contains("001_a.sql"));
  }
  // The variable only breaks the files it names; without it the run is clean of internal errors.
  CHECK(d.shell("MIGRASAFE_TEST_INTERNAL_ERROR=nomatch $MIGRASAFE check db").exit_code == 1);
  // A baseline is not recorded from an incomplete run.
  auto baseline = d.shell("MIGRASAFE_TEST_INTERNAL_ERROR=002_b $MIGRASAFE baseline -o base.json db");
  CHECK(baseline.exit_code == 4);
  CHECK_THAT(baseline.out, Catch::Contains("baseline not written"));
  CHECK(!fs::exists(d.dir / "base.json"));
}

TEST_CASE("a report that cannot be written is an error, and --output never overwrites an input", "[cli][gate]") {
  Dir d("write");
  d.write("db/001_a.sql", "DROP TABLE a;\n");
  if (fs::exists("/dev/full")) {
    for (const std::string format : {"text", "json", "sarif"}) {
      INFO(format);
      auto to_file = d.run("check --format " + format + " -o /dev/full db");
      CHECK(to_file.exit_code == 2);
      CHECK_THAT(to_file.out, Catch::Contains("migrasafe: error: cannot write /dev/full: No space left on device"));
      auto to_stdout = run_cli("check --format " + format + " db 2>&1 >/dev/full", d.dir.string());
      CHECK(to_stdout.exit_code == 2);
      CHECK_THAT(to_stdout.out, Catch::Contains("migrasafe: error: cannot write <stdout>: No space left on device"));
    }
    // Other commands' output too, and a clean run is no exception.
    CHECK(d.run("rules --format json >/dev/full").exit_code == 2);
    CHECK(d.run("sources db >/dev/full").exit_code == 2);
    d.write("db/002_b.sql", "SELECT 1;\n");
    CHECK(d.run("check db/002_b.sql >/dev/full").exit_code == 2);
  } else {
    WARN("no /dev/full; write errors not tested");
  }
  auto no_dir = d.run("check -o no/such/dir/report.txt db");
  CHECK(no_dir.exit_code == 2);
  CHECK_THAT(no_dir.out, Catch::Contains("migrasafe: error: cannot write no/such/dir/report.txt: No such file or directory"));

  // -o naming an input file, under any spelling, is refused before anything is written.
  for (const std::string& output : std::vector<std::string>{"db/001_a.sql", "./db/001_a.sql", "db/sub/../001_a.sql", "'" + (d.dir / "db/001_a.sql").string() + "'"}) {
    INFO(output);
    auto r = d.run("check -o " + output + " db");
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.out, Catch::Contains("is the input file") && Catch::Contains("001_a.sql"));
    CHECK(testing::read_file(d.dir / "db/001_a.sql") == "DROP TABLE a;\n");
  }
  fs::create_symlink(d.dir / "db/001_a.sql", d.dir / "link.sql");
  CHECK(d.run("check -o link.sql db").exit_code == 2);
  CHECK(d.run("check --schema db/001_a.sql -o db/001_a.sql db/002_b.sql").exit_code == 2);
  CHECK(d.run("baseline -o db/001_a.sql db").exit_code == 2);
  d.write("db/migrasafe.sum", "total e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n");
  CHECK(d.run("check -o db/migrasafe.sum db").exit_code == 2);
  CHECK(testing::read_file(d.dir / "db/migrasafe.sum").starts_with("total "));
  fs::remove(d.dir / "db/migrasafe.sum");
  d.write(".migrasafe.toml", "fail_on = \"warning\"\n");
  CHECK(d.run("check -o .migrasafe.toml db").exit_code == 2);
  CHECK(testing::read_file(d.dir / ".migrasafe.toml") == "fail_on = \"warning\"\n");
  fs::remove(d.dir / ".migrasafe.toml");
  CHECK(testing::read_file(d.dir / "db/001_a.sql") == "DROP TABLE a;\n");
  // A new file beside the inputs is fine.
  CHECK(d.run("check -o report.txt db").exit_code == 1);
  CHECK_THAT(testing::read_file(d.dir / "report.txt"), Catch::Contains("drop-table"));
}

TEST_CASE("install-hook checks its paths: a missing one is exit 3 and no hook", "[cli][git][gate]") {
  if (!have_git()) {
    WARN("git not installed; skipped");
    return;
  }
  Dir repo("hookpaths", true);
  repo.write("db/001_create.sql", "CREATE TABLE t (id bigint);\n");
  fs::path hook = repo.dir / ".git" / "hooks" / "pre-commit";
  auto missing = repo.run("install-hook nonexist");
  CHECK(missing.exit_code == 3);
  CHECK_THAT(missing.out, Catch::Contains("migrasafe: error: nonexist: no such file or directory") &&
                              Catch::Contains("no hook written"));
  CHECK(!fs::exists(hook));
  CHECK(repo.run("install-hook db 'nomatch/*.sql'").exit_code == 3);
  CHECK(repo.run("install-hook ../nonexist", "db/sub").exit_code == 3);
  CHECK(!fs::exists(hook));
  CHECK(repo.run("install-hook -").exit_code == 2);
  CHECK(!fs::exists(hook));
  // Paths that exist (a directory, a glob), from a subdirectory: written, and the commit goes through.
  CHECK(repo.run("install-hook .. '../*.sql'", "db/sub").exit_code == 0);
  CHECK(fs::exists(hook));
  REQUIRE(repo.git("add db") == 0);
  CHECK(repo.shell("git -c user.email=t@t -c user.name=t commit -qm init").exit_code == 0);
}

TEST_CASE("an empty rule selection is an error, not every rule off", "[cli][gate]") {
  Dir d("select");
  d.write("db/001.sql", "DROP TABLE t;\n");
  auto spaces = d.run("check --select ' , ' db");
  CHECK(spaces.exit_code == 2);
  CHECK_THAT(spaces.out, Catch::Contains("migrasafe: error: --select is empty, which would turn every rule off"));
  for (const std::string empty : {"--select ''", "--select= db"}) {
    INFO(empty);
    auto r = d.run("check " + empty + " db");
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.out, Catch::Contains("migrasafe: error: --select") && Catch::Contains("empty value"));
  }
  CHECK(d.run("check --select all db").exit_code == 1);
  d.write(".migrasafe.toml", "[rules]\nselect = []\n");
  auto config = d.run("check db");
  CHECK(config.exit_code == 2);
  CHECK_THAT(config.out, Catch::Contains("migrasafe: error: .migrasafe.toml:2:") &&
                             Catch::Contains("\"select\" in [rules] is empty"));
  d.write(".migrasafe.toml", "[[overrides]]\npaths = [\"db\"]\nselect = []\n");
  CHECK(d.run("check db").exit_code == 2);
  d.write(".migrasafe.toml", "[rules]\nselect = [\"drop-table\"]\n");
  auto selected = d.run("check db");
  CHECK(selected.exit_code == 1);
  CHECK_THAT(selected.out, Catch::Contains("drop-table") && !Catch::Contains("missing-lock-timeout"));
}

TEST_CASE("usage errors: one prefix, a clear message, exit 2; a missing path is exit 3", "[cli][gate]") {
  Dir d("usage");
  d.write("db/001.sql", "DROP TABLE t;\n");
  struct Case {
    std::string args, message;
    int exit_code;
  };
  for (const Case& c : std::vector<Case>{
           {"check --pg-version abc db", "--pg-version: `abc` is not a number", 2},
           {"check --pg-version 15.2 db", "`15.2` is not a major version", 2},
           {"check --pg-version 9 db", "PostgreSQL 9 is not supported", 2},
           {"check --pg-version= db", "--pg-version= has an empty value", 2},
           {"check --pg-version '' db", "--pg-version: the value is empty", 2},
           {"check --output= db", "--output= has an empty value", 2},
           {"check --config '' db", "--config has an empty value", 2},
           {"explain --pg-version= db", "--pg-version= has an empty value", 2},
           {"check --bogus db", "The following argument was not expected: --bogus", 2},
           {"check --format xml db", "--format: xml not in", 2},
           {"nosuchcommand", "subcommand", 2},
           {"", "A subcommand is required", 2},
           {"check --stdin-filename x.sql db", "--stdin-filename names the input read from `-`", 2},
           {"check --staged --changed-since main db", "--staged and --changed-since cannot be combined", 2},
           {"check --staged --fix db", "--fix cannot be combined with --staged", 2},
           {"lock nonexist", "nonexist: no such file or directory", 3},
           {"lock db/001.sql", "`lock` needs a directory of migrations", 2},
       }) {
    INFO(c.args);
    auto r = d.run(c.args);
    CHECK(r.exit_code == c.exit_code);
    CHECK_THAT(r.out, Catch::StartsWith("migrasafe: error: ") && Catch::Contains(c.message));
  }
  // `--pg-version=` did not swallow the path; these are fine.
  CHECK(d.run("check --pg-version=16 db").exit_code == 1);
  CHECK(d.run("check --stdin-filename db/x.sql - < db/001.sql").exit_code == 1);
  CHECK(d.run("check -- db").exit_code == 1);
}

TEST_CASE("a damaged migrasafe.sum is reported, never silently ignored", "[cli][history][gate]") {
  Dir d("sum");
  d.write("db/001_a.sql", "CREATE TABLE t (id bigint);\n");
  d.write("db/002_b.sql", "CREATE TABLE u (id bigint);\n");
  REQUIRE(d.run("lock db").exit_code == 0);
  std::string good = testing::read_file(d.dir / "db/migrasafe.sum");
  REQUIRE(d.run("check db").exit_code == 0);
  // An edited migration under a damaged sum file: the damage is reported (the edit may be too).
  d.write("db/001_a.sql", "CREATE TABLE t (id bigint, c text);\n");
  struct Damage {
    std::string name, appended;
    int exit_code;
    std::string message;
  };
  for (const Damage& damage : std::vector<Damage>{
           {"NUL byte", std::string(1, '\0'), 3, "migrasafe.sum: line 4: contains a NUL byte"},
           {"0xFF byte", "\xff", 3, "migrasafe.sum: line 4, column 1: invalid UTF-8"},
           {"malformed line", "garbage\n", 1, "migrasafe.sum:4:1: error: Line 4 of migrasafe.sum is not"},
           {"short hash", "003 abc 003_c.sql\n", 1, "migrasafe.sum:4:1: error: Line 4 of migrasafe.sum is not"},
       }) {
    INFO(damage.name);
    d.write("db/migrasafe.sum", good + damage.appended);
    auto r = d.run("check --format gcc db");
    CHECK(r.exit_code == damage.exit_code);
    CHECK_THAT(r.out, Catch::Contains(damage.message));
  }
  // A line damaged in place: reported on that line, and the total no longer matches.
  std::string damaged = good;
  damaged[10] = 'x';
  d.write("db/migrasafe.sum", damaged);
  auto r = d.run("check --format gcc db");
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.out, Catch::Contains("migrasafe.sum:1:1: error: Line 1 of migrasafe.sum is not") &&
                        Catch::Contains("sum-file-mismatch"));
}
