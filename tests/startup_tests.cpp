// What a run costs before and around its analysis: the libraries loaded at
// start-up, and path resolution while planning (sources/paths.h).
#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "parser/largest_first.h"
#include "engine/plan.h"
#include "parser/source.h"
#include "sources/paths.h"
#include "support.h"

namespace fs = std::filesystem;

namespace {

// Runs the binary from `dir` with the dynamic loader listing every library it
// loads (LD_DEBUG=libs writes to stderr); stdout and stderr together.
std::string run_listing_libraries(const std::string& args, const fs::path& dir) {
  std::string command = "cd '" + dir.string() + "' && LD_DEBUG=libs " MIGRASAFE_BINARY " " + args + " 2>&1";
  FILE* p = popen(command.c_str(), "r");
  std::string out;
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  pclose(p);
  return out;
}

}  // namespace

TEST_CASE("check does not load libpq: only commands that connect do", "[cli][startup]") {
  fs::path dir = testing::fresh_dir("startup", "libpq");
  testing::write_file(dir / "0001_a.sql", "CREATE TABLE t (id bigint);\n");
  std::string check = run_listing_libraries("check --format json 0001_a.sql", dir);
  REQUIRE(check.find("libc.so") != std::string::npos);  // the loader did list the libraries (libpg_query is linked in)
  CHECK(check.find("\"statement_count\": 1") != std::string::npos);  // and the file was checked
  CHECK(check.find("libpq.so") == std::string::npos);
#ifdef MIGRASAFE_RUNTIME_LINKED_IN
  // The C++ runtime and RE2 are linked in (CMakeLists.txt): the loader binds none of their symbols.
  CHECK(check.find("libstdc++") == std::string::npos);
  CHECK(check.find("libre2") == std::string::npos);
#endif

  // A command that connects loads it then, and reports libpq's own error
  // (a static build has no such command: it says so).
  std::string snapshot =
      run_listing_libraries("snapshot --database 'host=/nonexistent-migrasafe-socket-dir port=1' -o s.json", dir);
  if (snapshot.find("not in this build") != std::string::npos) return;
  CHECK(snapshot.find("libpq.so.5") != std::string::npos);
  CHECK(snapshot.find("cannot connect") != std::string::npos);
  CHECK(snapshot.find("/nonexistent-migrasafe-socket-dir") != std::string::npos);
}

TEST_CASE("real_path gives the same answers with and without its memo", "[paths]") {
  fs::path dir = testing::fresh_dir("startup", "real-path");
  fs::create_directories(dir / "real" / "sub");
  testing::write_file(dir / "real" / "sub" / "m.sql", "SELECT 1;\n");
  fs::create_directory_symlink(dir / "real", dir / "linked");
  fs::create_symlink(dir / "real" / "sub" / "m.sql", dir / "real" / "file-link.sql");
  const std::vector<fs::path> spellings{
      dir / "real" / "sub" / "m.sql",    dir / "linked" / "sub" / "m.sql", dir / "real" / "file-link.sql",
      dir / "linked" / "file-link.sql",  dir / "linked" / "sub" / ".." / "sub" / "m.sql",
      dir / "linked" / "missing" / "x.sql", dir / "real" / "sub" / "", dir / "linked", fs::path("/"), fs::path(""),
      fs::path("relative-missing.sql"), fs::path(dir.string() + "//linked///sub/m.sql"), dir / "linked" / "." / "sub",
      dir / "dangling.sql", dir / "real" / "sub" / "m.sql" / "..", fs::path("."), fs::path("./x/../y.sql"),
      fs::path("..")};
  fs::create_symlink(dir / "nowhere.sql", dir / "dangling.sql");
  std::vector<fs::path> without;
  for (const fs::path& p : spellings) without.push_back(migrasafe::real_path(p));
  CHECK(without[0] == without[1]);  // the symlinked directory resolved
  CHECK(without[0] == without[2]);  // the symlinked file resolved
  CHECK(without[0] == without[3]);
  CHECK(without[0] == without[4]);
  {
    migrasafe::RealPathMemo memo;
    for (int pass = 0; pass < 2; ++pass)  // the second pass answers from the memo
      for (std::size_t i = 0; i < spellings.size(); ++i) {
        INFO(spellings[i].string());
        CHECK(migrasafe::real_path(spellings[i]) == without[i]);
        CHECK(migrasafe::real_path_string(spellings[i].string()) == without[i].native());
        CHECK(migrasafe::real_directory_of(spellings[i].string()) ==
              migrasafe::real_path(migrasafe::directory_of(spellings[i])).native());
      }
  }
  CHECK(without[0] == without[11]);  // "//" and "///" are one separator
  CHECK(without[15] == fs::canonical(fs::current_path()));
  // The memo ends with its scope: a symlink changed since is seen.
  fs::remove(dir / "linked");
  fs::create_directory_symlink(dir / "real" / "sub", dir / "linked");
  CHECK(migrasafe::real_path(dir / "linked" / "m.sql") == without[0]);
}

