// The language server: lifecycle, documents, diagnostics (pushed and
// pulled), hover with a statement's effects, code actions from the rules'
// fixes and suppression comments, configuration reloads. Requests are
// handled one at a time on one thread; every handler failure becomes an
// error response, so no input can stop the server.
#include "lsp/server.h"

#include <chrono>
#include <cmath>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <type_traits>

#include "config/config.h"
#include "engine/session.h"
#include "lsp/documents.h"
#include "lsp/jsonrpc.h"
#include "lsp/position.h"
#include "reporters/reporters.h"
#include "rules/fix.h"
#include "rules/registry.h"

namespace migrasafe::lsp {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

// A request the server answers with an error (bad parameters and the like).
struct RequestError : std::runtime_error {
  int code;
  RequestError(int c, const std::string& message) : std::runtime_error(message), code(c) {}
};

// Whether the JSON number `value` is a whole number T can hold.
template <typename T>
bool in_range(const json& value) {
  if (value.is_number_unsigned()) return value.get<std::uint64_t>() <= static_cast<std::uint64_t>(std::numeric_limits<T>::max());
  if (value.is_number_integer()) {
    std::int64_t v = value.get<std::int64_t>();
    return v >= static_cast<std::int64_t>(std::numeric_limits<T>::min()) &&
           (v < 0 || static_cast<std::uint64_t>(v) <= static_cast<std::uint64_t>(std::numeric_limits<T>::max()));
  }
  double d = value.get<double>();
  return d == std::floor(d) && d >= static_cast<double>(std::numeric_limits<T>::min()) &&
         d <= static_cast<double>(std::numeric_limits<T>::max());
}

// The value of `key` in `params`, of the type the protocol says (else InvalidParams).
template <typename T>
T param(const json& params, const char* key) {
  if (!params.is_object() || !params.contains(key)) throw RequestError(error_code::kInvalidParams, std::string("missing `") + key + "`");
  try {
    const json& value = params.at(key);
    // A number outside T's range (1e12 for a line) is the client's mistake, not a conversion to make.
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
      if (value.is_number() && !in_range<T>(value))
        throw RequestError(error_code::kInvalidParams, std::string("`") + key + "` is out of range");
    }
    return value.get<T>();
  } catch (const json::exception&) {
    throw RequestError(error_code::kInvalidParams, std::string("`") + key + "` has the wrong type");
  }
}

const json& object_param(const json& params, const char* key) {
  if (!params.is_object() || !params.contains(key) || !params.at(key).is_object())
    throw RequestError(error_code::kInvalidParams, std::string("`") + key + "` must be an object");
  return params.at(key);
}

// params.a.b... or null when a step is missing (optional client capabilities).
const json& dig(const json& j, std::initializer_list<const char*> keys) {
  static const json kNull;
  const json* at = &j;
  for (const char* k : keys) {
    if (!at->is_object() || !at->contains(k)) return kNull;
    at = &(*at)[k];
  }
  return *at;
}

int lsp_severity(Severity s) {
  switch (s) {
    case Severity::Error: return 1;
    case Severity::Warning: return 2;
    case Severity::Note: return 3;  // Information
  }
  return 3;
}

class Server {
 public:
  Server(int in_fd, int out_fd, ServerOptions options)
      : reader_(in_fd), writer_(out_fd), options_(options) {}

  int run() {
    while (!exit_code_) {
      if (!reader_.wait(lint_timeout_ms())) {
        lint_due();
        continue;
      }
      // Take every message already sent, so a $/cancelRequest can reach a request queued before it.
      std::deque<MessageReader::Frame> queue;
      do {
        queue.push_back(reader_.read());
        if (queue.back().status == MessageReader::Status::EndOfInput) break;
      } while (queue.size() < 256 && reader_.wait(0));
      for (MessageReader::Frame& frame : queue) note_cancellation(frame);
      for (MessageReader::Frame& frame : queue) {
        if (frame.status == MessageReader::Status::EndOfInput) return shutdown_ ? 0 : 1;
        if (frame.status == MessageReader::Status::BadFrame) {
          log(1, "migrasafe: " + frame.error);
          respond_error(nullptr, error_code::kParseError, frame.error);
        } else {
          handle(frame.body);
        }
        if (exit_code_) break;
      }
      cancelled_.clear();  // a cancellation reaches only the requests read with it
    }
    return *exit_code_;
  }

