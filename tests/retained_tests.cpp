// What a file's analysis keeps until its report, per statement and per
// finding: the parts few of them have are kept out of line (parser/parse.h's
// OutOfLine, analysis/effects.h's RareText and RareList), and must read the same as
// before wherever they are copied or released.
#include <catch2/catch.hpp>

#include <algorithm>

#include "analysis/effects.h"
#include "reporters/reporters.h"
#include "rules/rule.h"
#include "support.h"

using namespace migrasafe;
using testing::lint_text;

namespace {

ParsedFile parse(const std::string& sql) { return parse_file(std::make_shared<const SourceFile>("t.sql", sql)); }

}  // namespace

TEST_CASE("retained: a statement's kind is static text that outlives its tree", "[retained]") {
  std::string_view kind;
  std::string_view unparsed;
  {
    ParsedFile f = parse("ALTER TABLE t ADD COLUMN c int;\nCREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1';");
    REQUIRE(f.statements.size() >= 2);
    kind = f.statements[0].kind;
    CHECK(f.statements[0].tag == StmtKind::AlterTableStmt);
    CHECK(f.statements[1].kind == "CreateFunctionStmt");
    ParsedFile newer = parse("CREATE UNLOGGED TABLE IF NOT EXISTS a AS SELECT 1 FROM (SELECT 1)");  // PostgreSQL 16 syntax
    REQUIRE(newer.statements.size() == 1);
    unparsed = newer.statements[0].kind;
  }
  // The files, their texts and trees are gone: the views still read their names.
  CHECK(kind == "AlterTableStmt");
  CHECK(unparsed == kUnparsedKind);
  Statement s;
  s.set_kind("SelectStmt");
  CHECK(s.kind == "SelectStmt");
  CHECK(s.tag == StmtKind::SelectStmt);
}

TEST_CASE("retained: a body's expressions and unseen reason are copied with their statement and released", "[retained]") {
  ParsedFile f = parse("CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$\nDECLARE x text;\nBEGIN\n"
                       "  PERFORM g(1);\n  x = 'a := b';\n  PERFORM h(2);\nEND $$;\nSELECT 1;");
  REQUIRE(f.statements.size() >= 2);
  const Statement& body = f.statements[0];
  REQUIRE(body.body_expressions().size() == 2);
  CHECK(body.body_unseen() == "has an expression migrasafe cannot read");
  // A statement without a body has none, and no storage for them.
  const Statement& plain = f.statements.back();
  CHECK(plain.body_expressions().empty());
  CHECK(plain.body_unseen().empty());
  CHECK_FALSE(plain.loop_rows());

  Statement copy = body;  // a copy has its own parts: releasing one leaves the other
  copy.release_body_trees();
  CHECK(copy.body_expressions().empty());
  CHECK(copy.body_unseen() == "has an expression migrasafe cannot read");  // not a tree: kept
  CHECK(body.body_expressions().size() == 2);
  Statement assigned;
  assigned = body;
  CHECK(assigned.body_expressions().size() == 2);
  Statement moved = std::move(assigned);
  CHECK(moved.body_expressions().size() == 2);
}

TEST_CASE("retained: a statement the grammar rejects keeps its reading out of line, copied with it", "[retained]") {
  ParsedFile f = parse("CREATE UNLOGGED TABLE IF NOT EXISTS a AS SELECT 1 FROM (SELECT 1);\nSELECT 1;");
  REQUIRE(f.statements.size() == 2);
  CHECK_FALSE(f.statements[1].reading);  // a parsed statement has none
  Statement copy = f.statements[0];
  REQUIRE(copy.reading);
  REQUIRE(f.statements[0].reading);
  CHECK(copy.reading.get() != f.statements[0].reading.get());  // its own
  CHECK(describe(*copy.reading) == describe(*f.statements[0].reading));
  f.statements[0].reading.reset();
  CHECK(copy.reading->action == TokenReading::Action::Create);
  REQUIRE(copy.reading->names.size() == 1);
  CHECK(copy.reading->names[0].back() == "a");
}

