#pragma once
// What the language server needs from the lint engine: "lint this buffer of
// this path, judged in its migration set, with the history before it".
//
// The implementation (lsp/linter.cpp) is a stand-in built on what exists
// today (analyse_file, the layouts, the config loader); it is meant to be
// replaced by the engine's LintSession::relint, with this interface kept.
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "rules/engine.h"

namespace migrasafe::lsp {

struct LintedBuffer {
  FileResult file;  // the buffer's statements, effects and findings (empty when config_error is set)
  // An invalid .migrasafe.toml: its message ("FILE:LINE: ..."), shown
  // instead of findings so a broken config is never silence.
  std::optional<std::string> config_error;
};

class Linter {
 public:
  // The editor's open buffer of an absolute path (its unsaved text), or nullptr:
  // read instead of the file on disk when the history is replayed.
  using OpenBuffers = std::function<std::shared_ptr<const SourceFile>(const std::string& path)>;

  explicit Linter(OpenBuffers open_buffers);
  ~Linter();
  Linter(const Linter&) = delete;
  Linter& operator=(const Linter&) = delete;

  // Lints `buffer` as the file at absolute `path`: the nearest
  // .migrasafe.toml, the migration set the file belongs to (a file outside
  // any set is linted on its own), and the migrations before it, replayed
  // once and cached, so an edit re-lints one file.
  LintedBuffer lint(const std::string& path, std::shared_ptr<const SourceFile> buffer);

  // Configuration or files on disk changed: forget every cached set and history.
  void forget();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace migrasafe::lsp
