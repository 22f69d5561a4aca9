#include "verify/server.h"

#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cerrno>
#include <cstring>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>
#include <vector>

#include "verify/pg.h"

extern char** environ;

namespace migrasafe::verify {

namespace fs = std::filesystem;

const char* const kInstallHint =
    "no PostgreSQL server binaries found (looked at --pg-bin, `pg_config --bindir` and /usr/lib/postgresql/*/bin); "
    "install them (Debian/Ubuntu: `apt-get install postgresql-15`), pass --pg-bin DIR, or verify on an existing "
    "server with --database URL";

namespace {

// `s` as one word of a POSIX shell command line.
std::string shell_quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

bool has_server_binaries(const fs::path& dir) {
  std::error_code ec;
  return fs::is_regular_file(dir / "initdb", ec) && fs::is_regular_file(dir / "pg_ctl", ec) &&
         fs::is_regular_file(dir / "postgres", ec);
}

// The initdb or pg_ctl running now (0: none), for the interrupt thread to stop it.
std::atomic<pid_t> running_program{0};

// Runs argv (no shell), its output appended to `log`; returns the exit status (-1: not run).
int run_program(const std::vector<std::string>& argv, const fs::path& log) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  // The children get no blocked signals (InterruptCleanup blocks some in this process).
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attributes, &none);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK);
  pid_t pid;
  int rc = posix_spawnp(&pid, args[0], &actions, &attributes, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (rc != 0) return -1;
  running_program = pid;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  running_program = 0;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string random_suffix() {
  std::random_device rd;
  std::ostringstream ss;
  ss << std::hex << rd() << rd();
  return ss.str();
}

class EphemeralCluster : public Server {
 public:
  explicit EphemeralCluster(fs::path bindir) : bindir_(std::move(bindir)) {}
  ~EphemeralCluster() override { cleanup(); }

  void start() override {
    make_directory();
    fs::path log = root_ / "setup.log";
    if (run(bindir_ / "initdb", {"-D", data().string(), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C",
                                 "--no-sync", "--no-instructions"},
            log) != 0)
      fail("initdb failed", log);
    started_ = true;  // from here on, cleanup stops the server (a stop of a server not running does nothing)
    // No TCP: the server listens only on a socket in the temporary directory.
    // pg_ctl passes these to postgres through a shell: the directory is quoted for it ($TMPDIR may hold spaces).
    std::string server_options = "-k " + shell_quoted(root_.string()) + " -c listen_addresses='' -c fsync=off " +
                                 "-c synchronous_commit=off -c full_page_writes=off -c TimeZone=UTC";
    if (run(bindir_ / "pg_ctl", {"-D", data().string(), "-w", "-t", "60", "-l", (root_ / "server.log").string(), "-o",
                                 server_options, "start"},
            log) != 0) {
      fail("the server did not start", root_ / "server.log");
    }
  }

  std::string conninfo() const override {
    return "host=" + conninfo_value(root_.string()) + " user=postgres dbname=postgres application_name=migrasafe-verify";
  }

  void cleanup() override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (keep_ || root_.empty()) return;
    // Interrupted during initdb or pg_ctl start: end it first (initdb then removes what it wrote).
    if (pid_t program = running_program) {
      ::kill(program, SIGTERM);
      for (int i = 0; i < 100 && running_program == program; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (started_) run(bindir_ / "pg_ctl", {"-D", data().string(), "-m", "immediate", "stop"}, "/dev/null");
    started_ = false;
    std::error_code ec;
    fs::remove_all(root_, ec);
    root_.clear();
  }

  std::string how_to_connect() const override {
    std::string user = as_user_.empty() ? "" : "runuser -u postgres -- ";
    return "the cluster is kept in " + root_.string() + "\n  connect: psql -h " + shell_quoted(root_.string()) +
           " -U postgres -d postgres\n  stop and remove: " + user + shell_quoted((bindir_ / "pg_ctl").string()) +
           " -D " + shell_quoted(data().string()) + " -m fast stop && rm -rf " + shell_quoted(root_.string());
  }

 private:
  // The temporary directory: the cluster's data and its socket.
  void make_directory() {
    std::error_code ec;
    std::string tmpl = (fs::temp_directory_path(ec) / "migrasafe-verify-XXXXXX").string();
    if (ec || !::mkdtemp(tmpl.data()))
      throw ServerError("cannot create a temporary directory: " + (ec ? ec.message() : std::string(strerror(errno))));
    {
      std::lock_guard<std::mutex> lock(mutex_);
      root_ = tmpl;
    }
    // initdb refuses to run as root: the server then runs as the postgres user.
    if (::geteuid() == 0) {
      const passwd* pw = ::getpwnam("postgres");
      if (!pw) fail("running as root and there is no `postgres` user to run the server as", "");
      if (::chown(root_.c_str(), pw->pw_uid, pw->pw_gid) != 0)
        fail("cannot give " + root_.string() + " to the postgres user", "");
      as_user_ = {"runuser", "-u", "postgres", "--"};
    }
  }
  fs::path data() const { return root_ / "data"; }
  int run(const fs::path& program, std::vector<std::string> args, const fs::path& log) const {
    std::vector<std::string> argv = as_user_;
    argv.push_back(program.string());
    argv.insert(argv.end(), args.begin(), args.end());
    return run_program(argv, log);
  }
  // Removes what was created and throws; `log`, if any, is appended to the message.
  [[noreturn]] void fail(const std::string& what, const fs::path& log) {
    std::string text = log.empty() ? "" : read_text(log);
    cleanup();
    throw ServerError(what + (text.empty() ? "" : ":\n" + text));
  }

  fs::path bindir_, root_;
  std::vector<std::string> as_user_;
  std::atomic<bool> started_ = false;
  std::mutex mutex_;
};

class ScratchDatabase : public Server {
 public:
  explicit ScratchDatabase(std::string url) : url_(std::move(url)) {}
  ~ScratchDatabase() override { cleanup(); }

  void start() override {
    std::string name = "migrasafe_verify_" + random_suffix();
    try {
      Connection admin(url_);
      QueryResult r = admin.exec("CREATE DATABASE " + quote_identifier(name));
      if (!r.ok) throw ServerError("cannot create the scratch database: " + r.error);
    } catch (const ConnectionError& e) {
      throw ServerError("cannot connect to --database: " + std::string(e.what()));
    }
    std::lock_guard<std::mutex> lock(mutex_);
    name_ = name;
  }

  std::string conninfo() const override { return url_; }
  std::string dbname() const override { return name_; }

  void cleanup() override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (keep_ || name_.empty()) return;
    try {
      Connection admin(url_);
      admin.exec("DROP DATABASE IF EXISTS " + quote_identifier(name_) + " WITH (FORCE)");
    } catch (const ConnectionError& e) {
      std::cerr << "migrasafe: warning: could not drop the scratch database " << name_ << ": " << e.what() << "\n";
    }
    name_.clear();
  }

  std::string how_to_connect() const override {
    return "the scratch database " + name_ + " is kept\n  connect: psql " +
           shell_quoted(conninfo_with_database(url_, name_)) + "\n  remove: psql " + shell_quoted(url_) +
           " -c " + shell_quoted("DROP DATABASE " + quote_identifier(name_) + " WITH (FORCE)");
  }

 private:
  std::string url_, name_;
  std::mutex mutex_;
};

}  // namespace

