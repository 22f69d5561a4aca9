#include "parser/parse.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <exception>
#include <mutex>
#include <optional>
#include <span>
#include <thread>

#include "parser/allocator.h"
#include "parser/embedded.h"
#include "parser/large_stacks.h"
#include "parser/pg_parse.h"
#include "parser/raw_parse.h"
#include "parser/timings.h"
#include "parser/token_search.h"

namespace migrasafe {
namespace {

// A statement's bytes [first, second) in the file, between top-level semicolons.
using Span = std::pair<std::size_t, std::size_t>;

bool skippable(TokenKind k) { return is_comment(k) || k == TokenKind::MetaCommand || k == TokenKind::CopyData; }

class FileParser {
 public:
  FileParser(ParsedFile& out) : out_(out), text_(out.source->text) {}

  void run(const ChunkSettings& chunking) {
    out_.tokens = lex(text_);
    std::string edited;  // empty when the text parses as it is (no copy of a large file beside it)
    const std::string& sql = preprocess(edited) ? edited : text_;
    if (sql.size() <= chunking.chunk_bytes || !parse_in_chunks(sql, chunking)) {
      parse_statements(sql);
      add_embedded_statements(out_, sql);
    }
    // Both grew by doubling and are kept until the file's analysis ends.
    out_.tokens.shrink_to_fit();
    out_.statements.shrink_to_fit();
  }

  // Parses the statements `spans` of `sql` (not their bodies) as the whole
  // of out_, a chunk's part: as one run, or `one_by_one` as the whole file is
  // when it does not parse. False when they do not parse as one run.
  bool parse_chunk(const std::string& sql, std::span<const Span> spans, bool one_by_one) {
    if (one_by_one) {
      parse_each(sql, spans);
      return true;
    }
    const std::size_t begin = spans.front().first, end = spans.back().second;
    std::optional<ParsedSql> run;
    try {
      run = parse_sql(sql.substr(begin, end - begin));
    } catch (const JsonTooDeep&) {
    }
    if (!run || run->error) return false;
    add_statements(*run, begin, end - begin);
    return true;
  }

 private:
  void parse_statements(const std::string& sql) {
    try {
      ParsedSql whole = parse_sql(sql);
      if (!whole.error) {
        add_statements(whole, 0, sql.size());
        return;
      }
    } catch (const JsonTooDeep&) {
      // find the deep statement(s) below
    }
    parse_each(sql, split_statements());
  }

  // Parses statement by statement, so that one error does not hide the others.
  void parse_each(const std::string& sql, std::span<const Span> spans) {
    for (auto [b, e] : spans) {
      std::string piece = sql.substr(b, e - b);
      try {
        ParsedSql one = parse_sql(piece);
        if (one.error) {
          report_error(*one.error, piece, b, e);
          continue;
        }
        add_statements(one, b, piece.size());
      } catch (const JsonTooDeep&) {
        Statement probe;
        if (!trim(b, e, probe)) continue;
        out_.problems.push_back({ProblemKind::TooDeep, probe.begin, probe.end,
                                 "statement is nested more than " + std::to_string(JsonDocument::kMaxDepth) +
                                     " levels deep; it was not analysed"});
      }
    }
  }