TEST_CASE("retained: a FOR loop's query is kept for the statement that reads its rows", "[retained]") {
  ParsedFile f = parse("DO $$\nDECLARE a RECORD;\nBEGIN\n  FOR a IN SELECT * FROM access_log LOOP\n"
                       "    IF a.id > 0 THEN\n      INSERT INTO audit_log (id) VALUES (a.id);\n    END IF;\n"
                       "  END LOOP;\nEND $$;");
  bool found = false;
  for (const Statement& s : f.statements)
    if (s.tag == StmtKind::InsertStmt) {
      found = true;
      REQUIRE(s.loop_rows());
      CHECK(s.loop_rows()->is_object());
      Statement copy = s;
      REQUIRE(copy.loop_rows());
      copy.release_body_trees();
      CHECK_FALSE(copy.loop_rows());
      CHECK(s.loop_rows());
    }
  CHECK(found);
}

TEST_CASE("retained: rare effect texts read as strings, empty unless set", "[retained]") {
  Effects e;
  CHECK(e.locks_unknown.empty());
  CHECK(e.locks_unknown.str().empty());
  CHECK(e.forbidden_in_transaction == "");
  e.forbidden_in_transaction = std::string("DISCARD ALL");
  CHECK(e.forbidden_in_transaction == "DISCARD ALL");
  Effects copy = e;
  e.forbidden_in_transaction = std::string();  // an empty text is no text
  CHECK(e.forbidden_in_transaction.empty());
  CHECK(copy.forbidden_in_transaction.str() == "DISCARD ALL");

  FileResult r = lint_text("SELECT my_migration_step();\nDISCARD ALL;");
  REQUIRE(r.effects.size() == 2);
  CHECK(r.effects[0].locks_unknown.str().find("my_migration_step") != std::string::npos);
  CHECK(r.effects[1].forbidden_in_transaction == "DISCARD ALL");
  CHECK(r.effects[1].locks_unknown.empty());
}

TEST_CASE("retained: rare effect lists read as vectors, empty until filled, copied whole and freed", "[retained]") {
  static_assert(sizeof(RareList<Consequence>) == sizeof(void*));
  Effects e;
  CHECK(e.data_loss.empty());
  CHECK(e.data_loss.size() == 0);
  CHECK(e.data_loss.begin() == e.data_loss.end());
  CHECK(std::span<const Consequence>(e.compat_breaks).empty());
  e.data_loss.push_back({ConsequenceKind::RowsTruncated, -1, {"public", "t"}, "", "deletes every row of public.t"});
  e.data_loss.push_back({ConsequenceKind::ColumnDeleted, 0, {"public", "t"}, "a", "deletes column a"});
  Effects copy = e;
  e.data_loss.clear();
  CHECK(e.data_loss.empty());
  REQUIRE(copy.data_loss.size() == 2);
  CHECK(copy.data_loss[1].column == "a");
  CHECK(copy.of_kind(ConsequenceKind::RowsTruncated).size() == 1);
  for (Consequence& c : copy.data_loss) c.what += ".";  // rules/engine.cpp restores placeholders in place
  CHECK(copy.data_loss[0].what == "deletes every row of public.t.");

  // Through a file's analysis: a broken view's name, out of line in its consequence.
  FileResult r = lint_text(
      "CREATE TABLE t (id int, a int);\nCREATE VIEW v AS SELECT a FROM t;\nALTER TABLE t DROP COLUMN a CASCADE;");
  REQUIRE(r.effects.size() == 3);
  auto broken = r.effects[2].of_kind(ConsequenceKind::DependentViewBroken);
  REQUIRE(broken.size() == 1);
  REQUIRE(broken[0]->view);
  CHECK(*broken[0]->view == QualifiedName{"public", "v"});
  CHECK(r.effects[2].data_loss.size() == 1);
  CHECK(r.effects[0].data_loss.empty());
}

