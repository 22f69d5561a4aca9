// Baselines and `install-hook` in throwaway git repositories: a baseline hides
// the findings it recorded (from any directory, after edits above them, in a
// copy of the repository elsewhere), new findings are still reported, stale
// entries are counted; the hook blocks a commit with a dangerous staged migration.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support.h"

namespace fs = std::filesystem;
using testing::run_cli;

namespace {

bool have_git() { return std::system("command -v git >/dev/null 2>&1") == 0; }

struct Repo {
  fs::path dir;
  explicit Repo(const std::string& name) {
    dir = fs::temp_directory_path() / ("migrasafe-" + name + "-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir / "db" / "sub");
    REQUIRE(git("init -q -b main") == 0);
  }
  ~Repo() { fs::remove_all(dir); }
  void write(const std::string& rel, const std::string& text) const { std::ofstream(dir / rel, std::ios::binary) << text; }
  int git(const std::string& args) const {
    return std::system(("cd '" + dir.string() + "' && git -c user.email=t@t -c user.name=t " + args + " >/dev/null 2>&1").c_str());
  }
  // migrasafe ARGS from the subdirectory `in` of the repository, stderr merged.
  testing::Run run(const std::string& args, const std::string& in = ".") const {
    return run_cli(args + " 2>&1", (dir / in).string());
  }
};

std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

const std::string kCreate = "CREATE TABLE t (id bigint, c text, d text);\nCREATE TABLE u (id bigint);\n";
const std::string kLegacy = "SET lock_timeout = '1s';\nALTER TABLE t DROP COLUMN c;\nDELETE FROM u;\nDELETE FROM u;\n";

}  // namespace

TEST_CASE("baseline: recorded findings are hidden, new ones reported, from any directory", "[integrations][baseline]") {
  if (!have_git()) {
    WARN("git not installed; skipped");
    return;
  }
  Repo repo("baseline");
  repo.write("db/001_create.sql", kCreate);
  repo.write("db/002_legacy.sql", kLegacy);
  REQUIRE(repo.git("add . && git -c user.email=t@t -c user.name=t commit -qm init") == 0);

  // Recorded from a subdirectory with relative paths: paths are stored relative to the root.
  auto rec = repo.run("baseline .. -o ../../baseline.json", "db/sub");
  REQUIRE(rec.exit_code == 0);
  CHECK_THAT(rec.out, Catch::Contains("recorded 3 findings in 1 file"));
  auto doc = nlohmann::json::parse(testing::read_file(repo.dir / "baseline.json"));
  CHECK(doc["migrasafe_baseline"] == 1);
  REQUIRE(doc["findings"].size() == 3);
  for (const auto& e : doc["findings"]) {
    CHECK(e["path"] == "db/002_legacy.sql");
    CHECK(e["fingerprint"].get<std::string>().size() == 64);
  }
  CHECK(doc["findings"][0]["code"] <= doc["findings"][2]["code"]);  // sorted
  // The two identical DELETEs are two entries.
  CHECK(doc["findings"][1]["fingerprint"] != doc["findings"][2]["fingerprint"]);

  // Everything is hidden, from the root and from a subdirectory.
  auto clean = repo.run("check --baseline baseline.json db");
  CHECK(clean.exit_code == 0);
  CHECK_THAT(clean.out, Catch::Contains("baseline baseline.json: 3 findings hidden"));
  CHECK(repo.run("check --baseline ../../baseline.json ..", "db/sub").exit_code == 0);
  CHECK(repo.run("check --baseline baseline.json " + (repo.dir / "db").string()).exit_code == 0);

  // Edits above the findings (new statements, comments, reformatting) keep them hidden.
  repo.write("db/002_legacy.sql", "-- legacy\nSET statement_timeout = '5s';\n\n" + kLegacy + "\n");
  CHECK(repo.run("check --baseline baseline.json db").exit_code == 0);

  // A new dangerous statement (a third identical DELETE, and a new file) is reported.
  repo.write("db/002_legacy.sql", kLegacy + "DELETE FROM u;\n");
  repo.write("db/003_new.sql", "ALTER TABLE t DROP COLUMN d;\n");
  auto fresh = repo.run("check --baseline baseline.json --format gcc db");
  CHECK(fresh.exit_code == 1);
  CHECK(count_of(fresh.out, ": error: ") == 2);
  CHECK_THAT(fresh.out, Catch::Contains("002_legacy.sql:5:1") && Catch::Contains("003_new.sql:1:"));

  fs::remove(repo.dir / "db" / "003_new.sql");

  // A fixed finding: its entry no longer matches and is counted.
  repo.write("db/002_legacy.sql", "SET lock_timeout = '1s';\nALTER TABLE t DROP COLUMN c;\nDELETE FROM u;\n");
  auto fixed = repo.run("check --baseline baseline.json db");
  CHECK(fixed.exit_code == 0);
  CHECK_THAT(fixed.out, Catch::Contains("2 findings hidden, 1 entry no longer matches"));

  // The same repository elsewhere (another machine): the baseline still applies.
  repo.write("db/002_legacy.sql", kLegacy);
  fs::path copy = repo.dir.string() + "-copy";
  fs::remove_all(copy);
  fs::copy(repo.dir, copy, fs::copy_options::recursive);
  CHECK(run_cli("check --baseline baseline.json db", copy.string()).exit_code == 0);
  fs::remove_all(copy);
}

TEST_CASE("baseline: the configuration key, and clear errors for bad files", "[integrations][baseline]") {
  if (!have_git()) {
    WARN("git not installed; skipped");
    return;
  }
  Repo repo("baseline-config");
  repo.write("db/001_create.sql", kCreate);
  repo.write("db/002_legacy.sql", kLegacy);
  repo.write(".migrasafe.toml", "migrations = [\"db\"]\nbaseline = \"ci/migrasafe-baseline.json\"\n");
  fs::create_directories(repo.dir / "ci");

  // `baseline` with no -o writes the configured file; `check` with no options reads it, from anywhere.
  REQUIRE(repo.run("baseline", "db/sub").exit_code == 0);
  CHECK(fs::exists(repo.dir / "ci" / "migrasafe-baseline.json"));
  auto quiet = repo.run("check", "db/sub");
  CHECK(quiet.exit_code == 0);
  CHECK_THAT(quiet.out, Catch::Contains("3 findings hidden"));
  // The command line wins over the file.
  repo.write("empty.json", "{\"migrasafe_baseline\": 1, \"findings\": []}\n");
  CHECK(repo.run("check --baseline empty.json").exit_code == 1);

  // Missing, malformed, or the wrong version: exit 2 with the file named.
  auto missing = repo.run("check --baseline nope.json");
  CHECK(missing.exit_code == 2);
  CHECK_THAT(missing.out, Catch::Contains("baseline nope.json: cannot read"));
  repo.write("bad.json", "{not json");
  auto bad = repo.run("check --baseline bad.json");
  CHECK(bad.exit_code == 2);
  CHECK_THAT(bad.out, Catch::Contains("baseline bad.json: not valid JSON"));
  repo.write("v9.json", "{\"migrasafe_baseline\": 9, \"findings\": []}");
  auto v9 = repo.run("check --baseline v9.json");
  CHECK(v9.exit_code == 2);
  CHECK_THAT(v9.out, Catch::Contains("baseline v9.json: baseline format 9 is not supported"));
  // A nested value is named by its type: quoting it back recursed once per level (baseline_fuzz).
  repo.write("deep.json", "{\"migrasafe_baseline\": " + std::string(100000, '[') + std::string(100000, ']') + "}");
  auto deep = repo.run("check --baseline deep.json");
  CHECK(deep.exit_code == 2);
  CHECK_THAT(deep.out, Catch::Contains("baseline deep.json: baseline format of type array is not supported"));
  repo.write("entry.json", "{\"migrasafe_baseline\": 1, \"findings\": [{\"path\": \"x.sql\"}]}");
  CHECK_THAT(repo.run("check --baseline entry.json").out, Catch::Contains("findings[0] has no \"fingerprint\""));

  // The key is validated like the others.
  repo.write(".migrasafe.toml", "migrations = [\"db\"]\nbaseline = 5\n");
  auto typed = repo.run("check");
  CHECK(typed.exit_code == 2);
  CHECK_THAT(typed.out, Catch::Contains(".migrasafe.toml:2: \"baseline\" must be a string"));
  // `baseline` without -o and without the key is a usage error.
  repo.write(".migrasafe.toml", "migrations = [\"db\"]\n");
  auto no_out = repo.run("baseline");
  CHECK(no_out.exit_code == 2);
  CHECK_THAT(no_out.out, Catch::Contains("-o FILE"));
}

TEST_CASE("install-hook writes a pre-commit hook that blocks a dangerous staged migration", "[integrations][hook]") {
  if (!have_git()) {
    WARN("git not installed; skipped");
    return;
  }
  Repo repo("hook");
  repo.write("db/001_create.sql", kCreate);
  REQUIRE(repo.git("add . && git -c user.email=t@t -c user.name=t commit -qm init") == 0);

  // Without paths or a configuration it says what it needs.
  CHECK(repo.run("install-hook").exit_code == 2);

  // From a subdirectory, with a path relative to it.
  auto installed = repo.run("install-hook ..", "db/sub");
  REQUIRE(installed.exit_code == 0);
  fs::path hook = repo.dir / ".git" / "hooks" / "pre-commit";
  REQUIRE(fs::exists(hook));
  CHECK((fs::status(hook).permissions() & fs::perms::owner_exec) != fs::perms::none);
  CHECK_THAT(testing::read_file(hook), Catch::Contains("check --staged 'db'"));

  // A dangerous staged migration blocks the commit; its history (001) is replayed.
  repo.write("db/002_drop.sql", "ALTER TABLE t DROP COLUMN c;\n");
  REQUIRE(repo.git("add db/002_drop.sql") == 0);
  auto blocked = run_cli("--version >/dev/null; git -c user.email=t@t -c user.name=t commit -qm drop 2>&1",
                         repo.dir.string());
  CHECK(blocked.exit_code != 0);
  CHECK_THAT(blocked.out, Catch::Contains("002_drop.sql:1:") && Catch::Contains("drop-column"));
  // A safe one goes through (001 is not reported again: only staged files are).
  repo.write("db/002_drop.sql", "CREATE INDEX CONCURRENTLY IF NOT EXISTS t_id_idx ON t (id);\n");
  REQUIRE(repo.git("add db/002_drop.sql") == 0);
  CHECK(repo.git("commit -qm index") == 0);

  // Reinstalling over our own hook is fine; a foreign hook is kept unless --force.
  CHECK(repo.run("install-hook db").exit_code == 0);
  repo.write(".git/hooks/pre-commit", "#!/bin/sh\necho mine\n");
  auto refused = repo.run("install-hook db");
  CHECK(refused.exit_code == 2);
  CHECK_THAT(refused.out, Catch::Contains("already exists") && Catch::Contains("--force"));
  CHECK(testing::read_file(hook) == "#!/bin/sh\necho mine\n");
  CHECK(repo.run("install-hook --force db").exit_code == 0);
  CHECK_THAT(testing::read_file(hook), Catch::Contains("install-hook"));

  // core.hooksPath is honoured (relative to the top of the working tree).
  REQUIRE(repo.git("config core.hooksPath .githooks") == 0);
  CHECK(repo.run("install-hook ..", "db/sub").exit_code == 0);
  CHECK(fs::exists(repo.dir / ".githooks" / "pre-commit"));

  // Outside a repository: exit 2.
  auto outside = run_cli("install-hook db 2>&1", "/");
  CHECK(outside.exit_code == 2);
  CHECK_THAT(outside.out, Catch::Contains("not inside a git repository"));
}
