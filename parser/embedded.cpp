#include "parser/embedded.h"

#include <algorithm>
#include <cctype>
#include <optional>

#include "parser/ast.h"
#include "parser/pg_parse.h"
#include "parser/plpgsql_body.h"
#include "parser/raw_parse.h"
#include "parser/token_search.h"

namespace migrasafe {
namespace {

constexpr int kMaxNesting = 4;  // a DO block creating a function that EXECUTEs ... is deep enough

using Span = std::pair<std::uint32_t, std::uint32_t>;

// A piece of SQL and where it sits in the file: when `exact`, sql is
// byte for byte the file's text at [base, base + sql.size()).
struct Text {
  std::string sql;
  bool exact = false;
  std::uint32_t base = 0;
};

// A string literal found in a piece of SQL.
struct Literal {
  std::string value;         // what PostgreSQL reads
  std::size_t token_begin;   // the literal with its quotes, relative to the piece
  std::size_t token_end;
  std::size_t content;       // where `value` starts, relative to the piece
  bool verbatim;             // the text at `content` is `value` byte for byte
};

// Reads a '...' or $tag$...$tag$ literal token; nullopt for E'', U&'' and
// other forms whose value this does not decode.
std::optional<Literal> read_literal(std::string_view sql, const Token& t) {
  std::string_view raw = sql.substr(t.begin, t.end - t.begin);
  if (t.unterminated || raw.size() < 2) return std::nullopt;
  if (raw.front() == '$') {
    std::size_t tag = raw.find('$', 1) + 1;
    if (raw.size() < 2 * tag) return std::nullopt;
    std::string_view inner = raw.substr(tag, raw.size() - 2 * tag);
    return Literal{std::string(inner), t.begin, t.end, t.begin + tag, true};
  }
  if (raw.front() != '\'') return std::nullopt;
  std::string_view inner = raw.substr(1, raw.size() - 2);
  std::string value;
  for (std::size_t i = 0; i < inner.size(); ++i) {
    value += inner[i];
    if (inner[i] == '\'') ++i;  // '' is one quote
  }
  bool verbatim = value.size() == inner.size();
  return Literal{std::move(value), t.begin, t.end, t.begin + 1, verbatim};
}

// The literal an EXECUTE runs when its argument is a constant: 'sql', $q$sql$q$,
// or format('sql') without % directives.
std::optional<Literal> execute_literal(std::string_view query) {
  std::vector<Token> toks = lex(query);
  std::erase_if(toks, [](const Token& t) { return is_comment(t.kind); });
  auto text = [&](std::size_t i) { return query.substr(toks[i].begin, toks[i].end - toks[i].begin); };
  std::optional<Literal> lit;
  if (toks.size() == 1 && toks[0].kind == TokenKind::String) {
    lit = read_literal(query, toks[0]);
  } else if (toks.size() == 4 && token_is(query, toks[0], "FORMAT") && text(1) == "(" &&
             toks[2].kind == TokenKind::String && text(3) == ")") {
    lit = read_literal(query, toks[2]);
    if (lit && lit->value.find('%') != std::string::npos) return std::nullopt;
  }
  return lit;
}

// Template placeholders in a body become identifiers of the same length, as
// at the top level, so the body parses and every offset stays valid.
// Each one is recorded in `file` so messages can show its text.
bool blank_placeholders(std::string& code, ParsedFile& file) {
  if (code.find("{{") == std::string::npos && code.find("${") == std::string::npos) return false;
  bool any = false;
  for (const Token& t : lex(code)) {
    if (t.kind != TokenKind::Placeholder) continue;
    std::string placeholder = code.substr(t.begin, t.end - t.begin);
    std::string identifier = placeholder_identifier(placeholder);
    code.replace(t.begin, identifier.size(), identifier);
    record_placeholder(file, identifier, placeholder);
    any = true;
  }
  return any;
}

// Errors that do not depend on the schema: PL/pgSQL is parsed here without
// the catalog, so a row variable's fields or a %ROWTYPE are unknown to it.
bool certain_error(std::string_view message) {
  // Too deep for the grammar's stack: PostgreSQL fails the same way.
  if (message.starts_with("syntax error") || message.starts_with("memory exhausted")) return true;
  auto q1 = message.find('"');
  auto q2 = q1 == std::string_view::npos ? q1 : message.find('"', q1 + 1);
  return message.find("is not a known variable") != std::string_view::npos && q2 != std::string_view::npos &&
         message.substr(q1, q2 - q1).find('.') == std::string_view::npos;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Whether `sql` declares or takes a cursor. Without the catalog, libpg_query's
// PL/pgSQL compiler cannot tell that a variable is a cursor, so FOR r IN cur,
// OPEN, FETCH, MOVE and CLOSE on one fail to compile there although
// PostgreSQL accepts them: its syntax errors are then no proof.
bool mentions_cursor(std::string_view sql) {
  for (const Token& t : lex(sql)) {
    if (t.kind != TokenKind::Word) continue;
    std::string word = lower(sql.substr(t.begin, t.end - t.begin));
    if (word == "cursor" || word == "refcursor") return true;
  }
  return false;
}

// The language and the body text of a DO block or CREATE FUNCTION/PROCEDURE.
struct Body {
  std::string language;
  std::string code;
  long as_location = -1;  // the AS option (where the body literal follows)
};

std::optional<Body> body_of(const Statement& st) {
  bool is_do = st.kind == "DoStmt";
  if (!is_do && st.kind != "CreateFunctionStmt") return std::nullopt;
  Body b;
  if (is_do) b.language = "plpgsql";
  bool has_code = false;
  for (const Json& o : is_do ? ast::list(st.node, "args") : ast::list(st.node, "options")) {
    auto d = ast::as<"DefElem">(o);
    const Json* arg = d ? ast::field(*d, "arg") : nullptr;
    if (!arg) continue;
    std::string_view name = ast::str(*d, "defname");
    if (name == "language") {
      if (auto s = ast::as<"String">(*arg)) b.language = lower(ast::str(*s, "sval"));
    } else if (name == "as") {
      auto s = ast::as<"String">(*arg);
      if (auto l = ast::as<"List">(*arg)) {
        const Json& items = ast::list(*l, "items");
        s = items.size() == 1 ? ast::as<"String">(items[0]) : nullptr;  // two items: a C function's file and symbol
      }
      if (!s) continue;
      b.code = std::string(ast::str(*s, "sval"));
      b.as_location = ast::location(*d);
      has_code = true;
    }
  }
  if (!has_code || (b.language != "plpgsql" && b.language != "sql")) return std::nullopt;
  return b;
}

// Whether `query` reads a field of `record` (`record.column`).
bool reads_record(std::string_view query, std::string_view record) {
  std::vector<Token> toks = lex(query);
  std::erase_if(toks, [](const Token& t) { return is_comment(t.kind); });
  for (std::size_t i = 0; i + 1 < toks.size(); ++i) {
    const Token& t = toks[i];
    bool names_record = (t.kind == TokenKind::Word || t.kind == TokenKind::QuotedIdent) &&
                        ident_value(query.substr(t.begin, t.end - t.begin), t.kind) == record;
    if (names_record && query.substr(toks[i + 1].begin, 1) == ".") return true;
  }
  return false;
}

// Where a statement's text starts in the body, from `start` on. PL/pgSQL
// blanks an INTO clause in the middle of a statement with as many spaces
// (and drops one at its end), so a space in `query` matches any byte.
std::size_t find_statement(std::string_view code, std::string_view query, std::size_t start) {
  std::size_t exact = code.find(query, start);
  if (exact != std::string_view::npos || query.empty() || query.find("  ") == std::string_view::npos) return exact;
  for (std::size_t p = code.find(query[0], start); p != std::string_view::npos && p + query.size() <= code.size();
       p = code.find(query[0], p + 1)) {
    std::size_t i = 0;
    while (i < query.size() && (query[i] == ' ' || query[i] == code[p + i])) ++i;
    if (i == query.size()) return p;
  }
  return std::string_view::npos;
}

std::vector<std::size_t> line_starts(std::string_view s) {
  std::vector<std::size_t> out{0};
  // memchr jumps from one line break to the next (a byte loop was most of placing a body's statements).
  for (std::size_t at = s.find('\n'); at != std::string_view::npos; at = s.find('\n', at + 1)) out.push_back(at + 1);
  return out;
}

class EmbeddedParser {
 public:
  EmbeddedParser(ParsedFile& out, const std::string& sql) : out_(out), sql_(sql) {}

  void run() {
    std::vector<Statement> top = std::move(out_.statements);
    out_.statements.clear();
    out_.statements.reserve(top.size());  // their bodies' statements, if any, grow it past that
    for (Statement& st : top) {
      std::size_t idx = out_.statements.size();
      out_.statements.push_back(std::move(st));
      const Statement& s = out_.statements.back();
      if (s.kind != "DoStmt" && s.kind != "CreateFunctionStmt") continue;  // the only statements with bodies
      long origin = static_cast<long>(s.begin) - static_cast<long>(s.location_base);
      expand(idx, Text{sql_.substr(s.begin, s.end - s.begin), true, s.begin}, origin, 0);
    }
    if (verbatim_bodies_.empty() && out_.statements.size() == top.size()) return;
    // By position, for splice's binary search.
    std::sort(verbatim_bodies_.begin(), verbatim_bodies_.end(),
              [](const VerbatimBody& a, const VerbatimBody& b) { return a.token_begin < b.token_begin; });
    out_.tokens = splice(out_.tokens);
    reindex_tokens();
  }

 private:
  // Adds the statements in statement `idx`'s body. `own` is its text, and a
  // parse-tree location L is at own.sql[L - origin].
  void expand(std::size_t idx, const Text& own, long origin, int depth) {
    if (depth >= kMaxNesting) return;
    auto body = body_of(out_.statements[idx]);
    if (!body) {
      if (out_.statements[idx].kind == "CreateFunctionStmt" && !ast::field(out_.statements[idx].node, "sql_body"))
        unseen(idx, "has a body that is not SQL or PL/pgSQL");
      add_atomic_body(idx, own, origin);
      return;
    }
    const std::string_view kind = out_.statements[idx].kind;  // static text: stays valid as statements grow
    Span whole{out_.statements[idx].begin, out_.statements[idx].end};
    std::size_t from = body->as_location >= origin ? static_cast<std::size_t>(body->as_location - origin) : 0;
    Text code{body->code, false, 0};
    bool placeholders = blank_placeholders(code.sql, out_);
    std::string function = own.sql;  // with the body's placeholders blanked when it is found verbatim
    Span literal = whole;  // where body-level problems are reported
    std::vector<Token> toks = lex(own.sql);
    for (const Token& t : toks) {
      if (t.begin < from || t.kind != TokenKind::String) continue;
      auto lit = read_literal(own.sql, t);
      if (!lit || lit->value != body->code) continue;
      if (lit->verbatim) function.replace(lit->content, code.sql.size(), code.sql);
      if (own.exact) {
        literal = {own.base + static_cast<std::uint32_t>(t.begin), own.base + static_cast<std::uint32_t>(t.end)};
        code.exact = lit->verbatim;
        code.base = own.base + static_cast<std::uint32_t>(lit->content);
        if (code.exact) verbatim_bodies_.push_back({literal.first, literal.second, code.base});
      }
      break;
    }
    if (body->language == "sql") {
      add_sql(idx, code, whole, literal, depth, false, placeholders);
      return;
    }
    bool is_do = kind == "DoStmt";
    // The function's own tree stands for a parse of its text, unless the text was edited (blanked
    // placeholders); a DO block's wrapping function's tree is the same for every block.
    const KnownFunction known = is_do ? KnownFunction{do_function_tree(), code.sql}
                                      : KnownFunction{out_.statements[idx].node, std::nullopt};
    const bool tree_known = is_do || function == own.sql;
    // A DO block's expressions are not read (add_body_expressions is for functions): no trees for their parses.
    ParsedPlpgsql parsed = parse_plpgsql(is_do ? wrap_do(code.sql) : function,
                                         is_do ? KeptParses::Statements : KeptParses::All, tree_known ? &known : nullptr);
    if (parsed.error) {
      unseen(idx, "has a body that does not parse");
      if (placeholders) unparsed_placeholder(literal);
      else if (certain_error(parsed.error->message) && !mentions_cursor(code.sql) && !mentions_cursor(own.sql))
        report_plpgsql_error(*parsed.error, code, literal, is_do);
      return;
    }
    if (parsed.body.too_deep) {
      // The statement itself is still analysed; what its body does is not.
      too_deep(literal, is_do ? "this DO block's body" : "this function's body");
      unseen(idx, "has a body nested too deep to analyse");
      return;
    }
    add_body_statements(idx, parsed.body, parsed.sql_parses, code, whole, depth);
    if (!is_do) add_body_expressions(idx, parsed.body, parsed.sql_parses);
  }

  // A BEGIN ATOMIC body (PostgreSQL 14) is parsed with the function: its
  // statements are in the tree already, and the file's tokens between
  // ATOMIC and the last END, split at semicolons, give their spans.
  void add_atomic_body(std::size_t idx, const Text& own, long origin) {
    const Json* body = ast::field(out_.statements[idx].node, "sql_body");
    auto outer = body ? ast::as<"List">(*body) : nullptr;
    if (!outer || ast::list(*outer, "items").size() != 1) return;
    auto inner = ast::as<"List">(ast::list(*outer, "items")[0]);
    if (!inner) return;
    std::vector<Span> spans;
    std::vector<Token> toks = lex(own.sql);
    std::erase_if(toks, [](const Token& t) { return is_comment(t.kind); });
    auto atomic = std::find_if(toks.begin(), toks.end(), [&](const Token& t) { return token_is(own.sql, t, "ATOMIC"); });
    int depth = 0;
    for (auto t = atomic == toks.end() ? atomic : atomic + 1; t != toks.end() && t + 1 != toks.end(); ++t) {
      std::string_view text = std::string_view(own.sql).substr(t->begin, t->end - t->begin);
      depth += text == "(" ? 1 : text == ")" ? -1 : 0;
      if (depth == 0 && text == ";" && t->kind == TokenKind::Punct) continue;
      bool starts = spans.empty() || (depth == 0 && std::string_view(own.sql).substr((t - 1)->begin, 1) == ";");
      if (starts) spans.push_back({t->begin, t->end});
      spans.back().second = t->end;
    }
    const Json& stmts = ast::list(*inner, "items");
    bool placed = own.exact && spans.size() == stmts.size();
    const Statement& up = out_.statements[idx];
    Span whole{up.begin, up.end};
    for (std::size_t k = 0; k < stmts.size(); ++k) {
      if (!stmts[k].is_object() || stmts[k].size() != 1) continue;
      Statement st;
      st.set_kind(stmts[k].members_begin()->key());
      st.node = stmts[k].members_begin()->value;
      st.parent = static_cast<int>(idx);
      st.exact = placed;
      st.deferred = true;
      st.begin = placed ? own.base + spans[k].first : whole.first;
      st.end = placed ? own.base + spans[k].second : whole.second;
      st.location_base = placed ? static_cast<std::uint32_t>(static_cast<long>(own.base) - origin) : st.begin;
      out_.statements.push_back(std::move(st));
    }
  }

  // Places each statement the PL/pgSQL parser found at its text in the body
  // (searched from the start of its line), then parses it as SQL (or takes
  // the compiler's parse of it from `compiled`).
  void add_body_statements(std::size_t idx, const PlpgsqlBody& body, RecordedParses& compiled, const Text& code,
                           Span whole, int depth) {
    std::vector<std::size_t> lines = line_starts(code.sql);
    std::size_t search_from = 0;
    for (const PlpgsqlStatement& b : body.statements) {
      std::size_t start = b.lineno > 0 && static_cast<std::size_t>(b.lineno) <= lines.size() ? lines[b.lineno - 1] : search_from;
      std::size_t pos = find_statement(code.sql, b.query, start);
      bool placed = code.exact && pos != std::string::npos;
      if (pos != std::string::npos) search_from = pos + b.query.size();
      std::uint32_t at = placed ? code.base + static_cast<std::uint32_t>(pos) : 0;
      if (!b.dynamic) {
        Span here = placed ? Span{at, at + static_cast<std::uint32_t>(b.query.size())} : whole;
        std::optional<Json> loop_rows;
        const PlpgsqlForLoop* loop = b.loop >= 0 ? &body.loops[static_cast<std::size_t>(b.loop)] : nullptr;
        if (loop && reads_record(b.query, loop->record)) loop_rows = parse_loop_query(loop->query, compiled);
        add_sql(idx, Text{b.query, placed, at}, whole, here, depth, false, false, loop_rows, &compiled);
        continue;
      }
      auto lit = execute_literal(b.query);
      if (!lit) {  // built at run time: nothing to analyse
        unseen(idx, "EXECUTEs a string built at run time");
        continue;
      }
      bool placeholders = blank_placeholders(lit->value, out_);
      Text piece{lit->value, placed && lit->verbatim, at + static_cast<std::uint32_t>(lit->content)};
      Span here = whole;
      if (placed) here = {at + static_cast<std::uint32_t>(lit->token_begin), at + static_cast<std::uint32_t>(lit->token_end)};
      if (piece.exact) verbatim_bodies_.push_back({here.first, here.second, piece.base});
      add_sql(idx, piece, whole, here, depth, true, placeholders);
    }
  }

  // A FOR loop's query as a SELECT statement node (kept with the file's
  // trees), or nothing when it is not one query that parses.
  std::optional<Json> parse_loop_query(const std::string& query, RecordedParses& compiled) {
    ParsedSql parsed;
    try {
      parsed = compiled.parse(query);
    } catch (const JsonTooDeep&) {
      return std::nullopt;
    }
    if (parsed.error || parsed.statements.size() != 1 || parsed.statements[0].kind != "SelectStmt") return std::nullopt;
    out_.trees.push_back(parsed.tree);
    return parsed.statements[0].node;
  }

  // Parses `piece` and adds its statements under statement `parent`.
  // `whole`: the parent's span (for statements that cannot be placed);
  // `problem_at`: where a parse error is reported when it cannot be placed;
  // `loop_rows`: the FOR loop query whose rows the piece runs once for each;
  // `compiled`: parses made already, the piece's among them perhaps.
  void add_sql(std::size_t parent, const Text& piece, Span whole, Span problem_at, int depth, bool via_execute,
               bool placeholders = false, const std::optional<Json>& loop_rows = std::nullopt,
               RecordedParses* compiled = nullptr) {
    ParsedSql parsed;
    try {
      parsed = compiled ? compiled->parse(piece.sql) : parse_sql(piece.sql);
    } catch (const JsonTooDeep&) {
      too_deep(problem_at, via_execute ? "this EXECUTE string" : "this statement of the body");
      unseen(parent, "has a statement nested too deep to analyse");
      return;
    }
    if (parsed.error) unseen(parent, "has a statement that does not parse");
    if (parsed.error && placeholders) {
      unparsed_placeholder(problem_at);
      return;
    }
    if (parsed.error) {
      Span at = problem_at;
      if (piece.exact && parsed.error->cursorpos > 0) {
        std::uint32_t pos = piece.base + static_cast<std::uint32_t>(byte_offset_of_code_point(
                                             piece.sql, static_cast<std::size_t>(parsed.error->cursorpos - 1)));
        at = {pos, pos};
      }
      std::string where = via_execute ? " (in this EXECUTE string: it fails when it runs)"
                                      : " (in this body: PostgreSQL rejects it when the function is created)";
      out_.problems.push_back({ProblemKind::SyntaxError, at.first, at.second,
                               parser_error_message(parsed.error->message, piece.sql) + where, true});
      return;
    }
    out_.trees.push_back(parsed.tree);
    std::vector<Token> toks = lex(piece.sql);
    const Statement& up = out_.statements[parent];
    bool deferred = up.deferred || up.kind == "CreateFunctionStmt";
    for (const SqlStatement& raw : parsed.statements) {
      std::size_t loc = static_cast<std::size_t>(raw.location);
      std::size_t len = static_cast<std::size_t>(raw.length);
      auto span = trim(toks, loc, len == 0 ? piece.sql.size() : loc + len);
      if (!span) continue;
      Statement st;
      st.set_kind(raw.kind);
      st.node = raw.node;
      st.parent = static_cast<int>(parent);
      st.exact = piece.exact;
      st.deferred = deferred;
      st.via_execute = via_execute;
      if (loop_rows) st.make_body_parts().loop_rows = loop_rows;
      st.begin = piece.exact ? piece.base + static_cast<std::uint32_t>(span->first) : whole.first;
      st.end = piece.exact ? piece.base + static_cast<std::uint32_t>(span->second) : whole.second;
      st.location_base = piece.exact ? piece.base : st.begin;
      std::size_t idx = out_.statements.size();
      out_.statements.push_back(std::move(st));
      Text own{piece.sql.substr(span->first, span->second - span->first), piece.exact,
               piece.base + static_cast<std::uint32_t>(span->first)};
      expand(idx, own, static_cast<long>(span->first), depth + 1);
    }
  }

  // [begin, end) narrowed to its first and last tokens that are not comments.
  static std::optional<std::pair<std::size_t, std::size_t>> trim(const std::vector<Token>& toks, std::size_t begin,
                                                                 std::size_t end) {
    std::optional<std::pair<std::size_t, std::size_t>> out;
    for (const Token& t : toks) {
      if (t.begin < begin || is_comment(t.kind)) continue;
      if (t.begin >= end) break;
      if (!out) out = {t.begin, t.end};
      out->second = t.end;
    }
    return out;
  }

  void unseen(std::size_t idx, std::string why) {
    std::string& unseen = out_.statements[idx].make_body_parts().unseen;
    if (unseen.empty()) unseen = std::move(why);
  }

  // The PL/pgSQL expressions of function `idx`'s body that are not SQL
  // statements of their own (conditions, assignments, PERFORM, FOR ... IN
  // and RETURN QUERY queries), each parsed as a SELECT; a query built at run
  // time leaves the body unseen. The compiler parsed them all: `compiled` has
  // those parses, taken where they are the trees parsing here would give.
  void add_body_expressions(std::size_t idx, const PlpgsqlBody& body, RecordedParses& compiled) {
    if (body.runs_dynamic_query) unseen(idx, "runs a query built at run time");
    std::vector<std::optional<Json>> trees(body.expressions.size());
    std::vector<std::string> selects;  // those still to parse, and where each goes in `trees`
    std::vector<std::size_t> slots;
    for (std::size_t k = 0; k < body.expressions.size(); ++k) {
      Select select = as_select(body.expressions[k]);
      trees[k] = compiled_expression(body.expressions[k], select, compiled);
      if (trees[k]) continue;
      std::optional<ParsedSql> parsed = select.prefixed ? std::nullopt : compiled.take(select.text);
      if (parsed && parsed->statements.size() == 1) {
        out_.trees.push_back(parsed->tree);
        trees[k] = parsed->statements[0].node;
      } else {
        selects.push_back(std::move(select.text));
        slots.push_back(k);
      }
    }
    if (!selects.empty() && !parse_together(selects, slots, trees)) {
      for (std::size_t k = 0; k < selects.size(); ++k) {
        ParsedSql parsed;
        try {
          parsed = parse_sql(selects[k]);
        } catch (const JsonTooDeep&) {
          unseen(idx, "has an expression nested too deep to analyse");
          continue;
        }
        if (parsed.error || parsed.statements.size() != 1) {
          unseen(idx, "has an expression migrasafe cannot read");
          continue;
        }
        out_.trees.push_back(parsed.tree);
        trees[slots[k]] = parsed.statements[0].node;
      }
    }
    for (const std::optional<Json>& tree : trees)
      if (tree) out_.statements[idx].make_body_parts().expressions.push_back(*tree);
  }

  // An expression as a query: an assignment's value, and SELECT before
  // anything that is not a query already.
  struct Select {
    std::string text;
    std::size_t target_end = 0;  // an assignment's: where its := or = is
    bool prefixed = false;       // SELECT was put before the value
  };
  static Select as_select(const PlpgsqlExpression& e) {
    Select out;
    std::string query = e.query;
    if (e.assignment) {  // "target := value" or "target = value"
      auto at = query.find(":=");
      if (at != std::string::npos) query.erase(0, at + 2);
      else if ((at = query.find('=')) != std::string::npos) query.erase(0, at + 1);
      out.target_end = at == std::string::npos ? 0 : at;
    }
    std::string first = lower(query.substr(0, query.find_first_of(" \t\n(", query.find_first_not_of(" \t\n"))));
    first.erase(0, first.find_first_not_of(" \t\n"));
    bool is_query = first == "select" || first == "with" || first == "values" || first == "table";
    out.prefixed = !is_query;
    out.text = is_query ? std::move(query) : "SELECT " + query;
    return out;
  }

  // The compiler's parse of expression `e` when it is the tree `select`
  // parses to (but for locations, which the analysis does not read in
  // expressions): the SelectStmt PostgreSQL's grammar makes of an expression
  // is the one it makes of SELECT and the expression. An assignment's target
  // is split off by its first := or = here, so only a plain target (names
  // and dots, where neither can occur) is sure to be split where the grammar
  // splits it. Whatever the compiler did not parse, or parsed otherwise, is
  // not taken: nullopt.
  std::optional<Json> compiled_expression(const PlpgsqlExpression& e, const Select& select, RecordedParses& compiled) {
    if (!select.prefixed) return std::nullopt;
    if (e.assignment) {
      std::string_view target = std::string_view(e.query).substr(0, select.target_end);
      bool plain = select.target_end > 0 && std::all_of(target.begin(), target.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$' || c == '.' || c == ' ' || c == '\t' ||
               c == '\n' || c == '\r' || static_cast<unsigned char>(c) >= 0x80;
      });
      if (!plain) return std::nullopt;
    }
    std::optional<ParsedSql> parsed = compiled.take(e.query, e.assignment ? ParseMode::Assignment : ParseMode::Expression);
    if (!parsed || parsed->statements.size() != 1) return std::nullopt;
    const SqlStatement& st = parsed->statements[0];
    const Json* tree = &st.node;
    if (e.assignment) {
      tree = st.kind == "PLAssignStmt" ? ast::field(st.node, "val") : nullptr;
      if (!tree) return std::nullopt;
    } else if (st.kind != "SelectStmt") {
      return std::nullopt;
    }
    out_.trees.push_back(parsed->tree);
    return *tree;
  }

  // Parses a body's expressions in one go (one parser context and one tree
  // for the body instead of one per expression), and puts the tree of
  // selects[k] in trees[slots[k]] when each gives exactly one statement;
  // otherwise puts nothing and returns false, and each is parsed alone to
  // tell which one fails.
  bool parse_together(const std::vector<std::string>& selects, const std::vector<std::size_t>& slots,
                      std::vector<std::optional<Json>>& trees) {
    std::string text;
    std::vector<std::size_t> ends;  // where the `;` after each one is
    for (const std::string& select : selects) {
      text += select;
      text += '\n';  // ends a -- comment
      ends.push_back(text.size());
      text += ";\n";
    }
    ParsedSql parsed;
    try {
      parsed = parse_sql(text);
    } catch (const JsonTooDeep&) {
      return false;
    }
    if (parsed.error || parsed.statements.size() != selects.size()) return false;
    for (std::size_t k = 0; k < selects.size(); ++k) {
      const SqlStatement& st = parsed.statements[k];
      std::size_t begin = k == 0 ? 0 : ends[k - 1] + 1;
      if (static_cast<std::size_t>(st.location) != begin || static_cast<std::size_t>(st.location + st.length) != ends[k])
        return false;
    }
    out_.trees.push_back(parsed.tree);
    for (std::size_t k = 0; k < selects.size(); ++k) trees[slots[k]] = parsed.statements[k].node;
    return true;
  }

  void too_deep(Span at, const std::string& what) {
    out_.problems.push_back({ProblemKind::TooDeep, at.first, at.second,
                             what + " is nested more than " + std::to_string(JsonDocument::kMaxDepth) +
                                 " levels deep; the statements in it were not analysed"});
  }

  void unparsed_placeholder(Span at) {
    out_.problems.push_back({ProblemKind::Placeholder, at.first, at.second,
                             "body with a template placeholder does not parse once the placeholder is replaced by an "
                             "identifier; its statements were not analysed"});
  }

  // A DO block's body as a function, which is how PostgreSQL compiles it.
  static constexpr std::string_view kDoFunctionHead = "CREATE FUNCTION migrasafe_do() RETURNS void LANGUAGE plpgsql AS ";
  static std::string wrap_do(const std::string& code) {
    std::string tag = "$migrasafe_do$";
    while (code.find(tag) != std::string::npos) tag.insert(tag.size() - 1, "_");
    return std::string(kDoFunctionHead) + tag + code + tag;
  }
  // The tree of wrap_do's function, whatever its body (parsed once).
  static JsonNode do_function_tree() {
    static const ParsedSql wrapper = parse_sql(std::string(kDoFunctionHead) + "''");
    return wrapper.statements.at(0).node;
  }

  // The PL/pgSQL parser gives no position, only "near line N" of the body
  // and usually the offending word: point at that word from line N on, else
  // at the whole body.
  void report_plpgsql_error(const PlpgsqlError& err, const Text& code, Span literal, bool is_do) {
    std::string message = parser_error_message(err.message, code.sql);
    message += is_do ? " (in this DO block's PL/pgSQL body: the DO block fails)"
                     : " (in this PL/pgSQL body: PostgreSQL rejects the function when it is created)";
    Span at = literal;
    std::string_view context = err.context;
    std::string_view msg = err.message;
    auto near = context.find("near line ");
    auto q1 = msg.find('"');
    auto q2 = q1 == std::string_view::npos ? q1 : msg.find('"', q1 + 1);
    if (code.exact && near != std::string_view::npos && q2 != std::string_view::npos) {
      long line = std::atol(std::string(context.substr(near + 10)).c_str());
      std::string word = lower(msg.substr(q1 + 1, q2 - q1 - 1));
      std::vector<std::size_t> lines = line_starts(code.sql);
      std::size_t from = line >= 1 && static_cast<std::size_t>(line) <= lines.size() ? lines[line - 1] : 0;
      for (const Token& t : lex(code.sql)) {
        if (t.begin < from || lower(std::string_view(code.sql).substr(t.begin, t.end - t.begin)) != word) continue;
        at = {code.base + t.begin, code.base + t.end};
        break;
      }
    }
    // A syntax error may be SQL newer than the grammar in one of the body's statements.
    bool grammar = msg.starts_with("syntax error");
    out_.problems.push_back({ProblemKind::SyntaxError, at.first, at.second, std::move(message), grammar});
  }

  // A literal whose value is in the file verbatim: its tokens replace it in
  // ParsedFile::tokens, between tokens for its opening and closing quotes.
  struct VerbatimBody {
    std::uint32_t token_begin, token_end, content;
  };

  // `toks` with each verbatim body's literal replaced by its opening quote,
  // the body's own tokens and its closing quote. Only the literals are looked
  // up (verbatim_bodies_ is sorted by position): the runs of tokens between
  // them are copied whole, since a file's tokens are mostly outside bodies.
  // The bodies are lexed first so that the list is allocated once at its
  // size: grown by doubling, it held up to twice a large file's tokens beside
  // the old list, the parse's memory peak.
  std::vector<Token> splice(const std::vector<Token>& toks) const {
    if (toks.empty()) return {};
    struct Spliced {
      std::vector<Token>::const_iterator literal;
      std::uint32_t content, close;  // where the body's text begins and its closing quote
      std::vector<Token> tokens;
    };
    std::vector<Spliced> bodies;
    std::size_t size = toks.size();
    std::string_view text = out_.source->text;
    auto from = toks.begin();
    auto body = std::lower_bound(verbatim_bodies_.begin(), verbatim_bodies_.end(), toks.front().begin,
                                 [](const VerbatimBody& b, std::uint32_t at) { return b.token_begin < at; });
    for (; body != verbatim_bodies_.end() && body->token_begin < toks.back().end; ++body) {
      auto t = std::lower_bound(from, toks.end(), body->token_begin,
                                [](const Token& tok, std::uint32_t at) { return tok.begin < at; });
      if (t == toks.end() || t->begin != body->token_begin || t->end != body->token_end || t->kind != TokenKind::String)
        continue;
      std::uint32_t close = t->end - (body->content - t->begin);  // the closing quote is as long as the opening one
      std::vector<Token> inner = lex(text.substr(body->content, close - body->content));
      for (Token& i : inner) {
        i.begin += body->content;
        i.end += body->content;
      }
      bodies.push_back({t, body->content, close, splice(inner)});
      size += bodies.back().tokens.size() + 1;  // the body's tokens and two quotes instead of one string
      from = t + 1;
    }
    std::vector<Token> out;
    out.reserve(size);
    auto copied = toks.begin();  // the tokens before it are in `out`
    for (const Spliced& b : bodies) {
      out.insert(out.end(), copied, b.literal);
      out.push_back({TokenKind::Punct, b.literal->begin, b.content});
      out.insert(out.end(), b.tokens.begin(), b.tokens.end());
      out.push_back({TokenKind::Punct, b.close, b.literal->end});
      copied = b.literal + 1;
    }
    out.insert(out.end(), copied, toks.end());
    return out;
  }

  void reindex_tokens() {
    const auto& toks = out_.tokens;
    // Statements come nearly in file order, so each search from the previous
    // statement is short; a binary search over the whole file for each cost
    // more than the rest of this pass.
    std::size_t previous = 0;  // the previous statement's first token
    for (Statement& st : out_.statements) {
      if (previous > 0 && toks[previous - 1].begin >= st.begin) previous = 0;
      previous = first_token_from(toks, previous, st.begin);
      st.first_token = static_cast<std::uint32_t>(previous);
      st.end_token = st.exact ? static_cast<std::uint32_t>(first_token_from(toks, st.first_token, st.end)) : st.first_token;
    }
  }


  ParsedFile& out_;
  const std::string& sql_;
  std::vector<VerbatimBody> verbatim_bodies_;
};

}  // namespace

void add_embedded_statements(ParsedFile& out, const std::string& sql) { EmbeddedParser(out, sql).run(); }

}  // namespace migrasafe
