// Discovery's directory walk (sources/discovery.h): which entries it lists,
// from the directory listing's types, and the real paths it gives the memo
// (sources/paths.h) without asking the file system again.
#include <sys/stat.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "sources/discovery.h"
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
