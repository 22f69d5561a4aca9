// The CI and review formats (github, gcc, gitlab, markdown, junit): crafted
// input cannot inject commands, markup or control characters, and GitLab
// fingerprints are stable. Byte-exact output is covered by golden_tests.cpp.
#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <random>
#include <sstream>

#include <nlohmann/json.hpp>

#include "parser/sha256.h"
#include "reporters/json_writer.h"
#include "reporters/reporters.h"
#include "support.h"

namespace fs = std::filesystem;
using namespace migrasafe;

namespace {

// SQL whose comments, identifiers and strings try to break out of every format.
const std::string kEvil =
    "-- ::error::from a comment %0A::warning::x \x1b[31m\n"
    "ALTER TABLE \"t%0A::error::x\" DROP COLUMN \"a\n::error file=x::pwned\n\x1b[31mred\x07\r\n::notice::cr\";\n"
    "ALTER TABLE orders /* ::error::c <script>alert(1)</script> | ` */ DROP COLUMN \"<script>alert(1)</script>|`x`\";\n"
    "DELETE FROM \"x\r::error::cr\x1b]0;title\x07\x01\x7f\";\n"
    "SELEC \"::warning::\x1b[31m\";\n"
    "CREATE INDEX \"i\xc2\x9b" "2J\xe2\x80\xae\" ON \"t\" (c);\n";

// A path with the characters GitHub property values must escape.
const std::string kEvilPath = "db/evil,name:x\n::error::p.sql";

RunResult evil_run() {
  RunResult run;
  run.files.push_back(testing::lint_text(kEvil, {}, kEvilPath));
  return run;
}

std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string line;
  while (std::getline(ss, line)) out.push_back(line);
  return out;
}

bool has_raw_control(const std::string& s, bool allow_line_breaks) {
  for (unsigned char c : s) {
    if (c == '\t' || (allow_line_breaks && c == '\n')) continue;
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

template <class F>
std::string render(F&& write) {
  std::ostringstream out;
  write(out);
  return out.str();
}

}  // namespace

TEST_CASE("the evil input produces findings that quote the crafted identifiers", "[formats]") {
  RunResult run = evil_run();
  const FileResult& f = run.files[0];
  REQUIRE(f.diagnostics.size() >= 5);
  bool quoted = false;
  for (const Diagnostic& d : f.diagnostics) quoted |= d.message.find("::error file=x::pwned") != std::string::npos;
  CHECK(quoted);  // otherwise the tests below would prove nothing
}

TEST_CASE("github: only genuine workflow commands, no raw ESC or line breaks from the input", "[formats]") {
  std::string out = render([&](std::ostream& o) { write_github(o, evil_run()); });
  auto lines = lines_of(out);
  CHECK(lines.size() == evil_run().files[0].diagnostics.size());
  for (const std::string& line : lines) {
    INFO(line);
    bool genuine = line.rfind("::error file=", 0) == 0 || line.rfind("::warning file=", 0) == 0 ||
                   line.rfind("::notice file=", 0) == 0;
    CHECK(genuine);
    // The path's ',' ':' and newline are escaped in the property value.
    CHECK(line.find("file=db/evil%2Cname%3Ax%0A%3A%3Aerror%3A%3Ap.sql,") != std::string::npos);
    CHECK(line.find('\r') == std::string::npos);
    // The command is `::cmd props::data`: the props end at the first "::" after the start.
    std::size_t data = line.find("::", 2);
    REQUIRE(data != std::string::npos);
    CHECK(line.substr(2, data - 2).find("title=MS") != std::string::npos);
  }
  CHECK(out.find('\x1b') == std::string::npos);
  CHECK_FALSE(has_raw_control(out, true));
  CHECK(out.find("%0A::error file=x::pwned%0A\\x1b[31mred\\x07%0D%0A::notice::cr") != std::string::npos);
  CHECK(out.find("`t%250A::error::x`") != std::string::npos);  // a literal %0A cannot decode to a newline
  CHECK(out.find("\xc2\x9b") == std::string::npos);            // 8-bit CSI
  CHECK(out.find("\xe2\x80\xae") == std::string::npos);        // right-to-left override
}

TEST_CASE("github: help follows the message after an escaped newline; notes are notices", "[formats]") {
  RunResult run;
  run.files.push_back(testing::lint_text("\\set x 1\nSET lock_timeout = '1s';\nALTER TABLE t DROP COLUMN a;\n"));
  std::string out = render([&](std::ostream& o) { write_github(o, run); });
  auto lines = lines_of(out);
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].rfind("::notice file=test.sql,line=1,col=1,endLine=1,endColumn=8,title=MS002 skipped-content::", 0) == 0);
  CHECK(lines[1].rfind("::error file=test.sql,line=3,col=15,endLine=3,endColumn=27,title=MS401 drop-column::DROP COLUMN `a`", 0) == 0);
  CHECK(lines[1].find("%0AContract in steps") != std::string::npos);
}

TEST_CASE("gcc: exactly one line per finding, no control characters", "[formats]") {
  RunResult run = evil_run();
  std::string out = render([&](std::ostream& o) { write_gcc(o, run); });
  auto lines = lines_of(out);
  CHECK(lines.size() == run.files[0].diagnostics.size());
  CHECK_FALSE(has_raw_control(out, true));
  for (const std::string& line : lines) {
    INFO(line);
    CHECK(line.rfind("db/evil,name:x\\x0a::error::p.sql:", 0) == 0);
    CHECK(line.back() == ']');
  }
  CHECK(out.find("DROP COLUMN `a\\x0a::error file=x::pwned\\x0a\\x1b[31mred\\x07\\x0d\\x0a::notice::cr`") !=
        std::string::npos);
}

TEST_CASE("gitlab: valid JSON, no raw control characters, Code Quality fields", "[formats]") {
  RunResult run = evil_run();
  std::string out = render([&](std::ostream& o) { write_gitlab(o, run, Severity::Warning); });
  CHECK_FALSE(has_raw_control(out, true));
  nlohmann::json doc = nlohmann::json::parse(out);
  REQUIRE(doc.is_array());
  CHECK(doc.size() == run.files[0].diagnostics.size());
  for (const auto& issue : doc) {
    CHECK(issue["description"].is_string());
    CHECK(issue["check_name"].is_string());
    CHECK(issue["fingerprint"].get<std::string>().size() == 64);
    std::string sev = issue["severity"];
    CHECK((sev == "critical" || sev == "major" || sev == "info"));
    CHECK(issue["location"]["path"] == kEvilPath);  // exact, so GitLab can match it to the repository
    CHECK(issue["location"]["lines"]["begin"].get<int>() >= 1);
    CHECK(issue["location"]["lines"]["end"].get<int>() >= issue["location"]["lines"]["begin"].get<int>());
    CHECK(issue["description"].get<std::string>().find('\x1b') == std::string::npos);
  }
}