  // PostgreSQL's parse tree of a whole file lives in one memory context
  // until our tree is built from it: several times the text's size, so a
  // large file is parsed a run of whole statements (a chunk) at a time
  // instead, on several threads; each chunk becomes a file of its own, with
  // its share of the tokens, and the chunks are joined in file order, so the
  // result is the same whatever the threads and their timing.
  // A chunk that does not parse as one run (a syntax error, a statement
  // nested too deeply) is parsed statement by statement, as the whole file
  // then is, so the others' work is kept and the error is found on the
  // threads. False, with nothing else changed, when the file has BEGIN
  // ATOMIC ... END, whose semicolons split it into pieces that do not parse
  // alone while the whole may: the file is then parsed as a whole, as a
  // smaller file is.
  bool parse_in_chunks(const std::string& sql, const ChunkSettings& chunking) {
    const std::vector<Span> spans = split_statements();
    std::vector<Chunk> chunks = plan_chunks(spans, chunking.chunk_bytes);
    std::vector<Token>().swap(out_.tokens);  // the chunks hold them now (a file has about one per 4 bytes)
    std::exception_ptr error;  // an exception on a chunk thread, thrown again here
    std::atomic<bool> thrown_or_whole{false};  // nothing more to parse in chunks
    const unsigned threads = chunking.threads ? chunking.threads : std::max(1u, std::thread::hardware_concurrency());
    // Parses the chunks not parsed yet: false when one of them does not parse.
    auto parse_unparsed = [&](bool one_by_one) {
      std::vector<Chunk*> todo;
      for (Chunk& c : chunks)
        if (!c.parsed) todo.push_back(&c);
      std::atomic<std::size_t> next_chunk{0};
      std::atomic<bool> failed{false};
      std::mutex error_mutex;
      auto parse_chunks = [&] {
        PhaseTimer timer(RunPhase::Parse);  // a helper thread's own (the caller's is parse_file's)
        for (std::size_t k; !thrown_or_whole && (k = next_chunk++) < todo.size();) {
          try {
            Chunk& c = *todo[k];
            c.parsed = FileParser(c.part).parse_chunk(sql, std::span(spans).subspan(c.first_span, c.spans), one_by_one);
            if (!c.parsed) {
              failed = true;
              // Perhaps a BEGIN ATOMIC body the chunk's end cut: then the file is parsed whole (below).
              if (has_begin_atomic(c.part.tokens)) thrown_or_whole = true;
              continue;
            }
            c.statement_problems = c.part.problems.size();
            add_embedded_statements(c.part, sql);
          } catch (...) {
            std::lock_guard<std::mutex> lock(error_mutex);
            if (!error) error = std::current_exception();
            thrown_or_whole = true;
          }
        }
      };
      run_here_and_on_large_stacks(static_cast<unsigned>(std::min<std::size_t>(threads, todo.size())), parse_chunks);
      return !failed;
    };
    auto any_begin_atomic = [&] {
      return std::any_of(chunks.begin(), chunks.end(), [&](const Chunk& c) { return has_begin_atomic(c.part.tokens); });
    };
    const bool parsed = parse_unparsed(false) || (!thrown_or_whole && !any_begin_atomic() && parse_unparsed(true));
    if (error || !parsed) out_.tokens = lex(text_);  // as they were
    if (error) std::rethrow_exception(error);
    if (!parsed) return false;
    // Reserved at their final sizes: grown by doubling, then trimmed, the
    // statement list was briefly there twice, at the parse's (the run's) peak.
    std::size_t tokens = 0, statements = 0, problems = 0, trees = 0;
    for (const Chunk& c : chunks) {
      tokens += c.part.tokens.size();
      statements += c.part.statements.size();
      problems += c.part.problems.size();
      trees += c.part.trees.size();
    }
    out_.tokens.reserve(tokens);
    out_.statements.reserve(out_.statements.size() + statements);
    out_.problems.reserve(out_.problems.size() + problems);
    out_.trees.reserve(out_.trees.size() + trees);
    // Problems in the order a parse of the whole file gives them: the
    // statements' (syntax errors), then their bodies'.
    for (Chunk& c : chunks)
      for (std::size_t p = 0; p < c.statement_problems; ++p) out_.problems.push_back(std::move(c.part.problems[p]));
    // Each chunk's share is freed as it is added, while the file's lists fill
    // up: handed back as it goes, not only after the join, so that the two
    // copies are not resident together (the 50 MB bench file's parse peaked
    // there, about 100 MB higher).
    constexpr std::size_t kHandBackBytes = 16 << 20;
    std::size_t freed = 0;
    for (Chunk& c : chunks) {
      c.part.problems.erase(c.part.problems.begin(), c.part.problems.begin() + static_cast<long>(c.statement_problems));
      freed += c.part.tokens.size() * sizeof(Token) + c.part.statements.size() * sizeof(Statement);
      append(std::move(c.part));
      if (freed >= kHandBackBytes) {
        release_free_memory();
        freed = 0;
      }
    }
    // The whole file's token list, the chunks' lists and PostgreSQL's parse
    // memory are freed by now, in the malloc arenas of the threads that
    // parsed, where the replay's allocations do not reuse them: hand those
    // pages back (the bench's 4 MB file peaked 6 MB lower).
    release_free_memory();
    return true;
  }

