// libFuzzer target: the baseline reader (`check --baseline FILE`) on any
// text. A malformed file must end in a BaselineError naming it, never a
// crash; what it accepts must survive a write and a second read unchanged.
#include <cstddef>
#include <cstdint>
#include <string>

#include "engine/baseline.h"
#include "reporters/reporters.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace migrasafe;
  std::string text(reinterpret_cast<const char*>(data), size);
  std::vector<BaselineEntry> entries;
  try {
    entries = parse_baseline(text, "fuzz.json");
  } catch (const BaselineError&) {
    return 0;
  }
  std::vector<BaselineEntry> again = parse_baseline(baseline_json(entries), "fuzz.json");
  if (again.size() != entries.size()) __builtin_trap();
  for (std::size_t i = 0; i < again.size(); ++i)
    if (again[i].path != entries[i].path || again[i].fingerprint != entries[i].fingerprint) __builtin_trap();
  return 0;
}
