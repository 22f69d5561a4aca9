#include <algorithm>

#include "parser/ast.h"
#include "rules/helpers.h"

namespace migrasafe {
namespace {

// An earlier statement of the file that did not parse reads as CREATE
// [TEMP|UNLOGGED] TABLE `table`: if it ran, the table is new and empty (with
// IF NOT EXISTS it may be an old one, so that does not count).
bool created_by_unparsed_statement(const StatementView& v, const QualifiedName& table) {
  const auto& tokens = v.file.tokens;
  for (const ParseProblem& p : v.file.problems) {
    if (p.kind != ProblemKind::SyntaxError || p.begin >= v.stmt.begin) continue;
    // The failed statement starts after the last ";" before the error.
    std::size_t start = 0;
    for (std::size_t i = 0; i < tokens.size() && tokens[i].begin < p.begin; ++i)
      if (tokens[i].kind == TokenKind::Punct && v.file.text(tokens[i]) == ";") start = i + 1;
    std::vector<std::string> words;  // its leading identifiers and keywords, "." kept
    for (std::size_t i = start; i < tokens.size() && words.size() < 12; ++i) {
      const Token& t = tokens[i];
      if (is_comment(t.kind)) continue;
      if (t.kind == TokenKind::Word || t.kind == TokenKind::QuotedIdent) words.push_back(rules::ident_value(v.file.text(t), t.kind));
      else if (v.file.text(t) == ".") words.push_back(".");
      else break;  // the name ends at the first "(" (or anything else)
    }
    std::size_t i = 0;
    if (words.empty() || words[i++] != "create") continue;
    for (std::string_view w : {"global", "local", "temp", "temporary", "unlogged"})
      if (i < words.size() && words[i] == w) ++i;
    if (i >= words.size() || words[i++] != "table") continue;
    if (i >= words.size() || words[i] == "if") continue;
    bool qualified = i + 2 < words.size() && words[i + 1] == ".";
    std::string name = qualified ? words[i + 2] : words[i];
    if (name == table.name && (!qualified || words[i] == table.schema)) return true;
  }
  return false;
}

void check(const StatementView& v, Report& r) {
  rules::for_each_command(v, "AT_AddColumn", [&](const ActionEffect& a, const Json&) {
    const QualifiedName& table = *v.effects.target;
    auto breaks = v.effects.of_kind(ConsequenceKind::RequiredColumnAdded);
    auto added = std::find_if(breaks.begin(), breaks.end(), [&](const Consequence* c) { return c->command == a.command; });
    if (added == breaks.end()) return;
    // Known to have no rows: emptied earlier in this transaction, or perhaps
    // created by a statement the parser could not read.
    if (v.ctx.emptied_in_transaction(table) || created_by_unparsed_statement(v, table)) return;
    const std::string& column = (*added)->column;
    auto [b, e] = rules::alter_command_span(v, a.command);
    std::string fast_default = v.ctx.pg_version() >= 11
                                   ? " (a constant default is stored in the catalog, no rewrite)"
                                   : " (before PostgreSQL 11 a default rewrites the table; prefer the nullable path)";
    r.add(RuleId::add_required_column, b, e,
          "ADD COLUMN `" + column + "` is NOT NULL with no default: it fails with \"column contains null values\" "
              "as soon as `" + rules::display(table) +
              "` has a row, and INSERTs from application code that does not set it fail afterwards",
          "Give it a DEFAULT" + fast_default +
              ", or add it nullable, backfill existing rows in batches, deploy code that writes it, and then add "
              "NOT NULL through a validated CHECK (" + column + " IS NOT NULL).");
  }, rules::TablesDroppedLater::Keep);  // the ADD fails before the DROP runs
}

}  // namespace
const RuleHooks hooks_add_required_column{check, nullptr, {StmtKind::AlterTableStmt}};
}  // namespace migrasafe
