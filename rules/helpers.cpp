#include "rules/helpers.h"

#include <cctype>

#include "analysis/ast.h"

#include <cctype>

namespace migrasafe::rules {

bool is_empty_script(std::string_view text, bool& irreversible) {
  irreversible = false;
  bool empty = true;
  for (const Token& t : lex(text)) {
    if (is_comment(t.kind)) {
      std::string comment(text.substr(t.begin, t.end - t.begin));
      for (char& c : comment) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (comment.find("irreversible") != std::string::npos) irreversible = true;
    } else if (!(t.kind == TokenKind::Punct && text.substr(t.begin, t.end - t.begin) == ";")) {
      empty = false;
    }
  }
  return empty;
}

std::string display(const QualifiedName& n) { return n.schema == "public" || n.schema.empty() ? n.name : n.str(); }

std::string ident_value(std::string_view text, TokenKind kind) {
  std::string out;
  if (kind == TokenKind::QuotedIdent) {
    if (text.size() >= 2) text = text.substr(1, text.size() - 2);
    for (std::size_t i = 0; i < text.size(); ++i) {
      out += text[i];
      if (text[i] == '"' && i + 1 < text.size() && text[i + 1] == '"') ++i;
    }
    return out;
  }
  for (char c : text) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

Span head_span(const StatementView& v, long location) {
  const Statement& s = v.stmt;
  if (location < 0) return {s.begin, s.end};
  std::uint32_t off = at(s, location);
  const auto& toks = v.file.tokens;
  for (std::size_t i = s.first_token; i < s.end_token; ++i) {
    if (toks[i].begin == off) {
      // Include a schema qualifier's tail: "app" "." "orders".
      std::size_t j = i;
      while (j + 2 < s.end_token && v.file.text(toks[j + 1]) == "." &&
             (toks[j + 2].kind == TokenKind::Word || toks[j + 2].kind == TokenKind::QuotedIdent))
        j += 2;
      return {s.begin, toks[j].end};
    }
  }
  return {s.begin, s.end};
}

const Json* alter_command(const Statement& s, int index) {
  const Json& cmds = ast::list(s.node, "cmds");
  if (index < 0 || static_cast<std::size_t>(index) >= cmds.size()) return nullptr;
  return ast::as(cmds[index], "AlterTableCmd");
}

Span alter_command_span(const StatementView& v, int index) {
  const Statement& s = v.stmt;
  const Json* rel = ast::field(s.node, "relation");
  long loc = rel ? ast::location(*rel) : -1;
  if (loc < 0) return {s.begin, s.end};
  const auto& toks = v.file.tokens;
  std::uint32_t off = at(s, loc);
  std::size_t i = s.first_token;
  while (i < s.end_token && toks[i].begin < off) ++i;
  // Skip the relation name: ident ("." ident)* ["*"].
  if (i < s.end_token) ++i;
  while (i + 1 < s.end_token && v.file.text(toks[i]) == ".") i += 2;
  if (i < s.end_token && v.file.text(toks[i]) == "*") ++i;
  int depth = 0;
  int current = 0;
  std::size_t start = i;
  for (std::size_t k = i; k <= s.end_token; ++k) {
    bool at_end = k == s.end_token;
    std::string_view t = at_end ? std::string_view() : v.file.text(toks[k]);
    if (!at_end && is_comment(toks[k].kind)) continue;
    if (!at_end && toks[k].kind == TokenKind::Punct) {
      if (t == "(") ++depth;
      else if (t == ")") --depth;
    }
    if (at_end || (depth == 0 && t == "," && toks[k].kind == TokenKind::Punct)) {
      if (current == index && start < k) {
        std::size_t last = k - 1;
        while (last > start && is_comment(toks[last].kind)) --last;
        return {toks[start].begin, toks[last].end};
      }
      ++current;
      start = k + 1;
    }
  }
  return {s.begin, s.end};
}

std::optional<QualifiedName> unfiltered_dml_target(const StatementView& v, std::string_view kind) {
  if (v.stmt.kind != kind || ast::field(v.stmt.node, "whereClause") || !v.effects.target) return std::nullopt;
  if (v.ctx.created_in_migration(*v.effects.target)) return std::nullopt;
  return v.effects.target;
}

bool column_new_in_migration(const StatementView& v, const QualifiedName& table, const std::string& column) {
  if (v.ctx.created_in_migration(table)) return true;
  for (const Statement& s : v.file.statements) {
    if (s.begin >= v.stmt.begin) break;
    const Json* rel = s.kind == "AlterTableStmt" ? ast::field(s.node, "relation") : nullptr;
    if (!rel || v.ctx.qualify_range_var(*rel) != table) continue;
    for (const Json& c : ast::list(s.node, "cmds")) {
      const Json* cmd = ast::as(c, "AlterTableCmd");
      const Json* def = cmd && ast::str(*cmd, "subtype") == "AT_AddColumn" ? ast::field(*cmd, "def") : nullptr;
      const Json* col = def ? ast::as(*def, "ColumnDef") : nullptr;
      if (col && ast::str(*col, "colname") == column) return true;
    }
  }
  return false;
}

std::string transaction_origin(const StatementView& v) {
  if (v.ctx.in_function_body())
    return "the transaction of whatever calls this function or procedure (a function body always runs in one)";
  if (auto block = v.ctx.do_block())
    return "the transaction of the DO block at line " + std::to_string(v.file.source->lines.position(*block).line) +
           " (a DO block runs as one statement)";
  if (v.ctx.in_implicit_block())
    return "the implicit transaction PostgreSQL runs a query of several statements in (golang-migrate and Prisma "
           "send the whole file as one query)";
  if (auto begin = v.ctx.transaction_begin())
    return "the transaction block opened at line " + std::to_string(v.file.source->lines.position(*begin).line);
  return "the transaction the migration runner wraps around the file (--assume-in-transaction)";
}

}  // namespace migrasafe::rules
