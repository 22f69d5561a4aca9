#pragma once
// `check --fix`: a fix can make another rule's fix applicable (CONCURRENTLY,
// then the retry-safe DROP before it), so the session fixes, lints the fixed
// files again and repeats until nothing changes (at most kMaxPasses times).
#include <cstddef>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "engine/result.h"
#include "sources/discovery.h"

namespace migrasafe {

struct FixTally {
  static constexpr int kMaxPasses = 10;
  int passes = 0;
  std::size_t fixes = 0, overlapping = 0;
  std::set<std::string> files;
};

struct FixPass {
  std::size_t applied = 0;
  bool write_failed = false;
};

// Applies the fixes of the reported findings of `run` (one FileResult per
// input). A file is rewritten in place, atomically, unless the fixed SQL
// would have more syntax errors than before. With stdin among the inputs
// only stdin is fixed, into `stdin_text`, and the other files are context.
// What it could not do goes to `messages`.
FixPass fix_pass(const std::vector<InputFile>& inputs, const RunResult& run, std::optional<std::string>& stdin_text,
                 FixTally& tally, std::vector<RunMessage>& messages);

// "fixed N findings in M files; ..."
std::string fix_summary(const FixTally& tally);

}  // namespace migrasafe
