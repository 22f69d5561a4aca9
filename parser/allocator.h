#pragma once
// The memory allocator the program links: jemalloc (linked in from Debian's archive by default,
// MIGRASAFE_JEMALLOC) or the C library's malloc (-DMIGRASAFE_JEMALLOC=OFF, and the sanitizer
// builds, whose runtime replaces malloc). What the code asks of either goes through here.
#include <cstddef>
#include <optional>
#include <string>

namespace migrasafe {

// "jemalloc 5.3.0" when this process's malloc and operator new are jemalloc's, otherwise
// "the C library's malloc" (for `migrasafe --version`).
std::string allocator_name();

// Before threads start allocating side by side: glibc gets as many arenas as cores (jemalloc's
// arenas are set by its compiled-in configuration).
void share_arenas_among_cores();

// Hands memory that has been freed back to the system: after a large file's parse and after a
// run (the language server runs for hours), where the threads that allocate next would not
// reuse it soon.
void release_free_memory();

// The bytes of the live allocations (what a parse holds, for the tests); nullopt when the
// allocator cannot tell (a sanitizer's).
std::optional<std::size_t> heap_bytes_in_use();

}  // namespace migrasafe
