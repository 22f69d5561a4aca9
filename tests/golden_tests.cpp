// Reporter goldens: fixtures/reporters/*.sql rendered in every format must
// match tests/golden/<name>.<format> byte for byte. Regenerate after an
// intended change with MIGRASAFE_UPDATE_GOLDEN=1.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "reporters/registry.h"
#include "support.h"

namespace fs = std::filesystem;

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
      if (update) std::ofstream(golden, std::ios::binary) << r.out;
      REQUIRE(fs::exists(golden));
      CHECK(r.out == testing::read_file(golden));
    }
  }
}
