#pragma once
// Helpers shared by the test files.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "rules/engine.h"

namespace testing {

inline std::string source_dir() { return MIGRASAFE_SOURCE_DIR; }

// The real-migration corpus: $MIGRASAFE_CORPUS, else ../shared/corpus beside the repository.
inline std::filesystem::path corpus_dir() {
  const char* env = std::getenv("MIGRASAFE_CORPUS");
  return env && *env ? std::filesystem::path(env) : std::filesystem::path(source_dir()) / ".." / "shared" / "corpus";
}

// Whether a corpus test may skip when the corpus is missing (MIGRASAFE_ALLOW_NO_CORPUS=1) instead of failing.
inline bool missing_corpus_allowed() {
  const char* allow = std::getenv("MIGRASAFE_ALLOW_NO_CORPUS");
  return allow && std::string(allow) == "1";
}

inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Writes `text` to `p`, creating its directories.
inline void write_file(const std::filesystem::path& p, const std::string& text) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

// A new, empty directory `name` under this process's scratch directory for `suite`.
inline std::filesystem::path fresh_dir(const std::string& suite, const std::string& name) {
  namespace fs = std::filesystem;
  fs::path d = fs::temp_directory_path() / ("migrasafe-" + suite + "-" + std::to_string(::getpid())) / name;
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

struct Run {
  int exit_code;
  std::string out;
};

// Runs the migrasafe binary with `args` (bash syntax) from `dir` (default:
// the source dir).
inline Run run_cli(const std::string& args, const std::string& dir = source_dir()) {
  static int counter = 0;
  std::filesystem::path script = std::filesystem::temp_directory_path() /
                                 ("migrasafe-test-" + std::to_string(::getpid()) + "-" + std::to_string(++counter) + ".sh");
  std::ofstream(script) << "cd '" << dir << "' && " << MIGRASAFE_BINARY << " " << args << "\n";
  FILE* p = popen(("bash '" + script.string() + "'").c_str(), "r");
  std::string out;
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int status = pclose(p);
  std::filesystem::remove(script);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

inline migrasafe::FileResult lint_text(const std::string& sql, const migrasafe::LintOptions& opts = {},
                                       const std::string& path = "test.sql") {
  auto src = std::make_shared<const migrasafe::SourceFile>(path, sql);
  return migrasafe::lint_source(src, {}, opts);
}

}  // namespace testing
