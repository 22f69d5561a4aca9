// compare_catalogs (analysis/catalog_diff.*) and the reversal rules on
// up/down pairs given as text, in every layout that pairs them.
#include <catch2/catch.hpp>

#include <algorithm>

#include "analysis/catalog_diff.h"
#include "analysis/undone.h"
#include "sources/layouts.h"
#include "support.h"

using namespace migrasafe;

namespace {

Catalog schema(const std::string& sql, Catalog start = {}) {
  auto f = parse_file(std::make_shared<const SourceFile>("t.sql", sql));
  REQUIRE(f.problems.empty());
  return replay_schema(f, std::move(start), {});
}

// "kind object part aspect change" for each difference, in the order given.
std::vector<std::string> describe_in_order(const std::vector<SchemaDifference>& diffs) {
  std::vector<std::string> out;
  const char* changes[] = {"added", "removed", "changed"};
  const char* kinds[] = {"table", "column", "index", "constraint", "view", "sequence", "enum", "enum-value"};
  for (const auto& d : diffs) {
    std::string s = std::string(kinds[static_cast<int>(d.kind)]) + " " + d.object.str();
    if (!d.part.empty()) s += " " + d.part;
    if (!d.aspect.empty()) s += " " + d.aspect;
    s += std::string(" ") + changes[static_cast<int>(d.change)];
    if (!d.before.empty()) s += " " + d.before + "->" + d.after;
    out.push_back(s);
  }
  return out;
}

// The same, sorted.
std::vector<std::string> describe(const std::vector<SchemaDifference>& diffs) {
  std::vector<std::string> out = describe_in_order(diffs);
  std::sort(out.begin(), out.end());
  return out;
}

const char* kBase =
    "CREATE TYPE mood AS ENUM ('sad', 'happy');"
    "CREATE TABLE t (id bigint PRIMARY KEY, a int NOT NULL DEFAULT 0, b text, m mood);"
    "CREATE UNIQUE INDEX t_b_idx ON t (b);"
    "CREATE VIEW v AS SELECT id, a FROM t;";

std::vector<std::string> after(const std::string& sql) {
  Catalog before = schema(kBase);
  return describe(compare_catalogs(before, schema(sql, before)));
}

using V = std::vector<std::string>;

}  // namespace

TEST_CASE("compare_catalogs: a copy compares equal, and each kind of change is one difference", "[catalog]") {
  Catalog before = schema(kBase);
  CHECK(compare_catalogs(before, before).empty());
  CHECK(after("SELECT 1;").empty());
  CHECK(after("CREATE TABLE u (id serial PRIMARY KEY, x text); CREATE INDEX u_x ON u (x);") == V{"table public.u added"});
  CHECK(after("DROP VIEW v; DROP TABLE t;") == V{"table public.t removed", "view public.v removed"});
  CHECK(after("ALTER TABLE t ADD COLUMN c int;") == V{"column public.t c added"});
  CHECK(after("ALTER TABLE t ALTER COLUMN a TYPE bigint;") == V{"column public.t a type changed int4->int8"});
  CHECK(after("ALTER TABLE t ALTER COLUMN a DROP NOT NULL, ALTER COLUMN a DROP DEFAULT;") ==
        V{"column public.t a default changed a default->no default", "column public.t a nullability changed NOT NULL->nullable"});
  CHECK(after("DROP INDEX t_b_idx; CREATE INDEX t_b_idx ON t (b);") == V{"index public.t_b_idx uniqueness changed unique->not unique"});
  CHECK(after("DROP INDEX t_b_idx; CREATE UNIQUE INDEX t_b_idx ON t (b, id);") ==
        V{"index public.t_b_idx columns changed public.t (b)->public.t (b, id)"});
  CHECK(after("ALTER TABLE t ADD CONSTRAINT t_a_pos CHECK (a > 0);") == V{"constraint public.t t_a_pos added"});
  CHECK(after("ALTER TYPE mood ADD VALUE 'meh';") == V{"enum-value public.mood meh added"});
  CHECK(after("CREATE SEQUENCE s;") == V{"sequence public.s added"});
  CHECK(after("CREATE OR REPLACE VIEW v AS SELECT id, a, b FROM t;") == V{"view public.v definition changed"});
  // Undone in full: no difference, whatever the route.
  CHECK(after("ALTER TABLE t RENAME TO t2; ALTER TABLE t2 RENAME TO t;").empty());
  CHECK(after("ALTER TABLE t ADD COLUMN c int; ALTER TABLE t DROP COLUMN c;").empty());
}

