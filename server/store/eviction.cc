#include "server/store/eviction.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <string>
#include <vector>

#include "server/store/access_clock.h"
#include "server/store/used_memory.h"

namespace valkdb {
namespace {

constexpr size_t kPoolSize = 16;  // Redis's EVPOOL_SIZE

uint64_t NextRandom(uint64_t* state) {
  *state ^= *state << 13;
  *state ^= *state >> 7;
  *state ^= *state << 17;
  return *state;
}

bool Volatile(EvictionPolicy p) {
  return p == EvictionPolicy::kVolatileLru || p == EvictionPolicy::kVolatileLfu ||
         p == EvictionPolicy::kVolatileRandom || p == EvictionPolicy::kVolatileTtl;
}

bool Random(EvictionPolicy p) {
  return p == EvictionPolicy::kAllKeysRandom || p == EvictionPolicy::kVolatileRandom;
}

// Redis's evictionTimeLimitUs: 50 us per step up to 10, then +15% a step;
// 100 means no limit.
int64_t TimeLimitUs(int tenacity) {
  if (tenacity <= 10) return 50LL * tenacity;
  if (tenacity < 100) return static_cast<int64_t>(500.0 * std::pow(1.15, tenacity - 10.0));
  return INT64_MAX;
}

int64_t NowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

struct Candidate {
  uint64_t score;  // bigger is evicted first
  int db;
  std::string key;
};

// Per thread, so event loops evicting at once never share it.
struct Pool {
  std::vector<Candidate> best;  // ascending by score: the best is last
  uint64_t rng = 0x9e3779b97f4a7c15ULL;
  int next_db = 0;         // where the random policies look next
  uint64_t empty_dbs = 0;  // databases without candidates, by bit
  int calls = 0;           // empty_dbs is forgotten every 1024 calls
};
thread_local Pool t_pool;

uint64_t Score(EvictionPolicy policy, const Entry& entry, const Shard& shard)
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(shard.mu) {
  if (policy == EvictionPolicy::kVolatileTtl) {
    // The sooner it expires, the better.
    const std::optional<int64_t> when = shard.GetExpire(entry.key());
    return when ? UINT64_MAX - static_cast<uint64_t>(std::max<int64_t>(0, *when)) : 0;
  }
  return AccessClock::EvictionScore(entry);
}

void Offer(Pool& pool, uint64_t score, int db, std::string_view key) {
  auto& best = pool.best;
  if (best.size() == kPoolSize && score <= best.front().score) return;
  // A key sampled again has the score it had (unless used since): compare
  // keys only then.
  for (auto it = best.begin(); it != best.end(); ++it) {
    if (it->score == score && it->db == db && it->key == key) return;
  }
  if (best.size() == kPoolSize) best.erase(best.begin());
  auto at = std::upper_bound(best.begin(), best.end(), score,
                             [](uint64_t s, const Candidate& c) { return s < c.score; });
  best.insert(at, Candidate{score, db, std::string(key)});
}

// Redis's evictionPoolPopulate: `samples` keys from each database. As its
// dictGetSomeKeys walks buckets from a random one, this walks shards from a
// random one, taking from each at most as many keys as it holds, so a sample
// spans the keyspace and not one shard's few keys. Databases found empty are
// skipped for the next 1024 calls, so they cost little where only one
// database is used.
size_t Populate(Store& store, const EvictionSettings& settings, Pool& pool) {
  size_t sampled = 0;
  const bool only_volatile = Volatile(settings.policy);
  const size_t shards = store.shard_count();
  for (int db = 0; db < store.databases(); ++db) {
    if (db < 64 && (pool.empty_dbs >> db & 1)) continue;
    const size_t start = NextRandom(&pool.rng) % shards;
    size_t wanted = static_cast<size_t>(std::max(settings.samples, 1));
    size_t taken = 0;
    for (size_t i = 0; i < shards && taken < wanted; ++i) {
      Shard* shard = store.ShardAt(db, (start + i) % shards);
      LockedShard lock(shard);
      const size_t held = only_volatile ? shard->expires_size() : shard->size();
      for (size_t n = std::min(held, wanted - taken); n > 0; --n) {
        const Entry* entry =
            only_volatile ? shard->RandomVolatileEntry(&pool.rng) : shard->RandomEntry(&pool.rng);
        if (entry == nullptr) break;
        Offer(pool, Score(settings.policy, *entry, *shard), db, entry->key());
        ++taken;
      }
    }
    if (taken == 0 && db < 64) pool.empty_dbs |= uint64_t{1} << db;
    sampled += taken;
  }
  return sampled;
}

// A shard of db that holds candidates, starting at a random one, or nullptr
// (for the random policies). A database found empty is skipped as above.
Shard* PickShard(Store& store, int db, bool only_volatile, Pool& pool) {
  if (db < 64 && (pool.empty_dbs >> db & 1)) return nullptr;
  const size_t shards = store.shard_count();
  const size_t start = NextRandom(&pool.rng) % shards;
  for (size_t i = 0; i < shards; ++i) {
    Shard* shard = store.ShardAt(db, (start + i) % shards);
    LockedShard lock(shard);
    if (only_volatile ? shard->expires_size() > 0 : shard->size() > 0) return shard;
  }
  if (db < 64) pool.empty_dbs |= uint64_t{1} << db;
  return nullptr;
}

using EvictedFn = absl::FunctionRef<void(int, std::string_view)>;

bool EvictOne(Store& store, int db, std::string_view key, bool only_volatile, bool lazy,
              EvictedFn evicted) {
  Shard* shard = store.ShardFor(db, key);
  LockedShard lock(shard);
  if (shard->FindAny(key) == nullptr) return false;
  if (only_volatile && !shard->GetExpire(key)) return false;
  if (SnapshotGuard* guard = store.snapshot_guard()) guard->BeforeChange(*shard, key);
  if (!shard->Evict(key, lazy)) return false;
  evicted(db, key);
  return true;
}

// One key chosen by the policy, evicted; false when none could be found.
bool EvictBest(Store& store, const EvictionSettings& settings, Pool& pool, EvictedFn evicted) {
  const bool only_volatile = Volatile(settings.policy);
  if (++pool.calls % 1024 == 0) pool.empty_dbs = 0;
  if (Random(settings.policy)) {
    for (int pass = 0; pass < 2; ++pass) {
      for (int i = 0; i < store.databases(); ++i) {
        const int db = pool.next_db++ % store.databases();
        Shard* shard = PickShard(store, db, only_volatile, pool);
        if (shard == nullptr) continue;
        std::string key;
        {
          LockedShard lock(shard);
          const Entry* entry =
              only_volatile ? shard->RandomVolatileEntry(&pool.rng) : shard->RandomEntry(&pool.rng);
          if (entry == nullptr) continue;
          key = entry->key();
        }
        if (EvictOne(store, db, key, only_volatile, settings.lazy, evicted)) return true;
      }
      pool.empty_dbs = 0;  // a second pass looks at every database
    }
    return false;
  }
  // Refill, then take the best that still exists; the pool may hold keys
  // deleted since they were sampled, so a few rounds may be needed.
  for (int round = 0; round < 4; ++round) {
    const bool looks_everywhere = pool.empty_dbs == 0;
    if (Populate(store, settings, pool) == 0 && pool.best.empty()) {
      if (looks_everywhere) return false;
      pool.empty_dbs = 0;  // look at every database once more before giving up
      continue;
    }
    while (!pool.best.empty()) {
      Candidate best = std::move(pool.best.back());
      pool.best.pop_back();
      if (EvictOne(store, best.db, best.key, only_volatile, settings.lazy, evicted)) return true;
    }
  }
  return false;
}

}  // namespace

std::optional<EvictionPolicy> ParseEvictionPolicy(std::string_view name) {
  using P = EvictionPolicy;
  static constexpr std::pair<std::string_view, P> kNames[] = {
      {"noeviction", P::kNoEviction},          {"allkeys-lru", P::kAllKeysLru},
      {"allkeys-lfu", P::kAllKeysLfu},         {"allkeys-random", P::kAllKeysRandom},
      {"volatile-lru", P::kVolatileLru},       {"volatile-lfu", P::kVolatileLfu},
      {"volatile-random", P::kVolatileRandom}, {"volatile-ttl", P::kVolatileTtl},
  };
  for (const auto& [n, p] : kNames) {
    if (n == name) return p;
  }
  return std::nullopt;
}

size_t EvictionUsedMemory(Store& store) {
  return UsedMemoryCounted() ? UsedMemory() : store.MemoryUsage();
}

namespace {

EvictionResult EvictUntilUnderLimit(Store& store, const EvictionSettings& settings,
                                    EvictedFn evicted) {
  if (settings.maxmemory == 0 || EvictionUsedMemory(store) <= settings.maxmemory) {
    return EvictionResult::kOk;
  }
  if (settings.policy == EvictionPolicy::kNoEviction) return EvictionResult::kFail;
  Pool& pool = t_pool;
  const int64_t start_us = NowUs();
  const int64_t limit_us = TimeLimitUs(settings.tenacity);
  size_t count = 0;
  while (EvictionUsedMemory(store) > settings.maxmemory) {
    if (!EvictBest(store, settings, pool, evicted)) return EvictionResult::kFail;
    // As Redis: look at the clock every 16 keys.
    if (++count % 16 == 0 && NowUs() - start_us > limit_us) return EvictionResult::kRunning;
  }
  return EvictionResult::kOk;
}

}  // namespace

EvictionResult PerformEvictions(Store& store, const EvictionSettings& settings, EvictedFn evicted) {
  const EvictionResult result = EvictUntilUnderLimit(store, settings, evicted);
  store.NoteMemoryOverLimit(result != EvictionResult::kOk);
  return result;
}

}  // namespace valkdb