TEST_CASE("markdown: no HTML, code spans or table breaks from the input", "[formats]") {
  RunResult run = evil_run();
  std::string out = render([&](std::ostream& o) { write_markdown(o, run); });
  CHECK(out.find("<script") == std::string::npos);
  CHECK(out.find("&lt;script&gt;") != std::string::npos);
  CHECK_FALSE(has_raw_control(out, true));
  CHECK(out.find("\xc2\x9b") == std::string::npos);
  // Every line is one the reporter wrote: a heading, table row, list item, help line, locks line or blank.
  for (const std::string& line : lines_of(out)) {
    INFO(line);
    bool ours = line.empty() || line.rfind("## ", 0) == 0 || line.rfind("### <code>", 0) == 0 ||
                line.rfind("#### Line ", 0) == 0 || line.rfind("| ", 0) == 0 || line.rfind("|---", 0) == 0 ||
                line.rfind("- **", 0) == 0 || line.rfind("  <br>**Help:** ", 0) == 0 ||
                line.rfind("Locks: ", 0) == 0 || line.rfind("**", 0) == 0 || line.rfind("No findings", 0) == 0;
    CHECK(ours);
    // Backticks and pipes from the input are escaped; only the reporter's own `MSnnn` / `Lock` spans remain.
    std::size_t unescaped_ticks = 0;
    for (std::size_t i = 0; i < line.size(); ++i)
      if (line[i] == '`' && (i == 0 || line[i - 1] != '\\')) ++unescaped_ticks;
    CHECK(unescaped_ticks % 2 == 0);
  }
  // The summary table has exactly its five columns.
  CHECK(out.find("| Files | Statements | Errors | Warnings | Notes |\n|---:|---:|---:|---:|---:|\n| 1 | ") !=
        std::string::npos);
}

TEST_CASE("markdown: statements with locks and rewrite/scan, findings with help", "[formats]") {
  RunResult run;
  run.files.push_back(testing::lint_text("SET lock_timeout = '1s';\nALTER TABLE t DROP COLUMN a;\n"));
  std::string out = render([&](std::ostream& o) { write_markdown(o, run); });
  CHECK(out.find("**1 error, 0 warnings, 0 notes** in 1 file.") != std::string::npos);
  CHECK(out.find("### <code>test.sql</code>") != std::string::npos);
  CHECK(out.find("#### Line 2: <code>ALTER TABLE t DROP COLUMN a</code>") != std::string::npos);
  CHECK(out.find("Locks: `AccessExclusiveLock` on <code>public.t</code> (held until the end of the statement) · "
                 "rewrite: no · scan: no") != std::string::npos);
  CHECK(out.find("- **error** `MS401` [drop-column](") != std::string::npos);
  CHECK(out.find("  <br>**Help:** Contract in steps") != std::string::npos);
}

TEST_CASE("junit: well-formed text, no raw control characters, failures follow --fail-on", "[formats]") {
  RunResult run = evil_run();
  std::string out = render([&](std::ostream& o) { write_junit(o, run, Severity::Warning); });
  CHECK_FALSE(has_raw_control(out, true));
  CHECK(out.find("<script") == std::string::npos);
  CHECK(out.find("<testcase classname=\"migrasafe\" name=\"db/evil,name:x&#10;::error::p.sql\"") != std::string::npos);
  CHECK(out.find("<failure message=\"") != std::string::npos);
  // Every '<' starts one of the reporter's own tags.
  for (std::size_t i = out.find('<'); i != std::string::npos; i = out.find('<', i + 1)) {
    std::string tag = out.substr(i, 12);
    INFO(tag);
    bool ours = false;
    for (const char* t : {"<?xml", "<testsuites", "<testsuite ", "<testcase ", "<failure ", "<system-out>", "<error ",
                          "</testsuites", "</testsuite>", "</testcase>", "</failure>", "</system-out>", "</error>"})
      ours |= tag.rfind(t, 0) == 0;
    CHECK(ours);
  }

  RunResult notes;
  notes.files.push_back(testing::lint_text("\\set x 1\nSELECT 1;\n"));
  std::string warn = render([&](std::ostream& o) { write_junit(o, notes, Severity::Warning); });
  CHECK(warn.find("failures=\"0\"") != std::string::npos);
  CHECK(warn.find("<failure") == std::string::npos);
  CHECK(warn.find("<system-out>test.sql:1:1: note [MS002 skipped-content]") != std::string::npos);
  std::string note = render([&](std::ostream& o) { write_junit(o, notes, Severity::Note); });
  CHECK(note.find("<failure message=\"1 finding at or above note: 1 note\" type=\"note\">") != std::string::npos);
  std::string never = render([&](std::ostream& o) { write_junit(o, run, std::nullopt); });
  CHECK(never.find("<failure") == std::string::npos);
}