TEST_CASE("compare_catalogs: a table's columns in order, added and changed ones first, then removed ones", "[catalog]") {
  Catalog before = schema("CREATE TABLE w (a int, c int, e int, g int NOT NULL, i int);");
  Catalog changed = schema(
      "ALTER TABLE w DROP COLUMN a, ADD COLUMN b int, ALTER COLUMN c TYPE bigint, DROP COLUMN e, ADD COLUMN f int,"
      " ALTER COLUMN g DROP NOT NULL, DROP COLUMN i, ADD COLUMN j int;",
      before);
  CHECK(describe_in_order(compare_catalogs(before, changed)) ==
        V{"column public.w b added", "column public.w c type changed int4->int8", "column public.w f added",
          "column public.w g nullability changed NOT NULL->nullable", "column public.w j added",
          "column public.w a removed", "column public.w e removed", "column public.w i removed"});
  CHECK(describe_in_order(compare_catalogs(changed, before)) ==
        V{"column public.w a added", "column public.w c type changed int8->int4", "column public.w e added",
          "column public.w g nullability changed nullable->NOT NULL", "column public.w i added",
          "column public.w b removed", "column public.w f removed", "column public.w j removed"});
  // The table written (an index, a trigger) but its columns untouched, or put back as they were.
  CHECK(compare_catalogs(before, schema("CREATE INDEX w_c ON w (c); DROP INDEX w_c;", before)).empty());
  CHECK(compare_catalogs(before, schema("ALTER TABLE w ADD COLUMN z int; ALTER TABLE w DROP COLUMN z;", before)).empty());
}

TEST_CASE("compare_catalogs: nothing is claimed about what the model does not know", "[catalog]") {
  Catalog before = schema(kBase);
  // A table created before the migrations: no model, no difference.
  CHECK(describe(compare_catalogs(before, schema("ALTER TABLE legacy ADD COLUMN c int;", before))).empty());
  // CREATE TABLE AS: its columns are unknown, so added columns are not compared.
  Catalog ctas = schema("CREATE TABLE r AS SELECT * FROM t;", before);
  CHECK(describe(compare_catalogs(ctas, schema("ALTER TABLE r ADD COLUMN c int;", ctas))).empty());
}

namespace {

// An up script's place in its migration, whose down script `down_path` holds `down_text`.
MigrationRole up_with_down(const std::string& down_path, const std::string& down_text) {
  MigrationRole role;
  role.kind = MigrationRole::Kind::Up;
  role.down_path = down_path;
  role.down_exists = true;
  role.down_text = down_text;
  return role;
}

// The reversal rules' findings on an up script (line: message start).
std::vector<std::pair<int, std::string>> reversal(const std::string& up, const std::string& down,
                                                  const std::string& history = kBase) {
  LintOptions o;
  std::fill(o.enabled.begin(), o.enabled.end(), false);
  o.enabled[static_cast<std::size_t>(RuleId::down_does_not_undo_up)] = true;
  o.enabled[static_cast<std::size_t>(RuleId::irreversible_data_change)] = true;
  SetHistory h;
  h.schema = schema(history);
  const MigrationRole role = up_with_down("x.down.sql", down);
  auto r = analyse_file(parse_file(std::make_shared<const SourceFile>("x.up.sql", up)), role, o, nullptr, &h);
  std::vector<std::pair<int, std::string>> out;
  for (const auto& d : r.diagnostics)
    out.emplace_back(r.parsed.source->lines.position(d.begin).line, std::string(rule_info(d.rule).name) + ": " + d.message);
  return out;
}

}  // namespace

