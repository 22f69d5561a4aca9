// Reporter goldens: fixtures/reporters/*.sql rendered in every format must
// match tests/golden/<name>.<format> byte for byte. Regenerate after an
// intended change with MIGRASAFE_UPDATE_GOLDEN=1. What depends on the machine
// is normalized first: the checkout's directory (SARIF's SRCROOT) and JUnit times.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>

#include "reporters/registry.h"
#include "support.h"

namespace fs = std::filesystem;

namespace {

std::string machine_independent(std::string report) {
  static const std::regex srcroot(R"(("SRCROOT": \{\s*"uri": ")file://[^"]*")");
  static const std::regex junit_time(R"re( time="\d+\.\d{3}")re");
  report = std::regex_replace(report, srcroot, "$1file:///checkout/\"");
  return std::regex_replace(report, junit_time, " time=\"0.000\"");
}

}  // namespace

TEST_CASE("reporter output matches the golden files", "[golden]") {
  bool update = std::getenv("MIGRASAFE_UPDATE_GOLDEN") != nullptr;
  fs::path root = testing::source_dir();
  std::vector<fs::path> inputs;
  for (const auto& e : fs::directory_iterator(root / "fixtures/reporters"))
    if (e.path().extension() == ".sql") inputs.push_back(e.path());
  std::sort(inputs.begin(), inputs.end());
  REQUIRE(inputs.size() >= 3);
  for (const fs::path& input : inputs) {
    for (const std::string& format : migrasafe::format_names()) {
      std::string rel = "fixtures/reporters/" + input.filename().string();
      auto r = testing::run_cli("check --format " + format + " " + rel);
      INFO(rel << " as " << format);
      CHECK((r.exit_code == 0 || r.exit_code == 1));
      fs::path golden = root / "tests/golden" / (input.stem().string() + "." + format);
      std::string report = machine_independent(r.out);
      if (update) std::ofstream(golden, std::ios::binary) << report;
      REQUIRE(fs::exists(golden));
      CHECK(report == testing::read_file(golden));
    }
  }
}
