// naming-convention: names a migration gives to tables, columns, indexes and
// constraints must match the RE2 patterns of [rules.naming-convention] in
// .migrasafe.toml (alias: [naming]).
// Only names written in the statement are checked (PostgreSQL's generated
// names for unnamed constraints and indexes are not); silent without patterns.
#include <re2/re2.h>

#include "parser/ast.h"
#include "parser/table_elements.h"
#include "rules/helpers.h"

namespace migrasafe {
namespace {

// Each is checked only when set.
constexpr RuleOption kOptions[] = {{"table", OptionType::Pattern},
                                   {"column", OptionType::Pattern},
                                   {"index", OptionType::Pattern},
                                   {"constraint", OptionType::Pattern}};

// The token that spells `name`, searched from file offset `from` (forwards)
// or from the end (backwards); the whole statement when it is not found.
rules::Span name_span(const StatementView& v, const std::string& name, std::uint32_t from, bool backwards = false) {
  const Statement& s = v.stmt;
  const auto& toks = v.file.tokens;
  auto matches = [&](std::size_t i) {
    const Token& t = toks[i];
    return t.begin >= from && (t.kind == TokenKind::Word || t.kind == TokenKind::QuotedIdent) &&
           rules::ident_value(v.file.text(t), t.kind) == name;
  };
  if (backwards) {
    for (std::size_t i = s.end_token; i-- > s.first_token;)
      if (matches(i)) return {toks[i].begin, toks[i].end};
  } else {
    for (std::size_t i = s.first_token; i < s.end_token; ++i)
      if (matches(i)) return {toks[i].begin, toks[i].end};
  }
  return {s.begin, s.end};
}

struct Checker {
  const StatementView& v;
  Report& r;

  std::uint32_t offset(long location) const { return location < 0 ? v.stmt.begin : rules::at(v.stmt, location); }

  // `key`: the option holding the pattern for names of this kind.
  void name(const char* key, const char* what, const std::string& value, rules::Span span) {
    const OptionValue* pattern = v.options.find(key);
    if (!pattern || value.empty() || RE2::PartialMatch(value, *pattern->pattern)) return;
    r.add(RuleId::naming_convention, span.first, span.second,
          std::string(what) + " name `" + value + "` does not match the naming convention `" + pattern->text +
              "` ([rules.naming-convention] " + key + " in the configuration)",
          std::string("Choose a ") + key + " name that matches `" + pattern->text +
              "`; if the convention itself is wrong, change [rules.naming-convention] " + key + " in .migrasafe.toml.");
  }

  void constraint(const Json& con) {
    std::string n(ast::str(con, "conname"));
    if (!n.empty()) name("constraint", "constraint", n, name_span(v, n, offset(ast::location(con))));
  }

  void column(const Json& col) {
    std::string n(ast::str(col, "colname"));
    name("column", "column", n, name_span(v, n, offset(ast::location(col))));
    for (const Json& c : ast::list(col, "constraints"))
      if (auto con = ast::as<"Constraint">(c)) constraint(*con);
  }

  // The columns and constraints a CREATE TABLE or an ALTER TABLE adds.
  void added(const Json& create_or_alter) {
    for (const TableElement& elt : added_table_elements(create_or_alter)) {
      if (elt.column) column(*elt.column);
      else constraint(*elt.constraint);
    }
  }

  void table(const Json& range_var, const char* what) {
    std::string n(ast::str(range_var, "relname"));
    name("table", what, n, name_span(v, n, offset(ast::location(range_var))));
  }

  void run() {
    const Json& n = v.stmt.node;
    const StmtKind kind = v.stmt.tag;
    if (kind == StmtKind::CreateStmt) {
      if (const Json* rel = ast::field(n, "relation")) table(*rel, "table");
      added(n);
    } else if (kind == StmtKind::AlterTableStmt && ast::str(n, "objtype") == "OBJECT_TABLE") {
      added(n);
    } else if (kind == StmtKind::IndexStmt) {
      std::string idx(ast::str(n, "idxname"));
      if (!idx.empty()) name("index", "index", idx, name_span(v, idx, v.stmt.begin));
    } else if (kind == StmtKind::RenameStmt) {
      std::string_view type = ast::str(n, "renameType");
      std::string to(ast::str(n, "newname"));
      rules::Span span = name_span(v, to, v.stmt.begin, true);
      if (type == "OBJECT_TABLE") name("table", "new table", to, span);
      else if (type == "OBJECT_COLUMN" && ast::str(n, "relationType") == "OBJECT_TABLE")
        name("column", "new column", to, span);
      else if (type == "OBJECT_INDEX") name("index", "new index", to, span);
      else if (type == "OBJECT_TABCONSTRAINT") name("constraint", "new constraint", to, span);
    }
  }
};

void check(const StatementView& v, Report& r) {
  if (v.options.empty()) return;  // silent without patterns
  Checker{v, r}.run();
}

}  // namespace
const RuleHooks hooks_naming_convention{.statement = check, .statement_kinds = every_statement, .options = kOptions};
}  // namespace migrasafe
