// libFuzzer target: the configuration loader's TOML layer. Text goes through
// check_toml_subset and, when accepted, to toml++ exactly as parse_config
// hands it over. The judge is the sanitizer build (ASan + UBSan, toml++'s
// assertions on): toml++ 3.3.0 alone reaches undefined behaviour on inputs
// such as `ö = 1` (seeds/toml/non-ascii-key), which must never get past the
// subset check. Built and run by CMake (fuzz-toml test, `make fuzz`).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <toml++/toml.h>

#include "config/toml_subset.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (migrasafe::check_toml_subset(text)) return 0;
  try {
    toml::table root = toml::parse(text, std::string_view("fuzz.toml"));
  } catch (const toml::parse_error&) {
  }
  return 0;
}
