// Discovery's directory walk (sources/discovery.h): which entries it lists,
// from the directory listing's types, and the real paths it gives the memo
// (sources/paths.h) without asking the file system again, and the listings
// that spare opening files beside migrations that are not there.
#include <sys/stat.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "sources/discovery.h"
#include "sources/layouts.h"
#include "sources/paths.h"
#include "support.h"

namespace fs = std::filesystem;
using namespace migrasafe;
using V = std::vector<std::string>;

namespace {

V paths_of(const std::vector<InputFile>& files) {
  V out;
  for (const InputFile& f : files) out.push_back(f.path);
  return out;
}

V messages_of(const std::vector<InputError>& errors) {
  V out;
  for (const InputError& e : errors) out.push_back(fs::path(e.path).filename().string() + ": " + e.message);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("discover: a directory's .sql files by the listing's types, symlinks to files kept, to directories not followed",
          "[sources][paths]") {
  fs::path d = testing::fresh_dir("discovery", "walk");
  const std::string sql = "SELECT 1;\n";
  testing::write_file(d / "db/2_b.sql", sql);
  testing::write_file(d / "db/1_a.SQL", sql);
  testing::write_file(d / "db/sub/3_c.sql", sql);
  testing::write_file(d / "db/dir.sql/4_d.sql", sql);  // a directory named like a file is walked
  testing::write_file(d / "db/.hidden/5_e.sql", sql);  // hidden directories hold no migrations
  testing::write_file(d / "db/.sql", sql);              // no extension: a hidden file's name
  testing::write_file(d / "db/6_f.sql.bak", sql);
  testing::write_file(d / "db/metadata.toml", "run_in_transaction = false\n");
  testing::write_file(d / "elsewhere/7_g.sql", sql);
  fs::create_directory_symlink(d / "elsewhere", d / "db/linked_dir");
  fs::create_symlink(d / "elsewhere/7_g.sql", d / "db/8_link.sql");
  fs::create_symlink(d / "nowhere.sql", d / "db/9_dangling.sql");
  REQUIRE(::mkfifo((d / "db/10_fifo.sql").c_str(), 0600) == 0);

  RealPathMemo memo;
  const std::string db = (d / "db").string();
  std::vector<InputError> errors;
  auto files = discover({db}, "", errors);
  CHECK(paths_of(files) == V{db + "/1_a.SQL", db + "/2_b.sql", db + "/8_link.sql", db + "/dir.sql/4_d.sql",
                             db + "/sub/3_c.sql"});
  CHECK(messages_of(errors) == V{"10_fifo.sql: is a named pipe (FIFO), not a regular file; pipe it to - (stdin) instead",
                                 "9_dangling.sql: dangling symbolic link (its target does not exist)"});
  // The real paths the walk gave the memo are the file system's.
  for (const InputFile& f : files) {
    INFO(f.path);
    CHECK(real_path_string(f.path) == fs::canonical(f.path).string());
  }
}

TEST_CASE("discover: a directory named twice, through a symlink, with a trailing separator or `..`, lists each file once",
          "[sources][paths]") {
  fs::path d = testing::fresh_dir("discovery", "twice");
  testing::write_file(d / "db/1_a.sql", "SELECT 1;\n");
  testing::write_file(d / "db/x/2_b.sql", "SELECT 2;\n");
  fs::create_directory_symlink(d / "db", d / "link");
  fs::create_symlink(d / "db/1_a.sql", d / "db/x/3_same_as_a.sql");  // the same file again, under another name
  for (bool memo_alive : {true, false}) {
    std::optional<RealPathMemo> memo;
    if (memo_alive) memo.emplace();
    const std::string db = (d / "db").string();
    for (const V& args : {V{db, (d / "link").string()}, V{db + "/", (d / "db/x/../../db").string()},
                          V{(d / "link/").string(), db}}) {
      INFO(memo_alive << " " << args[0] << " " << args[1]);
      std::vector<InputError> errors;
      auto files = discover(args, "", errors);
      CHECK(errors.empty());
      REQUIRE(files.size() == 2);  // 3_same_as_a.sql is 1_a.sql
      CHECK(fs::path(files[0].path).filename() == "1_a.sql");
      CHECK(fs::path(files[1].path).filename() == "2_b.sql");
      CHECK(files[0].path.starts_with(args[0]));
    }
  }
}

TEST_CASE("discover: a directory without .sql files, and one that cannot be read, are errors", "[sources][paths]") {
  fs::path d = testing::fresh_dir("discovery", "empty");
  testing::write_file(d / "notes.txt", "no migrations\n");
  std::vector<InputError> errors;
  CHECK(discover({d.string()}, "", errors).empty());
  CHECK(messages_of(errors) == V{"empty: directory contains no .sql files"});
}

TEST_CASE("discover: a walk's listings answer whether a file beside a migration exists, while the memo lives",
          "[sources][paths]") {
  fs::path d = testing::fresh_dir("discovery", "listings");
  testing::write_file(d / "db/1_a/up.sql", "CREATE INDEX CONCURRENTLY i ON t (a);\n");
  testing::write_file(d / "db/1_a/down.sql", "DROP INDEX i;\n");
  testing::write_file(d / "db/1_a/metadata.toml", "run_in_transaction = false\n");
  testing::write_file(d / "db/2_b/up.sql", "CREATE TABLE u (id int);\n");
  testing::write_file(d / "db/2_b/down.sql", "DROP TABLE u;\n");
  testing::write_file(d / "fw/V1__a.sql", "CREATE TABLE t (a int);\n");
  testing::write_file(d / "fw/V1__a.sql.conf", "executeInTransaction=false\n");
  testing::write_file(d / "fw/V2__b.sql", "CREATE TABLE v (a int);\n");
  const std::string db = (d / "db").string(), fw = (d / "fw").string();
  auto transactions = [](const MigrationSet& set) {
    V out;
    for (const Migration& m : set.migrations)
      out.push_back(fs::path(m.up).parent_path().filename().string() + "/" + fs::path(m.up).filename().string() + " " +
                    (m.transaction ? "t" : "n") + (m.down_transaction ? "t" : "n"));
    return out;
  };
  const V dir_pairs{"1_a/up.sql nn", "2_b/up.sql tt"}, flyway{"fw/V1__a.sql nt", "fw/V2__b.sql tt"};
  for (bool memo_alive : {true, false}) {
    INFO("memo " << memo_alive);
    std::optional<RealPathMemo> memo;
    if (memo_alive) memo.emplace();
    std::vector<InputError> errors;
    auto db_files = discover({db}, "", errors);
    auto fw_files = discover({fw}, "", errors);
    REQUIRE(errors.empty());
    CHECK(may_exist(db + "/1_a", "metadata.toml"));
    CHECK(may_exist(db + "/2_b", "metadata.toml") == !memo_alive);  // listed: not there
    CHECK(may_exist(db + "/3_never_listed", "metadata.toml"));
    // The files that exist are read; the ones that do not are not looked for.
    CHECK(transactions(build_migration_set(db_files)) == dir_pairs);
    CHECK(transactions(build_migration_set(fw_files)) == flyway);
  }
  // Without a memo, nothing is remembered.
  CHECK(may_exist(db + "/2_b", "metadata.toml"));
}

TEST_CASE("discover: files named one by one keep their spelling; a symlink or another spelling of a file named is the same file",
          "[sources][paths]") {
  fs::path d = testing::fresh_dir("discovery", "named");
  testing::write_file(d / "db/1_a.sql", "SELECT 1;\n");
  testing::write_file(d / "db/2_b.sql", "SELECT 2;\n");
  fs::create_symlink(d / "db/1_a.sql", d / "db/3_link_to_a.sql");
  fs::create_directory_symlink(d / "db", d / "dblink");
  fs::path old = fs::current_path();
  fs::current_path(d / "db");
  for (bool memo_alive : {true, false}) {
    INFO("memo " << memo_alive);
    std::optional<RealPathMemo> memo;
    if (memo_alive) memo.emplace();
    std::vector<InputError> errors;
    auto files = discover({"3_link_to_a.sql", "1_a.sql", "../db/2_b.sql", (d / "dblink/2_b.sql").string(),
                           "../dblink/../db/1_a.sql", "2_b.sql"},
                          "", errors);
    CHECK(errors.empty());
    CHECK(paths_of(files) == V{"3_link_to_a.sql", "../db/2_b.sql"});
    for (const std::string p : {"1_a.sql", "../db/2_b.sql", "3_link_to_a.sql", "../dblink/../db/1_a.sql"}) {
      INFO(p);
      CHECK(real_path_string(p) == fs::canonical(p).string());
    }
  }
  fs::current_path(old);
}
