// identifier-too-long: PostgreSQL truncates identifiers to 63 bytes
// (NAMEDATALEN - 1) with only a NOTICE, so the object gets a name that is not
// the one written, and two long names that share their first 63 bytes are the
// same name. A whole-file pass, so it can name such collisions.
#include <map>
#include <set>

#include "rules/column_types.h"

namespace migrasafe {
namespace {

constexpr std::size_t kMaxIdentifier = 63;

// PostgreSQL cuts at a character boundary (pg_mbcliplen).
std::string truncated(const std::string& s) {
  std::size_t n = kMaxIdentifier;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n);
}

struct Long {
  std::string value;
  std::uint32_t begin, end;
};

void check(const FileView& v, Report& r) {
  std::vector<Long> found;
  std::map<std::string, std::set<std::string>> by_prefix;  // truncated -> names written
  for (const Statement& s : v.file.statements) {
    // A top-level statement's tokens include its DO or function body's.
    if (s.embedded()) continue;
    // DROP names an existing object: the long name is truncated the same way
    // it was when the object was created, so it finds that object.
    if (s.tag == StmtKind::DropStmt) continue;
    std::set<std::string> seen;  // once per statement and name
    const Token* const tokens = v.file.tokens.data();
    for (const Token* t = tokens + s.first_token; t != tokens + s.end_token; ++t) {
      // A name is never longer than its spelling (quotes and doubled quotes
      // drop out): the span's width settles most tokens, before their kind
      // (this loop reads every token of the file).
      if (t->end - t->begin <= kMaxIdentifier) continue;
      if (t->kind != TokenKind::Word && t->kind != TokenKind::QuotedIdent) continue;
      std::string value = rules::ident_value(v.file.text(*t), t->kind);
      if (value.size() <= kMaxIdentifier || !seen.insert(value).second) continue;
      found.push_back({value, t->begin, t->end});
      by_prefix[truncated(value)].insert(value);
    }
  }
  for (const Long& l : found) {
    std::string cut = truncated(l.value);
    std::string collision;
    for (const std::string& other : by_prefix[cut])
      if (other != l.value) collision = other;
    r.add(RuleId::identifier_too_long, l.begin, l.end,
          "Identifier `" + l.value + "` is " + std::to_string(l.value.size()) + " bytes; PostgreSQL silently truncates "
              "it to 63 bytes (`" + cut + "`)" +
              (collision.empty() ? ", so the object's real name differs from the one written"
                                 : ", the same name as `" + collision + "` in this file, so the two collide"),
          "Choose a name of at most 63 bytes (NAMEDATALEN - 1), for example by abbreviating words; tools that compare "
          "names (ORMs, schema diffs, later migrations) otherwise look for a name that does not exist.");
  }
}

}  // namespace
const RuleHooks hooks_identifier_too_long{nullptr, check};
}  // namespace migrasafe
