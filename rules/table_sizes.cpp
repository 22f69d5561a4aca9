#include "rules/table_sizes.h"

#include "rules/engine.h"

namespace migrasafe {

namespace {

bool writes_rows(std::string_view kind) {
  return kind == "InsertStmt" || kind == "CopyStmt" || kind == "UpdateStmt" || kind == "MergeStmt" ||
         kind == "CreateTableAsStmt";
}

std::string shown(const QualifiedName& t) { return "`" + t.str() + "`"; }

// The work whose time the size decides, and the bytes and speed it goes at.
struct Work {
  std::string what;  // "the rewrite"
  double bytes = 0;
  double per_second = 1;
};

std::optional<Work> work_of(const Statement& s, const Effects& e, const TableSize& size, const SizeThresholds& t) {
  if (e.rewrite != Tri::No)
    return Work{"the rewrite", static_cast<double>(size.total_bytes()), t.rewrite_bytes_per_second};
  if (s.tag == StmtKind::IndexStmt) return Work{"the index build", static_cast<double>(size.heap_bytes), t.rewrite_bytes_per_second};
  if (e.scan != Tri::No) return Work{"the scan", static_cast<double>(size.heap_bytes), t.scan_bytes_per_second};
  return std::nullopt;
}

}  // namespace

TableSizes::TableSizes(const Snapshot& snapshot, SizeThresholds thresholds)
    : taken_on_(snapshot.taken_at.substr(0, 10)), thresholds_(thresholds) {
  for (const auto& [name, size] : snapshot.tables) snapshot_tables_[name] = Known{size, true};
}

const TableSizes::Known* TableSizes::lookup(const QualifiedName& table) const {
  if (auto c = created_.find(table); c != created_.end()) return written_.count(table) ? nullptr : &c->second;
  auto it = snapshot_tables_.find(table);
  return it == snapshot_tables_.end() ? nullptr : &it->second;
}

std::string TableSizes::describe(const QualifiedName& table, const Known& k) const {
  if (!k.from_snapshot) return shown(table) + " is created after the snapshot and empty so far";
  return shown(table) + " holds " + describe_size(k.size) + " (snapshot of " + taken_on_ + ")";
}

void TableSizes::apply(FileResult& result, std::vector<Diagnostic>& diagnostics) {
  const auto& statements = result.parsed.statements;
  result.sizes.assign(statements.size(), "");
  std::vector<std::vector<Diagnostic*>> by_statement(statements.size());
  for (Diagnostic& d : diagnostics)
    if (std::size_t i = result.parsed.statement_at(d.begin); i < statements.size()) by_statement[i].push_back(&d);

  for (std::size_t i = 0; i < statements.size(); ++i) {
    const Statement& s = statements[i];
    const Effects& e = result.effects[i];
    if (s.deferred) continue;  // runs when called, on whatever the table holds then
    // The table it works on: its target, else the first locked relation with a known size.
    std::optional<QualifiedName> table;
    std::optional<Known> known;
    std::vector<QualifiedName> candidates;
    if (e.target) candidates.push_back(*e.target);
    for (const RelationLock& l : e.locks) candidates.push_back(l.relation);
    for (const QualifiedName& c : candidates)
      if (const Known* k = lookup(c)) {
        table = c;
        known = *k;
        break;
      }
    auto strongest = e.strongest_lock();
    std::optional<Work> work = known ? work_of(s, e, known->size, thresholds_) : std::nullopt;
    std::string duration;
    if (work) {
      duration = work->what + " takes " + describe_seconds(work->bytes / work->per_second) + " at " +
                 describe_bytes(work->per_second) + "/s (an estimate)";
    }
    if (known && (work || (strongest && blocks_writes(*strongest))))
      result.sizes[i] = describe(*table, *known) + (duration.empty() ? "" : "; " + duration);

    for (Diagnostic* d : by_statement[i]) {
      Category category = rule_info(d->rule).category;
      if (category != Category::Locking && category != Category::Rewrite) continue;
      if (!known) {
        if (e.target) d->message += " (" + shown(*e.target) + " is not in the snapshot: its size is unknown)";
        continue;
      }
      std::string size = describe(*table, *known) + (duration.empty() ? "" : ", and " + duration);
      bool small = known->size.rows >= 0 && known->size.rows <= thresholds_.small_table_rows;
      bool large = known->size.total_bytes() >= thresholds_.large_table_bytes;
      bool outage = work && strongest && blocks_writes(*strongest);
      if (small && d->severity == Severity::Warning) {
        d->severity = Severity::Note;
        d->message += "; " + size + ": small (at most small_table_rows = " +
                      std::to_string(static_cast<long long>(thresholds_.small_table_rows)) + " rows), so a note";
      } else if (large && outage && d->severity != Severity::Error) {
        d->severity = d->severity == Severity::Note ? Severity::Warning : Severity::Error;
        d->message += "; " + size + ": large (at least large_table_bytes = " +
                      describe_bytes(static_cast<double>(thresholds_.large_table_bytes)) +
                      "), so every write waits that long";
      } else {
        d->message += "; " + size;
      }
    }

    // What this statement leaves for the ones after it.
    if (!e.target) continue;
    if ((s.tag == StmtKind::CreateStmt || s.tag == StmtKind::CreateTableAsStmt) && !snapshot_tables_.count(*e.target)) {
      created_[*e.target] = Known{TableSize{0, 0, 0, 0}, false};
      written_.erase(*e.target);
    }
    if (writes_rows(s.kind) && created_.count(*e.target)) written_.insert(*e.target);
  }
}

}  // namespace migrasafe
