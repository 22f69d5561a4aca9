#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <system_error>

// Tests name their scratch directories by process id, and ids are reused: a
// run could find what an earlier run with the same id left there (it happened
// between the two runs of the suite in `make test`, and failed a test). So
// each run keeps its scratch files under a new directory of its own (TMPDIR,
// which temp_directory_path and the commands the tests start read), removed
// at the end. Its name is short: PostgreSQL sockets under it (verify) must fit
// in 107 bytes.
int main(int argc, char* argv[]) {
  std::string scratch = (std::filesystem::temp_directory_path() / "ms-XXXXXX").string();
  if (!mkdtemp(scratch.data())) {
    std::perror("migrasafe_tests: mkdtemp");
    return 2;
  }
  // Open to all, as /tmp is: `verify` runs PostgreSQL as another user in it.
  std::filesystem::permissions(scratch, std::filesystem::perms::all | std::filesystem::perms::sticky_bit);
  setenv("TMPDIR", scratch.c_str(), 1);
  const int failed = Catch::Session().run(argc, argv);
  std::error_code ignored;
  std::filesystem::remove_all(scratch, ignored);
  return failed;
}
