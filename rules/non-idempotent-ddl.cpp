// non-idempotent-ddl: CREATE without IF NOT EXISTS and DROP without IF EXISTS
// where a re-run can actually meet them: the statement's effect is committed
// before a later statement of the file runs in another transaction (it is
// outside a transaction block, or its block commits and more follows). If that
// later statement fails, re-running the file fails here ("already exists",
// "does not exist"). A file that runs as one transaction rolls back whole,
// and the last statement of a file cannot be followed by a failure.
#include <algorithm>
#include <map>

#include "parser/ast.h"
#include "parser/table_elements.h"
#include "rules/helpers.h"

namespace migrasafe {
namespace {

// Whether a top-level statement after this one runs in a different
// transaction. A statement in a DO block or function body runs within its
// enclosing statement, so it is left to that one.
bool followed_by_other_transaction(const StatementView& v) {
  const auto& all = v.file.statements;
  if (v.stmt.embedded()) return false;
  if (&v.stmt < all.data() || &v.stmt >= all.data() + all.size()) return false;
  std::size_t i = v.position();
  auto top_level_after = [&](std::size_t k) {
    return std::any_of(all.begin() + static_cast<long>(k) + 1, all.end(), [](const Statement& s) { return !s.embedded(); });
  };
  // One multi-statement query runs as an implicit transaction up to its
  // first COMMIT or ROLLBACK, like an explicit block.
  if (!v.ctx.options().single_query) {
    if (!v.ctx.in_transaction()) return top_level_after(i);
    if (!v.ctx.in_explicit_transaction()) return false;  // the runner wraps the whole file
  }
  // From one top-level COMMIT, ROLLBACK, PREPARE or ROLLBACK TO to the next
  // (the index's), not through every statement of the transaction.
  for (std::size_t k = v.index.transaction_end[i]; k < all.size(); k = v.index.transaction_end[k]) {
    std::string_view kind = ast::str(all[k].node, "kind");
    if (kind == "TRANS_STMT_ROLLBACK") return false;
    if (kind == "TRANS_STMT_COMMIT") return top_level_after(k);
  }
  return false;
}

// Token index of the first Word `keyword` at or after token `from`.
std::optional<std::size_t> find_word(const StatementView& v, std::size_t from, std::string_view keyword) {
  for (std::size_t i = from; i < v.stmt.end_token; ++i)
    if (token_is(v.file.source->text, v.file.tokens[i], keyword)) return i;
  return std::nullopt;
}

// The next non-comment token after i.
std::size_t next_token(const StatementView& v, std::size_t i) {
  do ++i;
  while (i < v.stmt.end_token && is_comment(v.file.tokens[i].kind));
  return i;
}

Fix insert(std::uint32_t at, std::string text) {
  std::string what = text.find("NOT") != std::string::npos ? "Add IF NOT EXISTS" : "Add IF EXISTS";
  return Fix{what, {TextEdit{at, at, std::move(text)}}};
}

struct Checker {
  const StatementView& v;
  Report& r;

  void report(rules::Span span, const std::string& what, bool create, std::optional<Fix> fix) {
    auto& d = r.add(RuleId::non_idempotent_ddl, span.first, span.second,
                    what + " has no " + (create ? "IF NOT EXISTS" : "IF EXISTS") + " and is committed before later "
                        "statements of this file run: if one of them fails, re-running the migration fails here (" +
                        (create ? "already exists" : "does not exist") + ")",
                    std::string("Add ") + (create ? "IF NOT EXISTS" : "IF EXISTS") + " so the statement can run again, "
                    "or run the file in one transaction (BEGIN ... COMMIT) so a failure undoes all of it.");
    d.fix = std::move(fix);
  }

  std::uint32_t at(long location) const { return rules::at(v.stmt, location); }

  void create_relation(const Json* rv, const char* what) {
    if (!rv) return;
    long loc = ast::location(*rv);
    report(rules::head_span(v, loc), std::string(what) + " `" + std::string(ast::str(*rv, "relname")) + "`", true,
           loc >= 0 ? std::optional<Fix>(insert(at(loc), "IF NOT EXISTS ")) : std::nullopt);
  }

