#include <algorithm>

#include "rules/fix.h"
#include "rules/helpers.h"
#include "rules/suppressions.h"

namespace migrasafe {
namespace {

// "5s", "1min", "250ms": the shortest exact unit.
std::string show_ms(long ms) {
  if (ms % 60000 == 0) return std::to_string(ms / 60000) + "min";
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

// Where the SET goes: at `at` (the start of a top-level statement), moved
// above the ignore comments that cover that statement, so they keep covering
// it rather than the SET.
std::uint32_t insertion_point(const StatementView& v, std::uint32_t at) {
  const auto& toks = v.file.tokens;
  auto i = std::lower_bound(toks.begin(), toks.end(), at, [](const Token& t, std::uint32_t off) { return t.begin < off; });
  // An ignore comment covers the next statement even across other comments.
  while (i != toks.begin() && is_comment((i - 1)->kind))
    if (is_statement_ignore(v.file.text(*--i))) at = i->begin;
  return at;
}

// `SET lock_timeout = '<value>';` on its own line at `at`.
Fix set_timeout(const StatementView& v, std::uint32_t at, const std::string& value) {
  return Fix{"Set lock_timeout to " + value + " first",
             {fixes::insert_line(v.file.source->text, at, "SET lock_timeout = '" + value + "';")}};
}

// [rules.missing-lock-timeout] max_lock_timeout: a lock_timeout longer than
// this before an ACCESS EXCLUSIVE lock is reported (unset: any is fine).
constexpr RuleOption kOptions[] = {{"max_lock_timeout", OptionType::Duration}};

// The timeout in effect is longer than the team allows before an ACCESS EXCLUSIVE lock.
void check_too_long(const StatementView& v, Report& r, long timeout, long limit, const RelationLock& lock) {
  Diagnostic& d = r.add(RuleId::missing_lock_timeout, v.stmt.begin, v.stmt.end,
        "This statement requests an ACCESS EXCLUSIVE lock on `" + rules::display(lock.relation) +
            "` with lock_timeout = " + show_ms(timeout) + ", longer than the configured max_lock_timeout of " +
            show_ms(limit) + ": while it waits for the lock, every query queued after it on the table waits too, "
            "for up to " + show_ms(timeout) + " (reported once per file)",
        "Lower the lock timeout before this statement, e.g. SET lock_timeout = '" + show_ms(limit) +
            "'; and retry the migration if it times out.");
  if (!fixes::lone_query(v)) d.fix = set_timeout(v, insertion_point(v, fixes::outermost(v).begin), show_ms(limit));
}

void check(const StatementView& v, Report& r) {
  if (r.reported(RuleId::missing_lock_timeout)) return;
  // The strongest lock that blocks traffic, on a table others can be using.
  const RelationLock* worst = nullptr;
  for (const RelationLock& l : v.effects.locks) {
    if (!blocks_writes(l.mode) || v.ctx.created_in_migration(l.relation)) continue;
    // For DROP INDEX and the like, name the table whose queries queue, not the index.
    if (!worst || l.mode > worst->mode || (l.mode == worst->mode && l.role == LockRole::IndexTable)) worst = &l;
  }
  // Locks the analysis cannot name may block as much as any: without a
  // timeout, the statement is treated as if it took a blocking lock.
  bool unknown = !worst && !v.effects.locks_unknown.empty();
  if (!worst && !unknown) return;
  if (auto timeout = v.ctx.timeout_ms("lock_timeout")) {
    if (unknown) return;
    auto limit = v.options.duration_ms("max_lock_timeout");
    if (limit && *timeout > *limit && worst->mode == LockMode::AccessExclusive)
      check_too_long(v, r, *timeout, *limit, *worst);
    return;
  }
  std::string state = v.ctx.no_timeout_reason("lock_timeout");
  std::string message =
      unknown ? "This statement may take locks migrasafe cannot name (it " + v.effects.locks_unknown.str() + ") and " + state +
                    ": if one of them has to wait behind a long-running query, every query queued after it waits too "
                    "(reported once per file)"
              : "This statement requests " +
                    std::string(worst->mode == LockMode::AccessExclusive || worst->mode == LockMode::Exclusive ? "an " : "a ") +
                    std::string(sql_lock_name(worst->mode)) + " lock on `" + rules::display(worst->relation) + "` and " +
                    state +
                    ": if it has to wait behind a long-running query, every query queued after it on the table waits "
                    "too, and the lock blocks " + std::string(lock_blocks(worst->mode)) + " (reported once per file)";
  Diagnostic& d = r.add(RuleId::missing_lock_timeout, v.stmt.begin, v.stmt.end, message,
        "Set a short lock timeout before the first such statement, e.g. SET lock_timeout = '5s'; (SET LOCAL inside "
        "a transaction, which also works behind PgBouncer in transaction mode), and retry the migration if it "
        "times out.");
  // Before the BEGIN of an explicit block, unless a SET in it turned the
  // timeout off: a ROLLBACK would undo a SET made inside the block.
  std::uint32_t at = fixes::outermost(v).begin;  // never inside a body
  if (v.ctx.in_explicit_transaction() && !v.ctx.setting("lock_timeout") && v.ctx.transaction_begin()) at = *v.ctx.transaction_begin();
  auto limit = v.options.duration_ms("max_lock_timeout");
  // A SET would make a lone statement sent as one query an implicit transaction.
  if (!fixes::lone_query(v)) d.fix = set_timeout(v, insertion_point(v, at), limit ? show_ms(*limit) : "5s");
}

}  // namespace
// A function body runs under its caller's session settings, not the migration's.
const RuleHooks hooks_missing_lock_timeout{
    .statement = check, .statement_kinds = every_statement, .options = kOptions, .skips_function_bodies = true};
}  // namespace migrasafe
