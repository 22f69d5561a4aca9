#include "engine/fix_loop.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "rules/fix.h"

namespace migrasafe {
namespace {

// Replaces `path`'s content with `text` atomically: a temporary file in the
// same directory, with the same permissions, synced and renamed over it (the
// target of a symlink is replaced, not the link).
bool write_atomically(const std::string& path, const std::string& text, std::string& error) {
  std::error_code ec;
  std::filesystem::path target = std::filesystem::canonical(path, ec);
  if (ec) {
    error = ec.message();
    return false;
  }
  struct stat st {};
  if (::stat(target.c_str(), &st) != 0) {
    error = std::strerror(errno);
    return false;
  }
  std::string tmp = (target.parent_path() / ("." + target.filename().string() + ".migrasafe-XXXXXX")).string();
  int fd = ::mkstemp(tmp.data());
  if (fd < 0) {
    error = std::strerror(errno);
    return false;
  }
  bool ok = ::fchmod(fd, st.st_mode & 07777) == 0;
  for (std::size_t done = 0; ok && done < text.size();) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) done += static_cast<std::size_t>(n);
  }
  ok = ok && ::fsync(fd) == 0;
  if (!ok) error = std::strerror(errno);
  ok = ::close(fd) == 0 && ok;
  if (ok && ::rename(tmp.c_str(), target.c_str()) != 0) {
    error = std::strerror(errno);
    ok = false;
  }
  if (!ok) ::unlink(tmp.c_str());
  return ok;
}

std::string plural(std::size_t n, const std::string& word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : word.ends_with('x') ? "es" : "s");  // fix, fixes
}

}  // namespace

FixPass fix_pass(const std::vector<InputFile>& inputs, const RunResult& run, std::optional<std::string>& stdin_text,
                 FixTally& tally, std::vector<RunMessage>& messages) {
  bool stdin_only = std::any_of(inputs.begin(), inputs.end(), [](const InputFile& f) { return f.from_stdin; });
  std::size_t overlapping = 0;
  FixPass pass;
  for (const FileResult& f : run.files) {
    bool from_stdin = std::any_of(inputs.begin(), inputs.end(), [&](const InputFile& in) { return in.from_stdin && in.path == f.path; });
    if (from_stdin != stdin_only || !f.input_error.empty()) continue;
    const std::string& original = f.parsed.source->text;
    FixOutcome o = apply_fixes(original, f.diagnostics);
    overlapping += o.skipped;
    if (from_stdin) stdin_text = original;
    if (o.applied == 0) continue;
    std::size_t before = syntax_error_count(parse_file(std::make_shared<const SourceFile>(f.path, original)));
    std::size_t after = syntax_error_count(parse_file(std::make_shared<const SourceFile>(f.path, o.text)));
    if (after > before) {
      messages.push_back({RunMessage::Level::Warning, f.path + ": not fixed: with its " + plural(o.applied, "fix") +
                                                          " the file would have " +
                                                          plural(after - before, "new syntax error")});
      continue;
    }
    std::string error;
    if (from_stdin) {
      stdin_text = std::move(o.text);
    } else if (!write_atomically(f.path, o.text, error)) {
      messages.push_back({RunMessage::Level::Error, f.path + ": cannot write the fixed file: " + error});
      pass.write_failed = true;
      continue;
    }
    pass.applied += o.applied;
    tally.files.insert(f.path);
  }
  tally.fixes += pass.applied;
  tally.overlapping = overlapping;  // the last pass's: earlier ones were retried
  ++tally.passes;
  return pass;
}

std::string fix_summary(const FixTally& t) {
  std::string text = "fixed " + plural(t.fixes, "finding") + " in " + plural(t.files.size(), "file");
  if (t.overlapping) text += "; " + plural(t.overlapping, "fix") + " left out because it overlaps another";
  return text;
}

}  // namespace migrasafe