  // CREATE SCHEMA / EXTENSION: IF NOT EXISTS goes after the keyword.
  void create_after_keyword(std::string_view keyword, const std::string& what) {
    auto k = find_word(v, v.stmt.first_token, keyword);
    report({v.stmt.begin, v.stmt.end}, what, true,
           k ? std::optional<Fix>(insert(v.file.tokens[*k].end, " IF NOT EXISTS")) : std::nullopt);
  }

  void index() {
    const Json& n = v.stmt.node;
    std::string name(ast::str(n, "idxname"));
    // Unnamed indexes cannot take IF NOT EXISTS; concurrent ones are concurrent-index-retry's.
    if (name.empty() || ast::flag(n, "concurrent")) return;
    auto k = find_word(v, v.stmt.first_token, "INDEX");
    std::size_t name_tok = k ? next_token(v, *k) : v.stmt.end_token;
    std::optional<Fix> fix;
    if (name_tok < v.stmt.end_token) fix = insert(v.file.tokens[name_tok].begin, "IF NOT EXISTS ");
    report(rules::head_span(v, ast::location(*ast::field(n, "relation"))), "CREATE INDEX `" + name + "`", true, fix);
  }

  void alter_table() {
    for (const AlterTableCommand& cmd : alter_table_commands(v.stmt.node)) {
      if (ast::flag(*cmd.fields, "missing_ok")) continue;
      std::string_view sub = cmd.subtype;
      rules::Span span = rules::alter_command_span(v, cmd.index);
      if (sub == "AT_AddColumn") {
        const Json* col = cmd.column;
        long loc = col ? ast::location(*col) : -1;
        report(span, "ADD COLUMN `" + std::string(col ? ast::str(*col, "colname") : "") + "`", true,
               loc >= 0 ? std::optional<Fix>(insert(at(loc), "IF NOT EXISTS ")) : std::nullopt);
      } else if (sub == "AT_DropColumn" || sub == "AT_DropConstraint") {
        bool column = sub == "AT_DropColumn";
        // DROP [COLUMN] name / DROP CONSTRAINT name: IF EXISTS goes before the name. The command's
        // span can start at a comment before its DROP.
        std::size_t k = v.stmt.first_token;
        while (k < v.stmt.end_token && v.file.tokens[k].begin < span.first) ++k;
        auto drop = find_word(v, k, "DROP");
        std::size_t name_tok = drop ? next_token(v, *drop) : v.stmt.end_token;
        if (name_tok < v.stmt.end_token && (token_is(v.file.source->text, v.file.tokens[name_tok], "COLUMN") ||
                                            token_is(v.file.source->text, v.file.tokens[name_tok], "CONSTRAINT")))
          name_tok = next_token(v, name_tok);
        std::optional<Fix> fix;
        if (name_tok < v.stmt.end_token) fix = insert(v.file.tokens[name_tok].begin, "IF EXISTS ");
        report(span, std::string(column ? "DROP COLUMN `" : "DROP CONSTRAINT `") + std::string(cmd.name) + "`",
               false, fix);
      }
    }
  }

