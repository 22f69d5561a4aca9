#pragma once
// How a parse tree's arena (TreeArena, json_tree.cpp) takes its blocks, for
// the tests that check where a large file's trees live.
#include <cstddef>

namespace migrasafe {

// Tree blocks this large are mapped from the system, not taken from malloc: a
// large file's trees are built by the parse threads and freed by the
// replay's, as it passes them. From malloc, the freed blocks stayed with the
// parse threads' arenas, where nothing reused them, while the replay's
// allocations took new memory (the 4 MB file's peak RSS was 23 MB above the
// same run's with these blocks mapped).
constexpr std::size_t kMappedTreeBlock = 64 * 1024;

}  // namespace migrasafe
