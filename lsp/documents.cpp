#include "lsp/documents.h"

#include <filesystem>

#include "reporters/reporters.h"

namespace migrasafe::lsp {

std::optional<std::string> uri_to_path(const std::string& uri) {
  const std::string scheme = "file://";
  if (uri.compare(0, scheme.size(), scheme) != 0) return std::nullopt;
  std::string rest = uri.substr(scheme.size());
  // file://host/path: only the local host (empty or "localhost") is a local file.
  std::size_t slash = rest.find('/');
  if (slash == std::string::npos) return std::nullopt;
  std::string host = rest.substr(0, slash);
  if (!host.empty() && host != "localhost") return std::nullopt;
  rest.erase(0, slash);
  std::string path;
  for (std::size_t i = 0; i < rest.size(); ++i) {
    auto hex = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    };
    if (rest[i] == '%' && i + 2 < rest.size() && hex(rest[i + 1]) >= 0 && hex(rest[i + 2]) >= 0) {
      path += static_cast<char>(hex(rest[i + 1]) * 16 + hex(rest[i + 2]));
      i += 2;
    } else if (rest[i] == '?' || rest[i] == '#') {
      break;
    } else {
      path += rest[i];
    }
  }
  if (path.find('\0') != std::string::npos) return std::nullopt;
  return std::filesystem::path(path).lexically_normal().string();
}

std::string path_to_file_uri(const std::string& path) { return path_to_uri(path); }

const Document& Documents::open(const std::string& uri, int version, std::string text) {
  Document& d = by_uri_[uri];
  d.uri = uri;
  d.path = uri_to_path(uri).value_or("");
  d.version = version;
  d.source = std::make_shared<const SourceFile>(d.path.empty() ? uri : d.path, std::move(text));
  if (!d.path.empty()) uri_by_path_[d.path] = uri;
  return d;
}

const Document* Documents::change(const std::string& uri, int version, std::string text) {
  auto it = by_uri_.find(uri);
  if (it == by_uri_.end()) return nullptr;
  it->second.version = version;
  it->second.source = std::make_shared<const SourceFile>(it->second.source->path, std::move(text));
  return &it->second;
}

void Documents::close(const std::string& uri) {
  auto it = by_uri_.find(uri);
  if (it == by_uri_.end()) return;
  if (!it->second.path.empty()) uri_by_path_.erase(it->second.path);
  by_uri_.erase(it);
}

const Document* Documents::find(const std::string& uri) const {
  auto it = by_uri_.find(uri);
  return it == by_uri_.end() ? nullptr : &it->second;
}

std::shared_ptr<const SourceFile> Documents::buffer_of_path(const std::string& path) const {
  auto it = uri_by_path_.find(path);
  if (it == uri_by_path_.end()) return nullptr;
  return by_uri_.at(it->second).source;
}

}  // namespace migrasafe::lsp
