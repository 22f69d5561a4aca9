// The formats a CI system matches against the repository (SARIF, GitLab Code
// Quality, GitHub annotations) and the baseline name a file the same way, with
// the same fingerprints, however the user spells its path: `db/m.sql`,
// `./db/m.sql`, the absolute path, or `m.sql` typed in db/.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <iterator>
#include <filesystem>
#include <regex>
#include <set>

#include <nlohmann/json.hpp>

#include "support.h"

namespace fs = std::filesystem;
using testing::run_cli;

namespace {

struct Spelling {
  std::string path, dir;  // the argument, and the directory it is typed in
};

// A repository with one dangerous migration (a warning and an error).
fs::path repository_with_migration() {
  fs::path repo = testing::fresh_dir("report-paths", "repo");
  testing::write_file(repo / "db" / "001_create.sql", "CREATE TABLE t (id int, c text);\n");
  testing::write_file(repo / "db" / "m.sql", "SET lock_timeout = '1s';\nCREATE INDEX t_c ON t (c);\nALTER TABLE t DROP COLUMN c;\n");
  REQUIRE(std::system(("git -C '" + repo.string() + "' init -q -b main").c_str()) == 0);
  return repo;
}

std::vector<Spelling> spellings(const fs::path& repo) {
  return {{"db/m.sql", repo.string()},
          {"./db/m.sql", repo.string()},
          {(repo / "db" / "m.sql").string(), repo.string()},
          {"m.sql", (repo / "db").string()},
          {"./m.sql", (repo / "db").string()},
          {"../db/m.sql", (repo / "db").string()}};
}

}  // namespace

TEST_CASE("SARIF, GitLab and GitHub name a file from the repository root however it is spelled", "[cli][formats][paths]") {
  if (std::system("command -v git >/dev/null 2>&1") != 0) {
    WARN("git not installed; skipped");
    return;
  }
  fs::path repo = repository_with_migration();
  std::set<std::string> sarif_prints, gitlab_prints, github_lines;
  for (const Spelling& s : spellings(repo)) {
    INFO("migrasafe check " << s.path << " in " << s.dir);

    auto sarif = run_cli("check --format sarif '" + s.path + "'", s.dir);
    CHECK(sarif.exit_code == 1);
    nlohmann::json run = nlohmann::json::parse(sarif.out)["runs"][0];
    CHECK(run["originalUriBaseIds"]["SRCROOT"]["uri"] == "file://" + repo.string() + "/");
    REQUIRE(run["results"].size() == 2);
    std::string prints;
    for (const auto& result : run["results"]) {
      const auto& location = result["locations"][0]["physicalLocation"]["artifactLocation"];
      CHECK(location["uri"] == "db/m.sql");
      CHECK(location["uriBaseId"] == "SRCROOT");
      prints += result["partialFingerprints"]["migrasafe/v1"].get<std::string>() + " ";
    }
    sarif_prints.insert(prints);

    auto gitlab = run_cli("check --format gitlab '" + s.path + "'", s.dir);
    nlohmann::json issues = nlohmann::json::parse(gitlab.out);
    REQUIRE(issues.size() == 2);
    prints.clear();
    for (const auto& issue : issues) {
      CHECK(issue["location"]["path"] == "db/m.sql");
      prints += issue["fingerprint"].get<std::string>() + " ";
    }
    gitlab_prints.insert(prints);

    auto github = run_cli("check --format github '" + s.path + "'", s.dir);
    CHECK_THAT(github.out, Catch::StartsWith("::warning file=db/m.sql,line=2,"));
    github_lines.insert(github.out);
  }
  CHECK(sarif_prints.size() == 1);
  CHECK(gitlab_prints.size() == 1);
  CHECK(github_lines.size() == 1);
  // The same fingerprints in both reports.
  CHECK(*sarif_prints.begin() == *gitlab_prints.begin());
}

TEST_CASE("a baseline recorded with one path spelling hides the findings under every other", "[cli][baseline][paths]") {
  if (std::system("command -v git >/dev/null 2>&1") != 0) {
    WARN("git not installed; skipped");
    return;
  }
  fs::path repo = repository_with_migration();
  fs::path baseline = repo / "baseline.json";
  REQUIRE(run_cli("baseline -o '" + baseline.string() + "' m.sql", (repo / "db").string()).exit_code == 0);
  nlohmann::json recorded = nlohmann::json::parse(testing::read_file(baseline));
  std::string sarif = run_cli("check --format sarif db/m.sql", repo.string()).out;
  nlohmann::json results = nlohmann::json::parse(sarif)["runs"][0]["results"];
  std::set<std::string> baseline_prints, sarif_prints;
  for (const auto& e : recorded["findings"]) {
    CHECK(e["path"] == "db/m.sql");
    baseline_prints.insert(e["fingerprint"]);
  }
  for (const auto& r : results) sarif_prints.insert(r["partialFingerprints"]["migrasafe/v1"]);
  CHECK(baseline_prints == sarif_prints);
  for (const Spelling& s : spellings(repo)) {
    INFO("migrasafe check --baseline ... " << s.path << " in " << s.dir);
    CHECK(run_cli("check --baseline '" + baseline.string() + "' '" + s.path + "' 2>/dev/null", s.dir).exit_code == 0);
  }
}

TEST_CASE("GitLab severity: a warning that fails the job is major", "[cli][formats]") {
  fs::path d = testing::fresh_dir("report-paths", "gitlab-severity");
  testing::write_file(d / "m.sql", "SET lock_timeout = '1s';\nCREATE INDEX t_c ON t (c);\n");
  auto severity_with = [&](const std::string& fail_on) {
    auto r = run_cli("check --format gitlab --fail-on " + fail_on + " m.sql", d.string());
    nlohmann::json issues = nlohmann::json::parse(r.out);
    REQUIRE(issues.size() == 1);
    return issues[0]["severity"].get<std::string>();
  };
  CHECK(severity_with("warning") == "major");
  CHECK(severity_with("note") == "major");
  CHECK(severity_with("error") == "minor");
  CHECK(severity_with("never") == "minor");
}

TEST_CASE("JUnit test cases and suites carry the time they took", "[cli][formats]") {
  auto r = run_cli("check --format junit fixtures/reporters/");
  std::regex testcase(R"re(<testcase [^>]*time="(\d+\.\d{3})")re");
  std::size_t cases = 0;
  for (auto it = std::sregex_iterator(r.out.begin(), r.out.end(), testcase); it != std::sregex_iterator(); ++it) ++cases;
  CHECK(cases >= 3);
  // Every test case has one.
  std::regex any_testcase("<testcase ");
  CHECK(cases == static_cast<std::size_t>(std::distance(std::sregex_iterator(r.out.begin(), r.out.end(), any_testcase),
                                                        std::sregex_iterator())));
  CHECK(std::regex_search(r.out, std::regex(R"re(<testsuite name="migrasafe" [^>]*time="\d+\.\d{3}")re")));
}