  void drop() {
    static const std::map<std::string_view, std::vector<std::string_view>> keywords{
        {"OBJECT_TABLE", {"TABLE"}},         {"OBJECT_INDEX", {"INDEX"}},
        {"OBJECT_VIEW", {"VIEW"}},           {"OBJECT_MATVIEW", {"MATERIALIZED", "VIEW"}},
        {"OBJECT_SEQUENCE", {"SEQUENCE"}},   {"OBJECT_TYPE", {"TYPE"}},
        {"OBJECT_DOMAIN", {"DOMAIN"}},       {"OBJECT_SCHEMA", {"SCHEMA"}},
        {"OBJECT_EXTENSION", {"EXTENSION"}}, {"OBJECT_FOREIGN_TABLE", {"FOREIGN", "TABLE"}},
        {"OBJECT_FUNCTION", {"FUNCTION"}},   {"OBJECT_PROCEDURE", {"PROCEDURE"}},
        {"OBJECT_TRIGGER", {"TRIGGER"}},     {"OBJECT_POLICY", {"POLICY"}}};
    const Json& n = v.stmt.node;
    auto it = keywords.find(ast::str(n, "removeType"));
    if (it == keywords.end() || ast::flag(n, "missing_ok")) return;
    // DROP <keywords> [CONCURRENTLY] | IF EXISTS goes here.
    std::size_t k = v.stmt.first_token;
    while (k < v.stmt.end_token && is_comment(v.file.tokens[k].kind)) ++k;
    bool ok = k < v.stmt.end_token;
    for (std::string_view kw : it->second) {
      k = next_token(v, k);
      ok = ok && k < v.stmt.end_token && token_is(v.file.source->text, v.file.tokens[k], kw);
    }
    if (ok && ast::flag(n, "concurrent")) {
      k = next_token(v, k);
      ok = k < v.stmt.end_token && token_is(v.file.source->text, v.file.tokens[k], "CONCURRENTLY");
    }
    std::string what = "DROP";
    for (std::string_view kw : it->second) what += " " + std::string(kw);
    report({v.stmt.begin, v.stmt.end}, what, false, ok ? std::optional<Fix>(insert(v.file.tokens[k].end, " IF EXISTS")) : std::nullopt);
  }

  void run() {
    const Json& n = v.stmt.node;
    const StmtKind k = v.stmt.tag;
    if (k == StmtKind::CreateStmt || k == StmtKind::CreateForeignTableStmt) {
      const Json& create = k == StmtKind::CreateStmt ? n : *ast::field(n, "base");
      const Json* rel = ast::field(create, "relation");
      // A temporary table disappears with the session that failed.
      if (!ast::flag(create, "if_not_exists") && rel && ast::str(*rel, "relpersistence") != "t")
        create_relation(rel, k == StmtKind::CreateStmt ? "CREATE TABLE" : "CREATE FOREIGN TABLE");
    } else if (k == StmtKind::CreateTableAsStmt && !ast::flag(n, "if_not_exists")) {
      const Json* into = ast::field(n, "into");
      const Json* rel = into ? ast::field(*into, "rel") : nullptr;
      bool matview = ast::str(n, "objtype") == "OBJECT_MATVIEW";
      if (rel && ast::str(*rel, "relpersistence") != "t")
        create_relation(rel, matview ? "CREATE MATERIALIZED VIEW" : "CREATE TABLE AS");
    } else if (k == StmtKind::CreateSeqStmt && !ast::flag(n, "if_not_exists")) {
      const Json* rel = ast::field(n, "sequence");
      if (rel && ast::str(*rel, "relpersistence") != "t") create_relation(rel, "CREATE SEQUENCE");
    } else if (k == StmtKind::CreateSchemaStmt && !ast::flag(n, "if_not_exists") && ast::list(n, "schemaElts").size() == 0) {
      create_after_keyword("SCHEMA", "CREATE SCHEMA `" + std::string(ast::str(n, "schemaname")) + "`");
    } else if (k == StmtKind::CreateExtensionStmt && !ast::flag(n, "if_not_exists")) {
      create_after_keyword("EXTENSION", "CREATE EXTENSION `" + std::string(ast::str(n, "extname")) + "`");
    } else if (k == StmtKind::IndexStmt && !ast::flag(n, "if_not_exists")) {
      index();
    } else if (k == StmtKind::AlterTableStmt) {
      alter_table();
    } else if (k == StmtKind::DropStmt) {
      drop();
    }
  }
};

void check(const StatementView& v, Report& r) {
  if (followed_by_other_transaction(v)) Checker{v, r}.run();
}

}  // namespace
const RuleHooks hooks_non_idempotent_ddl{check, nullptr, every_statement};
}  // namespace migrasafe
