#pragma once
// Path globs: one syntax and one implementation for the command line and the
// configuration file (`migrations`, [[overrides]] `paths`).
//
//   *       any characters except `/`
//   ?       one character except `/`
//   [abc]   one of the characters; ranges `[a-z]`, negation `[!a]` or `[^a]`
//   **      as a whole path segment (`db/**/x.sql`, `db/**`): zero or more
//           directories; elsewhere (`db/**.sql`) the same as `*`
//   {a,b}   either alternative (they may hold globs and nest)
//   \x      the character x itself
//
// Matching is against `/`-separated paths; a leading `./` is ignored.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace migrasafe {

// Whether `s` uses glob syntax (*, ?, [ or {) at all.
bool has_glob_syntax(std::string_view s);

// What is wrong with a glob (empty, an unclosed `[` or `{`, a bad range, a
// trailing `\`), or nullopt when it is valid.
std::optional<std::string> glob_error(std::string_view glob);

// An RE2 pattern matching the whole path. Only for globs without glob_error.
std::string glob_to_regex(std::string_view glob);

// The files a command-line glob names, sorted, as the glob spells them
// ("db/*.sql" gives "db/001.sql", "*.sql" gives "001.sql"). Directories the
// glob names stand for the .sql files under them, as on the command line; a
// glob ending in a `**` segment (`db/**`) picks the .sql files below, not
// READMEs. Hidden directories (.git, ...) are not searched. `error` is set
// for an invalid glob.
std::vector<std::string> expand_glob(const std::string& glob, std::string& error);

}  // namespace migrasafe