  // A run of whole statements of a big file and its parse, apart from the rest.
  struct Chunk {
    std::size_t first_span = 0, spans = 0;  // its statements, in split_statements()
    ParsedFile part;  // its statements (with their bodies'), tokens, problems, trees, placeholders
    bool parsed = false;
    std::size_t statement_problems = 0;  // the first of part.problems are its statements', the rest their bodies'
  };

  // Whether a BEGIN ATOMIC body may be among these tokens' statements.
  bool has_begin_atomic(const std::vector<Token>& tokens) const {
    return std::any_of(tokens.begin(), tokens.end(),
                       [&](const Token& t) { return t.kind == TokenKind::Word && token_is(text_, t, "ATOMIC"); });
  }

  // The file's statements in runs of about `chunk_bytes`, each with the
  // tokens from its first byte to the next chunk's (the tokens are split,
  // not copied: joined in order they are the file's again).
  std::vector<Chunk> plan_chunks(const std::vector<Span>& spans, std::size_t chunk_bytes) const {
    std::vector<Chunk> chunks;
    for (std::size_t first = 0; first < spans.size();) {
      std::size_t last = first;
      while (last + 1 < spans.size() && spans[last].second - spans[first].first < chunk_bytes) ++last;
      Chunk c;
      c.first_span = first;
      c.spans = last + 1 - first;
      c.part.source = out_.source;
      c.part.placeholders = out_.placeholders;  // the file's (preprocess); a body may add more
      chunks.push_back(std::move(c));
      first = last + 1;
    }
    const std::vector<Token>& toks = out_.tokens;
    auto token_at = [&](std::size_t offset) {
      return std::lower_bound(toks.begin(), toks.end(), offset,
                              [](const Token& t, std::size_t off) { return t.begin < off; });
    };
    for (std::size_t k = 0; k < chunks.size(); ++k) {
      auto from = k == 0 ? toks.begin() : token_at(spans[chunks[k].first_span].first);
      auto to = k + 1 == chunks.size() ? toks.end() : token_at(spans[chunks[k + 1].first_span].first);
      chunks[k].part.tokens.assign(from, to);
    }
    return chunks;
  }

  // Adds a chunk's parse to out_, after the chunks before it.
  void append(ParsedFile part) {
    const std::size_t token_offset = out_.tokens.size();
    const int statement_offset = static_cast<int>(out_.statements.size());
    out_.tokens.insert(out_.tokens.end(), part.tokens.begin(), part.tokens.end());
    for (Statement& s : part.statements) {
      s.first_token += token_offset;
      s.end_token += token_offset;
      if (s.parent >= 0) s.parent += statement_offset;
      out_.statements.push_back(std::move(s));
    }
    for (ParseProblem& p : part.problems) out_.problems.push_back(std::move(p));
    for (auto& tree : part.trees) out_.trees.push_back(std::move(tree));
    for (auto& [identifier, placeholder] : part.placeholders) record_placeholder(out_, identifier, placeholder);
  }

