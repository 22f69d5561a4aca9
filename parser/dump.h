#pragma once
// Recognises the output of pg_dump (a schema snapshot, not a migration):
// Rails' db/structure.sql, dbmate's db/schema.sql, `pg_dump --schema-only`.
#include <cstddef>
#include <string_view>

namespace migrasafe {

// Whether `text` starts like pg_dump output: its header comment
// (`-- PostgreSQL database dump`), or the session preamble every pg_dump
// since 2018 writes and tools that strip the comments keep
// (`SELECT pg_catalog.set_config('search_path', '', false);` after
// `SET client_encoding = ...` / `SET standard_conforming_strings = ...`).
// Only the first kDumpHeadBytes are read.
bool looks_like_schema_dump(std::string_view text);

inline constexpr std::size_t kDumpHeadBytes = 8192;

}  // namespace migrasafe