TEST_CASE("reversal: a view recreated with `*` after its table gained columns reads more, a note", "[catalog][reversal]") {
  // The view's `*` was expanded before column b existed; the down script's
  // identical text expands it again, now with b.
  const std::string history = "CREATE TABLE t (a int);\nCREATE VIEW v AS SELECT t.* FROM t;\nALTER TABLE t ADD COLUMN b int;\n";
  const std::string view = "DROP VIEW v;\nALTER TABLE t ADD COLUMN c int;\nCREATE VIEW v AS SELECT t.* FROM t;\n";
  auto r = reversal(view, "DROP VIEW v;\nALTER TABLE t DROP COLUMN c;\nCREATE VIEW v AS SELECT t.* FROM t;\n", history);
  REQUIRE(r.size() == 1);
  CHECK(r[0].first == 3);
  CHECK_THAT(r[0].second, Catch::Contains("also reads t.b, which the previous one did not"));
  LintOptions o;
  SetHistory h;
  h.schema = schema(history);
  const MigrationRole role =
      up_with_down("x.down.sql", "DROP VIEW v;\nALTER TABLE t DROP COLUMN c;\nCREATE VIEW v AS SELECT t.* FROM t;\n");
  auto f = analyse_file(parse_file(std::make_shared<const SourceFile>("x.up.sql", view)), role, o, nullptr, &h);
  bool noted = false;
  for (const auto& d : f.diagnostics)
    if (d.rule == RuleId::down_does_not_undo_up) noted = d.severity == Severity::Note;
  CHECK(noted);
  // A restored definition that reads fewer columns is a change, not a superset.
  auto fewer = reversal(view, "DROP VIEW v;\nALTER TABLE t DROP COLUMN c;\nCREATE VIEW v AS SELECT b FROM t;\n", history);
  REQUIRE(fewer.size() == 1);
  CHECK_THAT(fewer[0].second, Catch::Contains("does not restore its previous definition"));
}

TEST_CASE("reversal: each difference at the up statement behind it", "[catalog][reversal]") {
  auto r = reversal("ALTER TABLE t ADD COLUMN c int;\nCREATE INDEX t_c ON t (c);\nALTER TABLE t ALTER COLUMN a TYPE bigint;\n",
                    "DROP INDEX t_c;\n");
  REQUIRE(r.size() == 2);
  CHECK(r[0].first == 1);
  CHECK_THAT(r[0].second, Catch::StartsWith("down-does-not-undo-up: Column `t.c` is created here"));
  CHECK(r[1].first == 3);
  CHECK_THAT(r[1].second, Catch::Contains("int8 after its down script"));
  // A correct down script: nothing.
  CHECK(reversal("ALTER TABLE t ADD COLUMN c int;\nCREATE INDEX t_c ON t (c);\n", "DROP INDEX t_c;\nALTER TABLE t DROP COLUMN c;\n").empty());
  // The down script drops what the up script never created: on the first statement.
  auto extra = reversal("SELECT 1;\nALTER TABLE t ADD COLUMN c int;\n", "ALTER TABLE t DROP COLUMN c;\nDROP VIEW v;\n");
  REQUIRE(extra.size() == 1);
  CHECK(extra[0].first == 1);
  CHECK_THAT(extra[0].second, Catch::Contains("The down script drops view `v`"));
  // Enum values: the recipe says PostgreSQL cannot drop them.
  auto e = reversal("ALTER TYPE mood ADD VALUE 'meh';\n", "SELECT 1;\n");
  REQUIRE(e.size() == 1);
  CHECK_THAT(e[0].second, Catch::Contains("cannot drop a value from an enum"));
  // A down script that does not parse is not compared; an empty one is missing-down-script's.
  CHECK(reversal("ALTER TABLE t ADD COLUMN c int;\n", "ALTER TABLE t DROP COLUMN c int int;\n").empty());
  CHECK(reversal("ALTER TABLE t ADD COLUMN c int;\n", "-- nothing\n").empty());
}

