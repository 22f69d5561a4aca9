// Paths as users type them: bare names, ./, ../, absolute, symlinks, spaces,
// globs, one directory named twice, stdin buffers, files that are not files.
// The [cli] tests run the real binary.
#include <sys/stat.h>

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <re2/re2.h>

#include "sources/glob.h"
#include "support.h"

using testing::run_cli;
namespace fs = std::filesystem;
using V = std::vector<std::string>;

namespace {

fs::path fresh(const std::string& name) { return testing::fresh_dir("paths", name); }
void write(const fs::path& p, const std::string& s) { testing::write_file(p, s); }

// The reported files of a JSON report, in order.
V files_of(const testing::Run& r) {
  V out;
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  if (j.is_discarded()) return {"<not JSON: " + r.out + ">"};
  for (const auto& f : j["files"]) out.push_back(f["path"]);
  return out;
}

// "path rule" for every finding of a JSON report.
V findings_of(const testing::Run& r) {
  V out;
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  if (j.is_discarded()) return {"<not JSON: " + r.out + ">"};
  for (const auto& f : j["files"])
    for (const auto& x : f["findings"]) out.push_back(f["path"].get<std::string>() + " " + x["rule"].get<std::string>());
  return out;
}


std::string quoted(const fs::path& p) { return "'" + p.string() + "'"; }

const std::string kCreate = "CREATE TABLE t (id bigint);\n";
const std::string kDrop = "DROP TABLE t;\n";

}  // namespace

TEST_CASE("paths: a bare file name works in every layout", "[cli][paths]") {
  fs::path d = fresh("layouts");
  write(d / "gm/0001_a.up.sql", kCreate);
  write(d / "gm/0001_a.down.sql", kDrop);
  write(d / "fw/V1__b.sql", kCreate);
  write(d / "dbmate/20240101_a.sql", "-- migrate:up\n" + kCreate + "-- migrate:down\n" + kDrop);
  write(d / "pairs/0001_a/up.sql", kCreate);
  write(d / "pairs/0001_a/down.sql", kDrop);
  write(d / "prisma/20240101_a/migration.sql", kCreate);

  struct Case {
    std::string dir, arg, layout;
  };
  for (const Case& c : {Case{"gm", "0001_a.up.sql", "golang-migrate"}, Case{"fw", "V1__b.sql", "flyway"},
                        Case{"dbmate", "20240101_a.sql", "dbmate"}, Case{"pairs/0001_a", "up.sql", "dir-pairs"},
                        Case{"pairs/0001_a", "./up.sql", "dir-pairs"},
                        Case{"prisma/20240101_a", "migration.sql", "prisma"}}) {
    INFO(c.dir << ": " << c.arg);
    auto r = run_cli("check --format json " + c.arg + " 2>&1", (d / c.dir).string());
    CHECK(r.exit_code != 2);
    CHECK(r.out.find("internal error") == std::string::npos);
    CHECK(files_of(r) == V{c.arg});
    auto set = nlohmann::json::parse(run_cli("sources --format json " + c.arg, (d / c.dir).string()).out);
    CHECK(set["layout"] == c.layout);
  }
  // The up script in a dir-pairs folder still finds its down script.
  auto pair = nlohmann::json::parse(run_cli("sources --format json up.sql", (d / "pairs/0001_a").string()).out);
  CHECK(pair["migrations"][0]["down"] == "../0001_a/down.sql");

  // Shell-expanded and our own globs, and `.` in a dir-pairs folder.
  CHECK(files_of(run_cli("check --format json *.sql", (d / "gm").string())) == V{"0001_a.down.sql", "0001_a.up.sql"});
  CHECK(files_of(run_cli("check --format json '*.sql'", (d / "gm").string())) == V{"0001_a.down.sql", "0001_a.up.sql"});
  auto dot = run_cli("check --format json .", (d / "pairs/0001_a").string());
  CHECK(files_of(dot) == V{"./down.sql", "./up.sql"});
  CHECK(nlohmann::json::parse(run_cli("sources --format json .", (d / "pairs/0001_a").string()).out)["layout"] ==
        "dir-pairs");

  // `migrations` in the configuration, relative to its directory.
  write(d / "gm/.migrasafe.toml", "migrations = [\"./0001_a.up.sql\"]\n");
  auto config_file = run_cli("check --format json 2>&1", (d / "gm").string());
  CHECK(config_file.exit_code == 0);
  CHECK(files_of(config_file) == V{"0001_a.up.sql"});
  write(d / "gm/.migrasafe.toml", "migrations = [\"*.sql\"]\n");
  CHECK(files_of(run_cli("check --format json 2>&1", (d / "gm").string())) == V{"0001_a.down.sql", "0001_a.up.sql"});
}

