#pragma once
// Which rule reports each kind of consequence the effects model computes
// (analysis/effects.h), or that none does: an advisory consequence, which
// `explain` shows as such. Rules that report data loss or compatibility
// breaks read these consequences from the effects instead of working them out.
#include <optional>
#include <string_view>

#include "analysis/effects.h"
#include "rules/registry.h"

namespace migrasafe {

struct ConsequenceReporting {
  ConsequenceKind kind;
  std::optional<RuleId> rule;  // nullopt: advisory
  std::string_view why_advisory = {};  // for an advisory kind: why no rule reports it
};

// One entry per kind, in the order of MIGRASAFE_CONSEQUENCE_KINDS.
const ConsequenceReporting& consequence_reporting(ConsequenceKind kind);
inline bool is_advisory(ConsequenceKind kind) { return !consequence_reporting(kind).rule; }

}  // namespace migrasafe
