// The allocator the build links (parser/allocator.h): jemalloc unless configured with
// -DMIGRASAFE_JEMALLOC=OFF or for the sanitizers, and never a silent fallback to glibc's malloc.
#include <catch2/catch.hpp>

#include <cstdint>
#include <memory>
#include <vector>

#include "parser/allocator.h"
#include "support.h"

#ifdef MIGRASAFE_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif

using namespace migrasafe;

TEST_CASE("the tests and the binary allocate with the allocator the build links", "[allocator]") {
#ifdef MIGRASAFE_JEMALLOC
  CHECK_THAT(allocator_name(), Catch::StartsWith("jemalloc 5."));
#else
  CHECK(allocator_name() == "the C library's malloc");
#endif
  auto v = testing::run_cli("--version");
  CHECK(v.exit_code == 0);
  CHECK_THAT(v.out, Catch::EndsWith("\nallocates with " + allocator_name() + "\n"));
}

TEST_CASE("the heap in use counts what is allocated", "[allocator]") {
  const std::optional<std::size_t> before = heap_bytes_in_use();
  if (!before) return;  // a sanitizer's allocator
  std::vector<std::unique_ptr<char[]>> blocks;
  for (int i = 0; i < 64; ++i) blocks.emplace_back(new char[64 * 1024]);
  CHECK(*heap_bytes_in_use() >= *before + 64 * 64 * 1024);
}

#ifdef MIGRASAFE_JEMALLOC
namespace {

// jemalloc's value of `name`; false if it has none.
template <typename T>
bool read_into(const char* name, T& value) {
  std::size_t size = sizeof value;
  return mallctl(name, &value, &size, nullptr, 0) == 0;
}

// The dirty pages of every arena: freed, still mapped and counted in the resident set.
std::size_t dirty_pages() {
  heap_bytes_in_use();  // refreshes jemalloc's statistics
  std::size_t pages = 0;
  REQUIRE(read_into("stats.arenas.4096.pdirty", pages));
  return pages;
}

}  // namespace

TEST_CASE("jemalloc runs with the configuration compiled into the binary", "[allocator]") {
  // parser/allocator.cpp's malloc_conf (the suite runs without MALLOC_CONF, which would override it).
  unsigned arenas = 0;
  ssize_t dirty_decay_ms = 0;
  bool background_thread = true;
  REQUIRE(read_into("opt.narenas", arenas));
  REQUIRE(read_into("opt.dirty_decay_ms", dirty_decay_ms));
  REQUIRE(read_into("opt.background_thread", background_thread));
  CHECK(arenas == 1);
  CHECK(dirty_decay_ms == 200);
  CHECK(!background_thread);
}

TEST_CASE("freed memory is handed back to the system on request", "[allocator]") {
  {
    std::vector<std::unique_ptr<char[]>> blocks;
    for (int i = 0; i < 1024; ++i) {
      blocks.emplace_back(new char[16 * 1024]);
      blocks.back()[0] = 1;  // touched: resident
    }
  }
  CHECK(dirty_pages() > 0);  // kept for 200 ms, for the next allocations
  release_free_memory();
  CHECK(dirty_pages() == 0);
}
#endif
