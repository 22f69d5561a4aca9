#pragma once
// The choice of writer for each output format (the list of formats is
// config/formats.h, so that the configuration file can validate `format`).
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "config/formats.h"
#include "engine/result.h"

namespace migrasafe {

struct ReportOptions {
  bool color = false;               // text: ANSI colours
  std::optional<Severity> fail_on;  // junit: a file fails on findings at or above it; gitlab: warnings that fail are `major` (nullopt: never)
  bool explain = false;             // text: the per-statement effects report of `explain`
};

// Whether the format's writer reads finding fingerprints (which need the files' tokens).
bool reads_fingerprints(Format format);

void write_report(std::ostream& out, Format format, const RunResult& run, const ReportOptions& options);

}  // namespace migrasafe
