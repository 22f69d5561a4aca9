#include "parser/allocator.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <thread>

#ifdef MIGRASAFE_JEMALLOC
#include <jemalloc/jemalloc.h>
#else
#include <malloc.h>
#endif

#ifdef MIGRASAFE_JEMALLOC
// jemalloc reads this when it starts; MALLOC_CONF in the environment overrides the options it
// names. One arena: blocks freed by one thread are reused by the others (the parse threads' by the
// replay's; the threads waited on its locks twice in a corpus run, each thread allocating from its
// own cache). Freed pages go back to the system after 200 ms instead of 10 s (the corpus run
// peaked about 1.3 MB lower); at 0, every block freed and allocated again is a new page fault (the
// 4 MB file: 46,700 instead of 30,000). docs/notes/allocator.md has the measurements.
const char* malloc_conf = "narenas:1,dirty_decay_ms:200";
#endif

namespace migrasafe {

#ifdef MIGRASAFE_JEMALLOC

namespace {

template <typename T>
T read_control(const char* name) {
  T value{};
  std::size_t size = sizeof value;
  mallctl(name, &value, &size, nullptr, 0);
  return value;
}

}  // namespace

std::string allocator_name() {
  // jemalloc linked in but not the malloc this process calls would be a broken build: check that
  // jemalloc counts what malloc and operator new allocate here.
  const std::uint64_t* allocated = read_control<std::uint64_t*>("thread.allocatedp");
  if (!allocated) return "the C library's malloc";
  const std::uint64_t before = *allocated;
  void* volatile from_malloc = std::malloc(4096);  // volatile: the pair is not optimised away
  void* volatile from_new = ::operator new(4096);
  const bool counted = *allocated >= before + 2 * 4096;
  std::free(from_malloc);
  ::operator delete(from_new);
  if (!counted) return "the C library's malloc";
  std::string version = read_control<const char*>("version");
  return "jemalloc " + version.substr(0, version.find('-'));
}

void share_arenas_among_cores() {}

void release_free_memory() {
  static_assert(MALLCTL_ARENAS_ALL == 4096);
  mallctl("arena.4096.purge", nullptr, nullptr, nullptr, 0);  // every arena's unused dirty pages
}

std::optional<std::size_t> heap_bytes_in_use() {
  // This thread's cache of freed blocks counts as allocated until it is flushed.
  mallctl("thread.tcache.flush", nullptr, nullptr, nullptr, 0);
  std::uint64_t epoch = 1;
  std::size_t size = sizeof epoch;
  mallctl("epoch", &epoch, &size, &epoch, size);  // statistics are refreshed by a new epoch
  return read_control<std::size_t>("stats.allocated");
}

#else

std::string allocator_name() { return "the C library's malloc"; }

void share_arenas_among_cores() {
  // One shared arena makes every thread allocate under one lock (with sets replaying side by side
  // that doubled the corpus run's CPU time). glibc's default (8 per core, one per thread as they
  // come) keeps freed memory spread over arenas that no thread reuses: 20,000 small files peaked
  // at 86 MB instead of 69 MB.
  static const bool arenas_set = mallopt(M_ARENA_MAX, static_cast<int>(std::max(2u, std::thread::hardware_concurrency())));
  (void)arenas_set;
}

void release_free_memory() { malloc_trim(0); }

std::optional<std::size_t> heap_bytes_in_use() {
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MIGRASAFE_ASAN_ALLOCATOR 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(MIGRASAFE_ASAN_ALLOCATOR)
  return std::nullopt;  // the sanitizer's allocator: mallinfo2 sees none of it
#else
  struct mallinfo2 m = mallinfo2();
  return m.uordblks + m.hblkhd;
#endif
}

#endif

}  // namespace migrasafe