TEST_CASE("reversal: the change log blames the statement after which a difference first shows", "[catalog][reversal]") {
  // Against the definition: the schema after every statement, each compared with the schema before.
  const std::vector<std::string> scripts = {
      // A type changed, changed back, changed again: the first change.
      "ALTER TABLE t ALTER COLUMN a TYPE bigint;\nALTER TABLE t ALTER COLUMN a TYPE int;\nALTER TABLE t ALTER COLUMN a TYPE bigint;\n",
      // Children of a table the script creates show only once the table is gone.
      "CREATE TABLE n (id int, x int);\nCREATE INDEX n_x ON n (x);\nALTER TABLE n ADD CONSTRAINT n_c CHECK (x > 0);\n"
      "CREATE SEQUENCE s OWNED BY n.id;\nDROP TABLE n;\n",
      // An index and a constraint on a known table, dropped and recreated; a column renamed; a view and an enum.
      "DROP INDEX t_b_idx;\nCREATE INDEX t_b_idx ON t (b, a);\nALTER TABLE t ADD CONSTRAINT t_a_check CHECK (a > 0);\n"
      "ALTER TABLE t RENAME COLUMN b TO bb;\nCREATE OR REPLACE VIEW v AS SELECT id, a, bb FROM t;\n"
      "ALTER TYPE mood ADD VALUE 'meh';\nSELECT 1;\nALTER TABLE t ALTER COLUMN a DROP NOT NULL;\n",
      // A rolled-back transaction changes nothing; a committed one does.
      "BEGIN;\nALTER TABLE t ADD COLUMN r int;\nROLLBACK;\nBEGIN;\nALTER TABLE t ADD COLUMN r int;\nCOMMIT;\n",
      // A table renamed away and another created under its name.
      "ALTER TABLE t RENAME TO old_t;\nCREATE TABLE t (id bigint);\nDROP VIEW v;\nDROP TABLE old_t CASCADE;\n",
  };
  for (const std::string& sql : scripts) {
    INFO(sql);
    auto up = parse_file(std::make_shared<const SourceFile>("x.up.sql", sql));
    REQUIRE(up.problems.empty());
    Catalog start = schema(kBase);
    SchemaChangeLog changes(start);
    Context ctx({}, std::move(start));
    std::vector<Catalog> after_statement;
    for (std::size_t i = 0; i < up.statements.size(); ++i) {
      ctx.apply(up.statements[i], compute_effects(up.statements[i], ctx));
      changes.record(i, ctx.catalog());
      after_statement.push_back(ctx.catalog());
    }
    std::size_t checked = 0;
    for (const Catalog& end : after_statement)
      for (const SchemaDifference& d : compare_catalogs(changes.before(), end)) {
        std::optional<std::size_t> first;
        for (std::size_t i = 0; i < after_statement.size() && !first; ++i)
          for (const SchemaDifference& e : compare_catalogs(changes.before(), after_statement[i]))
            if (e.key() == d.key()) first = i;
        CHECK(changes.first_showing(d) == first);
        ++checked;
      }
    CHECK(checked > 0);
    // What existed right after each statement.
    for (std::size_t i = 0; i < after_statement.size(); ++i)
      for (const char* name : {"t", "n", "old_t", "s"}) {
        QualifiedName q{"public", name};
        CHECK((changes.table_after(q, i) != nullptr) == (after_statement[i].table(q) != nullptr));
        CHECK((changes.sequence_after(q, i) != nullptr) == (after_statement[i].sequence(q) != nullptr));
      }
  }
  // A difference the up script never shows is only the down script's.
  Catalog start = schema(kBase);
  SchemaChangeLog changes(start);
  CHECK_FALSE(changes.first_showing({SchemaObject::View, {"public", "v"}, "", SchemaChange::Removed, "", "", ""}));
  // Through the rule: the first of three type changes.
  auto r = reversal(scripts[0], "SELECT 1;\n");
  REQUIRE(r.size() == 1);
  CHECK(r[0].first == 1);
}