  // psql meta-commands become blanks and template placeholders become
  // identifiers of the same byte length, so every offset stays valid. True
  // when there was any to replace: `sql` is then the text as it is parsed.
  bool preprocess(std::string& sql) {
    bool bom = text_.starts_with("\xEF\xBB\xBF");
    if (!bom && std::none_of(out_.tokens.begin(), out_.tokens.end(), [](const Token& t) {
          return t.kind == TokenKind::CopyData || t.kind == TokenKind::MetaCommand || t.kind == TokenKind::Placeholder;
        }))
      return false;
    sql = text_;
    if (bom) sql.replace(0, 3, "   ");  // byte order mark
    for (const Token& t : out_.tokens) {
      if (t.kind == TokenKind::CopyData) {
        std::fill(sql.begin() + t.begin, sql.begin() + t.end, ' ');  // rows of COPY ... FROM STDIN
      } else if (t.kind == TokenKind::MetaCommand) {
        std::fill(sql.begin() + t.begin, sql.begin() + t.end, ' ');
        out_.problems.push_back({ProblemKind::MetaCommand, t.begin, t.end,
                                 "psql meta-command `" + std::string(out_.text(t)) +
                                     "` is not SQL; it was skipped and the rest of the file analysed"});
      } else if (t.kind == TokenKind::Placeholder) {
        std::string_view placeholder = out_.text(t);
        std::string identifier = placeholder_identifier(placeholder);
        sql.replace(t.begin, identifier.size(), identifier);
        record_placeholder(out_, identifier, placeholder);
        out_.problems.push_back({ProblemKind::Placeholder, t.begin, t.end,
                                 "template placeholder `" + std::string(out_.text(t)) +
                                     "` was analysed as a plain identifier; findings that depend on its value may be missing"});
      }
    }
    return true;
  }

  // Byte spans between top-level semicolons (outside parentheses).
  std::vector<Span> split_statements() const {
    std::vector<Span> spans;
    std::size_t start = 0;
    int depth = 0;
    for (const Token& t : out_.tokens) {
      if (t.kind != TokenKind::Punct) continue;
      char c = text_[t.begin];
      if (c == '(') ++depth;
      else if (c == ')' && depth > 0) --depth;
      else if (c == ';' && depth == 0) {
        spans.emplace_back(start, t.begin);
        start = t.end;
      }
    }
    spans.emplace_back(start, text_.size());
    return spans;
  }

  void add_statements(const ParsedSql& parsed, std::size_t base, std::size_t len) {
    out_.trees.push_back(parsed.tree);
    // A whole file's (or chunk's) statements at once: no regrowth moving them
    // (parse_each adds them one by one, and lets the list grow by doubling).
    if (out_.statements.empty()) out_.statements.reserve(parsed.statements.size());
    std::size_t previous = 0;  // the previous statement's first token
    for (const SqlStatement& raw : parsed.statements) {
      std::size_t loc = base + static_cast<std::size_t>(raw.location);
      std::size_t end = raw.length == 0 ? base + len : loc + static_cast<std::size_t>(raw.length);
      Statement& st = out_.statements.emplace_back();  // built in place, not moved there
      if (!trim(loc, end, st, previous)) {
        out_.statements.pop_back();
        continue;
      }
      previous = st.first_token;
      st.location_base = static_cast<std::uint32_t>(base);
      st.set_kind(raw.kind);
      st.node = raw.node;
    }
  }

  // Narrow [begin, end) to its first and last real tokens.
  // `from`: where the search for its first token starts (the previous
  // statement's first token, when statements come in order); a token before
  // it that does not begin before `begin` makes it start at the beginning.
  bool trim(std::size_t begin, std::size_t end, Statement& st, std::size_t from = 0) const {
    const auto& toks = out_.tokens;
    if (from > toks.size() || (from > 0 && toks[from - 1].begin >= begin)) from = 0;
    std::size_t i = first_token_from(toks, from, begin);
    while (i < toks.size() && toks[i].begin < end && skippable(toks[i].kind)) ++i;
    if (i >= toks.size() || toks[i].begin >= end) return false;
    // Back from the first token past the end, rather than through all of the
    // statement's tokens: toks[i] is real, so this stops there at the latest.
    std::size_t last_real = first_token_from(toks, i, end) - 1;
    while (skippable(toks[last_real].kind)) --last_real;
    st.first_token = static_cast<std::uint32_t>(i);  // a token holds at least a byte: offsets fit in 32 bits
    st.end_token = static_cast<std::uint32_t>(last_real + 1);
    st.begin = toks[i].begin;
    st.end = toks[last_real].end;
    return true;
  }

