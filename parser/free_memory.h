#pragma once
// Handing the memory the allocator keeps free back to the system.

namespace migrasafe {

// Returns the free pages of every malloc arena to the system (glibc:
// malloc_trim). Memory freed by one thread stays in its arena, which the
// threads that allocate next may never use. It walks every arena, so it is
// worth its cost only after much was freed (a large file's parse, a large
// run), not after each small run.
void release_free_memory();

}  // namespace migrasafe
