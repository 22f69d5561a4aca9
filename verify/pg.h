#pragma once
// A thin libpq connection: run SQL, get rows as text, or the error with its
// SQLSTATE. The only place migrasafe talks to a server (`verify`).
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

struct pg_conn;

namespace migrasafe::verify {

struct QueryResult {
  bool ok = true;
  std::vector<std::vector<std::string>> rows;  // NULL is ""
  std::string error;     // the server's message (primary line)
  std::string sqlstate;  // e.g. "25001" (active_sql_transaction)
  std::vector<std::string> notices;
};

class Connection {
 public:
  // Connects with a libpq connection string or URL (to `dbname` instead of
  // the one it names, when given); throws ConnectionError.
  explicit Connection(const std::string& conninfo, const std::string& dbname = "");
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs `sql` as one simple query (several statements run as one implicit transaction).
  QueryResult exec(const std::string& sql);
  // The same in two halves, to watch the query from another connection while it runs:
  // send() starts it, busy() says whether it still runs, finish() waits for its result.
  bool send(const std::string& sql);
  bool busy();
  QueryResult finish();
  int backend_pid() const;
  // Runs a query that must succeed (the verifier's own catalog queries); throws ConnectionError.
  std::vector<std::vector<std::string>> query(const std::string& sql);
  bool in_transaction() const;   // inside a transaction block (open or failed)
  bool transaction_failed() const;
  int server_version() const;    // e.g. 150004

 private:
  pg_conn* conn_ = nullptr;
  std::vector<std::string> notices_;
};

struct ConnectionError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// `name` as a quoted SQL identifier (always quoted).
std::string quote_identifier(const std::string& name);
// `value` as a keyword/value connection string holds it: in single quotes, with
// \ and ' escaped, when it is empty or holds one of those or a space.
std::string conninfo_value(const std::string& value);
// `conninfo` (a keyword/value string or a URL) naming database `dbname` instead,
// as a keyword/value string; `conninfo` itself when libpq cannot parse it.
std::string conninfo_with_database(const std::string& conninfo, const std::string& dbname);

}  // namespace migrasafe::verify
