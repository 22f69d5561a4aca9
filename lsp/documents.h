#pragma once
// The editor's open buffers (full-text sync), and file URIs.
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "parser/source.h"

namespace migrasafe::lsp {

// The local path of a `file:` URI (percent-decoded); nullopt for other schemes.
std::optional<std::string> uri_to_path(const std::string& uri);
// The `file:` URI of an absolute path.
std::string path_to_file_uri(const std::string& path);

struct Document {
  std::string uri;
  std::string path;  // absolute; empty for a URI that is not a local file
  int version = 0;
  std::shared_ptr<const SourceFile> source;  // the buffer's text and line index
};

class Documents {
 public:
  const Document& open(const std::string& uri, int version, std::string text);
  // The whole new text (the server asks for full sync); nullptr when the document is not open.
  const Document* change(const std::string& uri, int version, std::string text);
  void close(const std::string& uri);
  const Document* find(const std::string& uri) const;
  // The open buffer of `path` (its unsaved text), or nullptr.
  std::shared_ptr<const SourceFile> buffer_of_path(const std::string& path) const;
  const std::map<std::string, Document>& all() const { return by_uri_; }

 private:
  std::map<std::string, Document> by_uri_;
  std::map<std::string, std::string> uri_by_path_;
};

}  // namespace migrasafe::lsp
