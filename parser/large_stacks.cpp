#include "parser/large_stacks.h"

#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <vector>

#include "parser/allocator.h"

namespace migrasafe {

namespace {

// Starts `n` threads running `fn`; fewer (or none) when threads cannot be created.
std::vector<pthread_t> start_threads(unsigned n, const std::function<void()>& fn) {
  share_arenas_among_cores();
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 256u << 20);
  std::vector<pthread_t> threads;
  auto trampoline = [](void* f) -> void* {
    (*static_cast<const std::function<void()>*>(f))();
    return nullptr;
  };
  for (unsigned t = 0; t < n; ++t) {
    pthread_t id;
    if (pthread_create(&id, &attr, trampoline, const_cast<std::function<void()>*>(&fn)) == 0) threads.push_back(id);
  }
  pthread_attr_destroy(&attr);
  return threads;
}

}  // namespace

void run_on_large_stacks(unsigned n, const std::function<void()>& fn) {
  std::vector<pthread_t> threads = start_threads(n, fn);
  if (threads.empty()) fn();  // could not create threads: run here
  for (pthread_t id : threads) pthread_join(id, nullptr);
}

void run_here_and_on_large_stacks(unsigned n, const std::function<void()>& fn) {
  std::vector<pthread_t> threads = start_threads(n > 0 ? n - 1 : 0, fn);
  fn();
  for (pthread_t id : threads) pthread_join(id, nullptr);
}

void for_each_index_on_large_stacks(unsigned n, std::size_t count, const std::function<void(std::size_t)>& fn) {
  std::atomic<std::size_t> next{0};
  std::mutex failure_mutex;
  std::exception_ptr failure;
  run_here_and_on_large_stacks(static_cast<unsigned>(std::min<std::size_t>(std::max(n, 1u), count)), [&] {
    for (std::size_t i; (i = next++) < count;) {
      try {
        fn(i);
      } catch (...) {  // nothing may escape a thread
        std::lock_guard<std::mutex> lock(failure_mutex);
        if (!failure) failure = std::current_exception();
      }
    }
  });
  if (failure) std::rethrow_exception(failure);
}

}  // namespace migrasafe
