#include "parser/large_stacks.h"

#include <pthread.h>

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

}  // namespace migrasafe