TEST_CASE("paths: ./, ../, absolute, symlinked, spaces and non-ASCII names", "[cli][paths]") {
  fs::path d = fresh("forms");
  fs::path odd = d / "with space/mïgrations";
  write(d / "gm/0001_a.up.sql", "ALTER TABLE t DROP COLUMN c;\n");
  write(odd / "0001_ä b.up.sql", "ALTER TABLE t DROP COLUMN c;\n");
  fs::create_directories(d / "other");
  fs::create_directory_symlink(d / "gm", d / "link");

  struct Case {
    std::string from, arg, shown;
  };
  for (const Case& c : {Case{"gm", "./0001_a.up.sql", "./0001_a.up.sql"},
                        Case{"other", "../gm/0001_a.up.sql", "../gm/0001_a.up.sql"},
                        Case{"other", quoted(d / "gm/0001_a.up.sql"), (d / "gm/0001_a.up.sql").string()},
                        Case{".", "link/0001_a.up.sql", "link/0001_a.up.sql"},
                        Case{".", "link", "link/0001_a.up.sql"},
                        Case{"with space/mïgrations", "'0001_ä b.up.sql'", "0001_ä b.up.sql"},
                        Case{".", "'with space/mïgrations'", "with space/mïgrations/0001_ä b.up.sql"},
                        Case{"other", "'../with space/mïgrations/0001_ä b.up.sql'", "../with space/mïgrations/0001_ä b.up.sql"}}) {
    INFO(c.from << ": " << c.arg);
    auto r = run_cli("check --format json --select drop-column " + c.arg + " 2>&1", (d / c.from).string());
    CHECK(r.exit_code == 1);
    CHECK(findings_of(r) == V{c.shown + " drop-column"});
  }
}

TEST_CASE("paths: one directory named twice is analysed once, under its first spelling", "[cli][paths]") {
  fs::path d = fresh("twice");
  write(d / "db/0001_a.up.sql", kCreate);
  write(d / "db/0002_b.up.sql", "CREATE TABLE u (id bigint);\n");
  fs::create_directory_symlink(d / "db", d / "link");
  for (std::string args : {"db \"$PWD/db\"", "db link", "db ./db/ db/0001_a.up.sql", "db/*.sql db"}) {
    INFO(args);
    auto r = run_cli("check --format json --select duplicate-version " + args, d.string());
    CHECK(r.exit_code == 0);
    CHECK(files_of(r) == V{"db/0001_a.up.sql", "db/0002_b.up.sql"});
    CHECK(findings_of(r).empty());
  }
  // Its migrasafe.sum is checked once too.
  REQUIRE(run_cli("lock db 2>&1", d.string()).exit_code == 0);
  write(d / "db/0003_c.up.sql", kCreate);
  fs::remove(d / "db/0001_a.up.sql");
  auto sum = run_cli("check --format json --select unlocked-migration,vanished-migration db \"$PWD/db\" link", d.string());
  CHECK(findings_of(sum) == V{"db/0003_c.up.sql unlocked-migration", "db/migrasafe.sum vanished-migration"});
}

TEST_CASE("--stdin-filename: the buffer replaces the file of that name on disk", "[cli][paths]") {
  fs::path d = fresh("stdin");
  write(d / "st/0001_a.up.sql", kCreate);
  write(d / "st/0002_b.up.sql", "DROP TABLE u;\n");  // on disk; the editor's buffer differs
  std::string buffer = " - st <<< 'ALTER TABLE t ADD COLUMN c text;'";
  for (const std::string& name : {std::string("st/0002_b.up.sql"), (d / "st/0002_b.up.sql").string()}) {
    INFO(name);
    auto r = run_cli("check --format json --select drop-table,duplicate-version,add-column-volatile-default "
                     "--stdin-filename '" + name + "'" + buffer, d.string());
    CHECK(r.exit_code == 0);  // neither the file on disk (drop-table) nor a duplicate of it is analysed
    CHECK(files_of(r) == V{"st/0001_a.up.sql", name});
    CHECK(findings_of(r).empty());
  }
  // Judged in the set: the buffer comes after 0001 in the replay, so it sees `t`
  // (a table created by an earlier migration: dropping its column is an error).
  auto r = run_cli("check --format json --select drop-column --stdin-filename st/0002_b.up.sql - st <<< "
                   "'ALTER TABLE t DROP COLUMN id;'", d.string());
  CHECK(findings_of(r) == V{"st/0002_b.up.sql drop-column"});
  // A dbmate buffer is split into its sections from its own text: dbmate runs the up
  // section in a transaction, where CREATE INDEX CONCURRENTLY fails.
  write(d / "dbmate/20240101_a.sql", "-- migrate:up\nCREATE TABLE t (id bigint, a int);\n-- migrate:down\nDROP TABLE t;\n");
  write(d / "dbmate/20240102_b.sql", "-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 1;\n");
  auto dbmate = run_cli("check --format json --select forbidden-in-transaction,drop-table --stdin-filename "
                        "dbmate/20240102_b.sql - dbmate <<< $'-- migrate:up\\nCREATE INDEX CONCURRENTLY i ON t (a);\\n"
                        "-- migrate:down\\nDROP INDEX i;'", d.string());
  CHECK(files_of(dbmate) == V{"dbmate/20240101_a.sql", "dbmate/20240102_b.sql"});
  CHECK(findings_of(dbmate) == V{"dbmate/20240102_b.sql forbidden-in-transaction"});
  // A new file the disk does not have yet is simply added.
  auto added = run_cli("check --format json --select drop-table --stdin-filename st/0003_c.up.sql" + buffer, d.string());
  CHECK(files_of(added) == V{"st/0003_c.up.sql", "st/0001_a.up.sql", "st/0002_b.up.sql"});
}

