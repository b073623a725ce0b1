// Micro benchmarks of server/store/types: PackedTable (big hashes and sets)
// and the intset.
//
//   BM_PackedTable_HashInsert/N  builds a table of N records (12-byte fields,
//   BM_PackedTable_SetInsert/N   16-byte values; 12-byte set members). Growth
//                                is amortised: allocs/rec (mallocs + reallocs
//                                per insert) stays flat as N grows; time per
//                                insert rises once the table outgrows the
//                                caches, as flat_hash_map's does. Memory per
//                                record: bytes/rec by MemoryUsage()
//                                (malloc_usable_size), heap/rec by glibc's own
//                                count (chunk headers and rounding included).
//   BM_PackedTable_Find*         lookups in a table of 1M records.
//   BM_PackedTable_FindBatch/P   16 lookups in a table of 1M records, as a
//                                pipeline of 16 commands makes them: P=0 one
//                                after another; P=1 after PrefetchSlots of all
//                                16 and then Prefetch of all 16, as a connection
//                                does for the commands it queued (time per lookup).
//   BM_PackedTable_Random        random picks in a table of 1M records.
//   BM_PackedTable_SetPopAll/N   SPOP until empty (Random + Erase), from N members.
//   BM_FlatHashMap_HashInsert/N  the same records in absl::flat_hash_map<std::string,
//                                std::string>, for scale.
//   BM_Intset_AddTo512           builds a 512-member intset from random values.
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "bench/alloc_counter.h"
#include "bench/bench_keys.h"
#include "server/store/types/intset.h"
#include "server/store/types/packed_table.h"

namespace valkdb::bench {
namespace {

constexpr size_t kFieldLen = 12;
constexpr size_t kValueLen = 16;
constexpr size_t kMaxRecords = 1000000;

// "f" + 11 digits: 12 bytes.
std::string Field(uint64_t index) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "f%011llu", static_cast<unsigned long long>(index));
  return std::string(buf, kFieldLen);
}

struct Keys {
  std::vector<std::string> fields;
  std::vector<std::string> misses;
  std::string value = std::string(kValueLen, 'v');

  Keys() {
    fields.reserve(kMaxRecords);
    misses.reserve(kMaxRecords);
    for (size_t i = 0; i < kMaxRecords; ++i) {
      fields.push_back(Field(i));
      misses.push_back(Field(kMaxRecords * 10 + i));
    }
  }
  static const Keys& Get() {
    static const Keys* keys = new Keys();
    return *keys;
  }
};

// Bytes glibc has handed out (arena chunks, headers included, and mmapped blocks).
size_t HeapInUse() {
  const struct mallinfo2 info = mallinfo2();
  return info.uordblks + info.hblkhd;
}

