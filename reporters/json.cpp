// Machine output: the versioned JSON contract documented in the README ("JSON output").
#include "reporters/json_writer.h"
#include "reporters/reporters.h"

#include <algorithm>
#include <atomic>
#include <thread>

namespace migrasafe {
namespace {

// Writes the elements [0, n) of the array open in `w`, in order, a run of
// them [from, to) by write(writer, from, to). With `parallel`, batches of `batch` elements
// are formatted on all cores and then written (a run's report is a large
// share of its time); a batch at a time, so the text held stays bounded.
// Each batch starts its helper threads: a batch must be large enough to pay
// for that (a file's entry can be large; a statement's is a few hundred
// bytes). A thread takes `piece` consecutive elements at a time and writes
// them with one writer, so small elements do not each pay for a writer.
constexpr std::size_t kLargestReused = 256 << 10;  // bytes of an element's buffer that the next batch reuses

template <class Write>
void write_elements(JsonWriter& w, std::size_t n, bool parallel, std::size_t batch, std::size_t piece,
                    const Write& write) {
  const unsigned helpers = parallel && n > piece ? std::max(1u, std::thread::hardware_concurrency()) - 1 : 0;
  if (helpers == 0) {
    write(w, 0, n);
    return;
  }
  std::vector<JsonWriter::Text> pieces((std::min(batch, n) + piece - 1) / piece);
  for (std::size_t from = 0; from < n; from += batch) {
    const std::size_t count = std::min(batch, n - from), piece_count = (count + piece - 1) / piece;
    const bool first = w.empty_container();
    std::atomic<std::size_t> next{0};
    auto format = [&] {
      for (std::size_t p; (p = next++) < piece_count;) {
        JsonWriter writer(w, first && p == 0, std::move(pieces[p]));  // the last batch's buffer
        write(writer, from + p * piece, from + std::min(count, (p + 1) * piece));
        pieces[p] = writer.take_text();
      }
    };
    std::vector<std::thread> threads;
    for (unsigned t = 0; t < std::min<std::size_t>(helpers, piece_count - 1); ++t) threads.emplace_back(format);
    format();
    for (std::thread& t : threads) t.join();
    for (std::size_t p = 0; p < piece_count; ++p) {
      w.append_element(pieces[p]);
      // Kept for the next batch's piece, unless it is large (one big file's): that would hold memory.
      if (pieces[p].capacity() > kLargestReused) pieces[p] = {};
    }
  }
}

void put_range(JsonWriter& w, const Range& r) {
  w.field("line", r.start.line);
  w.field("column", r.start.column);
  w.field("end_line", r.end.line);
  w.field("end_column", r.end.column);
}

// The finding's fix: what it does, and each edit as a range to replace.
void put_fix(JsonWriter& w, PositionCursor& positions, const Fix& fix) {
  w.key("fix");
  w.begin_object();
  w.field("description", fix.description);
  w.key("edits");
  w.begin_array();
  for (const TextEdit& e : fix.edits) {
    w.begin_object();
    put_range(w, positions.range(e.begin, e.end));
    w.field("replacement", e.replacement);
    w.end_object();
  }
  w.end_array();
  w.end_object();
}

void put_consequences(JsonWriter& w, const JsonKey& key, std::span<const Consequence> list) {
  if (list.empty()) return w.empty_array_field(key);  // most statements'
  w.key(key);
  w.begin_array();
  for (const Consequence& c : list) w.value(c.what);
  w.end_array();
}

// A relation's name as one string, built in a buffer of the thread's (no allocation per lock).
std::string_view relation_name(const QualifiedName& name) {
  if (name.schema.empty()) return name.name;
  thread_local std::string joined;  // statements are written on several threads
  joined.assign(name.schema).append(".").append(name.name);
  return joined;
}

void write_statement(JsonWriter& w, const FileResult& f, PositionCursor& positions, std::size_t i,
                     const std::vector<const Diagnostic*>& findings) {
  const Statement& s = f.parsed.statements[i];
  const Effects& e = f.effects[i];
  w.begin_object();
  put_range(w, positions.range(s.begin, s.end));
  w.plain_field("kind", s.kind);
  thread_local std::string summary;  // statements are written on several threads
  one_line_summary(summary, f.parsed.text(s));
  w.field("summary", summary);
  if (s.embedded()) {
    const Statement& up = f.parsed.statements[static_cast<std::size_t>(s.parent)];
    w.key("embedded_in");
    w.begin_object();
    w.field("line", positions.at(up.begin).line);
    w.plain_field("kind", up.kind);
    w.plain_field("via", s.via_execute ? "execute" : "body");
    w.plain_field("runs", s.deferred ? "when_called" : "now");
    w.field("exact_position", s.exact);
    w.end_object();
  }
  w.key("effects");
  w.begin_object();
  w.key("locks");
  w.begin_array();
  for (const RelationLock& l : e.locks) {
    w.begin_object();
    w.field("relation", relation_name(l.relation));
    w.plain_field("mode", pg_lock_name(l.mode));
    w.plain_field("blocks", lock_blocks(l.mode));
    w.end_object();
  }
  w.end_array();
  w.field("locks_known", e.locks_unknown.empty());
  if (!e.locks_unknown.empty()) w.field("locks_unknown", e.locks_unknown.str());
  w.plain_field("rewrite", tri_name(e.rewrite));
  w.plain_field("scan", tri_name(e.scan));
  w.plain_field("transaction", e.transaction_allowed ? "allowed" : "forbidden");
  w.plain_field("held_until", held_until_name(f.holds[i]));
  put_consequences(w, "data_loss", e.data_loss);
  put_consequences(w, "compat_breaks", e.compat_breaks);
  w.end_object();
  if (findings.empty()) {
    w.empty_array_field("findings");
  } else {
    w.key("findings");
    w.begin_array();
    for (const Diagnostic* d : findings) w.plain_value(rule_info(d->rule).name);
    w.end_array();
  }
  w.end_object();
}

// `parallel`: its statements' entries are formatted on all cores (one big file).
void write_file(JsonWriter& w, const FileResult& f, bool parallel) {
  w.begin_object();
  w.field("path", f.path);
  w.field("statement_count", f.parsed.statements.size());
  w.key("statements");
  w.begin_array();
  auto findings = findings_by_statement(f);
  constexpr std::size_t kStatementsPerBatch = 2048, kStatementsPerPiece = 64;
  write_elements(w, f.parsed.statements.size(), parallel, kStatementsPerBatch, kStatementsPerPiece,
                 [&](JsonWriter& sw, std::size_t from, std::size_t to) {
                   PositionCursor positions(f);  // a piece's own: pieces are written on several threads
                   for (std::size_t i = from; i < to; ++i) write_statement(sw, f, positions, i, findings[i]);
                 });
  w.end_array();
  w.key("findings");
  w.begin_array();
  PositionCursor positions(f);
  for (const Diagnostic& d : f.diagnostics) {
    const RuleInfo& info = rule_info(d.rule);
    w.begin_object();
    w.plain_field("code", info.code);
    w.plain_field("rule", info.name);
    w.plain_field("category", category_name(info.category));
    w.plain_field("severity", severity_name(d.severity));
    put_range(w, positions.range(d.begin, d.end));
    w.field("message", d.message);
    w.field("help", d.help);
    if (d.fix) put_fix(w, positions, *d.fix);
    w.end_object();
  }
  w.end_array();
  // Errors: the file could not be read, or statements that do not parse.
  w.key("errors");
  w.begin_array();
  if (!f.input_error.empty()) {
    w.begin_object();
    w.field("message", f.input_error);
    w.end_object();
  }
  for (const Diagnostic& d : f.diagnostics) {
    if (d.rule != RuleId::syntax_error) continue;
    w.begin_object();
    w.field("message", d.message);
    put_range(w, positions.range(d.begin, d.end));
    w.end_object();
  }
  w.end_array();
  w.end_object();
}

}  // namespace

void write_json(std::ostream& out, const RunResult& run) {
  JsonWriter w(out);
  w.begin_object();
  w.field("schema_version", 1);
  w.key("tool");
  w.begin_object();
  w.field("name", "migrasafe");
  w.field("version", MIGRASAFE_VERSION);
  w.end_object();
  w.key("options");
  w.begin_object();
  w.field("pg_version", run.options.pg_version);
  w.field("assume_in_transaction", run.options.assume_in_transaction);
  w.end_object();
  w.key("files");
  w.begin_array();
  // The files' entries are most of the report: formatted on all cores, by
  // file, or by statement when there is one file.
  const bool one_file = run.files.size() == 1;
  constexpr std::size_t kFilesPerBatch = 64;
  write_elements(w, run.files.size(), !one_file, kFilesPerBatch, 1, [&](JsonWriter& fw, std::size_t from, std::size_t to) {
    for (std::size_t i = from; i < to; ++i) write_file(fw, run.files[i], one_file);
  });
  w.end_array();
  Counts c = count(run);
  w.key("summary");
  w.begin_object();
  w.field("files", c.files);
  w.field("statements", c.statements);
  w.field("findings", c.findings());
  w.field("errors", c.errors);
  w.field("warnings", c.warnings);
  w.field("notes", c.notes);
  w.field("unreadable_files", c.input_errors);
  w.end_object();
  w.end_object();
}

}  // namespace migrasafe
