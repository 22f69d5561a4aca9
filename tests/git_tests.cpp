// --changed-since and --staged in a throwaway git repository: only changed
// migrations are reported, but the whole history is replayed for context.
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

fs::path make_repo() {
  fs::path d = fs::temp_directory_path() / ("migrasafe-git-" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d / "db" / "sub");
  auto write = [&](const std::string& rel, const std::string& text) { std::ofstream(d / rel) << text; };
  std::string git = "cd '" + d.string() + "' && git -c user.email=t@t -c user.name=t ";
  write("db/001_create.sql", "CREATE TABLE t (id int, c text);\n");
  write("db/002_drop_c.sql", "ALTER TABLE t DROP COLUMN c;\n");
  REQUIRE(std::system((git + "init -q -b main && " + git + "add . && " + git + "commit -qm init").c_str()) == 0);
  REQUIRE(std::system((git + "checkout -qb feature").c_str()) == 0);
  write("db/003_type.sql", "ALTER TABLE t ALTER COLUMN id TYPE bigint;\n");   // untracked
  write("db/004_drop.sql", "DROP TABLE t;\n");                                // staged
  write("db/002_drop_c.sql", "ALTER TABLE t DROP COLUMN c; -- edited\n");     // modified, unstaged
  REQUIRE(std::system((git + "add db/004_drop.sql").c_str()) == 0);
  return d;
}

std::set<std::string> reported(const std::string& json) {
  std::set<std::string> files;
  auto doc = nlohmann::json::parse(json);
  for (const auto& f : doc["files"]) files.insert(fs::path(f["path"].get<std::string>()).filename());
  return files;
}

}  // namespace

TEST_CASE("--changed-since and --staged report only changed migrations, with the full history replayed", "[cli][git]") {
  if (std::system("command -v git >/dev/null 2>&1") != 0) {
    WARN("git not installed; skipped");
    return;
  }
  fs::path repo = make_repo();
  // From a subdirectory of the repository, with a relative path.
  std::string in_sub = "--version >/dev/null; cd '" + (repo / "db" / "sub").string() + "' && " + MIGRASAFE_BINARY;
  auto since = run_cli(in_sub + " check --format json --changed-since main ..");
  CHECK(since.exit_code == 1);
  CHECK(reported(since.out) == std::set<std::string>{"002_drop_c.sql", "003_type.sql", "004_drop.sql"});
  // The type change is judged with the column type from 001, which is not reported.
  CHECK_THAT(since.out, Catch::Contains("int4 to int8"));

  auto staged = run_cli(in_sub + " check --format json --staged ..");
  CHECK(reported(staged.out) == std::set<std::string>{"004_drop.sql"});

  auto bad_ref = run_cli(in_sub + " check --changed-since no-such-ref .. 2>&1");
  CHECK(bad_ref.exit_code == 2);
  CHECK_THAT(bad_ref.out, Catch::Contains("no-such-ref"));

  auto outside = run_cli("--version >/dev/null; cd / && " + std::string(MIGRASAFE_BINARY) + " check --staged '" +
                         (repo / "db").string() + "' 2>&1");
  CHECK(outside.exit_code == 2);
  CHECK_THAT(outside.out, Catch::Contains("not inside a git repository"));
  fs::remove_all(repo);
}
