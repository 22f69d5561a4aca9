// The parse-only floor for `make bench`: reads the same files and runs
// libpg_query's parser on each, in parallel, and nothing else.
#include <pg_query.h>

#include <atomic>
#include <iostream>
#include <thread>

#include "sources/discovery.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  std::vector<migrasafe::InputError> errors;
  auto files = migrasafe::discover(args, "", errors);
  std::atomic<std::size_t> next{0}, failed{0};
  auto worker = [&] {
    for (std::size_t i; (i = next++) < files.size();) {
      std::string err;
      auto text = migrasafe::read_input(files[i], err);
      if (!text) continue;
      PgQueryParseResult r = pg_query_parse(text->c_str());
      if (r.error) ++failed;
      pg_query_free_parse_result(r);
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < std::max(1u, std::thread::hardware_concurrency()); ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  std::cout << files.size() << " files, " << failed << " with parse errors\n";
  return 0;
}
