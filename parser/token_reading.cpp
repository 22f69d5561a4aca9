#include "parser/token_reading.h"

#include <pg_query.h>


namespace migrasafe {
namespace {

using Action = TokenReading::Action;
using Object = TokenReading::Object;

class Reader {
 public:
  Reader(std::string_view text, const std::vector<Token>& tokens, std::size_t first, std::size_t end) : text_(text) {
    for (std::size_t i = first; i < end && i < tokens.size(); ++i)
      if (!is_comment(tokens[i].kind)) toks_.push_back(tokens[i]);
  }

  TokenReading read() {
    if (word("CREATE")) create();
    else if (word("DROP")) drop();
    else if (word("ALTER")) alter();
    if (out_.names.empty()) return {};  // a head this reader does not know
    return std::move(out_);
  }

 private:
  void create() {
    if (at_word("OR")) {
      if (!(word("OR") && word("REPLACE"))) return;
    }
    out_.unique = word("UNIQUE");
    if (word("GLOBAL") || word("LOCAL")) {}
    bool temporary = word("TEMP") || word("TEMPORARY");  // a copy into it goes with the session
    word("UNLOGGED");
    word("RECURSIVE");
    out_.action = Action::Create;
    if (word("TABLE")) {
      out_.object = Object::Table;
    } else if (word("INDEX")) {
      out_.object = Object::Index;
      out_.concurrently = word("CONCURRENTLY");
      out_.if_not_exists = words({"IF", "NOT", "EXISTS"});
      NameParts index;
      if (!at_word("ON") && !name(index)) return;
      if (!word("ON")) return;
      word("ONLY");
      if (!name(out_.index_table)) return;
      out_.names.push_back(std::move(index));  // empty: PostgreSQL names it
      return;
    } else if (word("SEQUENCE")) {
      out_.object = Object::Sequence;
    } else if (word("VIEW")) {
      out_.object = Object::View;
    } else if (word("MATERIALIZED") && word("VIEW")) {
      out_.object = Object::MaterializedView;
    } else {
      return;
    }
    out_.if_not_exists = words({"IF", "NOT", "EXISTS"});
    NameParts n;
    if (!name(n)) return;
    out_.names.push_back(std::move(n));
    if (out_.object == Object::Table && !temporary) query_sources();
  }

  // CREATE TABLE ... AS: the names after FROM and JOIN in its query. A FROM
  // inside a function call's parentheses (EXTRACT(x FROM y), substring,
  // trim) is an argument, not a source.
  void query_sources() {
    std::size_t as = i_;
    for (int depth = 0; as < toks_.size(); ++as) {
      depth += punct_at(as, '(') ? 1 : punct_at(as, ')') ? -1 : 0;
      if (depth == 0 && token_is(text_, toks_[as], "AS")) break;
    }
    std::vector<bool> call_parens;  // for each open parenthesis: whether it follows a function name
    for (i_ = as + 1; i_ < toks_.size();) {
      if (punct_at(i_, '(')) {
        call_parens.push_back(i_ > 0 && toks_[i_ - 1].kind == TokenKind::Word && !is_keyword_before_paren(i_ - 1));
        ++i_;
      } else if (punct_at(i_, ')')) {
        if (!call_parens.empty()) call_parens.pop_back();
        ++i_;
      } else if (bool in_call = !call_parens.empty() && call_parens.back(); word("JOIN") || (!in_call && word("FROM"))) {
        do {
          word("ONLY");
          word("LATERAL");
          NameParts source;
          if (!name(source) || punct_at(i_, '(')) break;  // a subquery or a function call
          out_.reads_from.push_back(std::move(source));
          if (word("AS") || (!done() && toks_[i_].kind != TokenKind::Punct && !at_clause_word())) ++i_;  // alias
        } while (punct(','));
      } else {
        ++i_;
      }
    }
  }

  // Words that open a parenthesis without calling a function: `AS (`,
  // `IN (`, `FROM (`, `JOIN (`, `EXISTS (`, ...
  bool is_keyword_before_paren(std::size_t k) const {
    for (std::string_view kw : {"AS", "IN", "FROM", "JOIN", "EXISTS", "ANY", "ALL", "SOME", "ON", "SELECT", "WHERE",
                                "AND", "OR", "NOT", "LATERAL", "UNION", "EXCEPT", "INTERSECT", "VALUES", "THEN", "ELSE",
                                "WHEN", "USING"})
      if (token_is(text_, toks_[k], kw)) return true;
    return false;
  }