 private:
  // --- messages --------------------------------------------------------------------------------

  void send(const json& message) { writer_.write(message); }
  void notify(const std::string& method, json params) {
    send({{"jsonrpc", "2.0"}, {"method", method}, {"params", std::move(params)}});
  }
  void respond(const json& id, json result) { send({{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}}); }
  void respond_error(const json& id, int code, const std::string& message) {
    send({{"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", code}, {"message", message}}}});
  }
  // window/logMessage: 1 error, 2 warning, 3 info, 4 log. Never stdout text outside a message.
  void log(int type, const std::string& message) { notify("window/logMessage", {{"type", type}, {"message", message}}); }

  void note_cancellation(const MessageReader::Frame& frame) {
    if (frame.status != MessageReader::Status::Message || frame.body.find("$/cancelRequest") == std::string::npos) return;
    json j = json::parse(frame.body, nullptr, false);
    if (j.is_object() && dig(j, {"method"}) == "$/cancelRequest") {
      const json& id = dig(j, {"params", "id"});
      if (id.is_number_integer() || id.is_string()) cancelled_.insert(id.dump());
    }
  }

  void handle(const std::string& body) {
    json message = json::parse(body, nullptr, false);
    if (message.is_discarded()) return respond_error(nullptr, error_code::kParseError, "the message is not valid JSON");
    if (!message.is_object()) return respond_error(nullptr, error_code::kInvalidRequest, "a message must be a JSON object");
    if (!message.contains("method") && (message.contains("result") || message.contains("error")))
      return;  // the client's response to one of our requests (registerCapability, refresh)
    json id = message.contains("id") ? message["id"] : json();
    bool is_request = message.contains("id");
    if (is_request && !id.is_string() && !id.is_number_integer())
      return respond_error(nullptr, error_code::kInvalidRequest, "`id` must be a string or an integer");
    if (!message.contains("method"))
      return respond_error(is_request ? id : json(), error_code::kInvalidRequest, "a request needs a `method`");
    if (!message["method"].is_string())
      return respond_error(is_request ? id : json(), error_code::kInvalidRequest, "`method` must be a string");
    std::string method = message["method"];
    json params = message.contains("params") ? message["params"] : json::object();
    if (is_request && cancelled_.erase(id.dump()))
      return respond_error(id, error_code::kRequestCancelled, "cancelled by the client");
    try {
      if (is_request) {
        json result = request(method, params);
        respond(id, std::move(result));
      } else {
        notification(method, params);
      }
    } catch (const RequestError& e) {
      if (is_request) respond_error(id, e.code, e.what());
      else log(2, "migrasafe: " + method + ": " + e.what());
    } catch (const json::exception& e) {  // a parameter of the wrong type, deep inside
      if (is_request) respond_error(id, error_code::kInvalidParams, e.what());
      else log(2, "migrasafe: " + method + ": " + e.what());
    } catch (const std::exception& e) {  // a bug: answered and logged, the server keeps serving
      log(1, "migrasafe: internal error in " + method + ": " + e.what());
      if (is_request) respond_error(id, error_code::kInternalError, std::string("internal error: ") + e.what());
    }
  }

  json request(const std::string& method, const json& params) {
    if (method == "initialize") return initialize(params);
    if (!initialized_) throw RequestError(error_code::kServerNotInitialized, "the server is not initialized");
    if (shutdown_) throw RequestError(error_code::kInvalidRequest, "the server is shut down");
    if (method == "shutdown") {
      shutdown_ = true;
      return nullptr;
    }
    if (method == "textDocument/hover") return hover(params);
    if (method == "textDocument/codeAction") return code_actions(params);
    if (method == "textDocument/diagnostic") return pull_diagnostics(params);
    throw RequestError(error_code::kMethodNotFound, "unknown method " + method);
  }

  void notification(const std::string& method, const json& params) {
    if (method == "exit") {
      exit_code_ = shutdown_ ? 0 : 1;
      return;
    }
    if (!initialized_ || shutdown_) return;  // dropped, as the protocol says
    if (method == "initialized") {
      log(3, std::string("migrasafe ") + MIGRASAFE_VERSION + " language server ready (positions in " +
                 (encoding_ == PositionEncoding::Utf8 ? "UTF-8" : "UTF-16") + ")");
      return register_file_watchers();
    }
    if (method == "textDocument/didOpen") return did_open(object_param(params, "textDocument"));
    if (method == "textDocument/didChange") return did_change(params);
    if (method == "textDocument/didSave") return did_save(param<std::string>(object_param(params, "textDocument"), "uri"));
    if (method == "textDocument/didClose") return did_close(param<std::string>(object_param(params, "textDocument"), "uri"));
    if (method == "workspace/didChangeConfiguration") return reload(true);
    if (method == "workspace/didChangeWatchedFiles") return reload(config_changed(params));
    // $/cancelRequest was taken when it was read; other notifications ($/setTrace, ...) need nothing.
  }

  // --- lifecycle -------------------------------------------------------------------------------

  json initialize(const json& params) {
    if (initialized_) throw RequestError(error_code::kInvalidRequest, "initialize was already received");
    initialized_ = true;
    const json& capabilities = dig(params, {"capabilities"});
    const json& encodings = dig(capabilities, {"general", "positionEncodings"});
    if (encodings.is_array())
      for (const json& e : encodings)
        if (e == "utf-8") encoding_ = PositionEncoding::Utf8;
    pull_ = dig(capabilities, {"textDocument", "diagnostic"}).is_object();
    watch_files_ = dig(capabilities, {"workspace", "didChangeWatchedFiles", "dynamicRegistration"}) == true;
    json server_capabilities = {
        {"positionEncoding", encoding_ == PositionEncoding::Utf8 ? "utf-8" : "utf-16"},
        {"textDocumentSync", {{"openClose", true}, {"change", 1}, {"save", {{"includeText", false}}}}},
        {"hoverProvider", true},
        {"codeActionProvider", {{"codeActionKinds", {"quickfix", kFixAllKind}}}},
    };
    if (pull_)
      server_capabilities["diagnosticProvider"] = {
          {"identifier", "migrasafe"}, {"interFileDependencies", true}, {"workspaceDiagnostics", false}};
    return {{"capabilities", server_capabilities},
            {"serverInfo", {{"name", "migrasafe"}, {"version", MIGRASAFE_VERSION}}}};
  }

  void register_file_watchers() {
    if (!watch_files_) return;
    json watchers = json::array();
    for (const char* glob : {"**/.migrasafe.toml", "**/*.sql", "**/sqitch.plan", "**/migrasafe.sum"})
      watchers.push_back({{"globPattern", glob}});
    send({{"jsonrpc", "2.0"},
          {"id", "migrasafe-watch"},
          {"method", "client/registerCapability"},
          {"params",
           {{"registrations",
             {{{"id", "migrasafe-watch"},
               {"method", "workspace/didChangeWatchedFiles"},
               {"registerOptions", {{"watchers", watchers}}}}}}}}});
  }

  // --- documents and diagnostics ---------------------------------------------------------------

  struct Linted {
    std::string uri;
    int version = 0;
    std::shared_ptr<const SourceFile> source;  // the text it was linted from
    FileResult file;                           // its statements, effects and findings
    // An invalid .migrasafe.toml: its message ("FILE:LINE: ..."), shown
    // instead of findings so a broken config is never silence.
    std::optional<std::string> config_error;
  };

  // The lint session of one configuration file (none: the defaults), or why it cannot be built.
  struct Session {
    std::unique_ptr<LintSession> lint;
    std::optional<std::string> config_error;
  };

  // The session that judges `path`: the one of the nearest .migrasafe.toml,
  // made when first needed, with every open buffer (unsaved text stands in
  // for the disk copy in every history).
  Session& session_for(const std::string& path) {
    std::optional<std::filesystem::path> file = find_config(std::filesystem::path(path).parent_path());
    Session& s = sessions_[file ? file->string() : ""];
    if (s.lint || s.config_error) return s;
    try {
      Config config = file ? load_config(*file) : Config{};
      std::optional<Layout> layout;
      if (config.layout && *config.layout != "auto") layout = parse_layout(*config.layout);
      SessionConfig session(Settings(std::move(config), CommandLine{}));
      session.layout = layout;
      s.lint = std::make_unique<LintSession>(std::move(session));
    } catch (const ConfigError& e) {
      s.config_error = e.what();
      return s;
    }
    for (const auto& [uri, doc] : documents_.all())
      if (!doc.path.empty()) s.lint->set_buffer(doc.path, doc.source->text);
    return s;
  }

  // The document's text is what every session reads for its path from now on.
  void share_buffer(const Document& d) {
    if (d.path.empty()) return;
    for (auto& [key, s] : sessions_)
      if (s.lint) s.lint->set_buffer(d.path, d.source->text);
  }

  void did_open(const json& item) {
    std::string uri = param<std::string>(item, "uri");
    const Document& d = documents_.open(uri, item.value("version", 0), param<std::string>(item, "text"));
    share_buffer(d);
    linted_.erase(uri);
    lint_now(d.uri);
  }

  void did_change(const json& params) {
    const json& item = object_param(params, "textDocument");
    std::string uri = param<std::string>(item, "uri");
    const Document* d = documents_.find(uri);
    if (!d) throw RequestError(error_code::kInvalidParams, "didChange for a document that is not open: " + uri);
    std::string text = d->source->text;
    for (const json& change : param<json>(params, "contentChanges")) {
      if (!change.contains("range")) {
        text = param<std::string>(change, "text");
        continue;
      }
      // A range edit (the server asks for full text, but accepts these too).
      SourceFile current("", text);
      auto at = [&](const char* key) {
        const json& p = object_param(object_param(change, "range"), key);
        return offset_of(text, current.lines, {param<int>(p, "line"), param<int>(p, "character")}, encoding_);
      };
      std::size_t begin = at("start"), end = std::max(begin, at("end"));
      text.replace(begin, end - begin, param<std::string>(change, "text"));
    }
    share_buffer(*documents_.change(uri, item.value("version", d->version), std::move(text)));
    auto when = Clock::now() + std::chrono::milliseconds(options_.debounce_ms);
    due_[uri] = when;
    // The unsaved text is history for the open migrations after it: they are judged again too.
    for (const auto& [other, doc] : documents_.all())
      if (other != uri && !doc.path.empty()) {
        linted_.erase(other);
        if (pull_) refresh_due_ = true;
        else due_.emplace(other, when);
      }
  }

  // The saved migration is history for the ones after it: every other open buffer is judged again.
  void did_save(const std::string& uri) {
    for (auto& [key, s] : sessions_)
      if (s.lint) s.lint->files_changed();  // without a file watcher, the save is the news of the change
    lint_now(uri);
    if (pull_) return request_refresh();
    for (const auto& [other, doc] : documents_.all())
      if (other != uri) {
        linted_.erase(other);
        due_.emplace(other, Clock::now() + std::chrono::milliseconds(options_.debounce_ms));
      }
  }

  void did_close(const std::string& uri) {
    if (const Document* d = documents_.find(uri); d && !d->path.empty())
      for (auto& [key, s] : sessions_)
        if (s.lint) s.lint->clear_buffer(d->path);  // the disk copy is the migration again
    documents_.close(uri);
    linted_.erase(uri);
    due_.erase(uri);
    if (!pull_) notify("textDocument/publishDiagnostics", {{"uri", uri}, {"diagnostics", json::array()}});
  }

  // A watched file that is a configuration file changed (or the client did not say which).
  static bool config_changed(const json& params) {
    const json& changes = dig(params, {"changes"});
    if (!changes.is_array()) return true;
    for (const json& change : changes) {
      const json& uri = dig(change, {"uri"});
      if (!uri.is_string() || uri.get<std::string>().ends_with(kConfigFileName)) return true;
    }
    return false;
  }

  // Configuration or files on disk changed: every open buffer is judged
  // again. The sessions see changed migrations themselves (their caches
  // hold until the first file that changed); a configuration change needs new sessions.
  void reload(bool configuration) {
    if (configuration) sessions_.clear();
    for (auto& [key, s] : sessions_)
      if (s.lint) s.lint->files_changed();
    linted_.clear();
    if (pull_) return request_refresh();
    for (const auto& [uri, doc] : documents_.all()) due_[uri] = Clock::now();
  }

  // Pull mode: asks the client to pull every open document's diagnostics again.
  void request_refresh() {
    send({{"jsonrpc", "2.0"}, {"id", "migrasafe-refresh-" + std::to_string(++refreshes_)}, {"method", "workspace/diagnostic/refresh"}});
  }

  int lint_timeout_ms() const {
    if (due_.empty()) return -1;
    auto first = std::min_element(due_.begin(), due_.end(), [](auto& a, auto& b) { return a.second < b.second; })->second;
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(first - Clock::now()).count();
    return static_cast<int>(std::max<long long>(0, wait));
  }

  void lint_due() {
    auto now = Clock::now();
    std::vector<std::string> uris;
    for (const auto& [uri, when] : due_)
      if (when <= now) uris.push_back(uri);
    for (const std::string& uri : uris) {
      due_.erase(uri);
      try {
        lint_now(uri);
      } catch (const std::exception& e) {  // a bug: logged, the server keeps serving
        log(1, "migrasafe: internal error while publishing the diagnostics of " + uri + ": " + e.what());
      }
    }
    // Pull mode: once the edit is quiet, the client pulls the other open migrations again.
    if (refresh_due_ && !uris.empty()) {
      refresh_due_ = false;
      request_refresh();
    }
  }

  // Lints the document (unless its current text was linted already) and
  // publishes its diagnostics when the client does not pull them.
  void lint_now(const std::string& uri) {
    due_.erase(uri);
    const Linted* l = linted(uri);
    if (l && !pull_) notify("textDocument/publishDiagnostics", {{"uri", uri}, {"version", l->version}, {"diagnostics", diagnostics_json(*l)}});
  }

  // The lint result of the open document's current text; nullptr when it is not open.
  const Linted* linted(const std::string& uri) {
    const Document* d = documents_.find(uri);
    if (!d) return nullptr;
    auto it = linted_.find(uri);
    if (it != linted_.end() && it->second.source == d->source) return &it->second;
    Linted l{uri, d->version, d->source, {}, {}};
    try {
      lint(*d, l);
    } catch (const std::exception& e) {
      log(1, "migrasafe: internal error while linting " + uri + ": " + e.what());
      l.file = FileResult{};
      l.file.path = d->path;
      l.file.parsed.source = d->source;
      l.file.input_error = std::string("internal error: ") + e.what();
    }
    return &(linted_[uri] = std::move(l));
  }

  void lint(const Document& d, Linted& l) {
    if (d.path.empty()) {  // not a local file (an untitled buffer): judged on its own, with the defaults
      SessionConfig alone(Settings(Config{}, CommandLine{}));
      alone.stdin_text = d.source->text;
      RunResult run = LintSession(std::move(alone)).run({"-"});
      if (!run.files.empty()) l.file = std::move(run.files.front());
      return;
    }
    Session& s = session_for(d.path);
    if (!s.config_error) {
      l.file = s.lint->relint(d.path);
      return;
    }
    l.config_error = s.config_error;
    l.file.path = d.path;
    l.file.parsed.source = d.source;
  }

  const Linted& linted_or_throw(const json& params) {
    std::string uri = param<std::string>(object_param(params, "textDocument"), "uri");
    const Linted* l = linted(uri);
    if (!l) throw RequestError(error_code::kInvalidParams, "the document is not open: " + uri);
    return *l;
  }

  json range_json(const SourceFile& s, std::size_t begin, std::size_t end) const {
    LspPosition a = position_of(s.text, s.lines, begin, encoding_), b = position_of(s.text, s.lines, end, encoding_);
    return {{"start", {{"line", a.line}, {"character", a.character}}}, {"end", {{"line", b.line}, {"character", b.character}}}};
  }

  json diagnostic_json(const Linted& l, const Diagnostic& d) const {
    const SourceFile& s = *l.source;
    const RuleInfo& rule = rule_info(d.rule);
    json j = {{"range", range_json(s, d.begin, d.end)},
              {"severity", lsp_severity(d.severity)},
              {"code", rule.code},
              {"codeDescription", {{"href", rule_doc_url(rule)}}},
              {"source", "migrasafe"},
              {"message", d.help.empty() ? d.message : d.message + "\n" + d.help},
              {"data", {{"rule", rule.name}}}};
    // Locks held to the end of the transaction: where they are released.
    const FileResult& f = l.file;
    std::size_t i = f.parsed.statement_at(d.begin);
    if (i < f.holds.size() && f.holds[i].transaction_end && !f.effects[i].locks.empty()) {
      std::size_t end = *f.holds[i].transaction_end;
      j["relatedInformation"] = {{{"location", {{"uri", l.uri}, {"range", range_json(s, end, end)}}},
                                  {"message", "the transaction ends here: the statement's locks are held until then"}}};
    }
    return j;
  }

  json diagnostics_json(const Linted& l) const {
    json out = json::array();
    const SourceFile& s = *l.source;
    if (l.config_error) {
      out.push_back({{"range", range_json(s, 0, 0)},
                     {"severity", 1},
                     {"code", "config"},
                     {"source", "migrasafe"},
                     {"message", "invalid configuration, no findings until it is fixed: " + *l.config_error}});
      return out;
    }
    if (!l.file.input_error.empty())
      out.push_back({{"range", range_json(s, 0, 0)}, {"severity", 1}, {"source", "migrasafe"},
                     {"message", "cannot analyse: " + l.file.input_error}});
    for (const Diagnostic& d : l.file.diagnostics) out.push_back(diagnostic_json(l, d));
    return out;
  }

  json pull_diagnostics(const json& params) {
    return {{"kind", "full"}, {"items", diagnostics_json(linted_or_throw(params))}};
  }

  // --- hover -----------------------------------------------------------------------------------

  std::size_t offset_param(const Linted& l, const json& params) const {
    const json& p = object_param(params, "position");
    return offset_of(l.source->text, l.source->lines, {param<int>(p, "line"), param<int>(p, "character")}, encoding_);
  }

  json hover(const json& params) {
    const Linted& l = linted_or_throw(params);
    const FileResult& f = l.file;
    if (f.effects.size() != f.parsed.statements.size()) return nullptr;  // not analysed (bad config, unreadable)
    std::size_t i = f.parsed.statement_at(static_cast<std::uint32_t>(offset_param(l, params)));
    if (i == std::string::npos) return nullptr;
    std::vector<const Diagnostic*> findings;
    const Statement& s = f.parsed.statements[i];
    for (const Diagnostic& d : f.diagnostics)
      if (d.begin >= s.begin && d.begin < s.end) findings.push_back(&d);
    std::ostringstream effects;
    write_statement_effects(effects, f, i, findings, "");
    std::string text = effects.str();
    if (text.empty()) text = "no locks: catalog only\n";
    std::string markdown = "**" + std::string(s.kind) + "** (line " + std::to_string(f.parsed.source->lines.position(s.begin).line) +
                           ")\n\n```text\n" + text + "```\n";
    return {{"contents", {{"kind", "markdown"}, {"value", markdown}}}, {"range", range_json(*l.source, s.begin, s.end)}};
  }

  // --- code actions ----------------------------------------------------------------------------

  static constexpr const char* kFixAllKind = "source.fixAll.migrasafe";

  json workspace_edit(const std::string& uri, const SourceFile& s, const std::vector<TextEdit>& edits) const {
    json list = json::array();
    for (const TextEdit& e : edits) list.push_back({{"range", range_json(s, e.begin, e.end)}, {"newText", e.replacement}});
    return {{"changes", {{uri, list}}}};
  }

  static bool kind_wanted(const json& only, const std::string& kind) {
    if (!only.is_array()) return true;
    for (const json& k : only)
      if (k.is_string()) {
        std::string want = k;
        if (kind == want || kind.starts_with(want + ".")) return true;
      }
    return false;
  }

  json code_actions(const json& params) {
    const Linted& l = linted_or_throw(params);
    std::string uri = param<std::string>(object_param(params, "textDocument"), "uri");
    const SourceFile& s = *l.source;
    const json& range = object_param(params, "range");
    auto offset = [&](const char* key) {
      const json& p = object_param(range, key);
      return offset_of(s.text, s.lines, {param<int>(p, "line"), param<int>(p, "character")}, encoding_);
    };
    std::size_t begin = offset("start"), end = std::max(begin, offset("end"));
    const json& only = dig(params, {"context", "only"});
    const FileResult& f = l.file;
    json actions = json::array();
    for (const Diagnostic& d : f.diagnostics) {
      if (d.end < begin || d.begin > end) continue;
      json diagnostic = diagnostic_json(l, d);
      const RuleInfo& rule = rule_info(d.rule);
      if (d.fix && kind_wanted(only, "quickfix"))
        actions.push_back({{"title", d.fix->description + " (" + std::string(rule.name) + ")"},
                           {"kind", "quickfix"},
                           {"diagnostics", {diagnostic}},
                           {"isPreferred", true},
                           {"edit", workspace_edit(uri, s, d.fix->edits)}});
      if (d.rule == RuleId::unused_suppression || d.rule == RuleId::invalid_suppression || d.rule == RuleId::syntax_error ||
          !kind_wanted(only, "quickfix"))
        continue;
      // The suppression comment goes above the whole top-level statement.
      std::size_t at = f.parsed.statement_at(d.begin);
      while (at != std::string::npos && f.parsed.statements[at].parent >= 0)
        at = static_cast<std::size_t>(f.parsed.statements[at].parent);
      std::uint32_t line_at = at != std::string::npos
                                  ? f.parsed.statements[at].begin
                                  : static_cast<std::uint32_t>(s.lines.line_start(s.lines.position(d.begin).line));
      TextEdit comment = fixes::insert_line(s.text, line_at, "-- migrasafe-ignore " + std::string(rule.name) + ": ");
      actions.push_back({{"title", "Suppress " + std::string(rule.name) + " for this statement (give the reason)"},
                         {"kind", "quickfix"},
                         {"diagnostics", {diagnostic}},
                         {"edit", workspace_edit(uri, s, {comment})}});
    }
    if (kind_wanted(only, kFixAllKind))
      if (auto all = fix_all(s, f)) actions.push_back({{"title", "Fix all migrasafe findings in this file"},
                                                       {"kind", kFixAllKind},
                                                       {"edit", workspace_edit(uri, s, {*all})}});
    return actions;
  }

  // Every fix of the file at once, as `check --fix` applies them: one edit of
  // the whole text; none when nothing applies or the result parses worse.
  static std::optional<TextEdit> fix_all(const SourceFile& s, const FileResult& f) {
    FixOutcome o = apply_fixes(s.text, f.diagnostics);
    if (o.applied == 0) return std::nullopt;
    auto reparsed = parse_file(std::make_shared<const SourceFile>(s.path, o.text));
    if (syntax_error_count(reparsed) > syntax_error_count(f.parsed)) return std::nullopt;
    return TextEdit{0, static_cast<std::uint32_t>(s.text.size()), std::move(o.text)};
  }

  MessageReader reader_;
  MessageWriter writer_;
  ServerOptions options_;
  Documents documents_;
  std::map<std::string, Session> sessions_;       // by configuration file ("" for none)
  std::map<std::string, Linted> linted_;           // by URI
  std::map<std::string, Clock::time_point> due_;   // changed buffers, linted when their time comes
  std::set<std::string> cancelled_;                // ids (as JSON) of requests the client cancelled
  PositionEncoding encoding_ = PositionEncoding::Utf16;
  bool initialized_ = false, shutdown_ = false, pull_ = false, watch_files_ = false;
  bool refresh_due_ = false;  // pull mode: other open documents are to be pulled again after the due edit
  int refreshes_ = 0;
  std::optional<int> exit_code_;
};

}  // namespace

int serve(int in_fd, int out_fd, ServerOptions options) { return Server(in_fd, out_fd, options).run(); }

}  // namespace migrasafe::lsp