TEST_CASE("globs: one syntax on the command line and in the configuration", "[cli][paths]") {
  fs::path d = fresh("globs");
  write(d / "gl/0001_a/up.sql", kCreate);
  write(d / "gl/x/y/up.sql", kCreate);
  write(d / "gl/0001_setup.sql", kCreate);
  write(d / "docs/0001_a.sql", kCreate);
  write(d / "docs/README.md", "# not SQL\n");
  write(d / "docs/sub/0002_b.sql", kCreate);

  struct Case {
    std::string glob;
    V files;
  };
  for (const Case& c : {Case{"gl/**/up.sql", {"gl/0001_a/up.sql", "gl/x/y/up.sql"}},
                        Case{"gl/*/up.sql", {"gl/0001_a/up.sql"}},
                        Case{"gl/{0001_a,x/y}/up.sql", {"gl/0001_a/up.sql", "gl/x/y/up.sql"}},
                        Case{"gl/0001_[a-s]*.sql", {"gl/0001_setup.sql"}},
                        Case{"**/0001_?.sql", {"docs/0001_a.sql"}},
                        Case{"docs/**", {"docs/0001_a.sql", "docs/sub/0002_b.sql"}},  // not README.md
                        Case{"./docs/*", {"./docs/0001_a.sql", "./docs/README.md", "./docs/sub/0002_b.sql"}}}) {
    INFO(c.glob);
    auto cli = run_cli("check --format json --select drop-table '" + c.glob + "'", d.string());
    CHECK(files_of(cli) == c.files);
    write(d / ".migrasafe.toml", "migrations = [\"" + c.glob + "\"]\n[rules]\nselect = [\"drop-table\"]\n");
    V from_config = c.files;  // `migrations` are shown relative to the working directory, without "./"
    for (std::string& f : from_config)
      if (f.starts_with("./")) f.erase(0, 2);
    CHECK(files_of(run_cli("check --format json", d.string())) == from_config);
    fs::remove(d / ".migrasafe.toml");
  }
  auto bad = run_cli("check 'gl/[a-' 2>&1", d.string());
  CHECK(bad.exit_code == 3);
  CHECK_THAT(bad.out, Catch::Contains("gl/[a-") && Catch::Contains("invalid glob"));
}

TEST_CASE("config: invalid globs are errors; a directory pattern covers what is under it", "[cli][paths][config]") {
  fs::path d = fresh("config-globs");
  write(d / "d/1.sql", "ALTER TABLE t DROP COLUMN c;\n");
  for (std::string glob : {"[a-", "{a,b", "", "d/[z-a].sql"}) {
    INFO(glob);
    write(d / ".migrasafe.toml", "migrations = [\"" + glob + "\"]\n");
    auto m = run_cli("check 2>&1", d.string());
    CHECK(m.exit_code == 2);
    CHECK_THAT(m.out, Catch::Contains(".migrasafe.toml:1:") && Catch::Contains("\"migrations\""));
    write(d / ".migrasafe.toml", "[[overrides]]\npaths = [\"d\", \"" + glob + "\"]\nignore = [\"drop-column\"]\n");
    auto o = run_cli("check d 2>&1", d.string());
    CHECK(o.exit_code == 2);
    CHECK_THAT(o.out, Catch::Contains(".migrasafe.toml:2:") && Catch::Contains("\"paths\" in [[overrides]]"));
  }
  for (std::string dir : {".", "./", "d", "d/", "./d/", "d/**"}) {
    INFO(dir);
    write(d / ".migrasafe.toml", "[rules]\nselect = [\"drop-column\"]\n[[overrides]]\npaths = [\"" + dir +
                                     "\"]\nignore = [\"drop-column\"]\n");
    auto r = run_cli("check --format json d", d.string());
    CHECK(r.exit_code == 0);
    CHECK(findings_of(r).empty());
  }
}

