#include "server/store/access_clock.h"

#include <algorithm>

namespace valkdb {
namespace {

constexpr int kLfuInitialCount = 5;  // Redis's LFU_INIT_VAL: new keys get a chance to be used

uint8_t MinutesNow(uint32_t now_s) { return static_cast<uint8_t>(now_s / 60); }

// Minutes since `ldt`, treating the 8-bit minute clock as having wrapped at most once.
int MinutesSince(uint8_t ldt, uint32_t now_s) {
  return static_cast<uint8_t>(MinutesNow(now_s) - ldt);
}

uint64_t NextRandom() {
  thread_local uint64_t state = 0x853c49e6748fea9bULL ^ reinterpret_cast<uintptr_t>(&state);
  state ^= state << 13;
  state ^= state >> 7;
  state ^= state << 17;
  return state;
}

uint16_t Lfu(uint8_t minutes, int count) {
  const uint16_t clock = static_cast<uint16_t>((minutes << 8) | count);
  return clock == 0 ? 1 : clock;  // 0 means "no clock yet"
}

}  // namespace

uint16_t AccessClock::ForNewKey() {
  if (!lfu()) return LruNow();
  return Lfu(MinutesNow(now_s_.load(std::memory_order_relaxed)), kLfuInitialCount);
}

int AccessClock::Frequency(const Entry& entry) {
  const uint16_t clock = entry.access_clock();
  const int count = clock & 0xff;
  const int decay = decay_time_.load(std::memory_order_relaxed);
  if (decay == 0) return count;
  const int periods =
      MinutesSince(static_cast<uint8_t>(clock >> 8), now_s_.load(std::memory_order_relaxed)) /
      decay;
  return std::max(0, count - periods);
}

void AccessClock::TouchLfu(const Entry& entry) {
  int count = Frequency(entry);
  // Redis's LFULogIncr: the higher the count, the less likely it grows.
  if (count < 255) {
    const double base = std::max(0, count - kLfuInitialCount);
    const double p = 1.0 / (base * log_factor_.load(std::memory_order_relaxed) + 1);
    const double r = static_cast<double>(NextRandom() >> 11) * 0x1.0p-53;
    if (r < p) ++count;
  }
  entry.set_access_clock(Lfu(MinutesNow(now_s_.load(std::memory_order_relaxed)), count));
}

int64_t AccessClock::IdleSeconds(const Entry& entry) {
  return static_cast<uint16_t>(LruNow() - entry.access_clock());
}

uint16_t AccessClock::FromIdleSeconds(int64_t idle_seconds) {
  const uint16_t clock = static_cast<uint16_t>(
      LruNow() - static_cast<uint16_t>(std::clamp<int64_t>(idle_seconds, 0, 0xffff)));
  return clock == 0 ? 1 : clock;
}

uint16_t AccessClock::FromFrequency(int frequency) {
  return Lfu(MinutesNow(now_s_.load(std::memory_order_relaxed)), std::clamp(frequency, 0, 255));
}

}  // namespace valkdb
