// libpq, loaded when a command first connects to a server (verify, snapshot
// take) rather than when migrasafe starts. Linked at build time, libpq and the
// two dozen libraries it needs (TLS, Kerberos, LDAP) cost every run their
// relocations and constructors: three quarters of the start-up of a `check`
// of one small file, which never connects. This file defines the libpq
// functions migrasafe calls, each forwarding to the one in libpq.so.5 on
// first use, so the code that connects calls libpq as usual.
//
// Without libpq installed, connecting fails with a message saying so: the
// connect functions return null, PQstatus(NULL) is CONNECTION_BAD and
// PQerrorMessage(NULL) names the missing library. Every other function takes
// a connection or result that only a loaded libpq can have made.
#include <dlfcn.h>
#include <libpq-fe.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

constexpr const char* kLibpq = "libpq.so.5";

struct Libpq {
  void* handle = nullptr;
  std::string error;  // why it could not be loaded
};

const Libpq& libpq() {
  static const Libpq lib = [] {
    Libpq l;
    l.handle = dlopen(kLibpq, RTLD_NOW | RTLD_LOCAL);
    if (!l.handle) {
      const char* why = dlerror();
      l.error = std::string("cannot load ") + kLibpq + " (Debian package libpq5), which connecting to PostgreSQL needs: " +
                (why ? why : "unknown error") + "\n";
    }
    return l;
  }();
  return lib;
}

bool loaded() { return libpq().handle != nullptr; }

// The function `name` of libpq, with the type of our definition `Fn`.
template <class Fn>
Fn* real(const char* name) {
  void* f = loaded() ? dlsym(libpq().handle, name) : nullptr;
  if (!f) {  // a libpq.so.5 without a function libpq 10 already had: not a usable libpq
    std::fprintf(stderr, "migrasafe: %s: %s is missing\n", kLibpq, name);
    std::abort();
  }
  return reinterpret_cast<Fn*>(f);
}

}  // namespace

// Each forwarder looks its function up once (thread-safe static).
#define MIGRASAFE_FORWARD(name, ...)                   \
  static auto* const fn = real<decltype(name)>(#name); \
  return fn(__VA_ARGS__)

extern "C" {

PGconn* PQconnectdb(const char* conninfo) {
  if (!loaded()) return nullptr;
  MIGRASAFE_FORWARD(PQconnectdb, conninfo);
}
PGconn* PQconnectdbParams(const char* const* keywords, const char* const* values, int expand_dbname) {
  if (!loaded()) return nullptr;
  MIGRASAFE_FORWARD(PQconnectdbParams, keywords, values, expand_dbname);
}
ConnStatusType PQstatus(const PGconn* conn) {
  if (!loaded()) return CONNECTION_BAD;
  MIGRASAFE_FORWARD(PQstatus, conn);
}
char* PQerrorMessage(const PGconn* conn) {
  if (!loaded()) return const_cast<char*>(libpq().error.c_str());
  MIGRASAFE_FORWARD(PQerrorMessage, conn);
}
void PQfinish(PGconn* conn) {
  if (!conn) return;
  MIGRASAFE_FORWARD(PQfinish, conn);
}
void PQclear(PGresult* res) {
  if (!res) return;
  MIGRASAFE_FORWARD(PQclear, res);
}
// Without libpq no options and no message: callers fall back to the string as given.
PQconninfoOption* PQconninfoParse(const char* conninfo, char** errmsg) {
  if (!loaded()) {
    if (errmsg) *errmsg = nullptr;
    return nullptr;
  }
  MIGRASAFE_FORWARD(PQconninfoParse, conninfo, errmsg);
}
void PQconninfoFree(PQconninfoOption* options) {
  if (!options) return;
  MIGRASAFE_FORWARD(PQconninfoFree, options);
}
void PQfreemem(void* ptr) {
  if (!ptr) return;
  MIGRASAFE_FORWARD(PQfreemem, ptr);
}

int PQbackendPID(const PGconn* conn) { MIGRASAFE_FORWARD(PQbackendPID, conn); }
int PQconsumeInput(PGconn* conn) { MIGRASAFE_FORWARD(PQconsumeInput, conn); }
char* PQdb(const PGconn* conn) { MIGRASAFE_FORWARD(PQdb, conn); }
PGresult* PQexec(PGconn* conn, const char* query) { MIGRASAFE_FORWARD(PQexec, conn, query); }
int PQgetCopyData(PGconn* conn, char** buffer, int async) { MIGRASAFE_FORWARD(PQgetCopyData, conn, buffer, async); }
PGresult* PQgetResult(PGconn* conn) { MIGRASAFE_FORWARD(PQgetResult, conn); }
int PQgetisnull(const PGresult* res, int tup_num, int field_num) { MIGRASAFE_FORWARD(PQgetisnull, res, tup_num, field_num); }
char* PQgetvalue(const PGresult* res, int tup_num, int field_num) { MIGRASAFE_FORWARD(PQgetvalue, res, tup_num, field_num); }
int PQisBusy(PGconn* conn) { MIGRASAFE_FORWARD(PQisBusy, conn); }
int PQnfields(const PGresult* res) { MIGRASAFE_FORWARD(PQnfields, res); }
int PQntuples(const PGresult* res) { MIGRASAFE_FORWARD(PQntuples, res); }
const char* PQparameterStatus(const PGconn* conn, const char* paramName) {
  MIGRASAFE_FORWARD(PQparameterStatus, conn, paramName);
}
int PQputCopyEnd(PGconn* conn, const char* errormsg) { MIGRASAFE_FORWARD(PQputCopyEnd, conn, errormsg); }
char* PQresultErrorField(const PGresult* res, int fieldcode) { MIGRASAFE_FORWARD(PQresultErrorField, res, fieldcode); }
char* PQresultErrorMessage(const PGresult* res) { MIGRASAFE_FORWARD(PQresultErrorMessage, res); }
ExecStatusType PQresultStatus(const PGresult* res) { MIGRASAFE_FORWARD(PQresultStatus, res); }
int PQsendQuery(PGconn* conn, const char* query) { MIGRASAFE_FORWARD(PQsendQuery, conn, query); }
int PQserverVersion(const PGconn* conn) { MIGRASAFE_FORWARD(PQserverVersion, conn); }
PQnoticeProcessor PQsetNoticeProcessor(PGconn* conn, PQnoticeProcessor proc, void* arg) {
  MIGRASAFE_FORWARD(PQsetNoticeProcessor, conn, proc, arg);
}
PGTransactionStatusType PQtransactionStatus(const PGconn* conn) { MIGRASAFE_FORWARD(PQtransactionStatus, conn); }

}  // extern "C"
