#pragma once

#include <atomic>
#include <cstdint>

namespace valkdb {

// Request IDs: a fixed prefix in the top 16 bits (here: the event loop's
// index) and a counter in the low 48 bits, from one atomic counter. A port of
// the Go generator in the task scheduler story (seeds/000).
class IdGenerator {
 public:
  static constexpr uint64_t kCounterMask = (uint64_t{1} << 48) - 1;

  explicit IdGenerator(uint16_t prefix = 0, uint64_t start = 0)
      : prefix_(static_cast<uint64_t>(prefix) << 48), counter_(start) {}

  uint64_t Next() {
    uint64_t suffix = counter_.fetch_add(1, std::memory_order_relaxed);
    return prefix_ | (suffix & kCounterMask);
  }

 private:
  const uint64_t prefix_;
  std::atomic<uint64_t> counter_;
};

}  // namespace valkdb
