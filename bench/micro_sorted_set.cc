// Micro benchmarks of SortedSet, the big sorted-set encoding (ScoreTree +
// PackedTable), on sets of 12-byte members ("m" + 11 digits) with random
// scores in [0, 1) — the shape Redis is measured with in bench/RESULTS_types.md.
//
//   BM_SortedSet_Insert/N     builds a set of N members. bytes/rec: MemoryUsage()
//                             (malloc_usable_size); heap/rec: glibc's own count,
//                             chunk headers included. redis-server 7.0.15 grows
//                             used_memory by ~110 bytes a member here.
//   BM_SortedSet_Score        ZSCORE: a hit in a set of 1M.
//   BM_SortedSet_Rank         ZRANK: the score from the table, then a descent.
//   BM_SortedSet_UpdateScore  ZADD of a present member with a new random score.
//   BM_SortedSet_IncrementSmall  ZINCRBY by a tiny step (updated in place).
//   BM_SortedSet_Range100     ZRANGE: 100 records from a random rank, either way.
//   BM_SortedSet_CountByScore ZCOUNT: two score bounds.
//   BM_SortedSet_At           ZRANDMEMBER's pick: the record at a random rank.
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "bench/alloc_counter.h"
#include "bench/bench_keys.h"
#include "server/store/types/sorted_set.h"

namespace valkdb::bench {
namespace {

constexpr size_t kMembers = 1000000;

struct Members {
  std::vector<std::string> names;
  std::vector<double> scores;

  Members() {
    Rng rng(0x5eed);
    names.reserve(kMembers);
    scores.reserve(kMembers);
    char buf[32];
    for (size_t i = 0; i < kMembers; ++i) {
      std::snprintf(buf, sizeof(buf), "m%011llu", static_cast<unsigned long long>(i));
      names.emplace_back(buf, 12);
      scores.push_back(rng.Unit());
    }
  }
  static const Members& Get() {
    static const Members* members = new Members();
    return *members;
  }
};

// Bytes glibc has handed out (arena chunks with their headers, and mmapped blocks).
size_t HeapBytes() {
  const struct mallinfo2 info = mallinfo2();
  return info.uordblks + info.hblkhd;
}

void BM_SortedSet_Insert(benchmark::State& state) {
  const Members& members = Members::Get();
  const size_t n = static_cast<size_t>(state.range(0));
  double usage = 0;
  double heap = 0;
  uint64_t allocs = 0;
  for (auto _ : state) {
    const size_t heap_before = HeapBytes();
    const AllocStats allocs_before = ThreadAllocStats();
    SortedSet set;
    for (size_t i = 0; i < n; ++i) set.Insert(members.names[i], members.scores[i]);
    allocs += ThreadAllocStats().calls - allocs_before.calls;
    state.PauseTiming();
    if (set.size() != n) state.SkipWithError("lost members");
    usage = static_cast<double>(set.MemoryUsage());
    heap = static_cast<double>(HeapBytes() - heap_before);
    {
      SortedSet gone = std::move(set);  // freed while the clock is stopped
    }
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
  state.counters["bytes/rec"] = usage / static_cast<double>(n);
  state.counters["heap/rec"] = heap / static_cast<double>(n);
  if (AllocCounterEnabled()) {
    state.counters["allocs/rec"] =
        static_cast<double>(allocs) / static_cast<double>(state.iterations() * n);
  }
}
BENCHMARK(BM_SortedSet_Insert)->Arg(100000)->Arg(1000000)->Unit(benchmark::kMillisecond);

// One set of 1M members, built once (UpdateScore moves members to new random scores).
SortedSet& BigSet() {
  static SortedSet* set = [] {
    auto* s = new SortedSet();
    const Members& members = Members::Get();
    for (size_t i = 0; i < kMembers; ++i) s->Insert(members.names[i], members.scores[i]);
    return s;
  }();
  return *set;
}

// Runs op(i, rng) once an iteration, i a random member's index.
template <typename Op>
void PerRandomMember(benchmark::State& state, uint64_t seed, Op op) {
  Rng rng(seed);
  for (auto _ : state) op(static_cast<size_t>(rng.Below(kMembers)), rng);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

void BM_SortedSet_Score(benchmark::State& state) {
  const SortedSet& set = BigSet();
  const Members& members = Members::Get();
  int64_t hits = 0;
  PerRandomMember(state, 0x1234, [&](size_t i, Rng&) {
    double score;
    hits += set.Score(members.names[i], &score);
    benchmark::DoNotOptimize(score);
  });
  if (hits != static_cast<int64_t>(state.iterations())) state.SkipWithError("expected hits");
}
BENCHMARK(BM_SortedSet_Score);

void BM_SortedSet_Rank(benchmark::State& state) {
  const SortedSet& set = BigSet();
  const Members& members = Members::Get();
  PerRandomMember(state, 0x2345,
                  [&](size_t i, Rng&) { benchmark::DoNotOptimize(set.Rank(members.names[i])); });
}
BENCHMARK(BM_SortedSet_Rank);

void BM_SortedSet_UpdateScore(benchmark::State& state) {
  SortedSet& set = BigSet();
  const Members& members = Members::Get();
  PerRandomMember(state, 0x3456, [&](size_t i, Rng& rng) {
    benchmark::DoNotOptimize(set.Insert(members.names[i], rng.Unit()));
  });
}
BENCHMARK(BM_SortedSet_UpdateScore);

// ZINCRBY by a step far smaller than the gap to the neighbours: the score
// is rewritten in place.
void BM_SortedSet_IncrementSmall(benchmark::State& state) {
  SortedSet& set = BigSet();
  const Members& members = Members::Get();
  PerRandomMember(state, 0x3457, [&](size_t i, Rng&) {
    double score = 0;
    set.Score(members.names[i], &score);
    benchmark::DoNotOptimize(set.Insert(members.names[i], score + 1e-12));
  });
}
BENCHMARK(BM_SortedSet_IncrementSmall);

void BM_SortedSet_Range100(benchmark::State& state) {
  const SortedSet& set = BigSet();
  const bool reverse = state.range(0) != 0;
  PerRandomMember(state, 0x4567, [&](size_t rank, Rng&) {
    int left = 100;
    double sum = 0;
    set.ForEachFrom(rank, reverse, [&](std::string_view member, double score) {
      sum += score + static_cast<double>(member.size());
      return --left > 0;
    });
    benchmark::DoNotOptimize(sum);
  });
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * 100));
}
BENCHMARK(BM_SortedSet_Range100)->ArgName("reverse")->Arg(0)->Arg(1);

void BM_SortedSet_CountByScore(benchmark::State& state) {
  const SortedSet& set = BigSet();
  PerRandomMember(state, 0x5678, [&](size_t, Rng& rng) {
    const double min = rng.Unit();
    benchmark::DoNotOptimize(set.LowerBoundScore(min + 0.01, true) -
                             set.LowerBoundScore(min, false));
  });
}
BENCHMARK(BM_SortedSet_CountByScore);

void BM_SortedSet_At(benchmark::State& state) {
  const SortedSet& set = BigSet();
  PerRandomMember(state, 0x6789,
                  [&](size_t rank, Rng&) { benchmark::DoNotOptimize(set.At(rank)); });
}
BENCHMARK(BM_SortedSet_At);

}  // namespace
}  // namespace valkdb::bench
