#pragma once
// What an up script did that its down script is expected to undo
// (UndoneMigration), read as the up script is replayed.
#include "analysis/context.h"

namespace migrasafe {

// Adds to `undone` what statement `s`, about to be applied to `ctx`, adds,
// makes NOT NULL, renames or creates by name: the columns it adds, the
// columns it sets NOT NULL, its renames (the new names), and the tables and
// schemas it names as new. (The relations it creates are in the context's
// created_relations() once the script has run.)
void note_undone(const Statement& s, const Context& ctx, UndoneMigration& undone);

// Whether what the up script does, as its down script sees it, could depend
// on the schema before it or on the transaction it runs in: CREATE TABLE IF
// NOT EXISTS creates a table or not, ROLLBACK undoes what its transaction
// did, and SET LOCAL or set_config(..., true) apply only in a transaction.
// Otherwise its replay in the history says what Context::undone_by says
// from a replay on an empty schema.
bool undone_depends_on_history(const ParsedFile& up);

}  // namespace migrasafe
