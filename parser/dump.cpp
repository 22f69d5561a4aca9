#include "parser/dump.h"

namespace migrasafe {

bool looks_like_schema_dump(std::string_view text) {
  text = text.substr(0, kDumpHeadBytes);
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // a UTF-8 byte order mark
  bool session_preamble = false;
  for (std::size_t pos = 0; pos < text.size();) {
    std::size_t eol = text.find('\n', pos);
    std::string_view line = text.substr(pos, eol == std::string_view::npos ? std::string_view::npos : eol - pos);
    pos = eol == std::string_view::npos ? text.size() : eol + 1;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
    if (line == "-- PostgreSQL database dump") return true;
    if (line.starts_with("SET client_encoding = ") || line == "SET standard_conforming_strings = on;")
      session_preamble = true;
    if (session_preamble && line == "SELECT pg_catalog.set_config('search_path', '', false);") return true;
  }
  return false;
}

}  // namespace migrasafe
