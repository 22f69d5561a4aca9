// `migrasafe snapshot`: reads the schema and the table sizes of a live
// database through libpq. Read-only by construction: one READ ONLY
// transaction with a statement_timeout, catalog and statistics queries only.
#include <libpq-fe.h>

#include <chrono>
#include <ctime>
#include <map>
#include <memory>

#include <nlohmann/json.hpp>

#include "parser/lexer.h"
#include "snapshot/snapshot.h"

namespace migrasafe {

namespace {

using nlohmann::ordered_json;

struct Connection {
  PGconn* conn = nullptr;
  ~Connection() {
    if (conn) PQfinish(conn);
  }
};

struct Result {
  PGresult* res = nullptr;
  ~Result() {
    if (res) PQclear(res);
  }
  int rows() const { return PQntuples(res); }
  std::string text(int row, int col) const { return PQgetvalue(res, row, col); }
  bool null(int row, int col) const { return PQgetisnull(res, row, col); }
  bool flag(int row, int col) const { return text(row, col) == "t"; }
  long long integer(int row, int col) const { return null(row, col) ? 0 : std::stoll(text(row, col)); }
};

// The server's error without a trailing newline (libpq's messages name the
// host and the user, never the password).
std::string message_of(const char* m) {
  std::string s = m ? m : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

bool run(PGconn* conn, const std::string& sql, Result& out, std::string& error) {
  out.res = PQexec(conn, sql.c_str());
  ExecStatusType st = PQresultStatus(out.res);
  if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) return true;
  error = message_of(PQresultErrorMessage(out.res));
  return false;
}

// The relations the snapshot covers, as a WHERE condition on pg_namespace n
// and pg_class c: user schemas only, minus --exclude-schema, and with
// --tables only the matching tables (a glob on "schema.name" or "name").
std::string relation_filter(const SnapshotRequest& r, bool tables_only) {
  std::string where =
      "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT "
      "LIKE 'pg\\_temp\\_%' AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND "
      "d.objid = c.oid AND d.deptype = 'e')";
  for (const std::string& s : r.exclude_schemas) where += " AND n.nspname <> " + quote_literal(s);
  if (tables_only && !r.tables.empty()) {
    std::string like;
    for (char ch : r.tables) {
      if (ch == '*') like += '%';
      else if (ch == '?') like += '_';
      else if (ch == '%' || ch == '_' || ch == '\\') (like += '\\') += ch;
      else like += ch;
    }
    where += " AND (n.nspname || '.' || c.relname LIKE " + quote_literal(like) + " OR c.relname LIKE " +
             quote_literal(like) + ")";
  }
  return where;
}

std::string utc_now() {
  std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  char buf[32];
  std::tm tm{};
  gmtime_r(&now, &tm);
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

std::optional<std::string> take_snapshot(const SnapshotRequest& request, std::string& error) {
  Connection c;
  c.conn = PQconnectdb(request.conninfo.c_str());
  if (!c.conn || PQstatus(c.conn) != CONNECTION_OK) {
    // A null connection: libpq could not be loaded (verify/libpq_on_demand.cpp says why), or out of memory.
    error = "cannot connect: " + message_of(PQerrorMessage(c.conn));
    return std::nullopt;
  }
  int version = PQserverVersion(c.conn);
  if (version < 100000) {
    error = "the server is PostgreSQL " + std::to_string(version / 10000) + "; snapshots need PostgreSQL 10 or later";
    return std::nullopt;
  }
  Result r;
  if (!run(c.conn,
           "BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY; SET LOCAL statement_timeout = " +
               std::to_string(request.statement_timeout_ms) + "; SET LOCAL search_path = pg_catalog",
           r, error))
    return std::nullopt;

  ordered_json doc;
  doc["format"] = "migrasafe-snapshot";
  doc["version"] = 1;
  doc["taken_at"] = utc_now();
  doc["server_version"] = PQparameterStatus(c.conn, "server_version") ? PQparameterStatus(c.conn, "server_version") : "";
  doc["server_version_num"] = version;
  doc["database"] = PQdb(c.conn);

  // Tables and partitioned tables, with their sizes.
  std::string partition_key = "pg_get_partkeydef(c.oid)";
  Result tables;
  if (!run(c.conn,
           "SELECT c.oid, n.nspname, c.relname, c.relkind, c.reltuples, s.n_live_tup, "
           "pg_relation_size(c.oid), pg_indexes_size(c.oid), "
           "CASE WHEN c.reltoastrelid <> 0 THEN pg_total_relation_size(c.reltoastrelid) ELSE 0 END, "
           "c.relispartition, pg_get_expr(c.relpartbound, c.oid), pn.nspname, pc.relname, "
           "CASE WHEN c.relkind = 'p' THEN " + partition_key + " END "
           "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
           "LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid "
           "LEFT JOIN pg_inherits i ON c.relispartition AND i.inhrelid = c.oid "
           "LEFT JOIN pg_class pc ON pc.oid = i.inhparent LEFT JOIN pg_namespace pn ON pn.oid = pc.relnamespace "
           "WHERE c.relkind IN ('r', 'p') AND c.relpersistence <> 't' AND " + relation_filter(request, true) +
           " ORDER BY n.nspname, c.relname",
           tables, error))
    return std::nullopt;
  std::map<std::string, ordered_json> by_oid;
  std::vector<std::string> order;
  std::string oids;
  for (int i = 0; i < tables.rows(); ++i) {
    ordered_json t;
    t["schema"] = tables.text(i, 1);
    t["name"] = tables.text(i, 2);
    t["kind"] = tables.text(i, 3) == "p" ? "partitioned" : "table";
    // reltuples is -1 (PG14+) or 0 with no pages (older) before the first ANALYZE.
    double reltuples = std::stod(tables.text(i, 4));
    double live = tables.null(i, 5) ? -1 : std::stod(tables.text(i, 5));
    t["rows"] = reltuples >= 0 ? reltuples : live;
    t["live_rows"] = live;
    t["heap_bytes"] = tables.integer(i, 6);
    t["index_bytes"] = tables.integer(i, 7);
    t["toast_bytes"] = tables.integer(i, 8);
    if (tables.flag(i, 9) && !tables.null(i, 12)) {
      t["partition_of"] = {{"schema", tables.text(i, 11)}, {"name", tables.text(i, 12)}};
      t["partition_bound"] = tables.text(i, 10);
    }
    if (!tables.null(i, 13)) t["partition_key"] = tables.text(i, 13);
    t["columns"] = ordered_json::array();
    t["constraints"] = ordered_json::array();
    t["indexes"] = ordered_json::array();
    t["triggers"] = ordered_json::array();
    std::string oid = tables.text(i, 0);
    by_oid[oid] = std::move(t);
    order.push_back(oid);
    oids += (oids.empty() ? "" : ",") + oid;
  }
  if (oids.empty()) oids = "0";
  std::string in_tables = " IN (" + oids + ")";

  Result columns;
  std::string generated = version >= 120000 ? "a.attgenerated" : "''";
  if (!run(c.conn,
           "SELECT a.attrelid, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, "
           "pg_get_expr(d.adbin, d.adrelid), a.attidentity, " + generated +
           " FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
           "WHERE a.attnum > 0 AND NOT a.attisdropped AND a.attrelid" + in_tables + " ORDER BY a.attrelid, a.attnum",
           columns, error))
    return std::nullopt;
  for (int i = 0; i < columns.rows(); ++i) {
    ordered_json col;
    col["name"] = columns.text(i, 1);
    col["type"] = columns.text(i, 2);
    col["not_null"] = columns.flag(i, 3);
    if (!columns.null(i, 4)) col["default"] = columns.text(i, 4);
    if (!columns.text(i, 5).empty()) col["identity"] = columns.text(i, 5);
    if (!columns.text(i, 6).empty()) col["generated"] = columns.text(i, 6);
    by_oid[columns.text(i, 0)]["columns"].push_back(std::move(col));
  }

  Result constraints;
  if (!run(c.conn,
           "SELECT conrelid, conname, contype, pg_get_constraintdef(oid), convalidated FROM pg_constraint "
           "WHERE contype IN ('p', 'u', 'f', 'c', 'x') AND conrelid" + in_tables +
           " ORDER BY conrelid, conname",
           constraints, error))
    return std::nullopt;
  for (int i = 0; i < constraints.rows(); ++i)
    by_oid[constraints.text(i, 0)]["constraints"].push_back({{"name", constraints.text(i, 1)},
                                                             {"type", constraints.text(i, 2)},
                                                             {"definition", constraints.text(i, 3)},
                                                             {"validated", constraints.flag(i, 4)}});

  // Indexes that no constraint owns (those come back with their constraint).
  Result indexes;
  if (!run(c.conn,
           "SELECT x.indrelid, ic.relname, pg_get_indexdef(x.indexrelid), x.indisvalid, pg_relation_size(x.indexrelid) "
           "FROM pg_index x JOIN pg_class ic ON ic.oid = x.indexrelid WHERE x.indrelid" + in_tables +
           " AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid AND k.conrelid = x.indrelid) "
           "AND NOT EXISTS (SELECT 1 FROM pg_inherits i WHERE i.inhrelid = x.indexrelid) "
           "ORDER BY x.indrelid, ic.relname",
           indexes, error))
    return std::nullopt;
  for (int i = 0; i < indexes.rows(); ++i)
    by_oid[indexes.text(i, 0)]["indexes"].push_back({{"name", indexes.text(i, 1)},
                                                     {"definition", indexes.text(i, 2)},
                                                     {"valid", indexes.flag(i, 3)},
                                                     {"bytes", indexes.integer(i, 4)}});

  Result triggers;
  // Triggers a partition inherits from its parent's (tgparentid, 13+) come with the parent.
  std::string own_trigger = version >= 130000 ? " AND tgparentid = 0" : "";
  if (!run(c.conn,
           "SELECT tgrelid, tgname, pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal" + own_trigger +
               " AND tgrelid" + in_tables + " ORDER BY tgrelid, tgname",
           triggers, error))
    return std::nullopt;
  for (int i = 0; i < triggers.rows(); ++i)
    by_oid[triggers.text(i, 0)]["triggers"].push_back(
        {{"name", triggers.text(i, 1)}, {"definition", triggers.text(i, 2)}});
  doc["tables"] = ordered_json::array();
  for (const std::string& oid : order) doc["tables"].push_back(std::move(by_oid[oid]));

  Result views;
  if (!run(c.conn,
           "SELECT n.nspname, c.relname, c.relkind = 'm', pg_get_viewdef(c.oid) FROM pg_class c "
           "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('v', 'm') AND " +
               relation_filter(request, false) + " ORDER BY c.oid",
           views, error))
    return std::nullopt;
  doc["views"] = ordered_json::array();
  for (int i = 0; i < views.rows(); ++i)
    doc["views"].push_back({{"schema", views.text(i, 0)},
                            {"name", views.text(i, 1)},
                            {"materialized", views.flag(i, 2)},
                            {"definition", views.text(i, 3)}});

  // Sequences not created by an identity column (those come with their column).
  Result sequences;
  if (!run(c.conn,
           "SELECT n.nspname, c.relname, (SELECT format('%I.%I.%I', tn.nspname, t.relname, a.attname) FROM pg_depend d "
           "JOIN pg_class t ON t.oid = d.refobjid JOIN pg_namespace tn ON tn.oid = t.relnamespace "
           "JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid "
           "WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'a' LIMIT 1) "
           "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'S' AND " +
               relation_filter(request, false) +
               " AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid "
               "AND d.deptype = 'i') ORDER BY n.nspname, c.relname",
           sequences, error))
    return std::nullopt;
  doc["sequences"] = ordered_json::array();
  for (int i = 0; i < sequences.rows(); ++i) {
    ordered_json s = {{"schema", sequences.text(i, 0)}, {"name", sequences.text(i, 1)}};
    if (!sequences.null(i, 2)) s["owned_by"] = sequences.text(i, 2);
    doc["sequences"].push_back(std::move(s));
  }

  std::string user_schema =
      "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'";
  for (const std::string& s : request.exclude_schemas) user_schema += " AND n.nspname <> " + quote_literal(s);
  Result enums;
  if (!run(c.conn,
           "SELECT n.nspname, t.typname, array_to_json(array_agg(e.enumlabel ORDER BY e.enumsortorder))::text "
           "FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace JOIN pg_enum e ON e.enumtypid = t.oid "
           "WHERE " + user_schema +
           " AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid "
           "AND d.deptype = 'e') GROUP BY n.nspname, t.typname ORDER BY n.nspname, t.typname",
           enums, error))
    return std::nullopt;
  doc["enums"] = ordered_json::array();
  for (int i = 0; i < enums.rows(); ++i)
    doc["enums"].push_back({{"schema", enums.text(i, 0)},
                            {"name", enums.text(i, 1)},
                            {"values", ordered_json::parse(enums.text(i, 2))}});

  std::string kind = version >= 110000 ? "p.prokind IN ('f', 'p')" : "NOT p.proisagg AND NOT p.proiswindow";
  Result functions;
  if (!run(c.conn,
           "SELECT n.nspname, p.proname, pg_get_function_identity_arguments(p.oid), p.provolatile, "
           "pg_get_functiondef(p.oid) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE " +
               user_schema + " AND " + kind +
               " AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid "
               "AND d.deptype = 'e') ORDER BY n.nspname, p.proname, p.oid",
           functions, error))
    return std::nullopt;
  doc["functions"] = ordered_json::array();
  static const std::map<std::string, std::string> volatility = {{"i", "immutable"}, {"s", "stable"}, {"v", "volatile"}};
  for (int i = 0; i < functions.rows(); ++i)
    doc["functions"].push_back({{"schema", functions.text(i, 0)},
                                {"name", functions.text(i, 1)},
                                {"arguments", functions.text(i, 2)},
                                {"volatility", volatility.count(functions.text(i, 3)) ? volatility.at(functions.text(i, 3)) : ""},
                                {"definition", functions.text(i, 4)}});
  Result done;
  run(c.conn, "COMMIT", done, error);
  return doc.dump(2, ' ', false, ordered_json::error_handler_t::replace) + "\n";
}

}  // namespace migrasafe