TEST_CASE("retained: a finding's fix is kept out of line and survives copies", "[retained]") {
  Diagnostic d{RuleId::prefer_identity, Severity::Note, 0, 1, "message", "help"};
  CHECK_FALSE(d.fix);
  CHECK_FALSE(d.fix.has_value());
  d.fix = Fix{"Use an identity column", {TextEdit{0, 1, "bigint GENERATED BY DEFAULT AS IDENTITY"}}};
  Diagnostic copy = d;
  d.fix.reset();
  REQUIRE(copy.fix);
  CHECK(copy.fix->description == "Use an identity column");
  CHECK((*copy.fix).edits.size() == 1);
  std::optional<Fix> none;
  copy.fix = none;
  CHECK_FALSE(copy.fix);

  // From a rule to the report: the fix is written in each format that shows fixes.
  FileResult r = lint_text("CREATE TABLE t (id bigserial PRIMARY KEY);");
  auto with_fix = std::find_if(r.diagnostics.begin(), r.diagnostics.end(), [](const Diagnostic& x) { return bool(x.fix); });
  REQUIRE(with_fix != r.diagnostics.end());
  CHECK(with_fix->fix->edits.front().replacement == "bigint GENERATED BY DEFAULT AS IDENTITY");
}

TEST_CASE("retained: effect details no report reads are freed as the replay passes, the rest stays the same",
          "[retained]") {
  // A function's body effects are read when the function is defined (its
  // calls and locks reach a caller's SELECT); ALTER TABLE has actions and a
  // target; the findings read both as their statement's rules run.
  const std::string sql =
      "CREATE TABLE t (id int, a int);\n"
      "CREATE FUNCTION g() RETURNS void LANGUAGE plpgsql AS $$ BEGIN LOCK TABLE t; END $$;\n"
      "CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ BEGIN PERFORM g(); UPDATE t SET a = h(); END $$;\n"
      "SELECT f();\n"
      "ALTER TABLE t ALTER COLUMN id TYPE bigint, ALTER COLUMN a SET NOT NULL;\n"
      "DO $$ BEGIN ALTER TABLE t DROP COLUMN a; END $$;\n";
  FileResult full = lint_text(sql);
  LintOptions lean_options;
  lean_options.keep_effect_details = false;
  FileResult lean = lint_text(sql, lean_options);
  REQUIRE(full.effects.size() == lean.effects.size());
  bool any_actions = false, any_target = false, any_calls = false;
  for (std::size_t i = 0; i < full.effects.size(); ++i) {
    CAPTURE(i);
    const Effects& kept = full.effects[i];
    const Effects& freed = lean.effects[i];
    any_actions = any_actions || !kept.actions.empty();
    any_target = any_target || kept.target.has_value();
    any_calls = any_calls || !kept.calls.empty();
    CHECK(freed.actions.empty());
    CHECK(freed.actions.capacity() == 0);
    CHECK_FALSE(freed.target);
    CHECK(freed.calls.empty());
    REQUIRE(kept.locks.size() == freed.locks.size());
    for (std::size_t k = 0; k < kept.locks.size(); ++k) {
      CHECK(kept.locks[k].relation == freed.locks[k].relation);
      CHECK(kept.locks[k].mode == freed.locks[k].mode);
      CHECK(kept.locks[k].role == freed.locks[k].role);
    }
    CHECK(kept.rewrite == freed.rewrite);
    CHECK(kept.scan == freed.scan);
    CHECK(kept.data_loss.size() == freed.data_loss.size());
    CHECK(kept.compat_breaks.size() == freed.compat_breaks.size());
  }
  CHECK(any_actions);
  CHECK(any_target);
  CHECK(any_calls);
  // The caller's SELECT locks t through f and g: the bodies' effects were read before they went.
  REQUIRE(lean.effects.size() > 6);
  auto select_f = std::find_if(lean.parsed.statements.begin(), lean.parsed.statements.end(),
                               [](const Statement& s) { return s.tag == StmtKind::SelectStmt && !s.embedded(); });
  REQUIRE(select_f != lean.parsed.statements.end());
  CHECK(lean.effects[static_cast<std::size_t>(select_f - lean.parsed.statements.begin())].lock_on({"public", "t"}) ==
        LockMode::AccessExclusive);
  REQUIRE(full.diagnostics.size() == lean.diagnostics.size());
  CHECK_FALSE(full.diagnostics.empty());
  for (std::size_t k = 0; k < full.diagnostics.size(); ++k) {
    CHECK(full.diagnostics[k].rule == lean.diagnostics[k].rule);
    CHECK(full.diagnostics[k].begin == lean.diagnostics[k].begin);
    CHECK(full.diagnostics[k].message == lean.diagnostics[k].message);
    CHECK(full.diagnostics[k].help == lean.diagnostics[k].help);
  }
}