TEST_CASE("reversal: irreversible data change once per up script, not for what it created", "[catalog][reversal]") {
  auto r = reversal("ALTER TABLE t ADD COLUMN tmp int;\nALTER TABLE t DROP COLUMN tmp;\nALTER TABLE t DROP COLUMN b;\nTRUNCATE t;\n",
                    "ALTER TABLE t ADD COLUMN b text;\n");
  std::erase_if(r, [](const auto& f) { return f.second.rfind("irreversible-data-change", 0) != 0; });
  REQUIRE(r.size() == 1);
  CHECK(r[0].first == 3);
  CHECK_THAT(r[0].second, Catch::StartsWith("irreversible-data-change: This statement deletes column"));
  CHECK(reversal("ALTER TABLE t DROP COLUMN b;\n",
                 "-- irreversible: restore b from the archive\nALTER TABLE t ADD COLUMN b text;\nCREATE UNIQUE INDEX t_b_idx ON t (b);\n")
            .empty());
}

TEST_CASE("reversal in check: dbmate sections and golang-migrate pairs", "[reversal][cli]") {
  auto dir = std::filesystem::temp_directory_path() / ("migrasafe-reversal-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir / "dbmate");
  std::filesystem::create_directories(dir / "gm");
  std::ofstream(dir / "dbmate" / "20240101000000_orders.sql")
      << "-- migrate:up\nCREATE TABLE events (id bigint);\nCREATE INDEX events_id ON events (id);\n\n-- migrate:down\nDROP INDEX events_id;\n";
  std::ofstream(dir / "gm" / "001_orders.up.sql") << "CREATE TABLE orders (id bigint, note text);\n";
  std::ofstream(dir / "gm" / "001_orders.down.sql") << "DROP TABLE orders;\n";
  std::ofstream(dir / "gm" / "002_note.up.sql") << "ALTER TABLE orders ALTER COLUMN note SET NOT NULL;\n";
  std::ofstream(dir / "gm" / "002_note.down.sql") << "SELECT 1;\n";
  auto r = testing::run_cli("check --format gcc --select down-does-not-undo-up '" + dir.string() + "'");
  CHECK_THAT(r.out, Catch::Contains("20240101000000_orders.sql:2:1: warning: Table `events` is created here"));
  CHECK_THAT(r.out, Catch::Contains("002_note.up.sql:1:1: warning: Column `orders.note` changes here"));
  CHECK(r.out.find("001_orders") == std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST_CASE("compare_catalogs: what goes with a dropped column or table goes on tables the model does not know too", "[catalog]") {
  // `ext` was created before the migrations analysed: its columns are unknown, its index and CHECK known.
  Catalog up = schema("CREATE INDEX ext_c_idx ON ext (c); ALTER TABLE ext ADD CONSTRAINT ext_c_check CHECK (c > 0);"
                      "CREATE INDEX ext_d_idx ON ext (d);");
  CHECK(describe(compare_catalogs(Catalog{}, schema("ALTER TABLE ext DROP COLUMN c;", up))) ==
        V{"index public.ext_d_idx added"});
  CHECK(compare_catalogs(Catalog{}, schema("DROP TABLE ext;", up)).empty());
  // On a known table, an index and a CHECK on a column go with it (and with a renamed column).
  CHECK(after("ALTER TABLE t ADD COLUMN c int CHECK (c > 0); CREATE INDEX t_c ON t (c); ALTER TABLE t DROP COLUMN c;").empty());
  CHECK(after("ALTER TABLE t ADD COLUMN c int CHECK (c > 0); CREATE INDEX t_c ON t (c); ALTER TABLE t RENAME COLUMN c TO d;"
              "ALTER TABLE t DROP COLUMN d;").empty());
}

namespace {

// Writes golang-migrate pairs (up, down) into `dir`; returns the paths of
// the scripts named `*<suffix>`, quoted for the shell.
std::string write_pairs(const std::filesystem::path& dir, const std::vector<std::pair<std::string, std::string>>& pairs,
                        const std::string& suffix) {
  std::string paths;
  for (std::size_t k = 0; k < pairs.size(); ++k) {
    std::string stem = "00" + std::to_string(k + 1) + "_step";
    testing::write_file(dir / (stem + ".up.sql"), pairs[k].first);
    testing::write_file(dir / (stem + ".down.sql"), pairs[k].second);
    paths += " '" + (dir / (stem + suffix)).string() + "'";
  }
  return paths;
}

}  // namespace

TEST_CASE("reversal in check: the pipeline's analysis of the down script and a replay of it agree", "[reversal][cli]") {
  // Checked together, a down script is analysed once and its up script's
  // reversal check reads the schema it leaves; checked alone, an up script's
  // reversal check replays its down script from disk. Same findings.
  auto dir = testing::fresh_dir("reversal", "agree");
  const std::vector<std::pair<std::string, std::string>> pairs = {
      {"CREATE TABLE orders (id serial PRIMARY KEY, note text NOT NULL);\nCREATE INDEX orders_note ON orders (note);\n",
       "DROP INDEX orders_note;\n"},
      {"ALTER TABLE orders ADD COLUMN total int;\nALTER TABLE orders ALTER COLUMN note DROP NOT NULL;\nTRUNCATE orders;\n",
       "ALTER TABLE orders DROP COLUMN total;\n"},
      {"BEGIN;\nCREATE TABLE a (id int);\nROLLBACK;\nCREATE TABLE IF NOT EXISTS orders (id int);\nCREATE TYPE mood AS ENUM ('x');\n",
       "BEGIN;\nDROP TYPE mood;\nCOMMIT;\nDROP VIEW IF EXISTS nothing;\n"},
      {"ALTER TABLE orders RENAME TO purchases;\nCREATE VIEW recent AS SELECT * FROM purchases;\n",
       "ALTER TABLE purchases RENAME TO orders;\n"},
      {"ALTER TABLE purchases DROP COLUMN total;\n", "ALTER TABLE purchases ADD COLUMN total int int;\n"},
      {"ALTER TABLE purchases ADD COLUMN c int;\n", "-- irreversible: c stays\nSELECT 1;\n"},
      {"DO $$ BEGIN CREATE TABLE d (id int); END $$;\nCREATE SEQUENCE s;\n", "DO $$ BEGIN DROP TABLE d; END $$;\n"},
  };
  const std::string up_files = write_pairs(dir, pairs, ".up.sql");
  const std::string select = "check --format gcc --select down-does-not-undo-up,irreversible-data-change ";
  auto together = testing::run_cli(select + "'" + dir.string() + "'");
  auto alone = testing::run_cli(select + up_files);
  CHECK_THAT(together.out, Catch::Contains("Table `orders` is created here"));
  CHECK_THAT(together.out, Catch::Contains("irreversible-data-change"));
  CHECK(together.out == alone.out);
}

TEST_CASE("what a down script undoes: read from the up script's replay in the history, as from a replay alone", "[reversal]") {
  const std::vector<std::string> ups = {
      "CREATE TABLE n (id serial PRIMARY KEY, x int);\nCREATE INDEX n_x ON n (x);\nCREATE SCHEMA extra;\n"
      "CREATE TYPE e AS ENUM ('a');\nCREATE SEQUENCE s;\nCREATE VIEW nv AS SELECT * FROM n;\n",
      "ALTER TABLE t ADD COLUMN c int, ALTER COLUMN b SET NOT NULL;\nALTER TABLE t RENAME COLUMN a TO aa;\n"
      "ALTER TABLE t RENAME TO t2;\nALTER INDEX t_b_idx RENAME TO t_b_idx2;\nALTER TYPE mood RENAME VALUE 'sad' TO 'blue';\n",
      "SET search_path = app;\nCREATE TABLE q (id int);\nDROP TABLE q;\nCREATE TABLE r AS SELECT 1 AS one;\n"
      "DO $$ BEGIN CREATE TABLE d (id int); END $$;\n"
      "CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ BEGIN CREATE TABLE in_body (id int); END $$;\n",
      "BEGIN;\nCREATE TABLE b1 (id int);\nCOMMIT;\nALTER TABLE b1 RENAME TO b2;\n",
  };
  for (const std::string& up : ups) {
    INFO(up);
    auto parsed = parse_file(std::make_shared<const SourceFile>("x.up.sql", up));
    REQUIRE(parsed.problems.empty());
    REQUIRE_FALSE(undone_depends_on_history(parsed));
    UndoneMigration alone = Context::undone_by(parsed, {});
    SetHistory h;
    h.schema = schema(kBase);
    // As the pipeline runs an up script whose down script it analyses.
    const MigrationRole role;
    const LintOptions options;
    FileAnalysis analysis = start_file(std::move(parsed), role, options, nullptr, &h, true);
    const UndoneMigration replayed = analysis.undone();
    std::move(analysis).finish(analysis.schema_after());
    CHECK(replayed.relations == alone.relations);
    CHECK(replayed.schemas == alone.schemas);
    CHECK(replayed.columns == alone.columns);
    CHECK(replayed.not_null == alone.not_null);
    CHECK(replayed.renames == alone.renames);
    CHECK_FALSE((alone.relations.empty() && alone.columns.empty()));
  }
  // Where the schema before or the transaction matters, the replay alone is read.
  for (const char* up : {"CREATE TABLE IF NOT EXISTS t (id int);", "BEGIN; CREATE TABLE x (id int); ROLLBACK;",
                         "SET LOCAL search_path = app; CREATE TABLE x (id int);",
                         "SELECT set_config('search_path', 'app', true); CREATE TABLE x (id int);",
                         "SELECT 1 FROM (SELECT SET_CONFIG('search_path', 'app', true)) s; CREATE TABLE x (id int);"})
    CHECK(undone_depends_on_history(parse_file(std::make_shared<const SourceFile>("x.up.sql", up))));
}

TEST_CASE("reversal in check: a down script checked with its up script and alone", "[reversal][cli]") {
  // Together, what the up script did is read from its replay; alone, from its file.
  auto dir = testing::fresh_dir("reversal", "down-alone");
  const std::vector<std::pair<std::string, std::string>> pairs = {
      {"CREATE TABLE orders (id serial PRIMARY KEY, note text);\n", "DROP TABLE orders;\n"},
      {"ALTER TABLE orders ADD COLUMN total int;\nALTER TABLE orders ALTER COLUMN note SET NOT NULL;\n",
       "ALTER TABLE orders ALTER COLUMN note DROP NOT NULL;\nALTER TABLE orders DROP COLUMN total;\nALTER TABLE orders DROP COLUMN id;\n"},
      {"CREATE TABLE IF NOT EXISTS orders (id int);\nCREATE SCHEMA app;\n", "DROP SCHEMA app CASCADE;\nDROP TABLE orders;\n"},
      {"ALTER TABLE orders RENAME TO purchases;\nALTER TABLE purchases RENAME COLUMN note TO remark;\n",
       "ALTER TABLE purchases RENAME COLUMN remark TO note;\nALTER TABLE purchases RENAME TO orders;\n"},
      {"BEGIN;\nCREATE TABLE tmp (id int);\nROLLBACK;\nCREATE TABLE kept (id int);\n", "DROP TABLE kept;\nDROP TABLE tmp;\n"},
  };
  const std::string down_files = write_pairs(dir, pairs, ".down.sql");
  // The rules that spare what the up script did.
  const std::string select =
      "check --format gcc --select drop-table,drop-column,drop-not-null,rename-table,rename-column,drop-schema,truncate-table ";
  auto together = testing::run_cli(select + "'" + dir.string() + "'");
  auto alone = testing::run_cli(select + down_files);
  std::string together_down;  // the down scripts' findings
  std::istringstream lines(together.out);
  for (std::string line; std::getline(lines, line);)
    if (line.find(".down.sql:") != std::string::npos) together_down += line + "\n";
  CHECK_THAT(together_down, Catch::Contains("002_step.down.sql:3:"));  // id existed before: a data-loss finding
  CHECK(together_down.find("002_step.down.sql:2:") == std::string::npos);  // total: the up script's
  CHECK(together_down == alone.out);
}

TEST_CASE("reversal: an up script finished after the history went on, as analysed at once", "[reversal]") {
  // The pipeline hands the history an up script's schema (start_file,
  // extend_history) and replays the next file before the up script's down
  // script and file rules run (finish): the next file's changes to the
  // history must not reach the schema the up script's rules and down script read.
  const std::string up_sql = "CREATE TABLE orders (id int, note text);\nCREATE INDEX orders_note ON orders (note);\n";
  const std::string down_sql = "DROP INDEX orders_note;\n";
  const std::string next_sql = "ALTER TABLE orders DROP COLUMN note;\nDROP TABLE purchases;\nCREATE TABLE later (id int);\n";
  auto parse = [](const std::string& path, const std::string& sql) {
    return parse_file(std::make_shared<const SourceFile>(path, sql));
  };
  const ParsedFile down_file = parse("1.down.sql", down_sql);
  MigrationRole role = up_with_down("1.down.sql", down_sql);
  role.down_script = &down_file;
  const LintOptions options;
  auto rules_of = [](const FileResult& r) {
    std::vector<std::string> out;
    for (const Diagnostic& d : r.diagnostics) out.push_back(std::string(rule_info(d.rule).name) + " " + d.message);
    return out;
  };

  // At once: the reversal check replays the down script itself.
  SetHistory at_once;
  at_once.schema = schema("CREATE TABLE purchases (id int);");
  FileResult expected = analyse_file(parse("1.up.sql", up_sql), role, options, nullptr, &at_once);
  analyse_file(parse("2.sql", next_sql), {}, options, nullptr, &at_once);

  SetHistory went_on;
  went_on.schema = schema("CREATE TABLE purchases (id int);");
  FileAnalysis up = start_file(parse("1.up.sql", up_sql), role, options, nullptr, &went_on, true);
  up.extend_history();
  analyse_file(parse("2.sql", next_sql), {}, options, nullptr, &went_on);
  REQUIRE(up.schema_after().table(QualifiedName{"public", "orders"}));
  CHECK(up.schema_after().column(QualifiedName{"public", "orders"}, "note"));
  CHECK(up.schema_after().table(QualifiedName{"public", "purchases"}));
  CHECK_FALSE(up.schema_after().table(QualifiedName{"public", "later"}));
  std::optional<Catalog> after_down = replay_schema(down_file, up.schema_after(), {});
  FileResult finished = std::move(up).finish(std::move(after_down));

  CHECK(std::any_of(expected.diagnostics.begin(), expected.diagnostics.end(),
                    [](const Diagnostic& d) { return d.rule == RuleId::down_does_not_undo_up; }));
  CHECK(rules_of(finished) == rules_of(expected));
  // finish leaves the history as the next file left it.
  CHECK(describe(compare_catalogs(at_once.schema, went_on.schema)).empty());
  CHECK(went_on.schema.table(QualifiedName{"public", "later"}));
  CHECK_FALSE(went_on.schema.column(QualifiedName{"public", "orders"}, "note"));
}
