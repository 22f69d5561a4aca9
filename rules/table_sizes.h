#pragma once
// Size-aware findings: with a production snapshot, a finding about a rewrite,
// a scan, an index build or a long lock names the size of the table it hits,
// with a rough duration, and moves down to a note on a small table or up one
// level on a large one (thresholds from the configuration).
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "analysis/effects.h"
#include "snapshot/snapshot.h"

namespace migrasafe {

struct Diagnostic;
struct FileResult;

struct SizeThresholds {
  double small_table_rows = 10000;                    // at most this many rows: small
  std::int64_t large_table_bytes = 10LL << 30;        // at least this many bytes: large
  double rewrite_bytes_per_second = 100.0 * (1 << 20);  // copying rows and building indexes
  double scan_bytes_per_second = 500.0 * (1 << 20);     // reading the table (a scan, a validation)
};

// The tables of a snapshot, and what the migrations replayed so far did to
// them: tables created after the snapshot are empty until a statement writes
// rows into them. One per migration set, fed files in migration order.
class TableSizes {
 public:
  TableSizes(const Snapshot& snapshot, SizeThresholds thresholds);

  // Names sizes in the findings of one file (in migration order) and
  // re-levels them; fills result.sizes (one text per statement).
  void apply(FileResult& result, std::vector<Diagnostic>& diagnostics);

  const SizeThresholds& thresholds() const { return thresholds_; }

 private:
  struct Known {
    TableSize size;
    bool from_snapshot = true;
  };
  const Known* lookup(const QualifiedName& table) const;
  std::string describe(const QualifiedName& table, const Known& k) const;

  std::map<QualifiedName, Known> snapshot_tables_;
  std::string taken_on_;  // the snapshot's date, for messages
  SizeThresholds thresholds_;
  std::map<QualifiedName, Known> created_;  // created by the migrations: empty until written
  std::set<QualifiedName> written_;
};

}  // namespace migrasafe