TEST_CASE("path_is_under decides as lexically_relative does", "[paths]") {
  auto by_lexically_relative = [](const fs::path& path, const fs::path& dir) {
    fs::path rel = path.lexically_relative(dir);
    return !rel.empty() && *rel.begin() != "..";
  };
  const std::vector<std::string> spellings{
      "/", "/a", "/a/", "/a/b", "/a/b/", "/a/bc", "/a/b/c.sql", "/ab/c", "/a//b", "/a/./b", "/a/../a/b", "/a/b/..",
      "/a/b/.", "a", "a/b", "./a", "", "//a", "/a/b//", "/b"};
  for (const std::string& path : spellings)
    for (const std::string& dir : spellings) {
      INFO(path << " under " << dir);
      CHECK(migrasafe::path_is_under(path, dir) == by_lexically_relative(path, dir));
      CHECK(migrasafe::is_under(path, dir) == by_lexically_relative(path, dir));
    }
}

TEST_CASE("find_invalid_utf8 finds the first bad byte wherever it falls in its block of eight", "[paths]") {
  // The answer of a byte-by-byte reading (the definition before the ASCII blocks were skipped).
  auto one_by_one = [](std::string_view s) {
    for (std::size_t i = 0; i < s.size();) {
      unsigned char c = static_cast<unsigned char>(s[i]);
      std::size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
      if (len == 0 || i + len > s.size()) return i;
      for (std::size_t k = 1; k < len; ++k)
        if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return i;
      i += len;
    }
    return std::string_view::npos;
  };
  const std::vector<std::string> pieces{"\xff", "\xc3\xa9", "\xe6\xb3\xa8", "\xf0\x9f\x98\x80", "\xc3", "\xe6\xb3",
                                        "\x80", "\xc3(", "\xf0\x9f\x98"};
  for (std::size_t length = 0; length < 20; ++length)
    for (std::size_t at = 0; at <= length; ++at)
      for (const std::string& piece : pieces) {
        std::string text(length, 'a');
        text.insert(at, piece);
        INFO(length << " " << at << " " << piece.size());
        CHECK(migrasafe::find_invalid_utf8(text) == one_by_one(text));
        CHECK(migrasafe::find_invalid_utf8(text + text) == one_by_one(text + text));
      }
  CHECK(migrasafe::find_invalid_utf8(std::string(1000, 'x')) == std::string_view::npos);
  CHECK(migrasafe::find_invalid_utf8(std::string(1000, 'x') + "\xff") == 1000);
}

TEST_CASE("largest_first: the indexes by size, largest first, ties in index order", "[plan]") {
  const std::vector<std::size_t> sizes = {3, 9, 3, 0, 9, 5};
  auto size_of = [&](std::size_t k) { return sizes[k]; };
  CHECK(migrasafe::largest_first(sizes.size(), size_of) == std::vector<std::size_t>{1, 4, 5, 0, 2, 3});
  CHECK(migrasafe::largest_first(0, size_of).empty());
}