  // A word that ends a FROM item rather than naming its alias.
  bool at_clause_word() const {
    for (std::string_view kw : {"WHERE", "GROUP", "ORDER", "HAVING", "LIMIT", "OFFSET", "UNION", "EXCEPT", "INTERSECT",
                                "JOIN", "INNER", "LEFT", "RIGHT", "FULL", "CROSS", "NATURAL", "ON", "USING", "WINDOW",
                                "FETCH", "FOR", "WITH", "TABLESAMPLE"})
      if (at_word(kw)) return true;
    return false;
  }

  bool object_kind() {
    if (word("TABLE")) out_.object = Object::Table;
    else if (word("INDEX")) out_.object = Object::Index;
    else if (word("SEQUENCE")) out_.object = Object::Sequence;
    else if (word("VIEW")) out_.object = Object::View;
    else if (word("MATERIALIZED") && word("VIEW")) out_.object = Object::MaterializedView;
    else return false;
    return true;
  }

  void drop() {
    if (!object_kind()) return;
    out_.action = Action::Drop;
    word("CONCURRENTLY");
    words({"IF", "EXISTS"});
    std::vector<NameParts> names;
    do {
      NameParts n;
      if (!name(n)) return;
      names.push_back(std::move(n));
    } while (punct(','));
    // Anything but CASCADE or RESTRICT after the names: not a DROP this reader knows.
    if (!(done() || ((word("CASCADE") || word("RESTRICT")) && done()))) return;
    out_.names = std::move(names);
  }

  void alter() {
    if (!object_kind()) return;
    words({"IF", "EXISTS"});
    word("ONLY");
    NameParts n;
    if (!name(n)) return;
    punct('*');
    if (at_word("RENAME") && peek_word(1, "TO")) {
      std::size_t after_name = i_;
      i_ += 2;
      NameParts to;
      if (name(to) && to.size() == 1 && done()) {
        out_.action = Action::Rename;
        out_.new_name = to[0];
        out_.names.push_back(std::move(n));
        return;
      }
      i_ = after_name;  // not a plain RENAME TO
    }
    if (out_.object != Object::Table) return;  // other ALTERs: nothing certain to read
    out_.action = Action::Alter;
    out_.names.push_back(std::move(n));
    while (i_ < toks_.size()) alter_command();
  }

  // One ALTER TABLE sub-command, up to the next top-level comma.
  void alter_command() {
    ++out_.commands;
    std::size_t start = i_;
    std::size_t stop = i_;
    for (int depth = 0; stop < toks_.size(); ++stop) {
      const Token& t = toks_[stop];
      if (t.kind != TokenKind::Punct) continue;
      char c = text_[t.begin];
      if (c == '(') ++depth;
      else if (c == ')' && depth > 0) --depth;
      else if (c == ',' && depth == 0) break;
    }
    // ADD [CONSTRAINT name] NOT NULL column [NO INHERIT] [NOT VALID] (PostgreSQL 18)
    NameParts constraint, column;
    if (word("ADD") && (!word("CONSTRAINT") || name(constraint)) && word("NOT") && word("NULL") && name(column) &&
        column.size() == 1) {
      TokenReading::AddedNotNull nn{column[0], false, toks_[start].begin, toks_[stop - 1].end};
      for (std::size_t k = i_; k + 1 < stop; ++k)
        if (token_is(text_, toks_[k], "NOT") && token_is(text_, toks_[k + 1], "VALID")) nn.not_valid = true;
      out_.not_null.push_back(std::move(nn));
    } else {
      i_ = start;
      added_column(stop);
    }
    i_ = stop + 1;  // past the comma
  }

  // ADD [COLUMN] [IF NOT EXISTS] name type ...: a word after ADD that starts
  // a table constraint is not a column name.
  void added_column(std::size_t stop) {
    if (!word("ADD")) return;
    bool column_word = word("COLUMN");
    TokenReading::AddedColumn added;
    added.if_not_exists = words({"IF", "NOT", "EXISTS"});
    if (!column_word && !added.if_not_exists)
      for (std::string_view kw : {"CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN", "EXCLUDE", "NOT"})
        if (at_word(kw)) return;
    // The name and at least a type before the end of the sub-command.
    if (i_ + 1 >= stop || !ident(added.name)) return;
    out_.added_columns.push_back(std::move(added));
  }