TEST_CASE("paths: FIFOs, devices and symlink loops are refused by name; the rest is analysed", "[cli][paths]") {
  fs::path d = fresh("special");
  write(d / "ok.sql", "DROP TABLE t;\n");
  REQUIRE(::mkfifo((d / "fifo.sql").c_str(), 0600) == 0);
  // `timeout` (exit 124): a regression would hang on the FIFO or fill memory from /dev/zero.
  auto guarded = [&](const std::string& args) {
    return run_cli("--version >/dev/null; timeout 20 " MIGRASAFE_BINARY " " + args, d.string());
  };
  auto fifo = guarded("check --format json --select drop-table fifo.sql ok.sql 2>/dev/null");
  CHECK(fifo.exit_code == 3);
  CHECK(findings_of(fifo) == V{"ok.sql drop-table"});
  auto fifo_text = guarded("check fifo.sql 2>&1");
  CHECK(fifo_text.exit_code == 3);
  CHECK_THAT(fifo_text.out, Catch::Contains("fifo.sql") && Catch::Contains("FIFO"));

  auto zero = guarded("check /dev/zero 2>&1");
  CHECK(zero.exit_code == 3);
  CHECK_THAT(zero.out, Catch::Contains("/dev/zero") && Catch::Contains("device"));
  auto schema = guarded("check --schema /dev/zero ok.sql 2>&1");
  CHECK(schema.exit_code == 3);
  CHECK_THAT(schema.out, Catch::Contains("/dev/zero") && Catch::Contains("device"));
  // --schema reads its file once, so process substitution (a pipe) still works there.
  CHECK(guarded("check --select drop-table --schema <(echo 'CREATE TABLE t (id int);') ok.sql").exit_code == 1);
  // Standard input still works; an endless binary one stops at its first NUL.
  auto zero_stdin = guarded("check - < /dev/zero 2>&1");
  CHECK(zero_stdin.exit_code == 3);
  CHECK_THAT(zero_stdin.out, Catch::Contains("line 1") && Catch::Contains("NUL"));
  CHECK(guarded("check - < ok.sql").exit_code == 1);

  fs::create_symlink("loop2", d / "loop1");
  fs::create_symlink("loop1", d / "loop2");
  fs::create_symlink("nowhere.sql", d / "dangling.sql");
  auto loop = run_cli("check loop1 ok.sql 2>&1", d.string());
  CHECK(loop.exit_code == 3);
  CHECK_THAT(loop.out, Catch::Contains("loop1") && Catch::Contains("symbolic link loop") && Catch::Contains("drop-table"));
  CHECK(loop.out.find("no such file") == std::string::npos);
  // In a directory, such entries are reported too, not skipped.
  auto dir = run_cli("check . 2>&1", d.string());
  CHECK(dir.exit_code == 3);
  CHECK_THAT(dir.out, Catch::Contains("fifo.sql") && Catch::Contains("dangling.sql") && Catch::Contains("drop-table"));
}

TEST_CASE("globs: the translation and its errors", "[paths]") {
  auto full = [](const std::string& glob, const std::string& path) {
    return RE2::FullMatch(path, RE2(migrasafe::glob_to_regex(glob)));
  };
  CHECK(full("db/**/up.sql", "db/up.sql"));
  CHECK(full("db/**/up.sql", "db/a/b/up.sql"));
  CHECK_FALSE(full("db/**/up.sql", "db/0001_setup.sql"));
  CHECK(full("db/**.sql", "db/a.sql"));
  CHECK_FALSE(full("db/**.sql", "db/x/a.sql"));  // not a whole segment: the same as *
  CHECK(full("**", "a/b/c.sql"));
  CHECK(full("db/{a,b/*}.sql", "db/b/x.sql"));
  CHECK(full("db/[]a].sql", "db/].sql"));
  CHECK_FALSE(full("db/[!a].sql", "db//.sql"));
  CHECK(full("db/\\*.sql", "db/*.sql"));
  CHECK_FALSE(full("db/\\*.sql", "db/a.sql"));
  CHECK_FALSE(migrasafe::glob_error("db/{a,{b,c}}/[a-z]?.sql"));
  CHECK(migrasafe::glob_error("").value_or("") == "empty pattern");
  CHECK_THAT(migrasafe::glob_error("[a-").value_or(""), Catch::Contains("not closed"));
  CHECK_THAT(migrasafe::glob_error("{a,b").value_or(""), Catch::Contains("not closed"));
  CHECK_THAT(migrasafe::glob_error("a\\").value_or(""), Catch::Contains("\\"));
  CHECK(migrasafe::glob_error("[z-a]").has_value());
}
