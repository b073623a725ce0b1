// Micro benchmarks of the sharded store: GET hits and misses and SET
// overwrites of 16-byte keys and 32-byte values, on one and two threads
// sharing one store (BM_Store_Get/threads:2).
#include <benchmark/benchmark.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bench/alloc_counter.h"
#include "bench/bench_keys.h"
#include "protocol/bytes.h"
#include "server/store/store.h"

namespace valkdb::bench {
namespace {

constexpr size_t kKeys = 100000;
constexpr size_t kValueSize = 32;

// One store for every thread of every store benchmark, loaded once with
// kKeys keys; misses use keys of another range.
struct Fixture {
  Store store;
  std::vector<std::string> hit_keys;
  std::vector<std::string> miss_keys;
  Bytes value = Bytes::Copy(std::string(kValueSize, 'v'));

  Fixture() {
    hit_keys.reserve(kKeys);
    miss_keys.reserve(kKeys);
    for (size_t i = 0; i < kKeys; ++i) {
      hit_keys.push_back(Key(i));
      miss_keys.push_back(Key(kKeys * 10 + i));
      store.Set(0, hit_keys.back(), value);
    }
  }

  static Fixture& Get() {
    static Fixture* fixture = new Fixture();
    return *fixture;
  }
};

void BM_Store_Get(benchmark::State& state) {
  Fixture& f = Fixture::Get();
  Rng rng(0x1234 + static_cast<uint64_t>(state.thread_index()));
  const int64_t now = UnixTimeMs();
  int64_t hits = 0;
  for (auto _ : state) {
    std::optional<Bytes> v = f.store.Get(0, f.hit_keys[rng.Below(kKeys)], now);
    hits += v.has_value();
    benchmark::DoNotOptimize(v);
  }
  if (hits != static_cast<int64_t>(state.iterations())) state.SkipWithError("expected hits");
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_Store_Get)->Threads(1)->Threads(2)->UseRealTime();

void BM_Store_GetMiss(benchmark::State& state) {
  Fixture& f = Fixture::Get();
  Rng rng(0x5678 + static_cast<uint64_t>(state.thread_index()));
  const int64_t now = UnixTimeMs();
  int64_t hits = 0;
  for (auto _ : state) {
    std::optional<Bytes> v = f.store.Get(0, f.miss_keys[rng.Below(kKeys)], now);
    hits += v.has_value();
    benchmark::DoNotOptimize(v);
  }
  if (hits != 0) state.SkipWithError("expected misses");
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_Store_GetMiss)->Threads(1)->Threads(2)->UseRealTime();

// Overwrites existing keys (the steady state of redis-benchmark -t set -r).
void BM_Store_Set(benchmark::State& state) {
  Fixture& f = Fixture::Get();
  Rng rng(0x9abc + static_cast<uint64_t>(state.thread_index()));
  const std::string payload(kValueSize, 'w');
  const AllocStats before = ThreadAllocStats();
  for (auto _ : state) {
    f.store.Set(0, f.hit_keys[rng.Below(kKeys)], Bytes::Static(payload));
  }
  if (AllocCounterEnabled()) {
    const AllocStats after = ThreadAllocStats();
    // Per-thread counts; kAvgThreads reports their mean, not their sum.
    state.counters["allocs/op"] = benchmark::Counter(
        static_cast<double>(after.calls - before.calls) / static_cast<double>(state.iterations()),
        benchmark::Counter::kAvgThreads);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_Store_Set)->Threads(1)->Threads(2)->UseRealTime();

// Memory the store uses per key (its own accounting) for the keys above.
void BM_Store_MemoryPerKey(benchmark::State& state) {
  Fixture& f = Fixture::Get();
  for (auto _ : state) benchmark::DoNotOptimize(f.store.DbSize(0));
  state.counters["entry_bytes/key"] =
      static_cast<double>(f.store.MemoryUsage()) / static_cast<double>(f.store.DbSize(0));
}
BENCHMARK(BM_Store_MemoryPerKey)->Iterations(1);

}  // namespace
}  // namespace valkdb::bench
