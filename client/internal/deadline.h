#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>

#include "absl/time/time.h"

namespace valkdb::client_internal {

// A point in monotonic time by which an operation must finish; or never.
class Deadline {
 public:
  using Clock = std::chrono::steady_clock;

  static Deadline After(absl::Duration d) {
    Deadline out;
    if (d == absl::InfiniteDuration()) return out;
    out.infinite_ = false;
    out.at_ = Clock::now() + absl::ToChronoNanoseconds(std::max(d, absl::ZeroDuration()));
    return out;
  }
  static Deadline Never() { return Deadline(); }

  bool infinite() const { return infinite_; }
  bool Passed() const { return !infinite_ && Clock::now() >= at_; }
  // Milliseconds left, rounded up (for poll() and libuv timers): -1 when
  // infinite, 0 when past.
  int64_t MillisecondsLeft() const {
    if (infinite_) return -1;
    const auto left = at_ - Clock::now();
    if (left <= Clock::duration::zero()) return 0;
    return std::chrono::ceil<std::chrono::milliseconds>(left).count();
  }
  int PollTimeoutMs() const {
    const int64_t ms = MillisecondsLeft();
    return ms > 1000 * 1000 * 1000 ? 1000 * 1000 * 1000 : static_cast<int>(ms);
  }

 private:
  bool infinite_ = true;
  Clock::time_point at_{};
};

}  // namespace valkdb::client_internal
