#pragma once
// The verify report: what every statement did on the server (locks, rewrites,
// scans, duration, errors), the findings, and the notes, as text or JSON.
#include <ostream>

#include "verify/runner.h"

namespace migrasafe::verify {

struct ServerInfo {
  std::string description;  // "ephemeral cluster (PostgreSQL 15.4, /usr/lib/postgresql/15/bin)"
};

void write_verify_text(std::ostream& out, const VerifyResult& result, const ServerInfo& server);
void write_verify_json(std::ostream& out, const VerifyResult& result, const ServerInfo& server);

}  // namespace migrasafe::verify
