#pragma once
// Where a run's time goes, by phase: with MIGRASAFE_TIMINGS=1 in the
// environment, migrasafe prints each phase's total on stderr when it exits
// (`make bench` reads it). A PhaseTimer charges the time its scope lasts to
// its phase, minus the time of PhaseTimers nested in it (each thread keeps
// its own nesting), so phases do not overlap: a rule that parses a script
// charges that to parsing. Phases that run on several threads add up the
// time of each. Switched off (the default), a PhaseTimer costs one branch.
// No dependencies beyond the standard library, so any layer can use it.
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace migrasafe {

enum class RunPhase { Discovery, Read, Parse, Replay, Rules, Report };

class PhaseTimer {
 public:
  explicit PhaseTimer(RunPhase phase) : phase_(phase) {
    if (!enabled()) return;
    const auto now = Clock::now();
    if (current_) current_->charge(now);
    outer_ = current_;
    current_ = this;
    since_ = now;
  }
  ~PhaseTimer() {
    if (!enabled()) return;
    const auto now = Clock::now();
    charge(now);
    current_ = outer_;
    if (outer_) outer_->since_ = now;
  }
  PhaseTimer(const PhaseTimer&) = delete;
  PhaseTimer& operator=(const PhaseTimer&) = delete;

  static bool enabled() {
    static const bool on = [] {
      const char* v = std::getenv("MIGRASAFE_TIMINGS");
      if (!v || !*v || std::string_view(v) == "0") return false;
      start();
      std::atexit(print);
      return true;
    }();
    return on;
  }

 private:
  using Clock = std::chrono::steady_clock;
  static constexpr std::array<std::string_view, 6> kNames{"discovery", "read", "parse", "replay", "rules", "report"};

  void charge(Clock::time_point now) {
    totals()[static_cast<std::size_t>(phase_)] += std::chrono::duration_cast<std::chrono::nanoseconds>(now - since_).count();
  }
  static std::array<std::atomic<long long>, kNames.size()>& totals() {
    static std::array<std::atomic<long long>, kNames.size()> ns{};
    return ns;
  }
  static Clock::time_point start() {
    static const Clock::time_point first = Clock::now();
    return first;
  }
  static void print() {
    const double wall = std::chrono::duration<double>(Clock::now() - start()).count();
    std::fprintf(stderr, "migrasafe timings (seconds; a phase on several threads adds up their time):\n");
    double phases = 0;
    for (std::size_t i = 0; i < kNames.size(); ++i) {
      const double s = static_cast<double>(totals()[i].load()) / 1e9;
      phases += s;
      std::fprintf(stderr, "  %-10.*s %9.4f\n", static_cast<int>(kNames[i].size()), kNames[i].data(), s);
    }
    std::fprintf(stderr, "  %-10s %9.4f\n  %-10s %9.4f\n", "phases", phases, "wall", wall);
  }

  RunPhase phase_;
  PhaseTimer* outer_ = nullptr;
  Clock::time_point since_{};
  static inline thread_local PhaseTimer* current_ = nullptr;
};

}  // namespace migrasafe
