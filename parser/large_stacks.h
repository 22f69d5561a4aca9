#pragma once
// Threads for work that walks parse trees recursively.
#include <cstddef>
#include <functional>

namespace migrasafe {

// Runs `fn` on `n` threads with 256 MiB stacks (address space only; pages are
// touched as used), so deeply nested statements cannot overflow the recursive
// tree walks, and returns when all of them have returned. `fn` must not throw.
void run_on_large_stacks(unsigned n, const std::function<void()>& fn);

// The same with the calling thread as one of the `n`: it runs `fn` too
// instead of waiting (and its time is not counted twice by a PhaseTimer).
void run_here_and_on_large_stacks(unsigned n, const std::function<void()>& fn);

// fn(i) once for each i < count, on `n` threads as above (the calling one
// among them), each taking the next index not taken yet; returns when all
// are done, and rethrows the first exception one of them threw.
void for_each_index_on_large_stacks(unsigned n, std::size_t count, const std::function<void(std::size_t)>& fn);

}  // namespace migrasafe
