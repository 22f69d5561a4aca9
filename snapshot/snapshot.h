#pragma once
// A production snapshot (`migrasafe snapshot`): the schema and the size of
// every table, read from a live database with catalog queries only, in one
// versioned JSON file (docs/snapshot.md). `check --snapshot FILE` replays the
// migrations on top of its schema, and findings about rewrites, scans, index
// builds and long locks name the sizes of the tables they hit.
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "analysis/names.h"

namespace migrasafe {

struct SnapshotError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct TableSize {
  double rows = -1;  // estimated live rows; -1: never analysed, unknown
  std::int64_t heap_bytes = 0, index_bytes = 0, toast_bytes = 0;
  std::int64_t total_bytes() const { return heap_bytes + index_bytes + toast_bytes; }
};

struct Snapshot {
  std::string path;            // the file it was read from
  int server_version_num = 0;  // 150018
  std::string taken_at;        // UTC, ISO 8601 ("2026-12-01T10:00:00Z")
  std::string schema_sql;      // DDL that rebuilds the schema, replayed like --schema
  std::map<QualifiedName, TableSize> tables;
  int major_version() const { return server_version_num / 10000; }
};

// Reads and checks a snapshot file. Throws SnapshotError naming the file.
Snapshot load_snapshot(const std::string& path);
// The same from text already read (`path` names it in messages).
Snapshot parse_snapshot(const std::string& text, const std::string& path);

struct SnapshotRequest {
  std::string conninfo;  // a URL or key=value string; empty: libpq's PG* environment variables
  std::vector<std::string> exclude_schemas;
  std::string tables;  // only tables whose "schema.name" or name matches this glob (empty: all)
  int statement_timeout_ms = 60000;
};

// Connects with libpq and reads the catalog and statistics in one READ ONLY
// transaction. Returns the snapshot file's JSON text, or nullopt with
// `error` set (the server's message; never the password).
std::optional<std::string> take_snapshot(const SnapshotRequest& request, std::string& error);

// "~412 M rows, 96 GB"
std::string describe_size(const TableSize& s);
// "12 kB", "3.4 MB", "96 GB"
std::string describe_bytes(double bytes);
// "~40 s", "~16 min", "~2.5 h"
std::string describe_seconds(double seconds);

}  // namespace migrasafe
