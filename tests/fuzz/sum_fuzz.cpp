// libFuzzer target: the migrasafe.sum reader on any text (normalized as
// check_history reads it). Every finding's range must lie inside the text,
// and a recorded line must be a line of it.
#include <cstddef>
#include <cstdint>
#include <string>

#include "sources/history.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace migrasafe;
  std::string text(reinterpret_cast<const char*>(data), size);
  std::vector<SumFinding> findings;
  std::vector<SumLine> lines = read_sum_lines(text, findings);
  for (const SumFinding& f : findings)
    if (f.begin > f.end || f.end > text.size()) __builtin_trap();
  for (const SumLine& l : lines) {
    if (l.begin > l.end || l.end > text.size() || l.line == 0) __builtin_trap();
    if (l.end < text.size() && text[l.end] != '\n') __builtin_trap();
  }
  return 0;
}
