// A large file is lexed, parsed and summarised on several threads (the
// lexer's halves, the parse's chunks, the pre-pass's index beside the
// rules' summaries): its findings must be those of one thread, wherever the
// work is split.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "parser/lex_halves.h"
#include "rules/engine.h"
#include "support.h"

using namespace migrasafe;
using testing::lint_text;

namespace {

// The lines `rule`'s findings begin on.
std::vector<std::string> findings_of(const FileResult& result, RuleId rule, const std::string& sql) {
  std::vector<std::string> out;
  for (const Diagnostic& d : result.diagnostics)
    if (d.rule == rule) {
      const std::size_t line = sql.rfind('\n', d.begin) + 1;  // npos + 1 = 0 on the first line
      out.push_back(sql.substr(line, sql.find('\n', d.begin) - line));
    }
  return out;
}

std::string describe(const std::vector<Token>& tokens) {
  std::string out;
  for (const Token& t : tokens)
    out += std::to_string(t.begin) + "-" + std::to_string(t.end) + ":" + std::to_string(static_cast<int>(t.kind)) +
           (t.unterminated ? "!" : "") + " ";
  return out;
}

}  // namespace

TEST_CASE("large file: lexed in two halves, the tokens of one lexer wherever the middle falls", "[large-file]") {
  // Lines ending `;` inside what the second half's lexer cannot know of:
  // COPY data, a string, a dollar-quoted body, a comment; a `;` with a
  // comment after it, a psql \copy, CRLF line ends, an unterminated string.
  const std::vector<std::string> middles = {
      "COPY t FROM STDIN;\n1\t2;\n3\t4;\n\\.\nSELECT 1;\n",
      "SELECT 'a;\nb;\n';\nSELECT 2;\n",
      "DO $$ BEGIN PERFORM 1;\nPERFORM 2;\nEND $$;\nSELECT 3;\n",
      "/* c;\n d;\n */ SELECT 4;\n",
      "SELECT 5; -- x;\nSELECT 6;\n",
      "\\copy t from stdin;\n7;\n\\.\nSELECT 8;\n",
      "SELECT 9;\r\nSELECT 10;\r\n",
      "SELECT 11;\nSELECT 'open;\n",
  };
  for (const std::string& middle : middles) {
    // The text's middle moves across `middle` as its padding moves from after it to before it.
    const std::size_t padding = 2 * middle.size() + 16;
    for (std::size_t before = 0; before <= padding; ++before) {
      const std::string text = "-- " + std::string(before, 'a') + "\n" + middle + "-- " + std::string(padding - before, 'b') + "\n";
      INFO(text);
      CHECK(describe(lex(text, 0)) == describe(lex(text, text.size() + 1)));
    }
  }
}

TEST_CASE("large file: findings that read later statements are the same with the pre-pass on one thread or two",
          "[large-file]") {
  // Statements that decide an earlier statement's finding come a filler
  // later: a DROP in the same transaction (the index of the file's
  // statements), an index on a foreign key's column (the rule's summary).
  for (int fillers : {10, 3000}) {  // below and above the size from which the index is built beside
    INFO(fillers << " filler statements");
    std::string filler;
    for (int i = 0; i < fillers; ++i) filler += "SELECT " + std::to_string(i) + ";\n";
    const std::string sql =
        "CREATE TABLE a (id bigint PRIMARY KEY);\n"
        "CREATE TABLE b (id bigint PRIMARY KEY, a_id bigint REFERENCES a (id));\n"
        "CREATE TABLE c (id bigint PRIMARY KEY, a_id bigint REFERENCES a (id));\n"
        "BEGIN;\n"
        "CREATE INDEX old_reports_at_idx ON old_reports (at);\n" +
        filler +
        "DROP TABLE old_reports;\n"
        "COMMIT;\n"
        "CREATE INDEX reports_at_idx ON reports (at);\n" +
        filler + "CREATE INDEX b_a_id_idx ON b (a_id);\n";
    const FileResult result = lint_text(sql);
    CHECK(findings_of(result, RuleId::create_index_non_concurrently, sql) ==
          std::vector<std::string>{"CREATE INDEX reports_at_idx ON reports (at);"});
    CHECK(findings_of(result, RuleId::foreign_key_without_index, sql) ==
          std::vector<std::string>{"CREATE TABLE c (id bigint PRIMARY KEY, a_id bigint REFERENCES a (id));"});
  }
}