  bool done() const { return i_ >= toks_.size(); }
  bool punct_at(std::size_t k, char c) const {
    return k < toks_.size() && toks_[k].kind == TokenKind::Punct && text_[toks_[k].begin] == c;
  }
  bool at_word(std::string_view kw) const { return !done() && token_is(text_, toks_[i_], kw); }
  bool peek_word(std::size_t k, std::string_view kw) const {
    return i_ + k < toks_.size() && token_is(text_, toks_[i_ + k], kw);
  }
  bool word(std::string_view kw) {
    if (!at_word(kw)) return false;
    ++i_;
    return true;
  }
  bool words(std::initializer_list<std::string_view> kws) {
    std::size_t k = 0;
    for (std::string_view kw : kws)
      if (!peek_word(k++, kw)) return false;
    i_ += kws.size();
    return true;
  }
  bool punct(char c) {
    if (done() || toks_[i_].kind != TokenKind::Punct || text_[toks_[i_].begin] != c) return false;
    ++i_;
    return true;
  }
  bool ident(std::string& out) {
    if (done()) return false;
    const Token& t = toks_[i_];
    if (t.kind != TokenKind::Word && t.kind != TokenKind::QuotedIdent) return false;
    out = ident_value(text_.substr(t.begin, t.end - t.begin), t.kind);
    ++i_;
    return true;
  }
  // ident [. ident [. ident]]: the last two parts are kept (a database name is dropped).
  bool name(NameParts& out) {
    std::string part;
    if (!ident(part)) return false;
    out = {part};
    while (punct('.')) {
      if (!ident(part)) return false;
      out.push_back(part);
    }
    if (out.size() > 2) out.erase(out.begin(), out.end() - 2);
    return true;
  }

  std::string_view text_;
  std::vector<Token> toks_;
  std::size_t i_ = 0;
  TokenReading out_;
};

std::string quoted(const NameParts& n) { return "`" + join_name(n) + "`"; }

}  // namespace

int grammar_version() { return PG_VERSION_NUM / 10000; }

TokenReading read_tokens(std::string_view text, const std::vector<Token>& tokens, std::size_t first, std::size_t end) {
  return Reader(text, tokens, first, end).read();
}

std::string_view object_name(TokenReading::Object o) {
  switch (o) {
    case Object::Table: return "table";
    case Object::Index: return "index";
    case Object::Sequence: return "sequence";
    case Object::View: return "view";
    case Object::MaterializedView: return "materialized view";
  }
  return "";
}

std::string join_name(const NameParts& n) {
  std::string out;
  for (const std::string& part : n) out += (out.empty() ? "" : ".") + part;
  return out;
}

std::string describe(const TokenReading& r) {
  std::string what(object_name(r.object));
  switch (r.action) {
    case Action::None:
      return "";
    case Action::Create:
      if (r.object == Object::Index)
        return "creates " + std::string(r.names[0].empty() ? "an index" : "index " + quoted(r.names[0])) + " on " +
               quoted(r.index_table);
      {
        std::string sources;
        for (const NameParts& n : r.reads_from) sources += (sources.empty() ? "" : ", ") + quoted(n);
        return "creates " + what + " " + quoted(r.names[0]) +
               (r.object == Object::Table ? " (new in this migration; its columns are unknown)" : "") +
               (sources.empty() ? "" : " from the rows of " + sources);
      }
    case Action::Drop: {
      std::string names;
      for (const NameParts& n : r.names) names += (names.empty() ? "" : ", ") + quoted(n);
      return "drops " + what + " " + names;
    }
    case Action::Rename:
      return "renames " + what + " " + quoted(r.names[0]) + " to `" + r.new_name + "`";
    case Action::Alter: {
      std::string out = "locks table " + quoted(r.names[0]) + " with ACCESS EXCLUSIVE (assumed)";
      for (const auto& c : r.added_columns) out += ", adds column `" + c.name + "`" + (c.if_not_exists ? " IF NOT EXISTS" : "");
      for (const auto& nn : r.not_null)
        out += ", adds a NOT NULL constraint on `" + nn.column + "`" + (nn.not_valid ? " NOT VALID" : "");
      return out;
    }
  }
  return "";
}

}  // namespace migrasafe