void InsertBench(benchmark::State& state, int arity) {
  const Keys& keys = Keys::Get();
  const size_t n = static_cast<size_t>(state.range(0));
  double usage = 0;
  double heap = 0;
  uint64_t allocs = 0;
  for (auto _ : state) {
    const size_t heap_before = HeapInUse();
    const AllocStats allocs_before = ThreadAllocStats();
    PackedTable table(arity);
    for (size_t i = 0; i < n; ++i) table.Insert(keys.fields[i], keys.value);
    allocs += ThreadAllocStats().calls - allocs_before.calls;
    state.PauseTiming();
    if (table.size() != n) state.SkipWithError("lost records");
    usage = static_cast<double>(table.MemoryUsage());
    heap = static_cast<double>(HeapInUse() - heap_before);
    {
      PackedTable gone = std::move(table);  // freed while the clock is stopped
    }
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
  state.counters["bytes/rec"] = usage / static_cast<double>(n);
  state.counters["heap/rec"] = heap / static_cast<double>(n);
  if (AllocCounterEnabled()) {
    // Mallocs and reallocs per insert: the work that must stay flat as n grows
    // (time per insert rises with n as the table outgrows the caches).
    state.counters["allocs/rec"] =
        static_cast<double>(allocs) / static_cast<double>(state.iterations() * n);
  }
}

void BM_PackedTable_HashInsert(benchmark::State& state) { InsertBench(state, 2); }
BENCHMARK(BM_PackedTable_HashInsert)
    ->Arg(10000)
    ->Arg(100000)
    ->Arg(1000000)
    ->Unit(benchmark::kMillisecond);

void BM_PackedTable_SetInsert(benchmark::State& state) { InsertBench(state, 1); }
BENCHMARK(BM_PackedTable_SetInsert)
    ->Arg(10000)
    ->Arg(100000)
    ->Arg(1000000)
    ->Unit(benchmark::kMillisecond);

// For scale: the same records in an absl::flat_hash_map of std::string (16-byte
// values are past libstdc++'s 15-byte inline buffer, so each value is a heap block).
void BM_FlatHashMap_HashInsert(benchmark::State& state) {
  const Keys& keys = Keys::Get();
  const size_t n = static_cast<size_t>(state.range(0));
  double heap = 0;
  for (auto _ : state) {
    const size_t heap_before = HeapInUse();
    absl::flat_hash_map<std::string, std::string> map;
    for (size_t i = 0; i < n; ++i) map.emplace(keys.fields[i], keys.value);
    state.PauseTiming();
    heap = static_cast<double>(HeapInUse() - heap_before);
    { auto gone = std::move(map); }
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
  state.counters["heap/rec"] = heap / static_cast<double>(n);
}
BENCHMARK(BM_FlatHashMap_HashInsert)
    ->Arg(10000)
    ->Arg(100000)
    ->Arg(1000000)
    ->Unit(benchmark::kMillisecond);

const PackedTable& BigHash() {
  static const PackedTable* table = [] {
    auto* t = new PackedTable(2);
    const Keys& keys = Keys::Get();
    for (const std::string& field : keys.fields) t->Insert(field, keys.value);
    return t;
  }();
  return *table;
}

void BM_PackedTable_FindHit(benchmark::State& state) {
  const PackedTable& table = BigHash();
  const Keys& keys = Keys::Get();
  Rng rng(0x1234);
  int64_t hits = 0;
  for (auto _ : state) {
    std::string_view value;
    hits += table.Find(keys.fields[rng.Below(kMaxRecords)], &value);
    benchmark::DoNotOptimize(value);
  }
  if (hits != static_cast<int64_t>(state.iterations())) state.SkipWithError("expected hits");
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_PackedTable_FindHit);

void BM_PackedTable_FindMiss(benchmark::State& state) {
  const PackedTable& table = BigHash();
  const Keys& keys = Keys::Get();
  Rng rng(0x5678);
  int64_t hits = 0;
  for (auto _ : state) {
    std::string_view value;
    hits += table.Find(keys.misses[rng.Below(kMaxRecords)], &value);
    benchmark::DoNotOptimize(value);
  }
  if (hits != 0) state.SkipWithError("expected misses");
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_PackedTable_FindMiss);

void BM_PackedTable_FindBatch(benchmark::State& state) {
  const PackedTable& table = BigHash();
  const Keys& keys = Keys::Get();
  const bool prefetch = state.range(0) != 0;
  constexpr size_t kBatch = 16;
  Rng rng(0x9abc);
  int64_t hits = 0;
  for (auto _ : state) {
    std::string_view batch[kBatch];
    for (std::string_view& key : batch) key = keys.fields[rng.Below(kMaxRecords)];
    if (prefetch) {
      table.PrefetchSlots(batch);
      table.Prefetch(batch);
    }
    for (std::string_view key : batch) {
      std::string_view value;
      hits += table.Find(key, &value);
      benchmark::DoNotOptimize(value);
    }
  }
  if (hits != static_cast<int64_t>(state.iterations() * kBatch)) {
    state.SkipWithError("expected hits");
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kBatch));
}
BENCHMARK(BM_PackedTable_FindBatch)->Arg(0)->Arg(1);

void BM_FlatHashMap_FindHit(benchmark::State& state) {
  static const auto* map = [] {
    auto* m = new absl::flat_hash_map<std::string, std::string>();
    const Keys& keys = Keys::Get();
    for (const std::string& field : keys.fields) m->emplace(field, keys.value);
    return m;
  }();
  const Keys& keys = Keys::Get();
  Rng rng(0x1234);
  int64_t hits = 0;
  for (auto _ : state) {
    auto it = map->find(keys.fields[rng.Below(kMaxRecords)]);
    hits += it != map->end();
    benchmark::DoNotOptimize(it);
  }
  if (hits != static_cast<int64_t>(state.iterations())) state.SkipWithError("expected hits");
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_FlatHashMap_FindHit);

void BM_PackedTable_Random(benchmark::State& state) {
  const PackedTable& table = BigHash();
  uint64_t rng = 0x9abc;
  for (auto _ : state) benchmark::DoNotOptimize(table.Random(&rng));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_PackedTable_Random);

// SPOP until empty: a random member, then its removal. The table halves as
// it empties, so draws see every load from kLoad down to kLoad / 8, where
// most draws miss.
void BM_PackedTable_SetPopAll(benchmark::State& state) {
  const Keys& keys = Keys::Get();
  const size_t n = static_cast<size_t>(state.range(0));
  uint64_t rng = 0x9abc;
  for (auto _ : state) {
    state.PauseTiming();
    PackedTable table(1);
    for (size_t i = 0; i < n; ++i) table.Insert(keys.fields[i]);
    state.ResumeTiming();
    while (!table.empty()) {
      const std::string member(table.Random(&rng).first);
      table.Erase(member);
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
}
BENCHMARK(BM_PackedTable_SetPopAll)->Arg(100000)->Arg(1000000)->Unit(benchmark::kMillisecond);

void BM_Intset_AddTo512(benchmark::State& state) {
  Rng rng(0xdef0);
  std::vector<int64_t> values(512);
  for (int64_t& v : values) v = static_cast<int64_t>(rng.Below(1000000));
  std::string set, scratch;
  for (auto _ : state) {
    set = intset::Empty();
    for (int64_t v : values) {
      if (intset::Add(set, v, &scratch)) set.swap(scratch);
    }
    benchmark::DoNotOptimize(set);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * values.size()));
}
BENCHMARK(BM_Intset_AddTo512);

}  // namespace
}  // namespace valkdb::bench