  void report_error(const SqlParseError& err, const std::string& piece, std::size_t b, std::size_t e) {
    Statement probe;
    bool placed = trim(b, e, probe);
    if (!placed) {
      probe.begin = static_cast<std::uint32_t>(b);
      probe.end = static_cast<std::uint32_t>(e);
    }
    bool has_placeholder = std::any_of(out_.tokens.begin() + probe.first_token, out_.tokens.begin() + probe.end_token,
                                       [](const Token& t) { return t.kind == TokenKind::Placeholder; });
    std::size_t at = probe.begin;
    if (err.cursorpos > 0) at = b + byte_offset_of_code_point(piece, static_cast<std::size_t>(err.cursorpos - 1));
    std::uint32_t pos = static_cast<std::uint32_t>(std::min(at, text_.size()));
    if (has_placeholder) {
      out_.problems.push_back({ProblemKind::Placeholder, probe.begin, probe.end,
                               "statement with a template placeholder does not parse once the placeholder is "
                               "replaced by an identifier; it was not analysed"});
      return;
    }
    // Mark the token the error is at (or the position itself at end of input).
    std::uint32_t end = pos;
    for (const Token& t : out_.tokens) {
      if (t.begin == pos) { end = t.end; break; }
      if (t.begin > pos) break;
    }
    ParseProblem problem{ProblemKind::SyntaxError, pos, end, parser_error_message(err.message, piece), true};
    if (placed) add_unparsed(probe, problem);
    out_.problems.push_back(std::move(problem));
  }

  // The statement stays in the replay with what its words establish, for
  // targets newer than the grammar (see Statement::reading).
  void add_unparsed(Statement st, ParseProblem& problem) {
    st.set_kind(kUnparsedKind);
    st.location_base = st.begin;
    st.reading = read_tokens(text_, out_.tokens, st.first_token, st.end_token);
    problem.read_from_words = describe(*st.reading);
    out_.statements.push_back(std::move(st));
  }

