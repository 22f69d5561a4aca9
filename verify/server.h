#pragma once
// The PostgreSQL server `verify` runs migrations on: an ephemeral cluster
// (initdb into a temporary directory, Unix socket only, fsync off, removed on
// exit, error and Ctrl-C), or a scratch database on the server a --database
// URL names (created with a random name, dropped at the end).
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

namespace migrasafe::verify {

// The directory holding initdb and pg_ctl: `pg_bin` when given, else
// `pg_config --bindir`, else the newest /usr/lib/postgresql/*/bin. Nullopt
// with `why` set when none has them.
std::optional<std::filesystem::path> find_server_binaries(const std::string& pg_bin, std::string& why);

// What to install when no server binaries are found.
extern const char* const kInstallHint;

class Server {
 public:
  virtual ~Server() = default;
  // Creates the cluster or database; throws ServerError (with the server's log) when it cannot.
  virtual void start() = 0;
  // libpq connection string of the database verify works in.
  virtual std::string conninfo() const = 0;
  // The database to connect to instead of the one conninfo names (empty: that one).
  virtual std::string dbname() const { return ""; }
  // Stops and removes what was created (idempotent, safe from the interrupt thread).
  virtual void cleanup() = 0;
  // --keep: how to connect to what is left behind.
  virtual std::string how_to_connect() const = 0;
  void keep() { keep_ = true; }

 protected:
  bool keep_ = false;
};

struct ServerError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// initdb + pg_ctl start into a new temporary directory, when started.
std::unique_ptr<Server> ephemeral_cluster(const std::filesystem::path& bindir);
// CREATE DATABASE with a random name on the server `url` names, when started.
std::unique_ptr<Server> scratch_database(const std::string& url);

// While it lives, Ctrl-C, SIGTERM and SIGHUP clean `server` up before the
// process ends (exit status 128 + the signal). Create it before starting any
// other thread (the signals are blocked and waited for by one thread).
class InterruptCleanup {
 public:
  explicit InterruptCleanup(Server* server);
  ~InterruptCleanup();
  InterruptCleanup(const InterruptCleanup&) = delete;
  InterruptCleanup& operator=(const InterruptCleanup&) = delete;
};

}  // namespace migrasafe::verify
