#pragma once
// The verify report: what every statement did on the server (locks, rewrites,
// scans, duration, errors) and the notes, with the findings of the verify
// rules written by the reporter of any format (reporters/registry.h).
#include <ostream>

#include "config/config.h"
#include "engine/result.h"
#include "reporters/registry.h"
#include "verify/runner.h"

namespace migrasafe::verify {

struct ServerInfo {
  std::string description;  // "PostgreSQL 15.4, an ephemeral cluster (/usr/lib/postgresql/15/bin)"
};

// The run as `check` reports one: the scripts' static analyses with the
// verify findings as their diagnostics, in file order. A finding at a point
// covers the statement that starts there. The findings go through check's
// pass (filter_findings): ignore comments, [rules] select/ignore/severity
// and [[overrides]] of `settings` apply to them as to check's.
RunResult verify_run_result(VerifyResult& result, const Settings& settings);

// Text: every script run with each statement's duration, observed locks,
// rewrites and scans, the notes, then the findings as `check` writes them.
// JSON: `check`'s document (files, effects, findings) with the server, the
// scripts run and the notes. The other formats: the findings only.
void write_verify_report(std::ostream& out, Format format, const VerifyResult& result, const RunResult& run,
                         const ServerInfo& server, const ReportOptions& options);

}  // namespace migrasafe::verify
