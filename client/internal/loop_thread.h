#pragma once

#include <atomic>
#include <string_view>
#include <thread>

#include "absl/status/status.h"

namespace valkdb::client_internal {

// Which thread runs an event loop. A blocking wait for something that only that
// loop can deliver must not run on that thread: it would wait for itself.
class LoopThread {
 public:
  void SetCurrent() {
    const std::thread::id self = std::this_thread::get_id();
    if (id_.load(std::memory_order_relaxed) != self) id_.store(self, std::memory_order_relaxed);
  }
  bool IsCurrent() const {
    return id_.load(std::memory_order_relaxed) == std::this_thread::get_id();
  }

 private:
  std::atomic<std::thread::id> id_{};
};

// The error a blocking call returns instead of deadlocking on its own loop's thread.
absl::Status WouldDeadlock(std::string_view what);

}  // namespace valkdb::client_internal