std::optional<fs::path> find_server_binaries(const std::string& pg_bin, std::string& why) {
  if (!pg_bin.empty()) {
    if (has_server_binaries(pg_bin)) return fs::path(pg_bin);
    why = "--pg-bin " + pg_bin + ": no initdb, pg_ctl and postgres there";
    return std::nullopt;
  }
  // pg_config (libpq-dev) may name a directory without the server: check for it.
  if (FILE* p = ::popen("pg_config --bindir 2>/dev/null", "r")) {
    char buf[4096];
    std::string out;
    while (std::fgets(buf, sizeof buf, p)) out += buf;
    ::pclose(p);
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
    if (!out.empty() && has_server_binaries(out)) return fs::path(out);
  }
  std::vector<std::pair<int, fs::path>> found;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql", ec)) {
    const std::string name = entry.path().filename().string();
    if (!name.empty() && std::all_of(name.begin(), name.end(), ::isdigit) && has_server_binaries(entry.path() / "bin"))
      found.emplace_back(std::stoi(name), entry.path() / "bin");
  }
  if (found.empty()) {
    why = kInstallHint;
    return std::nullopt;
  }
  return std::max_element(found.begin(), found.end())->second;
}

std::unique_ptr<Server> ephemeral_cluster(const fs::path& bindir) { return std::make_unique<EphemeralCluster>(bindir); }

std::unique_ptr<Server> scratch_database(const std::string& url) { return std::make_unique<ScratchDatabase>(url); }

namespace {
std::mutex interrupt_mutex;
Server* interrupt_server = nullptr;  // what the interrupt thread cleans up
}  // namespace

InterruptCleanup::InterruptCleanup(Server* server) {
  static std::once_flag thread_started;
  {
    std::lock_guard<std::mutex> lock(interrupt_mutex);
    interrupt_server = server;
  }
  std::call_once(thread_started, [] {
    static sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    std::thread([] {
      int sig = 0;
      sigwait(&signals, &sig);
      std::lock_guard<std::mutex> lock(interrupt_mutex);
      if (interrupt_server) {
        std::cerr << "\nmigrasafe: interrupted: removing the verify server\n";
        interrupt_server->cleanup();
      }
      std::_Exit(128 + sig);
    }).detach();
  });
}

InterruptCleanup::~InterruptCleanup() {
  std::lock_guard<std::mutex> lock(interrupt_mutex);
  interrupt_server = nullptr;
}

}  // namespace migrasafe::verify
