#pragma once

#include <atomic>
#include <cstdint>
#include <ctime>

#include "server/store/entry.h"

namespace valkdb {

// Each key's access clock, Redis's robj->lru in the 16 bits Entry keeps for it:
// - with an LRU (or no) eviction policy, the second it was last used, modulo
//   2^16 (Redis keeps 24 bits: its idle times wrap after 194 days, ours after
//   18 hours, so a key idle longer looks younger than it is);
// - with an LFU policy, Redis's logarithmic counter (low 8 bits) and the
//   minute it was last decremented (high 8 bits, modulo 256: Redis keeps 16).
// What the 16 bits mean follows maxmemory-policy, as in Redis: after a switch
// they are read the other way until the keys are used again.
//
// The clock the keys are stamped with is the server's, advanced by the cron,
// so a lookup pays a relaxed load and a store into the slot it already holds.
class AccessClock {
 public:
  // The whole state is process-wide (config and cron set it).
  static void SetLfu(bool lfu) { lfu_.store(lfu, std::memory_order_relaxed); }
  static bool lfu() { return lfu_.load(std::memory_order_relaxed); }
  static void SetLfuParameters(int log_factor, int decay_time_minutes) {
    log_factor_.store(log_factor, std::memory_order_relaxed);
    decay_time_.store(decay_time_minutes, std::memory_order_relaxed);
  }
  // Advances the server's clock to unix time now_ms (the cron calls it).
  static void Tick(int64_t now_ms) {
    now_s_.store(static_cast<uint32_t>(now_ms / 1000), std::memory_order_relaxed);
  }

  // A key that was just written anew (Redis's createObject): never 0, which
  // marks an entry that has no clock yet.
  static uint16_t ForNewKey();
  // Stamps an entry that has no clock yet (a new value stored under a key).
  static void StampIfNew(const Entry& entry) {
    if (entry.access_clock() == 0) entry.set_access_clock(ForNewKey());
  }
  // The key was used (Redis's lookupKey without LOOKUP_NOTOUCH).
  static void Touch(const Entry& entry) {
    if (lfu()) {
      TouchLfu(entry);
    } else {
      entry.set_access_clock(LruNow());
    }
  }

  // OBJECT IDLETIME, in seconds (meaningful under an LRU policy).
  static int64_t IdleSeconds(const Entry& entry);
  // OBJECT FREQ: the counter after decay (meaningful under an LFU policy).
  static int Frequency(const Entry& entry);
  // Clocks for a key restored with RESTORE IDLETIME/FREQ or loaded from an RDB.
  static uint16_t FromIdleSeconds(int64_t idle_seconds);
  static uint16_t FromFrequency(int frequency);
  // How good a candidate for eviction the key is under the current policy:
  // its idle time (LRU), or 255 minus its frequency (LFU). Bigger goes first.
  static uint64_t EvictionScore(const Entry& entry) {
    return lfu() ? static_cast<uint64_t>(255 - Frequency(entry))
                 : static_cast<uint64_t>(IdleSeconds(entry));
  }

 private:
  static uint16_t LruNow() {
    const uint16_t now = static_cast<uint16_t>(now_s_.load(std::memory_order_relaxed));
    return now == 0 ? 1 : now;
  }
  static void TouchLfu(const Entry& entry);

  static inline std::atomic<bool> lfu_{false};
  static inline std::atomic<int> log_factor_{10};
  static inline std::atomic<int> decay_time_{1};
  static inline std::atomic<uint32_t> now_s_{static_cast<uint32_t>(std::time(nullptr))};
};

}  // namespace valkdb
