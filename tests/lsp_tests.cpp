// `migrasafe lsp`: position encodings and URIs, then the real binary driven
// by a scripted client over pipes (the protocol as editors speak it).
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <nlohmann/json.hpp>

#include "lsp/documents.h"
#include "lsp/jsonrpc.h"
#include "lsp/position.h"
#include "lsp/server.h"
#include "reporters/reporters.h"
#include "rules/fix.h"
#include "rules/registry.h"
#include "support.h"

using migrasafe::LineIndex;
using nlohmann::json;
namespace fs = std::filesystem;
namespace lsp = migrasafe::lsp;

TEST_CASE("lsp positions: UTF-16 by default, UTF-8 when agreed, out of range clamps", "[lsp]") {
  // "é" is 2 UTF-8 bytes and 1 UTF-16 unit; "😀" is 4 bytes and 2 units (a surrogate pair).
  std::string text = "SELECT 'é😀x';\r\nDROP TABLE t;\n";
  LineIndex lines(text);
  std::size_t x = text.find('x');
  CHECK(lsp::position_of(text, lines, x, lsp::PositionEncoding::Utf16).character == 11);
  CHECK(lsp::position_of(text, lines, x, lsp::PositionEncoding::Utf8).character == 14);
  CHECK(lsp::offset_of(text, lines, {0, 11}, lsp::PositionEncoding::Utf16) == x);
  CHECK(lsp::offset_of(text, lines, {0, 14}, lsp::PositionEncoding::Utf8) == x);
  // Inside the surrogate pair, or inside the UTF-8 sequence: the start of the character.
  CHECK(lsp::offset_of(text, lines, {0, 10}, lsp::PositionEncoding::Utf16) == text.find("😀"));
  CHECK(lsp::offset_of(text, lines, {0, 9}, lsp::PositionEncoding::Utf8) == text.find("é"));
  // CRLF is one line break; the second line starts after it.
  CHECK(lsp::offset_of(text, lines, {1, 0}, lsp::PositionEncoding::Utf16) == text.find("DROP"));
  auto drop = lsp::position_of(text, lines, text.find("TABLE"), lsp::PositionEncoding::Utf16);
  CHECK((drop.line == 1 && drop.character == 5));
  // Past the end of a line: its end (before the line break); past the last line: the end.
  CHECK(lsp::offset_of(text, lines, {0, 999}, lsp::PositionEncoding::Utf16) == text.find('\r'));
  CHECK(lsp::offset_of(text, lines, {99, 3}, lsp::PositionEncoding::Utf16) == text.size());
  CHECK(lsp::offset_of(text, lines, {-1, -5}, lsp::PositionEncoding::Utf16) == 0);
}

TEST_CASE("lsp URIs: file URIs are percent-decoded paths, other schemes are not files", "[lsp]") {
  CHECK(lsp::uri_to_path("file:///db/migrations/001%20init.sql") == "/db/migrations/001 init.sql");
  CHECK(lsp::uri_to_path("file://localhost/a/b.sql") == "/a/b.sql");
  CHECK(lsp::uri_to_path("untitled:Untitled-1") == std::nullopt);
  CHECK(lsp::uri_to_path("file://otherhost/a.sql") == std::nullopt);
  CHECK(lsp::path_to_file_uri("/db/001 init.sql") == "file:///db/001%20init.sql");
  CHECK(lsp::uri_to_path(lsp::path_to_file_uri("/db/ü/#1.sql")) == "/db/ü/#1.sql");
}