TEST_CASE("sha256_hex matches FIPS 180-4 test vectors", "[formats]") {
  CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  CHECK(sha256_hex(std::string(1000000, 'a')) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("visible_controls escapes C0, DEL, C1, bidi overrides and invalid UTF-8", "[formats]") {
  CHECK(visible_controls("a\x1b[31mb\x7f") == "a\\x1b[31mb\\x7f");
  CHECK(visible_controls("l1\nl2\r\tx") == "l1\\x0al2\\x0d\tx");
  CHECK(visible_controls("l1\nl2\r", true) == "l1\nl2\r");
  CHECK(visible_controls("\xc2\x9b" "2J") == "\\x9b2J");
  CHECK(visible_controls("x\xe2\x80\xaey") == "x\\u{202e}y");
  CHECK(visible_controls("\xff\xc3") == "\\xff\\xc3");
  CHECK(visible_controls("größe 注文 😀") == "größe 注文 😀");
}

TEST_CASE("visible_controls copies runs of printable ASCII whole and shows every other character as shown_char does",
          "[formats]") {
  // Each byte value at the start, in the middle and at the end of a run,
  // against the character-by-character definition.
  for (int b = 0; b < 256; ++b) {
    const std::string c(1, static_cast<char>(b));
    for (const std::string& s : {c + "abc", "ab" + c + "cd", "abc" + c, c + "\xe2\x80\xae" + c, "x\xc3\xa9" + c + "y"}) {
      std::string one_by_one;
      for (std::size_t i = 0; i < s.size();) {
        ShownChar shown = shown_char(s, i);
        one_by_one += shown.text;
        i += shown.length;
      }
      INFO(b);
      CHECK(visible_controls(s) == one_by_one);
    }
  }
}

TEST_CASE("valid_utf8 replaces each ill-formed subpart with U+FFFD, as nlohmann's replace handler does", "[formats]") {
  const std::string fffd = "\xEF\xBF\xBD";
  CHECK(valid_utf8("größe 注文 😀") == "größe 注文 😀");
  CHECK(valid_utf8("a\xff" "b") == "a" + fffd + "b");
  CHECK(valid_utf8("\xe2\x82" "A") == fffd + "A");            // truncated sequence: one replacement
  CHECK(valid_utf8("\xed\xa0\x80") == fffd + fffd + fffd);    // a surrogate is not UTF-8
  CHECK(valid_utf8("\xc0\xaf") == fffd + fffd);                // overlong
  CHECK(valid_utf8("x\xf0\x9f\x98") == "x" + fffd);           // emoji cut short at the end
  // SARIF and GitLab serialise through nlohmann::json with the replace handler: same text.
  for (std::string s : {"a\xff" "b", "\xe2\x82" "A", "\xed\xa0\x80", "\xc0\xaf", "x\xf0\x9f\x98", "\xf4\x90\x80\x80"}) {
    INFO(s);
    CHECK(nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) ==
          nlohmann::json(valid_utf8(s)).dump());
  }
}

TEST_CASE("a file name that is not UTF-8: every format stays valid UTF-8, JSON formats parse", "[formats][cli]") {
  fs::path d = fs::temp_directory_path() / ("migrasafe-utf8-" + std::to_string(::getpid()));
  fs::create_directories(d);
  std::ofstream(d / "bad\xffname.sql") << "CREATE INDEX i ON t (a);\nx;\n";
  const std::string fffd = "\xEF\xBF\xBD";
  auto run = [&](const std::string& args) {
    auto r = testing::run_cli(args, d.string());
    INFO(args << "\n" << r.out);
    CHECK((r.exit_code == 0 || r.exit_code == 1));
    CHECK(valid_utf8(r.out) == r.out);
    return r.out;
  };
  for (std::string args : {"check --format json .", "explain --format json ."}) {
    auto j = nlohmann::json::parse(run(args));
    CHECK(j["files"][0]["path"] == "./bad" + fffd + "name.sql");
  }
  auto sources = nlohmann::json::parse(run("sources --format json ."));
  CHECK(sources["migrations"][0]["up"] == "./bad" + fffd + "name.sql");
  // GitLab and SARIF name files from the root (outside a repository: the working directory).
  CHECK(nlohmann::json::parse(run("check --format gitlab ."))[0]["location"]["path"] == "bad" + fffd + "name.sql");
  CHECK(nlohmann::json::parse(run("check --format sarif ."))["runs"][0]["results"][0]["locations"][0]
            ["physicalLocation"]["artifactLocation"]["uri"] == "bad%FFname.sql");
  // The line-oriented formats show the byte as text.
  for (std::string format : {"text", "gcc", "github", "junit", "markdown"})
    CHECK_THAT(run("check --format " + format + " ."), Catch::Contains("\\xffname.sql"));
  CHECK_THAT(run("explain ."), Catch::Contains("\\xffname.sql"));
  CHECK_THAT(run("sources ."), Catch::Contains("\\xffname.sql"));
  fs::remove_all(d);
}

namespace {
std::string text_report(const std::string& sql) {
  RunResult run;
  run.files.push_back(testing::lint_text(sql, {}, "t.sql"));
  return render([&](std::ostream& o) { write_text(o, run, false); });
}
// The source line and the caret line under the first finding.
std::pair<std::string, std::string> snippet(const std::string& report) {
  auto lines = lines_of(report);
  REQUIRE(lines.size() > 2);
  return {lines[1], lines[2]};
}
}  // namespace

TEST_CASE("text: carets line up after a byte order mark and wide characters; controls are escaped", "[formats]") {
  auto [bom_line, bom_carets] = snippet(text_report("\xEF\xBB\xBF" "DROP TABLE t;\n"));
  CHECK(bom_line == " 1 | DROP TABLE t;");
  CHECK(bom_carets == "   | ^^^^^^^^^^^^");
  // 注文 is two wide characters: four columns, so the carets start four columns later than its two code points.
  auto wide = lines_of(text_report("SET lock_timeout = '1s';\nALTER TABLE \"注文\" DROP COLUMN a;\n"));
  auto drop = std::find(wide.begin(), wide.end(), " 2 | ALTER TABLE \"注文\" DROP COLUMN a;");
  REQUIRE(drop != wide.end());
  CHECK(*(drop + 1) == "   | " + std::string(19, ' ') + std::string(13, '^'));  // under DROP COLUMN a
  // U+202E (right-to-left override), U+200F and a BEL are shown escaped, and the carets count the escapes.
  auto [bidi_line, bidi_carets] = snippet(text_report("DROP TABLE \"a\xE2\x80\xAE\x07\xE2\x80\x8F" "b\";\n"));
  CHECK(bidi_line == " 1 | DROP TABLE \"a\\u{202e}\\x07\\u{200f}b\";");
  CHECK(bidi_carets == "   | " + std::string(35, '^'));
}

TEST_CASE("text: a long line is cut to a window around the finding; output does not grow with its length", "[formats]") {
  std::string filler(2'000'000, ' ');
  std::string sql = "SELECT 1;" + filler + "DROP TABLE t;" + filler + "SELECT 2;\n";
  std::string report = text_report(sql);
  auto [line, carets] = snippet(report);
  CHECK(report.size() < 2000);
  CHECK(line.rfind(" 1 | …", 0) == 0);
  CHECK(line.find("…", 8) != std::string::npos);  // cut at the end too
  CHECK(line.find("DROP TABLE t;") != std::string::npos);
  // The carets are under DROP TABLE t; (the ellipsis is one column).
  CHECK(carets.find('^') == line.find("DROP TABLE t;") - 2);
  CHECK(carets.size() - carets.find('^') == std::string("DROP TABLE t;").size() - 1);
  // Thousands of findings on one long line: each snippet stays a window.
  std::string many;
  for (int i = 0; i < 3000; ++i) many += "CREATE INDEX i" + std::to_string(i) + " ON t (a); ";
  std::string big = text_report(many + "\n");
  CHECK(big.size() < 3000 * 2500);
  CHECK(big.size() < 50 * many.size());
}

TEST_CASE("text: a window of plain ASCII is cut the same as one decoded character by character", "[formats]") {
  // A non-ASCII character near the finding, but outside the window shown,
  // sends the window down the decoding path: what it shows must not change.
  const std::string x(300, 'x'), statement = "DROP TABLE t;";
  const std::size_t mark = 2 + x.size() + 3;  // where DROP starts
  auto with_e_acute_at = [](std::string line, std::size_t at) { return line.replace(at, 1, "\xC3\xA9"); };
  // The line goes on past the window: 40 columns before the finding, 120 in all.
  std::string long_line = "/*" + x + "*/ " + statement + " /*" + std::string(300, 'y') + "*/";
  auto [plain, plain_carets] = snippet(text_report(long_line + "\n"));
  CHECK(plain == " 1 | …" + x.substr(0, 37) + "*/ " + statement + " /*" + std::string(64, 'y') + "…");
  CHECK(plain_carets == "   | " + std::string(41, ' ') + std::string(statement.size() - 1, '^'));
  auto [decoded, decoded_carets] = snippet(text_report(with_e_acute_at(long_line, mark - 80) + "\n"));
  CHECK(decoded == plain);
  CHECK(decoded_carets == plain_carets);
  // The line ends soon after the finding: the window takes more of its start.
  std::string ending = "/*" + x + "*/ " + statement;
  auto [end_plain, end_carets] = snippet(text_report(ending + "\n"));
  CHECK(end_plain == " 1 | …" + ending.substr(ending.size() - 120));
  auto [end_decoded, end_decoded_carets] = snippet(text_report(with_e_acute_at(ending, mark - 115) + "\n"));
  CHECK(end_decoded == end_plain);
  CHECK(end_decoded_carets == end_carets);
}

namespace {
std::vector<std::string> fingerprints_of(const std::string& sql, const std::string& path = "db/1.sql") {
  return finding_fingerprints(testing::lint_text(sql, {}, path));
}
}  // namespace

TEST_CASE("gitlab fingerprints survive unrelated edits above a finding and tell findings apart", "[formats]") {
  const std::string finding = "ALTER TABLE t DROP COLUMN a;\n";
  auto base = fingerprints_of("SET lock_timeout = '1s';\n" + finding);
  REQUIRE(base.size() == 1);
  // Blank lines, comments and an unrelated statement added above; different whitespace and case.
  auto moved = fingerprints_of("SET lock_timeout = '1s';\n\n\n-- a new comment\n/* and a block\n comment */\n"
                               "CREATE TABLE u (id bigint);\n\n" + finding);
  REQUIRE(moved.size() == 1);
  CHECK(moved[0] == base[0]);
  auto reformatted = fingerprints_of("SET lock_timeout = '1s';\nalter table t\n  drop column a; -- why\n");
  REQUIRE(reformatted.size() == 1);
  CHECK(reformatted[0] == base[0]);

  // Different column, table, rule or file: different fingerprints.
  CHECK(fingerprints_of("SET lock_timeout = '1s';\nALTER TABLE t DROP COLUMN b;\n")[0] != base[0]);
  CHECK(fingerprints_of("SET lock_timeout = '1s';\nALTER TABLE u DROP COLUMN a;\n")[0] != base[0]);
  CHECK(fingerprints_of("SET lock_timeout = '1s';\n" + finding, "db/2.sql")[0] != base[0]);
  auto other_rule = fingerprints_of("SET lock_timeout = '1s';\nDELETE FROM t;\n");
  REQUIRE(other_rule.size() == 1);
  CHECK(other_rule[0] != base[0]);

  // Identical findings in one file are told apart by their occurrence index.
  auto twice = fingerprints_of("SET lock_timeout = '1s';\nDELETE FROM t;\nDELETE FROM t;\n");
  REQUIRE(twice.size() == 2);
  CHECK(twice[0] != twice[1]);
  CHECK(twice[0] == other_rule[0]);

  // Two findings of different rules in one statement differ.
  auto two_rules = fingerprints_of("ALTER TABLE t DROP COLUMN a;\n");
  REQUIRE(two_rules.size() == 2);
  CHECK(two_rules[0] != two_rules[1]);

  // The GitLab report carries exactly these fingerprints.
  RunResult run;
  run.files.push_back(testing::lint_text("SET lock_timeout = '1s';\nDELETE FROM t;\nDELETE FROM t;\n", {}, "db/1.sql"));
  nlohmann::json doc = nlohmann::json::parse(render([&](std::ostream& o) { write_gitlab(o, run, Severity::Warning); }));
  REQUIRE(doc.size() == 2);
  CHECK(doc[0]["fingerprint"] == twice[0]);
  CHECK(doc[1]["fingerprint"] == twice[1]);
}

TEST_CASE("new formats through the CLI: --output, unreadable input, exit codes", "[formats][cli]") {
  fs::path d = fs::temp_directory_path() / ("migrasafe-formats-" + std::to_string(::getpid()));
  fs::create_directories(d);
  std::ofstream(d / "err.sql") << "ALTER TABLE t DROP COLUMN a;\n";
  std::string file = "'" + (d / "err.sql").string() + "'";
  std::string missing = "'" + (d / "missing.sql").string() + "'";
  for (std::string format : {"github", "gcc", "gitlab", "markdown", "junit"}) {
    INFO(format);
    fs::path out = d / ("report." + format);
    auto r = testing::run_cli("check --format " + format + " -o '" + out.string() + "' " + file);
    CHECK(r.exit_code == 1);
    CHECK(r.out.empty());
    CHECK(fs::file_size(out) > 0);
    CHECK(testing::run_cli("check --format " + format + " --fail-on never " + file).exit_code == 0);
    auto unreadable = testing::run_cli("check --format " + format + " " + missing + " 2>/dev/null");
    CHECK(unreadable.exit_code == 3);
    CHECK(unreadable.out.find("missing.sql") != std::string::npos);
  }
  auto gh = testing::run_cli("check --format github " + missing + " 2>/dev/null");
  CHECK(gh.out.rfind("::error file=" + (d / "missing.sql").string() + ",title=migrasafe%3A cannot analyse::", 0) == 0);
  auto junit = testing::run_cli("check --format junit " + missing + " 2>/dev/null");
  CHECK(junit.out.find("<error message=\"cannot analyse: ") != std::string::npos);
  auto bad = testing::run_cli("check --format nope " + file + " 2>/dev/null");
  CHECK(bad.exit_code == 2);
  fs::remove_all(d);
}

TEST_CASE("json: strings are escaped as JSON requires, runs of plain text copied whole", "[formats]") {
  std::string controls;
  for (int c = 1; c < 0x20; ++c) controls += static_cast<char>(c);
  const std::string plain(5000, 'p');
  const std::vector<std::string> texts = {
      "", plain, "\"" + plain + "\\", controls + "\x7f", "a\"b\\c\nd\te\rf\x01g",
      "caf\xC3\xA9 \xE2\x80\xA6 \xF0\x9F\x98\x80\x01\"",  // valid UTF-8, kept as is
  };
  std::ostringstream out;
  {
    JsonWriter w(out);
    w.begin_array();
    for (const std::string& t : texts) w.value(t);
    w.value("bad \xFF byte\x02 \xC3");  // not UTF-8: U+FFFD for each ill-formed part
    w.end_array();
  }
  nlohmann::json doc = nlohmann::json::parse(out.str());  // throws on invalid JSON or UTF-8
  REQUIRE(doc.size() == texts.size() + 1);
  for (std::size_t i = 0; i < texts.size(); ++i) CHECK(doc[i] == texts[i]);
  CHECK(doc[texts.size()] == "bad \xEF\xBF\xBD byte\x02 \xEF\xBF\xBD");
  CHECK(out.str().find("\\u001f\\u007f") != std::string::npos);
  CHECK(out.str().find("\"a\\\"b\\\\c\\nd\\te\\rf\\u0001g\"") != std::string::npos);
}

TEST_CASE("json: numbers, members and empty containers as the writer lays them out", "[formats]") {
  std::vector<long long> numbers = {0, 9, 10, 99, 100, 101, 999, 1000, 1009, 9999, 10000, 10001, 123456789, -1, -10,
                                    -12345, std::numeric_limits<long long>::max(), std::numeric_limits<long long>::min()};
  for (long long n = 0; n < 20000; n += 7) numbers.push_back(n);
  std::ostringstream out;
  {
    JsonWriter w(out);
    w.begin_object();
    w.key("numbers");
    w.begin_array();
    for (long long n : numbers) w.value(n);
    w.end_array();
    w.field("int", 42);
    w.field("size", std::size_t{7});
    w.field("yes", true);
    w.field("no", false);
    w.plain_field("plain", "AlterTableStmt");
    w.field("text", "a\"b");
    w.empty_array_field("none");
    w.key("empty_object");
    w.begin_object();
    w.end_object();
    w.end_object();
  }
  std::string expected = "{\n  \"numbers\": [";
  for (std::size_t i = 0; i < numbers.size(); ++i) expected += (i ? ",\n    " : "\n    ") + std::to_string(numbers[i]);
  expected +=
      "\n  ],\n  \"int\": 42,\n  \"size\": 7,\n  \"yes\": true,\n  \"no\": false,\n  \"plain\": \"AlterTableStmt\",\n"
      "  \"text\": \"a\\\"b\",\n  \"none\": [],\n  \"empty_object\": {}\n}\n";
  CHECK(out.str() == expected);
}

TEST_CASE("json: an element's text written across buffers that filled up comes out whole and in order", "[formats]") {
  // An element writer keeps a full buffer as a part of its text and goes on
  // in a new one; reused for the next element, it starts from its largest.
  std::ostringstream direct, by_element;
  const std::string long_text(70000, 'x');
  auto write = [&](JsonWriter& w, int k) {
    w.begin_object();
    w.field("k", k);
    for (int i = 0; i < k * 50; ++i) w.field("text", long_text.substr(0, static_cast<std::size_t>(i * 37 % 5000)));
    w.end_object();
  };
  {
    JsonWriter w(direct);
    w.begin_array();
    for (int k = 0; k < 6; ++k) write(w, k);
    w.end_array();
  }
  {
    JsonWriter w(by_element);
    w.begin_array();
    JsonWriter::Text reused;
    for (int k = 0; k < 6; ++k) {
      JsonWriter element(w, k == 0, std::move(reused));
      write(element, k);
      reused = element.take_text();
      if (k == 1) CHECK(reused.parts.size() > 1);  // it outgrew its first buffer
      w.append_element(reused);
    }
    w.end_array();
  }
  CHECK(by_element.str() == direct.str());
  CHECK_NOTHROW(nlohmann::json::parse(by_element.str()));
}

TEST_CASE("sarif: the rule table written once per process is in every report, whatever the findings say", "[formats]") {
  // The table is serialised once and put where a placeholder value stands; a
  // finding that quotes the placeholder must keep its own text.
  RunResult run;
  run.files.push_back(testing::lint_text("DROP TABLE \"\"\"rules\"\": \"\"migrasafe: the rule table\"\"\";\n", {}, "q.sql"));
  std::ostringstream first, second;
  write_sarif(first, run);
  write_sarif(second, run);
  CHECK(first.str() == second.str());
  nlohmann::json doc = nlohmann::json::parse(first.str());
  const nlohmann::json& rules = doc["runs"][0]["tool"]["driver"]["rules"];
  REQUIRE(rules.size() == all_rules().size());
  for (std::size_t i = 0; i < rules.size(); ++i) CHECK(rules[i]["id"] == all_rules()[i].code);
  const nlohmann::json& results = doc["runs"][0]["results"];
  REQUIRE(!results.empty());
  CHECK(results[0]["message"]["text"].get<std::string>().find("\"rules\": \"migrasafe: the rule table\"") !=
        std::string::npos);
}

TEST_CASE("json: a special byte is escaped at every offset of the blocks the writer skips", "[formats]") {
  // The writer copies blocks of sixteen plain bytes whole: each byte value at
  // each offset of such a block (and past its end) must still be seen.
  const std::map<int, std::string> short_escapes = {{'"', "\\\""}, {'\\', "\\\\"}, {'\n', "\\n"}, {'\r', "\\r"}, {'\t', "\\t"}};
  for (int c = 1; c < 0x100; ++c)
    for (std::size_t at = 0; at < 33; ++at) {
      std::string text = std::string(at, 'a') + static_cast<char>(c) + std::string(33 - at, 'b');
      std::ostringstream out;
      {
        JsonWriter w(out);
        w.begin_array();
        w.value(text);
        w.end_array();
      }
      // What the byte must become: its JSON escape, itself, or U+FFFD (not UTF-8).
      std::string escaped(1, static_cast<char>(c));
      if (short_escapes.count(c)) escaped = short_escapes.at(c);
      else if (c < 0x20 || c == 0x7f) escaped = "\\u00" + std::string(1, "0123456789abcdef"[c >> 4]) + "0123456789abcdef"[c & 15];
      else if (c >= 0x80) escaped = "\xEF\xBF\xBD";
      INFO("byte " << c << " at " << at);
      CHECK(out.str().find('"' + std::string(at, 'a') + escaped + std::string(33 - at, 'b') + '"') != std::string::npos);
      CHECK_NOTHROW(nlohmann::json::parse(out.str()));
    }
}

namespace {

// Random text from the bytes that matter to the writers: plain ASCII, white
// space, the JSON specials, multibyte UTF-8 (whole and cut), stray bytes.
std::string random_text(std::mt19937& rng, std::size_t max_length) {
  static const std::vector<std::string> pieces = {
      "a", "SELECT", "x_1", " ", "  ", "\n", "\t", "\r\n", "\v", "\f", "\"", "\\", "\x01", "\x1f", "\x7f",
      "\xC3\xA9", "\xE2\x80\xA6", "\xF0\x9F\x98\x80", "\xC2\x85", "\xE2\x80\xAE", "\xC3", "\xE2\x80", "\x80", "\xBF",
      "\xFF", "\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "abcdefghijklmnop", "0123456789"};
  std::string out;
  const std::size_t n = std::uniform_int_distribution<std::size_t>(0, max_length)(rng);
  while (out.size() < n) out += pieces[std::uniform_int_distribution<std::size_t>(0, pieces.size() - 1)(rng)];
  return out;
}

// The definition the JSON writer's fast paths must match: the text made
// valid UTF-8, then each character escaped on its own.
std::string json_string_by_definition(std::string_view text) {
  std::string out = "\"";
  for (char ch : valid_utf8(text)) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"') out += "\\\"";
    else if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else if (c == '\t') out += "\\t";
    else if (c < 0x20 || c == 0x7f) out += "\\u00" + std::string(1, "0123456789abcdef"[c >> 4]) + "0123456789abcdef"[c & 15];
    else out += ch;
  }
  return out + "\"";
}

// The summary as first defined: character by character, then shortened.
std::string summary_by_definition(std::string_view text, std::size_t width) {
  std::string out;
  std::size_t code_points = 0;
  bool space = false;
  for (char c : text) {
    if (c == ' ' || (c >= '\t' && c <= '\r')) {
      space = !out.empty();
      continue;
    }
    if (space) {
      out += ' ';
      ++code_points;
    }
    space = false;
    const bool starts_code_point = (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    if (starts_code_point && code_points > width) break;
    code_points += starts_code_point;
    out += c;
  }
  if (count_code_points(out) > width) {
    out.resize(byte_offset_of_code_point(out, width - 1));
    out += "\u2026";
  }
  return out;
}

}  // namespace

TEST_CASE("json: nesting deeper than the writer's indentation block, and many short members", "[formats]") {
  // Line breaks are copied from a fixed block of spaces: deeper ones are
  // written apart; both must stay inside the buffer (a sanitizer build checks).
  for (int depth : {1, 30, 31, 32, 33, 100}) {
    std::ostringstream out;
    {
      JsonWriter w(out);
      for (int d = 0; d < depth; ++d) w.begin_array();
      for (int i = 0; i < 5000; ++i) w.value(i);
      for (int d = 0; d < depth; ++d) w.end_array();
    }
    INFO("depth " << depth);
    nlohmann::json doc = nlohmann::json::parse(out.str());
    CHECK(doc.dump(2) + "\n" == out.str());  // nlohmann's own layout, byte for byte
    const nlohmann::json* inner = &doc;
    for (int d = 1; d < depth; ++d) inner = &(*inner)[0];
    REQUIRE(inner->size() == 5000);
    CHECK((*inner)[4999] == 4999);
  }
}

TEST_CASE("json: random text is escaped exactly as the character-by-character definition", "[formats]") {
  std::mt19937 rng(11);
  for (int round = 0; round < 5000; ++round) {
    const std::string text = random_text(rng, round % 2 ? 40 : 400);
    std::ostringstream out;
    {
      JsonWriter w(out);
      w.begin_array();
      w.value(text);
      w.end_array();
    }
    INFO("round " << round);
    CHECK(out.str() == "[\n  " + json_string_by_definition(text) + "\n]\n");
  }
}

TEST_CASE("escape_bytes: every byte at every place in a run is escaped as its table entry says", "[formats]") {
  ByteEscapes escapes{};
  for (int c = 0; c < 256; c += 3) escapes[c] = c % 2 ? "<odd>" : "#";  // a third of the bytes, two spellings
  for (int c = 0; c < 256; ++c)
    for (std::size_t at : {std::size_t{0}, std::size_t{1}, std::size_t{7}}) {
      const std::string text = std::string(at, 'a') + static_cast<char>(c) + "bc";
      std::string expected;
      for (char b : text) {
        const std::string_view e = escapes[static_cast<unsigned char>(b)];
        expected += e.empty() ? std::string(1, b) : std::string(e);
      }
      INFO("byte " << c << " at " << at);
      CHECK(escape_bytes(text, escapes) == expected);
    }
  CHECK(escape_bytes("", escapes).empty());
}

TEST_CASE("markdown_escape: random text is escaped exactly as the character-by-character definition", "[formats]") {
  std::mt19937 rng(5);
  for (int round = 0; round < 2000; ++round) {
    const std::string text = random_text(rng, 200) + "&<>\\`*_[]~|$#-";
    std::string expected;
    for (char c : visible_controls(text)) {
      if (c == '&') expected += "&amp;";
      else if (c == '<') expected += "&lt;";
      else if (c == '>') expected += "&gt;";
      else if (std::string_view("\\`*_[]~|$").find(c) != std::string_view::npos) expected += std::string("\\") + c;
      else expected += c;
    }
    INFO("round " << round);
    CHECK(markdown_escape(text) == expected);
  }
}

TEST_CASE("statement summaries: random text is summarised exactly as the character-by-character definition",
          "[formats]") {
  std::mt19937 rng(7);
  for (int round = 0; round < 5000; ++round) {
    const std::string text = random_text(rng, 300);
    for (std::size_t width : {std::size_t{1}, std::size_t{2}, std::size_t{5}, std::size_t{72}}) {
      INFO("round " << round << ", width " << width);
      CHECK(one_line_summary(text, width) == summary_by_definition(text, width));
    }
  }
}

TEST_CASE("json: the names the report writes without escaping need none", "[formats]") {
  auto plain = [](std::string_view name) {
    INFO(name);
    CHECK(!name.empty());
    for (char c : name) CHECK((is_plain_ascii(c) && c != '"' && c != '\\'));
  };
  for (int m = static_cast<int>(LockMode::AccessShare); m <= static_cast<int>(LockMode::AccessExclusive); ++m) {
    plain(pg_lock_name(static_cast<LockMode>(m)));
    plain(lock_blocks(static_cast<LockMode>(m)));
  }
  for (Tri t : {Tri::No, Tri::Yes, Tri::Unknown}) plain(tri_name(t));
  for (bool until_end : {false, true}) {
    LockHold hold;
    hold.until_transaction_end = until_end;
    plain(held_until_name(hold));
  }
  for (const RuleInfo& rule : all_rules()) {
    plain(rule.name);
    plain(rule.code);
  }
  for (Category c : {Category::Locking, Category::Rewrite, Category::Transaction, Category::DataLoss,
                     Category::Compatibility, Category::Reversibility, Category::History, Category::Idempotency,
                     Category::SchemaDesign, Category::Syntax})
    plain(category_name(c));
  for (Severity s : {Severity::Note, Severity::Warning, Severity::Error}) plain(severity_name(s));
  // A statement's kind is its parse-tree node's name.
#define MIGRASAFE_PLAIN_KIND(name) plain(#name);
  MIGRASAFE_STATEMENT_KINDS(MIGRASAFE_PLAIN_KIND)
#undef MIGRASAFE_PLAIN_KIND
}

TEST_CASE("statement summaries: written into a reused string, whatever it held before", "[formats]") {
  std::mt19937 rng(11);
  std::string out = "text left from before";
  for (int round = 0; round < 2000; ++round) {
    const std::string text = random_text(rng, round % 2 ? 300 : 20);
    INFO("round " << round);
    one_line_summary(out, text);
    CHECK(out == summary_by_definition(text, 72));
  }
  // ASCII up to where the summary ends (the byte-a-code-point path), then anything.
  for (int round = 0; round < 3000; ++round) {
    std::string text = random_text(rng, 300);
    std::erase_if(text, [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
    if (round % 3 == 0) text.insert(std::min(text.size(), std::size_t(round % 200)), "\xC3\xA9");
    for (std::size_t width : {std::size_t{1}, std::size_t{2}, std::size_t{5}, std::size_t{72}}) {
      INFO("round " << round << ", width " << width);
      one_line_summary(out, text, width);
      CHECK(out == summary_by_definition(text, width));
    }
  }
}

TEST_CASE("statement summaries: one line, at most 72 characters, from the start of a long statement", "[formats]") {
  CHECK(one_line_summary("SELECT\n  1,\t2  ") == "SELECT 1, 2");
  std::string body = "CREATE FUNCTION f() RETURNS int AS $$ " + std::string(1 << 20, 'x') + " $$";
  std::string s = one_line_summary(body);
  CHECK(count_code_points(s) == 72);
  CHECK(s.starts_with("CREATE FUNCTION f() RETURNS int AS $$ xxx"));
  CHECK(s.ends_with("x\u2026"));
  // Exactly 72 characters (multibyte ones count once) are kept whole.
  std::string exact = "SELECT '" + std::string(59, 'a') + "\xC3\xA9\xC3\xA9\xC3\xA9';";
  REQUIRE(count_code_points(one_line_summary(exact, 1000)) == 72);
  CHECK(one_line_summary(exact) == exact);
  CHECK(one_line_summary(exact + " ") == exact);
  CHECK(one_line_summary(exact + " x") == exact.substr(0, exact.size() - 1) + "\u2026");
}

TEST_CASE("json: files formatted in parallel batches come out in order, as one sequential writer writes them",
          "[formats]") {
  // More files than one batch (64), with findings, effects and escapes in each.
  std::filesystem::path dir = testing::fresh_dir("formats", "json-batches");
  for (int i = 0; i < 150; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "V%03d__m.sql", i + 1);
    testing::write_file(dir / name, "-- step \"" + std::to_string(i) + "\"\nCREATE TABLE t" + std::to_string(i) +
                                        " (id int);\nCREATE INDEX i" + std::to_string(i) + " ON t0 (id);\n" +
                                        (i % 3 ? "" : "DROP TABLE t0;\n"));
  }
  auto r = testing::run_cli("check --format json " + dir.string());
  REQUIRE(r.exit_code == 1);
  nlohmann::ordered_json doc = nlohmann::ordered_json::parse(r.out);  // keys in the order written
  REQUIRE(doc["files"].size() == 150);
  for (int i = 0; i < 150; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "V%03d__m.sql", i + 1);
    CHECK(doc["files"][i]["path"] == (dir / name).string());
  }
  // Byte for byte what a writer of the whole document in one pass gives (two-space indent, ": ").
  CHECK(r.out == doc.dump(2) + "\n");

  // One file: its statements are the batches (1,024 a batch: here two full ones and part of a third).
  std::string sql;
  for (int i = 0; i < 2100; ++i) sql += "CREATE INDEX i" + std::to_string(i) + " ON t (c" + std::to_string(i % 7) + ");\n";
  testing::write_file(dir / "one.sql", sql);
  auto one = testing::run_cli("check --format json " + (dir / "one.sql").string());
  REQUIRE(one.exit_code == 1);
  nlohmann::ordered_json single = nlohmann::ordered_json::parse(one.out);
  REQUIRE(single["files"][0]["statements"].size() == 2100);
  for (int i : {0, 1023, 1024, 2047, 2048, 2099}) CHECK(single["files"][0]["statements"][i]["line"] == i + 1);
  CHECK(one.out == single.dump(2) + "\n");

  // Files whose entries are larger than the writer's direct-write size (64 kB) go to the output as they are,
  // between small ones that are copied; to stdout and to --output alike.
  std::filesystem::path mixed = testing::fresh_dir("formats", "json-large-entries");
  for (int i = 0; i < 6; ++i) {
    std::string text;
    for (int k = 0; k < (i % 2 ? 400 : 1); ++k) text += "CREATE INDEX i" + std::to_string(k) + " ON t (c);\n";
    testing::write_file(mixed / ("V" + std::to_string(i + 1) + "__m.sql"), text);
  }
  auto large = testing::run_cli("check --format json " + mixed.string());
  nlohmann::ordered_json large_doc = nlohmann::ordered_json::parse(large.out);
  REQUIRE(large_doc["files"].size() == 6);
  CHECK(large_doc["files"][1]["statements"].size() == 400);
  CHECK(large.out.size() > 3 * 65536);
  CHECK(large.out == large_doc.dump(2) + "\n");
  const std::filesystem::path report = mixed.parent_path() / "json-large-entries.json";
  auto to_file = testing::run_cli("check --format json -o " + report.string() + " " + mixed.string());
  std::ifstream written(report, std::ios::binary);
  CHECK(std::string(std::istreambuf_iterator<char>(written), {}) == large.out);
}

TEST_CASE("json: a special byte at every place of short strings and of a string's last bytes", "[formats]") {
  // The writer reads a string's last bytes (fewer than a block) through a
  // copy: each length, with one special byte (or none) at each place.
  for (const char* special : {"\"", "\\", "\x01", "\n", "\x7f", "\xC3\xA9", "\xE2\x80\xA6", "\xFF", "\xE2\x80"})
    for (std::size_t length = 0; length < 40; ++length)
      for (std::size_t at = 0; at <= length; ++at) {
        const std::string text = std::string(at, 'a') + special + std::string(length - at, 'b');
        std::ostringstream out;
        {
          JsonWriter w(out);
          w.begin_array();
          w.value(text);
          w.value(std::string_view(text).substr(0, at));  // no special byte
          w.end_array();
        }
        INFO("length " << length << ", at " << at);
        CHECK(out.str() == "[\n  " + json_string_by_definition(text) + ",\n  " +
                               json_string_by_definition(text.substr(0, at)) + "\n]\n");
      }
}

TEST_CASE("statement summaries: words across block boundaries, cut at every width", "[formats]") {
  // The ASCII path copies a word sixteen bytes at a time: words of every
  // length around a block's, runs of every kind of white space, controls
  // inside words, and a byte that is not ASCII before or after the cut.
  std::mt19937 rng(13);
  const std::string spaces = " \t\n\v\f\r";
  for (int round = 0; round < 3000; ++round) {
    std::string text;
    const int words = std::uniform_int_distribution<int>(0, 12)(rng);
    for (int w = 0; w < words; ++w) {
      const std::size_t gap = std::uniform_int_distribution<std::size_t>(w == 0 ? 0 : 1, 4)(rng);
      for (std::size_t g = 0; g < gap; ++g) text += spaces[rng() % spaces.size()];
      const std::size_t length = std::uniform_int_distribution<std::size_t>(1, 40)(rng);
      for (std::size_t k = 0; k < length; ++k) text += static_cast<char>(rng() % 7 == 0 ? '\x01' + rng() % 8 : 'a' + rng() % 26);
    }
    if (round % 5 == 0) text += "  ";
    if (round % 7 == 0) text.insert(rng() % (text.size() + 1), "\xC3\xA9");
    for (std::size_t width : {std::size_t{1}, std::size_t{2}, std::size_t{15}, std::size_t{16}, std::size_t{17},
                              std::size_t{40}, std::size_t{72}, std::size_t{200}}) {
      INFO("round " << round << ", width " << width);
      CHECK(one_line_summary(text, width) == summary_by_definition(text, width));
    }
  }
  // A long run of white space, and a long function body summarised from its
  // start: the cut does not depend on what follows.
  const std::string head = "CREATE FUNCTION f() RETURNS trigger AS $$ BEGIN";
  CHECK(one_line_summary(head + std::string(1 << 16, ' ') + "\xFF") == head + " \xFF");
  CHECK(one_line_summary(head + " " + std::string(100, 'x') + "\xFF") ==
        one_line_summary(head + " " + std::string(100, 'x')));
}

TEST_CASE("positions: a cursor gives LineIndex's positions, asked in order or not", "[formats]") {
  // LF and CRLF line ends, a byte order mark, multibyte characters, long
  // lines (columns counted past the cursor's reach) and a last line without
  // a line break.
  std::mt19937 rng(17);
  const std::vector<std::string> pieces = {"a", "SELECT 1;", "\n", "\r\n", "\r", "\xC3\xA9", "\xE2\x80\xA6", "\xFF",
                                           std::string(700, 'x'), std::string(300, '\n')};
  for (int round = 0; round < 300; ++round) {
    std::string text = round % 3 == 0 ? "\xEF\xBB\xBF" : "";
    const int count = std::uniform_int_distribution<int>(0, 60)(rng);
    for (int k = 0; k < count; ++k) text += pieces[rng() % pieces.size()];
    FileResult f;
    f.parsed.source = std::make_shared<const SourceFile>("cursor.sql", text);
    const LineIndex& lines = f.parsed.source->lines;
    PositionCursor cursor(f);
    std::uint32_t offset = 0;
    for (int k = 0; k < 200; ++k) {
      // Mostly forward by a little, sometimes anywhere, sometimes past the end.
      const unsigned move = rng() % 10;
      if (move < 6) offset += rng() % 40;
      else if (move < 8) offset = static_cast<std::uint32_t>(rng() % (text.size() + 2));
      else offset += rng() % 3000;
      const Position expected = lines.position(offset), got = cursor.at(offset);
      INFO("round " << round << ", offset " << offset << " of " << text.size());
      CHECK(got.line == expected.line);
      CHECK(got.column == expected.column);
    }
  }
}

TEST_CASE("json: statements and findings at CRLF lines, after multibyte text, at the end without a line break",
          "[formats]") {
  // Positions come from a cursor per file; each must be what range_of says.
  const std::string sql =
      "-- caf\xC3\xA9 \xE2\x80\xA6\r\nCREATE TABLE t (id int);\r\n\r\nALTER TABLE t ADD COLUMN \"na\\me\" text NOT NULL "
      "DEFAULT '\xC3\xA9\t\x01';\r\nCREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ BEGIN\n  DROP TABLE t;\n"
      "  EXECUTE 'DROP TABLE u';\nEND $$;\nDROP TABLE t";
  RunResult run;
  run.files.push_back(testing::lint_text(sql, {}, "crlf.sql"));
  std::ostringstream out;
  write_json(out, run);
  const nlohmann::json doc = nlohmann::json::parse(out.str());
  const FileResult& f = run.files[0];
  const nlohmann::json& statements = doc["files"][0]["statements"];
  REQUIRE(statements.size() == f.parsed.statements.size());
  REQUIRE(statements.size() >= 5);
  for (std::size_t i = 0; i < statements.size(); ++i) {
    const Statement& s = f.parsed.statements[i];
    const Range r = range_of(f, s.begin, s.end);
    INFO("statement " << i);
    CHECK(statements[i]["line"] == r.start.line);
    CHECK(statements[i]["column"] == r.start.column);
    CHECK(statements[i]["end_line"] == r.end.line);
    CHECK(statements[i]["end_column"] == r.end.column);
    CHECK(statements[i]["summary"] == one_line_summary(f.parsed.text(s)));
    if (s.embedded())
      CHECK(statements[i]["embedded_in"]["line"] ==
            range_of(f, f.parsed.statements[static_cast<std::size_t>(s.parent)].begin, 0).start.line);
  }
  CHECK(statements.back()["summary"] == "DROP TABLE t");
  const nlohmann::json& findings = doc["files"][0]["findings"];
  REQUIRE(findings.size() == f.diagnostics.size());
  REQUIRE(!findings.empty());
  for (std::size_t i = 0; i < findings.size(); ++i) {
    const Diagnostic& d = f.diagnostics[i];
    const Range r = range_of(f, d.begin, d.end);
    INFO("finding " << i);
    CHECK(findings[i]["line"] == r.start.line);
    CHECK(findings[i]["end_column"] == r.end.column);
    CHECK(findings[i]["message"] == valid_utf8(d.message));
  }
  // The writer's layout is nlohmann's, byte for byte (commas, indentation).
  CHECK(nlohmann::ordered_json::parse(out.str()).dump(2) + "\n" == out.str());
}
