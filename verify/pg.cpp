#include "verify/pg.h"

#include <libpq-fe.h>

#include <stdexcept>

namespace migrasafe::verify {

namespace {

std::string first_line(const char* message) {
  std::string s = message ? message : "";
  if (auto nl = s.find('\n'); nl != std::string::npos) s.erase(nl);
  if (s.rfind("ERROR:  ", 0) == 0) s.erase(0, 8);
  return s;
}

}  // namespace

Connection::Connection(const std::string& conninfo, const std::string& dbname) {
  // The first dbname is expanded as a connection string; a second one overrides its database.
  const char* keywords[] = {"dbname", dbname.empty() ? nullptr : "dbname", nullptr};
  const char* values[] = {conninfo.c_str(), dbname.c_str(), nullptr};
  conn_ = PQconnectdbParams(keywords, values, 1);
  if (PQstatus(conn_) != CONNECTION_OK) {
    std::string message = first_line(PQerrorMessage(conn_));
    PQfinish(conn_);
    conn_ = nullptr;
    throw ConnectionError(message);
  }
  // Notices (e.g. "there is already a transaction in progress") are kept for the report, not printed.
  PQsetNoticeProcessor(
      conn_,
      [](void* self, const char* message) {
        static_cast<Connection*>(self)->notices_.push_back(first_line(message));
      },
      this);
}

Connection::~Connection() {
  if (conn_) PQfinish(conn_);
}

QueryResult Connection::exec(const std::string& sql) {
  if (!send(sql)) {
    QueryResult r;
    r.ok = false;
    r.error = first_line(PQerrorMessage(conn_));
    return r;
  }
  return finish();
}

bool Connection::send(const std::string& sql) {
  notices_.clear();
  return PQsendQuery(conn_, sql.c_str()) == 1;
}

bool Connection::busy() { return PQconsumeInput(conn_) == 1 && PQisBusy(conn_) == 1; }

int Connection::backend_pid() const { return PQbackendPID(conn_); }

QueryResult Connection::finish() {
  QueryResult r;
  PGresult* last = nullptr;
  // A multi-statement string gives one result per statement; the error, if any, is the last.
  while (PGresult* res = PQgetResult(conn_)) {
    if (last) PQclear(last);
    last = res;
    ExecStatusType status = PQresultStatus(res);
    // COPY ... FROM STDIN has no data to read here (a psql script sends it after the statement):
    // it fails; COPY ... TO STDOUT is read and dropped. Either way the next result follows.
    if (status == PGRES_COPY_IN) {
      PQputCopyEnd(conn_, "migrasafe verify sends no COPY data (COPY ... FROM STDIN needs psql)");
      continue;
    }
    if (status == PGRES_COPY_OUT) {
      char* row = nullptr;
      while (PQgetCopyData(conn_, &row, 0) > 0) PQfreemem(row);
      continue;
    }
    if (status == PGRES_FATAL_ERROR) {
      r.ok = false;
      r.error = first_line(PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY));
      if (const char* state = PQresultErrorField(res, PG_DIAG_SQLSTATE)) r.sqlstate = state;
    }
  }
  if (last && PQresultStatus(last) == PGRES_TUPLES_OK) {
    for (int row = 0; row < PQntuples(last); ++row) {
      std::vector<std::string> values;
      for (int col = 0; col < PQnfields(last); ++col) values.emplace_back(PQgetvalue(last, row, col));
      r.rows.push_back(std::move(values));
    }
  }
  if (last) PQclear(last);
  if (r.ok && PQstatus(conn_) != CONNECTION_OK) {
    r.ok = false;
    r.error = "connection lost: " + first_line(PQerrorMessage(conn_));
  }
  r.notices = std::move(notices_);
  notices_.clear();
  return r;
}

std::vector<std::vector<std::string>> Connection::query(const std::string& sql) {
  QueryResult r = exec(sql);
  if (!r.ok) throw ConnectionError(r.error);
  return std::move(r.rows);
}

bool Connection::in_transaction() const {
  PGTransactionStatusType s = PQtransactionStatus(conn_);
  return s == PQTRANS_INTRANS || s == PQTRANS_INERROR;
}

bool Connection::transaction_failed() const { return PQtransactionStatus(conn_) == PQTRANS_INERROR; }

int Connection::server_version() const { return PQserverVersion(conn_); }

std::string quote_identifier(const std::string& name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string conninfo_value(const std::string& value) {
  if (!value.empty() && value.find_first_of(" \t\n\r\f\v'\\") == std::string::npos) return value;
  std::string out = "'";
  for (char c : value) out += (c == '\\' || c == '\'') ? std::string("\\") + c : std::string(1, c);
  return out + "'";
}

std::string conninfo_with_database(const std::string& conninfo, const std::string& dbname) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &error);
  if (!options) {
    PQfreemem(error);
    return conninfo;
  }
  std::string out;
  for (PQconninfoOption* o = options; o->keyword; ++o)
    if (o->val && std::string(o->keyword) != "dbname") out += std::string(o->keyword) + "=" + conninfo_value(o->val) + " ";
  PQconninfoFree(options);
  return out + "dbname=" + conninfo_value(dbname);
}

}  // namespace migrasafe::verify