namespace {

// A scripted LSP client: the real `migrasafe lsp` on a pair of pipes.
class Client {
 public:
  explicit Client(const std::string& args = "") {
    int to_server[2], from_server[2];
    REQUIRE(::pipe(to_server) == 0);
    REQUIRE(::pipe(from_server) == 0);
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      ::dup2(to_server[0], STDIN_FILENO);
      ::dup2(from_server[1], STDOUT_FILENO);
      int null = ::open("/dev/null", O_WRONLY);
      ::dup2(null, STDERR_FILENO);
      for (int fd : {to_server[0], to_server[1], from_server[0], from_server[1], null}) ::close(fd);
      std::string command = std::string(MIGRASAFE_BINARY) + " lsp " + args;
      ::execl("/bin/sh", "sh", "-c", command.c_str(), nullptr);
      ::_exit(127);
    }
    ::close(to_server[0]);
    ::close(from_server[1]);
    in_ = to_server[1];
    out_ = from_server[0];
    ::signal(SIGPIPE, SIG_IGN);
  }
  ~Client() {
    ::close(in_);
    ::close(out_);
    if (!exited_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }

  void send_raw(const std::string& bytes) {
    for (std::size_t done = 0; done < bytes.size();) {
      ssize_t n = ::write(in_, bytes.data() + done, bytes.size() - done);
      REQUIRE(n > 0);
      done += static_cast<std::size_t>(n);
    }
  }
  void send(const json& message) {
    std::string body = message.dump();
    send_raw("Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
  }
  void notify(const std::string& method, json params) {
    send({{"jsonrpc", "2.0"}, {"method", method}, {"params", std::move(params)}});
  }
  int request_async(const std::string& method, json params) {
    send({{"jsonrpc", "2.0"}, {"id", ++next_id_}, {"method", method}, {"params", std::move(params)}});
    return next_id_;
  }
  // The response to request `id` (notifications that arrive first are kept).
  json response(const json& id) {
    return wait_for([&](const json& m) { return m.contains("id") && m["id"] == id && !m.contains("method"); });
  }
  json request(const std::string& method, json params) { return response(request_async(method, std::move(params))); }

  json wait_for_method(const std::string& method) {
    return wait_for([&](const json& m) { return m.value("method", "") == method; });
  }

  // The next diagnostics published for `uri`.
  json diagnostics(const std::string& uri) {
    return wait_for([&](const json& m) {
      return m.value("method", "") == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri;
    })["params"]["diagnostics"];
  }

  json initialize(json capabilities = json::object()) {
    json r = request("initialize", {{"processId", nullptr}, {"rootUri", nullptr}, {"capabilities", capabilities}});
    notify("initialized", json::object());
    return r;
  }

  void open(const std::string& uri, const std::string& text, int version = 1) {
    notify("textDocument/didOpen", {{"textDocument", {{"uri", uri}, {"languageId", "sql"}, {"version", version}, {"text", text}}}});
  }
  void change(const std::string& uri, const std::string& text, int version) {
    notify("textDocument/didChange", {{"textDocument", {{"uri", uri}, {"version", version}}},
                                      {"contentChanges", {{{"text", text}}}}});
  }

  // Waits (up to 60 s) for the server to exit; its exit code.
  int exit_code() {
    for (int i = 0; i < 6000; ++i) {
      int status;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        exited_ = true;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      ::usleep(10000);
    }
    return -2;
  }

  std::vector<json> seen;  // every message read so far that no wait_for took

 private:
  template <typename Pred>
  json wait_for(Pred pred) {
    for (auto it = seen.begin(); it != seen.end(); ++it)
      if (pred(*it)) {
        json m = *it;
        seen.erase(it);
        return m;
      }
    while (true) {
      json m = read_message();
      if (m.is_null()) FAIL("the server sent nothing expected within 60 s (or closed its output)");
      if (pred(m)) return m;
      seen.push_back(std::move(m));
    }
  }

  bool fill() {
    pollfd p{out_, POLLIN, 0};
    if (::poll(&p, 1, 60000) <= 0) return false;
    char chunk[65536];
    ssize_t n = ::read(out_, chunk, sizeof chunk);
    if (n <= 0) return false;
    buffer_.append(chunk, static_cast<std::size_t>(n));
    return true;
  }
  json read_message() {
    std::size_t header_end;
    while ((header_end = buffer_.find("\r\n\r\n")) == std::string::npos)
      if (!fill()) return nullptr;
    std::string header = buffer_.substr(0, header_end);
    REQUIRE(header.rfind("Content-Length: ", 0) == 0);
    std::size_t length = std::stoul(header.substr(16));
    buffer_.erase(0, header_end + 4);
    while (buffer_.size() < length)
      if (!fill()) return nullptr;
    json m = json::parse(buffer_.substr(0, length));
    buffer_.erase(0, length);
    return m;
  }

  pid_t pid_;
  int in_, out_;
  bool exited_ = false;
  int next_id_ = 0;
  std::string buffer_;
};

std::string uri_of(const fs::path& p) { return lsp::path_to_file_uri(fs::absolute(p).lexically_normal().string()); }

// The findings `migrasafe check --format json DIR` reports for `file`, as (code, line, column) triples.
std::vector<std::tuple<std::string, int, int>> check_findings(const fs::path& dir, const fs::path& file) {
  testing::Run r = testing::run_cli("check --format json . 2>/dev/null", dir.string());
  json report = json::parse(r.out);
  std::vector<std::tuple<std::string, int, int>> out;
  for (const json& f : report["files"])
    if (fs::absolute(dir / f["path"].get<std::string>()).lexically_normal() == fs::absolute(file).lexically_normal())
      for (const json& d : f["findings"])
        out.emplace_back(d["code"], d["line"].get<int>() - 1, d["column"].get<int>() - 1);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::tuple<std::string, int, int>> lsp_findings(const json& diagnostics) {
  std::vector<std::tuple<std::string, int, int>> out;
  for (const json& d : diagnostics)
    out.emplace_back(d["code"], d["range"]["start"]["line"], d["range"]["start"]["character"]);
  std::sort(out.begin(), out.end());
  return out;
}

// Applies LSP text edits (ranges in UTF-16 units) to `text`, last first.
std::string apply_edits(std::string text, json edits) {
  std::vector<std::pair<std::size_t, std::size_t>> spans;
  std::sort(edits.begin(), edits.end(), [](const json& a, const json& b) {
    return std::make_pair(a["range"]["start"]["line"], a["range"]["start"]["character"]) >
           std::make_pair(b["range"]["start"]["line"], b["range"]["start"]["character"]);
  });
  for (const json& e : edits) {
    LineIndex lines(text);
    auto at = [&](const json& p) {
      return lsp::offset_of(text, lines, {p["line"], p["character"]}, lsp::PositionEncoding::Utf16);
    };
    std::size_t b = at(e["range"]["start"]), en = at(e["range"]["end"]);
    text.replace(b, en - b, e["newText"].get<std::string>());
  }
  return text;
}

}  // namespace

TEST_CASE("lsp: diagnostics for examples/ are check's findings, with codes, links and ranges", "[lsp]") {
  fs::path examples = fs::path(testing::source_dir()) / "examples";
  Client c;
  json init = c.initialize();
  CHECK(init["result"]["capabilities"]["positionEncoding"] == "utf-16");
  CHECK(init["result"]["capabilities"]["hoverProvider"] == true);
  CHECK(init["result"]["serverInfo"]["name"] == "migrasafe");
  std::size_t with_findings = 0;
  for (const auto& entry : fs::recursive_directory_iterator(examples)) {
    if (entry.path().extension() != ".sql") continue;
    std::string uri = uri_of(entry.path());
    c.open(uri, testing::read_file(entry.path()));
    json diagnostics = c.diagnostics(uri);
    INFO(entry.path());
    CHECK(lsp_findings(diagnostics) == check_findings(examples, entry.path()));
    for (const json& d : diagnostics) {
      CHECK(d["source"] == "migrasafe");
      CHECK(d["codeDescription"]["href"].get<std::string>().find("/docs/rules/") != std::string::npos);
      CHECK(d["severity"].get<int>() >= 1);
    }
    with_findings += !diagnostics.empty();
  }
  CHECK(with_findings >= 3);
}

TEST_CASE("lsp: pull diagnostics when the client supports them", "[lsp]") {
  fs::path examples = fs::path(testing::source_dir()) / "examples";
  fs::path file = examples / "migrations" / "0004_index_orders_by_customer.up.sql";
  Client c;
  json init = c.initialize({{"textDocument", {{"diagnostic", {{"dynamicRegistration", false}}}}}});
  CHECK(init["result"]["capabilities"]["diagnosticProvider"]["identifier"] == "migrasafe");
  c.open(uri_of(file), testing::read_file(file));
  json report = c.request("textDocument/diagnostic", {{"textDocument", {{"uri", uri_of(file)}}}})["result"];
  CHECK(report["kind"] == "full");
  CHECK(!report["items"].empty());
  CHECK(lsp_findings(report["items"]) == check_findings(examples, file));
  // A configuration change asks the client to pull again.
  c.notify("workspace/didChangeConfiguration", {{"settings", json::object()}});
  json refresh = c.wait_for_method("workspace/diagnostic/refresh");
  CHECK(refresh.contains("id"));
}

TEST_CASE("lsp: a migration is judged after the ones before it, with unsaved buffers", "[lsp]") {
  fs::path dir = testing::fresh_dir("lsp", "history");
  testing::write_file(dir / "001_create.sql", "CREATE TABLE accounts (id bigint PRIMARY KEY, email varchar(100));\n");
  std::string later = "ALTER TABLE accounts ALTER COLUMN email TYPE varchar(200);\n";
  testing::write_file(dir / "002_widen.sql", later);
  Client c;
  c.initialize();
  // varchar(100) -> varchar(200) only changes the catalog: no rewrite finding once the history is known.
  c.open(uri_of(dir / "002_widen.sql"), later);
  json known = c.diagnostics(uri_of(dir / "002_widen.sql"));
  CHECK(lsp_findings(known) == check_findings(dir, dir / "002_widen.sql"));
  // The earlier migration's unsaved buffer (email as text) replaces its disk copy.
  c.open(uri_of(dir / "001_create.sql"), "CREATE TABLE accounts (id bigint PRIMARY KEY, email integer);\n");
  c.diagnostics(uri_of(dir / "001_create.sql"));
  c.change(uri_of(dir / "002_widen.sql"), later + "\n", 2);
  json changed = c.diagnostics(uri_of(dir / "002_widen.sql"));
  bool rewrite = false;
  for (const json& d : changed) rewrite = rewrite || d["code"] == "MS201" || d["message"].get<std::string>().find("rewrite") != std::string::npos;
  CHECK(rewrite);  // integer -> varchar rewrites the table
  CHECK(lsp_findings(changed) != lsp_findings(known));
  // Saving the earlier migration re-judges the open migrations after it, without an edit of theirs.
  c.notify("textDocument/didSave", {{"textDocument", {{"uri", uri_of(dir / "001_create.sql")}}}});
  CHECK(lsp_findings(c.diagnostics(uri_of(dir / "002_widen.sql"))) == lsp_findings(changed));
  // A range edit (for clients that send them although the server asks for full text).
  c.notify("textDocument/didChange",
           {{"textDocument", {{"uri", uri_of(dir / "001_create.sql")}, {"version", 3}}},
            {"contentChanges", {{{"range", {{"start", {{"line", 0}, {"character", 52}}}, {"end", {{"line", 0}, {"character", 59}}}}},
                                 {"text", "varchar(100)"}}}}});
  c.diagnostics(uri_of(dir / "001_create.sql"));
  c.change(uri_of(dir / "002_widen.sql"), later, 3);
  CHECK(lsp_findings(c.diagnostics(uri_of(dir / "002_widen.sql"))) == lsp_findings(known));
}

TEST_CASE("lsp: an unsaved edit of an earlier migration re-judges the open ones after it", "[lsp]") {
  fs::path dir = testing::fresh_dir("lsp", "unsaved-history");
  std::string first = "CREATE TABLE accounts (id bigint PRIMARY KEY, email varchar(100));\n";
  std::string later = "ALTER TABLE accounts ALTER COLUMN email TYPE varchar(200);\n";
  testing::write_file(dir / "001_create.sql", first);
  testing::write_file(dir / "002_widen.sql", later);
  auto has_rewrite = [](const json& diagnostics) {
    return std::any_of(diagnostics.begin(), diagnostics.end(), [](const json& d) { return d["code"] == "MS203"; });
  };
  Client c;
  c.initialize();
  c.open(uri_of(dir / "001_create.sql"), first);
  c.diagnostics(uri_of(dir / "001_create.sql"));
  c.open(uri_of(dir / "002_widen.sql"), later);
  CHECK(!has_rewrite(c.diagnostics(uri_of(dir / "002_widen.sql"))));
  // Only the earlier buffer changes (email as integer, not saved): the later one is published again.
  c.change(uri_of(dir / "001_create.sql"), "CREATE TABLE accounts (id bigint PRIMARY KEY, email integer);\n", 2);
  CHECK(has_rewrite(c.diagnostics(uri_of(dir / "002_widen.sql"))));
  c.change(uri_of(dir / "001_create.sql"), first, 3);
  CHECK(!has_rewrite(c.diagnostics(uri_of(dir / "002_widen.sql"))));
}

TEST_CASE("lsp: a down script is judged with the schema its up script left", "[lsp]") {
  fs::path dir = testing::fresh_dir("lsp", "down");
  testing::write_file(dir / "001_events.up.sql", "CREATE TABLE events (id bigint);\nCREATE INDEX events_id ON events (id);\n");
  std::string down = "DROP INDEX events_id;\nDROP TABLE events;\n";
  testing::write_file(dir / "001_events.down.sql", down);
  auto expected = check_findings(dir, dir / "001_events.down.sql");
  // The history matters here: on its own the down script is judged differently.
  migrasafe::FileResult alone = testing::lint_text(down);
  std::vector<std::tuple<std::string, int, int>> alone_findings;
  for (const migrasafe::Diagnostic& d : alone.diagnostics) {
    migrasafe::Position at = alone.parsed.source->lines.position(d.begin);
    alone_findings.emplace_back(migrasafe::rule_info(d.rule).code, at.line - 1, at.column - 1);
  }
  std::sort(alone_findings.begin(), alone_findings.end());
  CHECK(expected != alone_findings);
  Client c;
  c.initialize();
  c.open(uri_of(dir / "001_events.down.sql"), down);
  CHECK(lsp_findings(c.diagnostics(uri_of(dir / "001_events.down.sql"))) == expected);
}

TEST_CASE("lsp: hover shows the statement's locks, as explain gives them", "[lsp]") {
  Client c;
  c.initialize({{"general", {{"positionEncodings", {"utf-8", "utf-16"}}}}});
  std::string uri = "untitled:hover.sql";
  c.open(uri, "-- é\nALTER TABLE orders ADD COLUMN note text;\nCREATE INDEX orders_note ON orders (note);\n");
  c.diagnostics(uri);
  json r = c.request("textDocument/hover", {{"textDocument", {{"uri", uri}}}, {"position", {{"line", 2}, {"character", 3}}}});
  std::string value = r["result"]["contents"]["value"];
  CHECK(value.find("ShareLock") != std::string::npos);
  CHECK(value.find("orders") != std::string::npos);
  CHECK(value.find("blocks") != std::string::npos);
  CHECK(value.find("held until") != std::string::npos);
  CHECK(r["result"]["range"]["start"]["line"] == 2);
  json alter = c.request("textDocument/hover", {{"textDocument", {{"uri", uri}}}, {"position", {{"line", 1}, {"character", 0}}}});
  CHECK(alter["result"]["contents"]["value"].get<std::string>().find("AccessExclusiveLock") != std::string::npos);
  // Between statements (the comment): nothing to show.
  json none = c.request("textDocument/hover", {{"textDocument", {{"uri", uri}}}, {"position", {{"line", 0}, {"character", 2}}}});
  CHECK(none["result"].is_null());
}

TEST_CASE("lsp: a finding whose locks are held to COMMIT points at it", "[lsp]") {
  Client c;
  c.initialize();
  std::string uri = "untitled:tx.sql";
  c.open(uri, "BEGIN;\nALTER TABLE orders ALTER COLUMN total TYPE numeric(12,2);\nUPDATE orders SET total = 0 WHERE total IS NULL;\nCOMMIT;\n");
  json diagnostics = c.diagnostics(uri);
  const json* on_alter = nullptr;
  for (const json& d : diagnostics)
    if (d["range"]["start"]["line"] == 1 && d.contains("relatedInformation")) on_alter = &d;
  REQUIRE(on_alter);
  const json& related = (*on_alter)["relatedInformation"][0];
  CHECK(related["location"]["uri"] == uri);
  CHECK(related["location"]["range"]["start"]["line"] == 3);
  CHECK(related["message"].get<std::string>().find("transaction ends here") != std::string::npos);
}

TEST_CASE("lsp: code actions are the rules' fixes, a suppression and fix-all", "[lsp]") {
  Client c;
  c.initialize();
  std::string uri = "untitled:fix.sql";
  std::string text = "CREATE INDEX orders_customer ON orders (customer_id);\nDROP INDEX orders_old;\n";
  c.open(uri, text);
  json diagnostics = c.diagnostics(uri);
  REQUIRE(!diagnostics.empty());
  json actions = c.request("textDocument/codeAction",
                           {{"textDocument", {{"uri", uri}}},
                            {"range", {{"start", {{"line", 0}, {"character", 0}}}, {"end", {{"line", 0}, {"character", 5}}}}},
                            {"context", {{"diagnostics", diagnostics}}}})["result"];
  // The quick fix is rules/fix.h's fix of the finding, applied the same way.
  migrasafe::FileResult expected = testing::lint_text(text);
  const json* quick = nullptr;
  const json* suppress = nullptr;
  const json* all = nullptr;
  for (const json& a : actions) {
    std::string title = a["title"];
    if (a["kind"] == "quickfix" && title.rfind("Suppress", 0) == 0) suppress = suppress ? suppress : &a;
    else if (a["kind"] == "quickfix") quick = quick ? quick : &a;
    if (a["kind"] == "source.fixAll.migrasafe") all = &a;
  }
  REQUIRE(quick);
  REQUIRE(suppress);
  REQUIRE(all);
  std::string fixed = apply_edits(text, (*quick)["edit"]["changes"][uri]);
  CHECK(fixed.find("CREATE INDEX CONCURRENTLY orders_customer") != std::string::npos);
  CHECK(apply_edits(text, (*all)["edit"]["changes"][uri]) == migrasafe::apply_fixes(text, expected.diagnostics).text);

  // The suppression comment, once the reason is written, silences the finding.
  std::string suppressed = apply_edits(text, (*suppress)["edit"]["changes"][uri]);
  REQUIRE(suppressed.rfind("-- migrasafe-ignore ", 0) == 0);
  std::string rule = (*suppress)["diagnostics"][0]["data"]["rule"];
  std::string code = (*suppress)["diagnostics"][0]["code"];
  std::size_t eol = suppressed.find('\n');
  suppressed.insert(eol, "the table is empty in every environment");
  c.change(uri, suppressed, 2);
  json after = c.diagnostics(uri);
  for (const json& d : after) CHECK((d["code"] != code || d["range"]["start"]["line"] != 1));
  CHECK(after.size() + 1 == diagnostics.size());
}

TEST_CASE("lsp: a rule's options ([rules.<name>] or its alias) give the findings check gives", "[lsp]") {
  fs::path dir = testing::fresh_dir("lsp", "rule-options");
  testing::write_file(dir / ".migrasafe.toml", "max_lock_timeout = \"5s\"\n[naming]\ntable = \"^[a-z]+$\"\n");
  std::string text = "CREATE TABLE \"Orders\" (id bigint);\nSET lock_timeout = '1min';\nALTER TABLE legacy ADD COLUMN note text;\n";
  testing::write_file(dir / "db" / "001.sql", text);
  Client c;
  c.initialize();
  c.open(uri_of(dir / "db" / "001.sql"), text);
  auto found = lsp_findings(c.diagnostics(uri_of(dir / "db" / "001.sql")));
  CHECK(found == check_findings(dir, dir / "db" / "001.sql"));
  CHECK(found == std::vector<std::tuple<std::string, int, int>>{{"MS302", 2, 0}, {"MS901", 0, 13}});
}

TEST_CASE("lsp: an invalid .migrasafe.toml is one diagnostic, and a fixed one is re-read", "[lsp]") {
  fs::path dir = testing::fresh_dir("lsp", "config");
  testing::write_file(dir / ".migrasafe.toml", "[rules]\nselect = [\"no-such-rule\"]\n");
  std::string text = "ALTER TABLE orders DROP COLUMN total;\n";
  testing::write_file(dir / "db" / "001_drop.sql", text);
  std::string uri = uri_of(dir / "db" / "001_drop.sql");
  Client c;
  c.initialize({{"workspace", {{"didChangeWatchedFiles", {{"dynamicRegistration", true}}}}}});
  c.open(uri, text);
  json broken = c.diagnostics(uri);
  REQUIRE(broken.size() == 1);
  CHECK(broken[0]["code"] == "config");
  CHECK(broken[0]["severity"] == 1);
  CHECK(broken[0]["message"].get<std::string>().find(".migrasafe.toml:2") != std::string::npos);

  testing::write_file(dir / ".migrasafe.toml", "[rules]\nignore = [\"drop-column\"]\n");
  c.notify("workspace/didChangeWatchedFiles", {{"changes", {{{"uri", uri_of(dir / ".migrasafe.toml")}, {"type", 2}}}}});
  json fixed = c.diagnostics(uri);
  for (const json& d : fixed) CHECK(d["code"] != "MS401");
  CHECK(fixed != broken);

  testing::write_file(dir / ".migrasafe.toml", "[rules]\n");
  c.notify("workspace/didChangeConfiguration", {{"settings", json::object()}});
  json all = c.diagnostics(uri);
  CHECK(std::any_of(all.begin(), all.end(), [](const json& d) { return d["message"].get<std::string>().find("total") != std::string::npos; }));
}

TEST_CASE("lsp robustness: bad input is answered per the protocol and the server keeps serving", "[lsp]") {
  Client c;
  // Before initialize: ServerNotInitialized.
  CHECK(c.request("textDocument/hover", json::object())["error"]["code"] == -32002);
  c.initialize();
  std::string uri = "untitled:robust.sql";
  c.open(uri, "DROP TABLE orders;\n");
  CHECK(!c.diagnostics(uri).empty());
  auto serving = [&] {
    json r = c.request("textDocument/hover", {{"textDocument", {{"uri", uri}}}, {"position", {{"line", 0}, {"character", 1}}}});
    return r.contains("result") && r["result"]["contents"]["value"].get<std::string>().find("AccessExclusiveLock") != std::string::npos;
  };
  // Not JSON, not an object, a bad id, a missing Content-Length: answered with id null.
  c.send_raw("Content-Length: 9\r\n\r\n{not json");
  CHECK(c.response(nullptr)["error"]["code"] == -32700);
  c.send_raw("Content-Length: 7\r\n\r\n[1,2,3]");
  CHECK(c.response(nullptr)["error"]["code"] == -32600);
  c.send({{"jsonrpc", "2.0"}, {"id", {{"x", 1}}}, {"method", "shutdown"}});
  CHECK(c.response(nullptr)["error"]["code"] == -32600);
  c.send_raw("Content-Length: 44\r\n\r\n{\"jsonrpc\":\"2.0\",\"method\":\"x\",\"params\":\"\xff\xfe\"}");
  CHECK(c.response(nullptr)["error"]["code"] == -32700);  // not UTF-8
  c.send({{"jsonrpc", "2.0"}, {"method", 5}, {"params", {{"note", "$/cancelRequest"}}}});
  CHECK(c.response(nullptr)["error"]["code"] == -32600);
  c.send({{"jsonrpc", "2.0"}, {"id", 99}});
  CHECK(c.response(99)["error"]["code"] == -32600);
  c.send({{"jsonrpc", "2.0"}, {"id", "migrasafe-watch"}, {"result", nullptr}});  // a response to the server: no answer
  c.send_raw("Content-Type: application/json\r\n\r\n");
  CHECK(c.response(nullptr)["error"]["code"] == -32700);
  CHECK(serving());
  // Unknown methods: an error for a request, nothing for a notification.
  CHECK(c.request("textDocument/semanticTokens/full", {{"textDocument", {{"uri", uri}}}})["error"]["code"] == -32601);
  c.notify("$/unknownNotification", {{"x", 1}});
  // Bad parameters, a document that is not open.
  CHECK(c.request("textDocument/hover", {{"textDocument", 5}})["error"]["code"] == -32602);
  CHECK(c.request("textDocument/hover", {{"textDocument", {{"uri", "untitled:nope"}}}, {"position", {{"line", 0}, {"character", 0}}}})["error"]["code"] == -32602);
  c.notify("textDocument/didChange", {{"textDocument", {{"uri", "untitled:nope"}, {"version", 3}}}, {"contentChanges", json::array()}});
  // Positions out of range clamp.
  json far = c.request("textDocument/hover", {{"textDocument", {{"uri", uri}}}, {"position", {{"line", 100000}, {"character", -7}}}});
  CHECK(far.contains("result"));
  json actions = c.request("textDocument/codeAction", {{"textDocument", {{"uri", uri}}},
      {"range", {{"start", {{"line", -3}, {"character", 0}}}, {"end", {{"line", 999999}, {"character", 999999}}}}}, {"context", json::object()}});
  CHECK(actions["result"].is_array());
  CHECK(serving());
  // A half-typed statement: a syntax error where it is, no crash.
  std::string half = "untitled:half.sql";
  c.open(half, "ALTER TABLE orders ADD COLUMN");
  json syntax = c.diagnostics(half);
  REQUIRE(syntax.size() == 1);
  CHECK(syntax[0]["data"]["rule"] == "syntax-error");
  // A file outside any migration set, in a directory of its own.
  fs::path lone = testing::fresh_dir("lsp", "lone") / "scratch.sql";
  c.open(uri_of(lone), "DELETE FROM orders;\n");  // not saved: not on disk
  CHECK(!c.diagnostics(uri_of(lone)).empty());
  // A cancelled request: RequestCancelled (the cancellation is read before the request is handled).
  int id = c.request_async("textDocument/hover", {{"textDocument", {{"uri", uri}}}, {"position", {{"line", 0}, {"character", 0}}}});
  c.notify("$/cancelRequest", {{"id", id}});
  json cancelled = c.response(id);
  CHECK((cancelled.contains("result") || cancelled["error"]["code"] == -32800));
  // A 50 MB buffer (one long literal: the size, not the statement count, is the point here).
  std::string big = "INSERT INTO events (payload) VALUES ('" + std::string(50u << 20, 'x') + "');\nDROP TABLE orders;\n";
  c.open("untitled:big.sql", big);
  json big_diagnostics = c.diagnostics("untitled:big.sql");
  CHECK(std::any_of(big_diagnostics.begin(), big_diagnostics.end(), [](const json& d) { return d["code"] == "MS403" || d["message"].get<std::string>().find("orders") != std::string::npos; }));
  CHECK(serving());
  // Only after shutdown does exit give 0; requests after shutdown are refused.
  CHECK(c.request("shutdown", nullptr)["result"].is_null());
  CHECK(c.request("textDocument/hover", {{"textDocument", {{"uri", uri}}}, {"position", {{"line", 0}, {"character", 0}}}})["error"]["code"] == -32600);
  c.notify("exit", nullptr);
  CHECK(c.exit_code() == 0);
}

TEST_CASE("lsp robustness: every method with malformed parameters gets an answer, and serving goes on", "[lsp]") {
  Client c;
  c.initialize();
  std::string uri = "untitled:target.sql", other = "untitled:fuzz.sql";
  c.open(uri, "DROP TABLE orders;\n");
  c.diagnostics(uri);
  c.open(other, "SELECT 1;\n");
  json position_bad = {{"line", "a"}, {"character", nullptr}};
  json range_huge = {{"start", {{"line", -1}, {"character", 1e9}}}, {"end", {{"line", 1e12}, {"character", -1}}}};
  std::vector<json> params = {
      nullptr, 1, "text", json::array(), json::object(), {{"textDocument", 5}},
      {{"textDocument", {{"uri", other}}}},
      {{"textDocument", {{"uri", other}}}, {"position", position_bad}},
      {{"textDocument", {{"uri", other}}}, {"position", {{"line", 0}, {"character", 0}}}},
      {{"textDocument", {{"uri", other}, {"text", 7}, {"version", "v"}}}},
      {{"textDocument", {{"uri", other}, {"text", "ALTER TABLE"}, {"version", 2}}}},
      {{"textDocument", {{"uri", other}, {"version", 3}}}, {"contentChanges", {{{"range", range_huge}, {"text", "x"}}}}},
      {{"textDocument", {{"uri", other}, {"version", 4}}}, {"contentChanges", {{{"range", 3}, {"text", "x"}}}}},
      {{"textDocument", {{"uri", other}, {"version", 5}}}, {"contentChanges", "all of it"}},
      {{"textDocument", {{"uri", other}}}, {"range", range_huge}, {"context", {{"only", 5}}}},
      {{"textDocument", {{"uri", other}}}, {"range", range_huge}, {"context", {{"only", {"quickfix", 3}}}}},
      {{"changes", {{{"uri", 1}}}}}, {{"id", {{"nested", true}}}}, {{"settings", nullptr}},
  };
  std::vector<std::string> methods = {"textDocument/hover", "textDocument/codeAction", "textDocument/diagnostic",
                                      "textDocument/didOpen", "textDocument/didChange", "textDocument/didSave",
                                      "textDocument/didClose", "workspace/didChangeConfiguration",
                                      "workspace/didChangeWatchedFiles", "$/cancelRequest", "initialize"};
  std::size_t answered = 0, sent = 0;
  for (const std::string& method : methods)
    for (const json& p : params) {
      c.notify(method, p);
      json r = c.request(method, p);  // as a request: always a response, with a result or an error
      ++sent;
      answered += r.contains("result") || (r.contains("error") && r["error"]["code"].is_number_integer());
      if (r.contains("error")) {
        INFO(method << " " << p.dump() << ": " << r["error"].dump());
        CHECK(r["error"]["code"] != -32603);  // an internal error would be a bug, not the client's mistake
      }
    }
  CHECK(answered == sent);
  json hover = c.request("textDocument/hover", {{"textDocument", {{"uri", uri}}}, {"position", {{"line", 0}, {"character", 0}}}});
  CHECK(hover["result"]["contents"]["value"].get<std::string>().find("AccessExclusiveLock") != std::string::npos);
  CHECK(c.request("shutdown", nullptr)["result"].is_null());
  c.notify("exit", nullptr);
  CHECK(c.exit_code() == 0);
}

TEST_CASE("lsp lifecycle: exit without shutdown is exit code 1; nothing but messages on stdout", "[lsp]") {
  Client c;
  c.initialize();
  c.notify("exit", nullptr);
  CHECK(c.exit_code() == 1);
  // Every byte the server wrote was a framed message (the reader REQUIREs the header).
  for (const json& m : c.seen) CHECK(m["jsonrpc"] == "2.0");
}

TEST_CASE("lsp framing: input that ends inside a header is one error, then the end of the input", "[lsp]") {
  // The server answered the same error forever, writing without bound (found by lsp_fuzz).
  const std::string partial = "Content-Length: 12\r\n";
  auto closed_pipe = [&] {
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    REQUIRE(write(fds[1], partial.data(), partial.size()) == static_cast<ssize_t>(partial.size()));
    close(fds[1]);
    return fds[0];
  };
  int in = closed_pipe();
  migrasafe::lsp::MessageReader reader(in);
  auto first = reader.read();
  CHECK(first.status == migrasafe::lsp::MessageReader::Status::BadFrame);
  CHECK(first.error == "input ended inside a header");
  CHECK(reader.read().status == migrasafe::lsp::MessageReader::Status::EndOfInput);
  close(in);

  in = closed_pipe();
  FILE* out = tmpfile();
  REQUIRE(out);
  CHECK(migrasafe::lsp::serve(in, fileno(out)) == 1);
  CHECK(ftell(out) < 1024);  // one log message and one error response
  fclose(out);
  close(in);
}
