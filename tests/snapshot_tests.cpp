// Snapshot files: reading, the schema DDL they replay as, and size texts.
#include <catch2/catch.hpp>

#include "rules/engine.h"
#include "snapshot/snapshot.h"

using namespace migrasafe;

namespace {

const char* kSnapshot = R"json({
  "format": "migrasafe-snapshot", "version": 1, "taken_at": "2026-12-01T10:00:00Z", "server_version_num": 150018,
  "tables": [
    {"schema": "public", "name": "user", "rows": 1200, "heap_bytes": 204800, "index_bytes": 0, "toast_bytes": 0,
     "columns": [{"name": "select", "type": "integer", "not_null": true},
                 {"name": "id", "type": "bigint", "not_null": true, "identity": "d"}],
     "constraints": [{"name": "user_pkey", "type": "p", "definition": "PRIMARY KEY (id)", "validated": true},
                     {"name": "select_positive", "type": "c", "definition": "CHECK ((\"select\" > 0)) NOT VALID",
                      "validated": false}],
     "indexes": [{"name": "user_select_idx", "definition": "CREATE INDEX user_select_idx ON public.\"user\" USING btree (\"select\")"}]},
    {"schema": "app", "name": "part_2026", "rows": -1, "heap_bytes": 0,
     "partition_of": {"schema": "app", "name": "parts"}, "partition_bound": "FOR VALUES FROM (2026) TO (2027)"},
    {"schema": "app", "name": "parts", "rows": 0, "partition_key": "RANGE (y)",
     "columns": [{"name": "y", "type": "integer", "not_null": false}]}
  ],
  "enums": [{"schema": "public", "name": "mood", "values": ["sad", "it's ok"]}]
})json";

}  // namespace

TEST_CASE("a snapshot's schema replays like a dump", "[snapshot]") {
  Snapshot s = parse_snapshot(kSnapshot, "snap.json");
  CHECK(s.major_version() == 15);
  REQUIRE(s.tables.count({"public", "user"}));
  CHECK(s.tables.at({"public", "user"}).rows == 1200);
  CHECK(s.tables.at({"app", "part_2026"}).rows == -1);
  // Reserved words quoted, parents before partitions, the enum's quote doubled.
  CHECK(s.schema_sql.find("CREATE TABLE public.\"user\" (\n  \"select\" integer NOT NULL") != std::string::npos);
  CHECK(s.schema_sql.find("'it''s ok'") != std::string::npos);
  CHECK(s.schema_sql.find("CREATE TABLE app.parts") < s.schema_sql.find("CREATE TABLE app.part_2026 PARTITION OF app.parts"));

  LintOptions options;
  std::fill(options.enabled.begin(), options.enabled.end(), false);
  SetHistory history;
  FileResult replay = analyse_file(parse_file(std::make_shared<const SourceFile>("snap.json", s.schema_sql)), {},
                                   options, nullptr, &history);
  const Catalog& catalog = history.schema;
  CHECK(replay.parsed.problems.empty());
  REQUIRE(catalog.table({"public", "user"}));
  CHECK(catalog.column({"public", "user"}, "select")->not_null);
  CHECK(catalog.table({"app", "part_2026"}));
}

TEST_CASE("bad snapshot files are errors that name the file", "[snapshot]") {
  CHECK_THROWS_WITH(parse_snapshot("[1]", "s.json"), Catch::Contains("s.json: not a migrasafe snapshot"));
  CHECK_THROWS_WITH(parse_snapshot(R"({"format": "migrasafe-snapshot", "version": 2})", "s.json"),
                    Catch::Contains("version 2 is not supported"));
  CHECK_THROWS_WITH(parse_snapshot(R"({"format": "migrasafe-snapshot", "version": 1, "tables": [{"rows": "x"}]})",
                                   "s.json"),
                    Catch::Contains("s.json: malformed snapshot"));
  CHECK_THROWS_WITH(load_snapshot("/nonexistent/snap.json"), Catch::Contains("/nonexistent/snap.json"));
  // A format of another type is not a snapshot (it threw a JSON type error); a deeply nested version
  // is named by its type (quoting it back recursed once per level and overflowed the stack).
  CHECK_THROWS_WITH(parse_snapshot(R"({"format": 5})", "s.json"), Catch::Contains("s.json: not a migrasafe snapshot"));
  std::string deep = std::string(100000, '[') + std::string(100000, ']');
  CHECK_THROWS_WITH(parse_snapshot(R"({"format": "migrasafe-snapshot", "version": )" + deep + "}", "s.json"),
                    Catch::Contains("s.json: snapshot version of type array is not supported"));
}

TEST_CASE("sizes and durations read as people write them", "[snapshot]") {
  CHECK(describe_bytes(512) == "512 bytes");
  CHECK(describe_bytes(37.0 * (1 << 20)) == "37 MB");
  CHECK(describe_bytes(1.5 * (1 << 30)) == "1.5 GB");
  CHECK(describe_size({412e6, 96LL << 30, 0, 0}) == "~412 M rows, 96 GB");
  CHECK(describe_size({-1, 8192, 0, 0}) == "rows unknown (never analysed), 8.0 kB");
  CHECK(describe_seconds(0.2) == "under a second");
  CHECK(describe_seconds(40) == "~40 s");
  CHECK(describe_seconds(960) == "~16 min");
  CHECK(describe_seconds(9000) == "~2.5 h");
}
