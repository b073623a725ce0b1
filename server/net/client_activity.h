#pragma once

#include <algorithm>
#include <cstdint>

namespace valkdb {

// How many clients an event loop heard from lately: those whose input came
// in the current or the previous millisecond of the loop's clock. With many
// of them the loop's waits gather completions (loop-gather-us): what several
// clients send within a few microseconds is then taken in one wake-up. A
// client or two in a request-reply exchange sends its next request only
// after the reply, so gathering would only delay them; they never count as
// many.
class ClientActivity {
 public:
  static constexpr uint32_t kManyClients = 16;

  // Input came from a client; `heard_ms` is that client's own record of
  // when it last counted, so each client counts once per millisecond.
  void Note(uint64_t now_ms, uint64_t& heard_ms) {
    if (now_ms != current_ms_) {
      previous_ = now_ms == current_ms_ + 1 ? current_ : 0;
      current_ = 0;
      current_ms_ = now_ms;
    }
    if (heard_ms != now_ms) {
      heard_ms = now_ms;
      ++current_;
    }
  }

  // Clients heard from in the millisecond `now_ms` or the one before.
  uint32_t Recent(uint64_t now_ms) const {
    if (now_ms == current_ms_) return std::max(current_, previous_);
    if (now_ms == current_ms_ + 1) return current_;
    return 0;
  }

  bool Many(uint64_t now_ms) const { return Recent(now_ms) >= kManyClients; }

 private:
  uint64_t current_ms_ = 0;
  uint32_t current_ = 0;   // clients heard from in current_ms_
  uint32_t previous_ = 0;  // in the millisecond before it
};

}  // namespace valkdb
