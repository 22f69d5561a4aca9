#include "rules/column_types.h"

namespace migrasafe::rules {

std::string_view builtin_type(const Json& type_name) {
  // The type rules ask this of every column: read the names in place.
  std::string_view names[2];
  std::size_t count = 0;
  for (const Json& item : ast::list(type_name, "names")) {
    auto s = ast::as<"String">(item);
    if (!s) continue;
    if (count == 2) return "";
    names[count++] = ast::str(*s, "sval");
  }
  if (count == 1) return names[0];
  if (count == 2 && names[0] == "pg_catalog") return names[1];
  return "";
}

const std::vector<ColumnTypeUse>& column_types(const StatementView& v) {
  if (v.facts.column_types) return *v.facts.column_types;
  std::vector<ColumnTypeUse>& uses = v.facts.column_types.emplace();
  const QualifiedName& table = v.facts.column_types_table;
  const Json& n = v.stmt.node;
  auto add = [&](const Json& col, std::string_view name, const Json* create, bool alter) {
    const Json* tn = ast::field(col, "typeName");
    if (tn && !ast::flag(*tn, "pct_type")) uses.push_back(ColumnTypeUse{*tn, col, name, table, builtin_type(*tn), create, alter});
  };
  if (v.stmt.tag == StmtKind::CreateStmt || v.stmt.tag == StmtKind::CreateForeignTableStmt) {
    const Json& create = v.stmt.tag == StmtKind::CreateStmt ? n : *ast::field(n, "base");
    const Json* rel = ast::field(create, "relation");
    if (!rel) return uses;
    v.facts.column_types_table = v.ctx.qualify_range_var(*rel);
    uses.reserve(ast::list(create, "tableElts").size());  // mostly columns
    for (const TableElement& elt : table_elements(create))
      if (elt.column) add(*elt.column, ast::str(*elt.column, "colname"), &create, false);
  } else if (v.stmt.tag == StmtKind::AlterTableStmt) {
    const Json* rel = ast::field(n, "relation");
    if (!rel) return uses;
    for (const AlterTableCommand& cmd : alter_table_commands(n)) {
      if (!cmd.column) continue;
      if (cmd.subtype == "AT_AddColumn") add(*cmd.column, ast::str(*cmd.column, "colname"), nullptr, false);
      else if (cmd.subtype == "AT_AlterColumnType") add(*cmd.column, cmd.name, nullptr, true);
    }
    // Most ALTER TABLEs write no type: the table is named only for one that does.
    if (!uses.empty()) v.facts.column_types_table = v.ctx.qualify_range_var(*rel);
  }
  return uses;
}

bool has_typmods(const Json& type_name) { return ast::list(type_name, "typmods").size() > 0; }

std::string array_bounds(const Json& type_name) {
  std::string out;
  for (const Json& bound : ast::list(type_name, "arrayBounds")) {
    auto integer = ast::as<"Integer">(bound);
    long n = integer ? ast::num(*integer, "ival", -1) : -1;  // the grammar stores -1 for []
    out += n >= 0 ? "[" + std::to_string(n) + "]" : "[]";
  }
  return out;
}

namespace {

bool is_name(const Token& t) { return t.kind == TokenKind::Word || t.kind == TokenKind::QuotedIdent; }

// The next non-comment token index after i, or end.
std::size_t next(const StatementView& v, std::size_t i) {
  const auto& toks = v.file.tokens;
  do ++i;
  while (i < v.stmt.end_token && is_comment(toks[i].kind));
  return i;
}

// Index one past the parenthesised group that starts at i.
std::size_t skip_parens(const StatementView& v, std::size_t i) {
  int depth = 0;
  for (; i < v.stmt.end_token; ++i) {
    std::string_view t = v.file.text(v.file.tokens[i]);
    if (v.file.tokens[i].kind != TokenKind::Punct) continue;
    if (t == "(") ++depth;
    else if (t == ")" && --depth == 0) return i + 1;
  }
  return i;
}

}  // namespace

std::optional<TypeText> type_text(const StatementView& v, const Json& type_name) {
  long loc = ast::location(type_name);
  if (loc < 0) return std::nullopt;
  const auto& toks = v.file.tokens;
  const std::string_view src = v.file.source->text;
  std::uint32_t off = at(v.stmt, loc);
  std::size_t i = v.stmt.first_token;
  while (i < v.stmt.end_token && toks[i].begin < off) ++i;
  if (i >= v.stmt.end_token || toks[i].begin != off || !is_name(toks[i])) return std::nullopt;
  auto text = [&](std::size_t k) { return k < v.stmt.end_token ? v.file.text(toks[k]) : std::string_view(); };
  auto word_is = [&](std::size_t k, std::string_view kw) { return k < v.stmt.end_token && token_is(src, toks[k], kw); };
  TypeText t{i, std::nullopt, std::nullopt, {toks[i].begin, toks[i].end}};
  std::size_t last = i;
  // Qualified names (pg_catalog.int4) and the SQL multi-word spellings
  // (character varying, double precision, national char).
  for (std::size_t k = next(v, last); k < v.stmt.end_token; k = next(v, last)) {
    if (text(k) == "." && next(v, k) < v.stmt.end_token && is_name(toks[next(v, k)])) last = next(v, k);
    else if (word_is(k, "VARYING") || word_is(k, "PRECISION") || word_is(k, "CHARACTER") || word_is(k, "CHAR")) last = k;
    else break;
  }
  t.word = last;
  std::size_t k = next(v, last);
  if (text(k) == "(") {
    std::size_t close = skip_parens(v, k);
    t.mods = Span{toks[k].begin, toks[close - 1].end};
    last = close - 1;
    k = next(v, last);
  }
  if ((word_is(k, "WITH") || word_is(k, "WITHOUT")) && word_is(next(v, k), "TIME") && word_is(next(v, next(v, k)), "ZONE")) {
    std::size_t zone_end = next(v, next(v, k));
    t.zone = Span{toks[k].begin, toks[zone_end].end};
    last = zone_end;
    k = next(v, last);
  }
  // Array bounds: [] [3] or ARRAY / ARRAY[3].
  if (word_is(k, "ARRAY")) {
    last = k;
    k = next(v, k);
  }
  while (text(k) == "[") {
    while (k < v.stmt.end_token && text(k) != "]") ++k;
    if (k >= v.stmt.end_token) break;
    last = k;
    k = next(v, k);
  }
  t.all.second = toks[last].end;
  return t;
}

Span type_span(const StatementView& v, const Json& type_name) {
  auto t = type_text(v, type_name);
  return t ? t->all : Span{v.stmt.begin, v.stmt.end};
}

std::string word_value(const StatementView& v, const TypeText& t) {
  const Token& tok = v.file.tokens[t.word];
  return ident_value(v.file.text(tok), tok.kind);
}

std::string mods_text(const StatementView& v, const TypeText& t) {
  return t.mods ? std::string(v.file.source->text.substr(t.mods->first, t.mods->second - t.mods->first)) : "";
}

TextEdit rename_type_word(const StatementView& v, const TypeText& t, const std::string& name, std::uint32_t end) {
  const Token& tok = v.file.tokens[t.word];
  std::string text = tok.kind == TokenKind::QuotedIdent ? "\"" + name + "\"" : name;
  return TextEdit{tok.begin, end ? end : tok.end, text};
}

namespace {

bool lists_column(const Json& names, std::string_view column) {
  for (const Json& item : names)
    if (auto s = ast::as<"String">(item); s && ast::str(*s, "sval") == column) return true;
  return false;
}

bool calls_nextval(const Json& expr) {
  bool found = false;
  ast::walk(expr, [&](std::string_view kind, const Json& n) {
    if (kind != "FuncCall") return;
    auto names = ast::strings(ast::list(n, "funcname"));
    if (!names.empty() && names.back() == "nextval") found = true;
  });
  return found;
}

}  // namespace

bool declared_key(const ColumnTypeUse& u) {
  for (const Json& c : ast::list(u.column, "constraints")) {
    auto con = ast::as<"Constraint">(c);
    if (!con) continue;
    std::string_view type = ast::str(*con, "contype");
    if (type == "CONSTR_PRIMARY" || type == "CONSTR_FOREIGN" || type == "CONSTR_IDENTITY") return true;
    if (type == "CONSTR_DEFAULT")
      if (const Json* e = ast::field(*con, "raw_expr"); e && calls_nextval(*e)) return true;
  }
  if (!u.create) return false;
  for (const TableElement& elt : table_elements(*u.create)) {
    const Json* con = elt.constraint;
    if (!con) continue;
    std::string_view type = ast::str(*con, "contype");
    // A column of a composite primary key is often a state code or a position
    // next to the real identifier: only a single-column key says "identifier".
    if (type == "CONSTR_PRIMARY" && ast::list(*con, "keys").size() == 1 && lists_column(ast::list(*con, "keys"), u.column_name))
      return true;
    if (type == "CONSTR_FOREIGN" && lists_column(ast::list(*con, "fk_attrs"), u.column_name)) return true;
  }
  return false;
}

}  // namespace migrasafe::rules
