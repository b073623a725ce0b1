#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "absl/functional/function_ref.h"
#include "server/store/store.h"

namespace valkdb {

// maxmemory-policy.
enum class EvictionPolicy : uint8_t {
  kNoEviction,
  kAllKeysLru,
  kAllKeysLfu,
  kAllKeysRandom,
  kVolatileLru,
  kVolatileLfu,
  kVolatileRandom,
  kVolatileTtl,
};
std::optional<EvictionPolicy> ParseEvictionPolicy(std::string_view name);

struct EvictionSettings {
  size_t maxmemory = 0;  // 0: no limit
  EvictionPolicy policy = EvictionPolicy::kNoEviction;
  int samples = 5;    // maxmemory-samples
  int tenacity = 10;  // maxmemory-eviction-tenacity
  bool lazy = false;  // lazyfree-lazy-eviction: propagated as UNLINK, as Redis does
};

// Redis's EVICT_OK / EVICT_RUNNING / EVICT_FAIL.
enum class EvictionResult {
  kOk,       // under the limit (now, or already)
  kRunning,  // still over, but out of time for this call: the cron goes on
  kFail,     // over the limit and nothing (more) can be evicted
};

// The memory figure maxmemory is enforced against (used_memory.h), or the
// store's own estimate where the allocator is not counted (sanitizers).
size_t EvictionUsedMemory(Store& store);

// Redis's performEvictions: deletes keys chosen by the policy until the
// used memory is under maxmemory or the time that maxmemory-eviction-
// tenacity allows is spent. Locks one shard at a time, so call it with no
// shard locked. Each eviction goes to the feed as a DEL with the "evicted"
// event. LRU, LFU and TTL choose from a pool of the best candidates among
// sampled keys, kept per thread, as Redis's eviction pool.
// `evicted` is told each key that went (with its shard still locked), for
// what the store does not know of: WATCH, as Redis's signalModifiedKey.
EvictionResult PerformEvictions(
    Store& store, const EvictionSettings& settings,
    absl::FunctionRef<void(int db, std::string_view key)> evicted = [](int, std::string_view) {});

}  // namespace valkdb