  ParsedFile& out_;
  const std::string& text_;
};

}  // namespace

std::string placeholder_identifier(std::string_view placeholder) {
  // A quoted placeholder ("{{ .Schema }}") names what the bare one names:
  // the same identifier, inside the quotes.
  if (placeholder.size() > 2 && placeholder.front() == '"' && placeholder.back() == '"')
    return '"' + placeholder_identifier(placeholder.substr(1, placeholder.size() - 2)) + '"';
  std::uint64_t hash = 14695981039346656037ull;  // FNV-1a
  for (unsigned char c : placeholder) hash = (hash ^ c) * 1099511628211ull;
  std::string id = "_";
  for (int shift = 60; shift >= 0 && id.size() < placeholder.size(); shift -= 4) id += "0123456789abcdef"[(hash >> shift) & 15];
  id.resize(placeholder.size(), 'x');
  return id;
}

void record_placeholder(ParsedFile& file, std::string_view identifier, std::string_view placeholder) {
  if (identifier.size() > 2 && identifier.front() == '"') {  // recorded bare: names are shown unquoted
    identifier = identifier.substr(1, identifier.size() - 2);
    placeholder = placeholder.substr(1, placeholder.size() - 2);
  }
  if (std::none_of(file.placeholders.begin(), file.placeholders.end(), [&](const auto& p) { return p.first == identifier; }))
    file.placeholders.emplace_back(identifier, placeholder);
}

std::string ParsedFile::restore_placeholders(std::string text) const {
  for (const auto& [identifier, placeholder] : placeholders)
    for (std::size_t at = text.find(identifier); at != std::string::npos; at = text.find(identifier, at + placeholder.size()))
      text.replace(at, identifier.size(), placeholder);
  return text;
}

std::vector<const Token*> ParsedFile::comments() const {
  std::vector<const Token*> out;
  for (const Token& t : tokens)
    if (is_comment(t.kind)) out.push_back(&t);
  return out;
}

namespace {

// The kinds' names in StmtKind's order: kKindNames[k] is StmtKind k + 1.
constexpr std::string_view kKindNames[] = {
#define MIGRASAFE_KIND_NAME(name) #name,
    MIGRASAFE_STATEMENT_KINDS(MIGRASAFE_KIND_NAME)
#undef MIGRASAFE_KIND_NAME
};

constexpr std::uint32_t kind_hash(std::string_view name) {  // FNV-1a
  std::uint32_t h = 2166136261u;
  for (char c : name) h = (h ^ static_cast<unsigned char>(c)) * 16777619u;
  return h;
}

// An open-addressing table of the kinds, filled when the program compiles
// (a std::unordered_map spent more on hashing and its buckets, once per statement).
constexpr std::size_t kKindSlots = 512;  // over four slots a kind: probes are short
constexpr std::array<StmtKind, kKindSlots> kKindTable = [] {
  std::array<StmtKind, kKindSlots> table{};  // Other: an empty slot
  for (std::size_t k = 0; k < std::size(kKindNames); ++k) {
    std::size_t slot = kind_hash(kKindNames[k]) % kKindSlots;
    while (table[slot] != StmtKind::Other) slot = (slot + 1) % kKindSlots;
    table[slot] = static_cast<StmtKind>(k + 1);
  }
  return table;
}();

}  // namespace

StmtKind statement_kind(std::string_view node_name) {
  for (std::size_t slot = kind_hash(node_name) % kKindSlots; kKindTable[slot] != StmtKind::Other;
       slot = (slot + 1) % kKindSlots)
    if (kKindNames[static_cast<std::size_t>(kKindTable[slot]) - 1] == node_name) return kKindTable[slot];
  return StmtKind::Other;
}

void Statement::set_kind(std::string_view node_name) {
  tag = statement_kind(node_name);
  // Static text: a known kind's name from the kinds' table (one hash lookup
  // per statement; TreeKey::of's binary searches cost five times as much),
  // any other node name its TreeKey's name, numbered when the program compiles.
  if (tag != StmtKind::Other) kind = kKindNames[static_cast<std::size_t>(tag) - 1];
  else kind = node_name == kUnparsedKind ? kUnparsedKind : TreeKey::of(node_name).name();
}

std::size_t ParsedFile::statement_at(std::uint32_t offset) const {
  // The last statement that begins at or before `offset`; statements that
  // hold it are that one or its enclosing ones (spans nest or are disjoint).
  auto it = std::upper_bound(statements.begin(), statements.end(), offset,
                             [](std::uint32_t off, const Statement& s) { return off < s.begin; });
  if (it == statements.begin()) return std::string::npos;
  std::size_t i = static_cast<std::size_t>(it - statements.begin()) - 1;
  // A body statement that could not be placed shares its parent's span: a
  // finding there is taken to be the parent's.
  while (!statements[i].exact && statements[i].parent >= 0 &&
         statements[statements[i].parent].begin == statements[i].begin)
    i = static_cast<std::size_t>(statements[i].parent);
  while (true) {
    if (statements[i].end >= offset) return i;
    if (statements[i].parent < 0) return std::string::npos;
    i = static_cast<std::size_t>(statements[i].parent);
  }
}

ParsedFile parse_file(std::shared_ptr<const SourceFile> source) { return parse_file(std::move(source), ChunkSettings{}); }

ParsedFile parse_file(std::shared_ptr<const SourceFile> source, const ChunkSettings& chunking) {
  auto start = std::chrono::steady_clock::now();
  PhaseTimer timer(RunPhase::Parse);
  ParsedFile out;
  out.source = std::move(source);
  FileParser(out).run(chunking);
  out.parse_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return out;
}

}  // namespace migrasafe
