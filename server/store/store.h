#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/container/inlined_vector.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "protocol/bytes.h"
#include "protocol/str_util.h"
#include "server/store/access_clock.h"
#include "server/store/change_feed.h"
#include "server/store/entry.h"
#include "server/store/key_hash.h"

namespace valkdb {

// Keys with a time to live, per shard: expiry time by key, plus a dense list of
// the keys so the active expiry pass can sample them at random, as Redis does.
class ExpireIndex {
 public:
  // key must point into the owning Entry's storage (it is not copied).
  void Set(std::string_view key, int64_t when_ms);
  std::optional<int64_t> Get(std::string_view key) const;
  bool Erase(std::string_view key);
  // Re-points the index at new storage for the same key (after the entry was replaced).
  void Rekey(std::string_view key);
  size_t size() const { return keys_.size(); }
  // Bytes of the index itself (MEMORY STATS overhead.hashtable.expires).
  size_t OverheadBytes() const {
    return map_.capacity() * (sizeof(std::pair<std::string_view, Slot>) + 1) +
           keys_.capacity() * sizeof(std::string_view);
  }
  std::string_view KeyAt(size_t i) const { return keys_[i]; }
  void Clear() {
    map_.clear();
    keys_.clear();
  }

 private:
  struct Slot {
    int64_t when_ms;
    uint32_t position;
  };
  absl::flat_hash_map<std::string_view, Slot, KeyHash> map_;
  std::vector<std::string_view> keys_;
};

class Shard;

// Told about keys before they may change while a point-in-time snapshot
// (BGSAVE) is being written, so a structure that changes in place (a big
// hash, set, list or sorted set) is saved as it was first. Called with the
// key's shard locked, from every MultiShardLock.
class SnapshotGuard {
 public:
  virtual ~SnapshotGuard() = default;
  virtual void BeforeChange(Shard& shard, std::string_view key) = 0;
  // Any key of the shard may change (FLUSHALL, SWAPDB, active expiry, a
  // command that locked a whole database).
  virtual void BeforeShardChange(Shard& shard) = 0;
  // A command locked whole databases (its keys are only known as it runs).
  virtual void BeforeChangeAny() = 0;
};

// One shard: a mutex and the maps it guards. Every method requires the lock;
// use Store::Lock to get a LockedShard.
class Shard {
 public:
  struct KeyHash : valkdb::KeyHash {
    using valkdb::KeyHash::operator();
    size_t operator()(const Entry& e) const { return HashKey(e.key()); }
  };
  struct KeyEq {
    using is_transparent = void;
    static std::string_view K(std::string_view s) { return s; }
    static std::string_view K(const Entry& e) { return e.key(); }
    template <class A, class B>
    bool operator()(const A& a, const B& b) const {
      return K(a) == K(b);
    }
  };
  using Table = absl::flat_hash_set<Entry, KeyHash, KeyEq>;

  absl::Mutex mu;

  // Finds a live entry; an expired one is deleted first (lazy expiry). The
  // key counts as used (its access clock is touched).
  const Entry* Find(std::string_view key, int64_t now_ms) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    const Entry* entry = FindNoTouch(key, now_ms);
    if (entry != nullptr) AccessClock::Touch(*entry);
    return entry;
  }
  // The same without touching the access clock (Redis's LOOKUP_NOTOUCH:
  // EXISTS, TYPE, TTL, OBJECT).
  const Entry* FindNoTouch(std::string_view key, int64_t now_ms) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);
  // The entry of `key`, expired or not, without deleting it.
  const Entry* FindAny(std::string_view key) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);
  // The same, for changes that keep the key's bytes where they are (its encoding flags).
  Entry* FindMutable(std::string_view key, int64_t now_ms) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    return const_cast<Entry*>(Find(key, now_ms));
  }
  // Makes the value of `key` (which must exist) new_length bytes long,
  // keeping its first min(old, new) bytes and its TTL, and returns the value
  // bytes to write the rest into; valid while the lock is held. The value
  // changes in place when no reply shares it and its allocation has room;
  // otherwise it moves to an allocation with spare room, so a value grown
  // little by little (APPEND, SETRANGE, INCR) is copied O(log n) times.
  char* ResizeValue(std::string_view key, size_t new_length, Entry::Encoding encoding)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);
  // Removes `key` (which must exist) and hands over its entry; *expire_ms
  // gets its expiry (RENAME and MOVE re-insert it elsewhere).
  Entry Take(std::string_view key, std::optional<int64_t>* expire_ms)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);
  // Inserts or replaces the value. expire_ms: absolute unix ms, or nullopt for
  // none; keep_ttl keeps an existing expiry instead.
  void Put(std::string_view key, Entry entry, std::optional<int64_t> expire_ms, bool keep_ttl)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);
  // Inserts `entry` when its key is not there (one probe): false, and the
  // entry left unused, when it is. For loaders.
  bool Add(Entry&& entry, std::optional<int64_t> expire_ms) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);
  // Room for n keys without rehashing (RDB's RESIZEDB).
  void Reserve(size_t n) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);
  bool Erase(std::string_view key) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);
  // Expiry of a key known to exist, or nullopt when it has none.
  std::optional<int64_t> GetExpire(std::string_view key) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);
  // The key must exist; a time in the past still sets it (callers delete instead).
  void SetExpire(std::string_view key, int64_t when_ms) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);
  bool Persist(std::string_view key) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);
  size_t size() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) { return table_.size(); }
  size_t expires_size() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) { return expires_.size(); }
  void Clear() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);
  // Samples up to `samples` keys with a TTL, deletes the expired ones;
  // returns {sampled, expired}.
  std::pair<size_t, size_t> ExpireSample(int64_t now_ms, size_t samples, uint64_t* rng)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);
  // Total bytes of entry allocations (approximate used_memory).
  size_t MemoryUsage() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);
  // Bytes of the key table's slots and of the expiry index, without the entries.
  size_t TableOverhead() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    return table_.capacity() * (sizeof(Entry) + 1);
  }
  size_t ExpiresOverhead() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    return expires_.OverheadBytes();
  }

  // Exchanges every key and TTL with `other` (SWAPDB); both locks held.
  void SwapContents(Shard& other) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu, other.mu);

  // Iteration by slot of the hash table, for SCAN: slots are stable until the
  // table is rehashed, and every possible rehash bumps layout_epoch(), so a
  // cursor (slot, epoch) can tell when it must start the shard over.
  size_t slot_count() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);
  // The entry in `slot`, or nullptr when the slot is empty.
  const Entry* EntryAt(size_t slot) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);
  uint32_t layout_epoch() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) { return layout_epoch_; }
  bool IsExpired(std::string_view key, int64_t now_ms) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);
  // A key picked at random (nullptr when empty); may be expired.
  const Entry* RandomEntry(uint64_t* rng) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);

  // Deletes `key` to free memory (maxmemory), as Redis's eviction does: a
  // DEL in the feed and the "evicted" event. false when it is not there.
  // `unlink`: the feed gets UNLINK instead (lazyfree-lazy-eviction).
  bool Evict(std::string_view key, bool unlink = false) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);
  // A key with a TTL picked at random (nullptr when none), for volatile-* eviction.
  const Entry* RandomVolatileEntry(uint64_t* rng) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);

  // Counters the owning store reports in INFO.
  uint64_t expired_keys ABSL_GUARDED_BY(mu) = 0;
  uint64_t evicted_keys ABSL_GUARDED_BY(mu) = 0;

  // Where expiry deletes go (set once by the owning store).
  void AttachFeed(ChangeFeed* feed, int db) {
    feed_ = feed;
    db_ = db;
  }

 private:
  // Removes an expired key, telling the feed (as Redis propagates a DEL).
  void DeleteExpired(Table::iterator it) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);

  ChangeFeed* feed_ = nullptr;
  int db_ = 0;
  // Inserts an entry whose key is not in the table yet.
  Table::iterator InsertNew(Entry entry) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);

  Table table_ ABSL_GUARDED_BY(mu);
  ExpireIndex expires_ ABSL_GUARDED_BY(mu);
  uint32_t layout_epoch_ ABSL_GUARDED_BY(mu) = 0;
};

// Tells clang's -Wthread-safety that a shard is locked (by dispatch, which
// the analysis cannot follow). Costs nothing at run time.
inline void AssumeLocked(const Shard& shard) ABSL_ASSERT_EXCLUSIVE_LOCK(shard.mu) { (void)shard; }

// RAII lock of one shard. Use it on a named Shard* so clang's
// -Wthread-safety can tie the lock to the calls that need it:
//   Shard* shard = store.ShardFor(db, key);
//   LockedShard lock(shard);
//   shard->Find(key, now_ms);
class ABSL_SCOPED_LOCKABLE LockedShard {
 public:
  explicit LockedShard(Shard* shard) ABSL_EXCLUSIVE_LOCK_FUNCTION(shard->mu) : shard_(shard) {
    shard_->mu.Lock();
  }
  ~LockedShard() ABSL_UNLOCK_FUNCTION() { shard_->mu.Unlock(); }
  LockedShard(const LockedShard&) = delete;
  LockedShard& operator=(const LockedShard&) = delete;

 private:
  Shard* shard_;
};

struct StoreOptions {
  int databases = 16;
  // Rounded up to a power of two, at most 4096. Many small shards: a
  // background save captures a shard whole before its first change, on the
  // changing client's loop, so the shard's size is that client's wait
  // (16 shards: 60k entries per capture at 1M keys, a p99 of ~11 ms during
  // BGSAVE; 128: ~3 ms).
  int shards_per_db = 128;
};

class Store;

// Locks the shards of several keys at once, for commands that must change
// them atomically (MSET, RENAME, COPY, MOVE, ...). Shards are locked in
// ascending (db, shard index) order, the one order every multi-shard lock in
// the server uses, so two of them can never deadlock; each shard is locked
// once however many of the keys it holds. Unlocks on destruction.
class MultiShardLock {
 public:
  struct Key {
    int db;
    std::string_view key;
  };
  // Nothing locked yet: Lock() takes the shards (central dispatch).
  explicit MultiShardLock(Store& store) : store_(store) {}
  MultiShardLock(Store& store, absl::Span<const Key> keys) : store_(store) { Lock(keys); }
  MultiShardLock(Store& store, std::initializer_list<Key> keys)
      : MultiShardLock(store, absl::Span<const Key>(keys.begin(), keys.size())) {}
  ~MultiShardLock() ABSL_NO_THREAD_SAFETY_ANALYSIS {
    for (auto it = locked_.rbegin(); it != locked_.rend(); ++it) (*it)->mu.Unlock();
  }
  MultiShardLock(const MultiShardLock&) = delete;
  MultiShardLock& operator=(const MultiShardLock&) = delete;

  // Locks the shards of `keys`; called once, on a lock that holds nothing.
  void Lock(absl::Span<const Key> keys) ABSL_NO_THREAD_SAFETY_ANALYSIS;
  // The same for one key (most commands): no sorting, no list.
  void LockOne(int db, std::string_view key) ABSL_NO_THREAD_SAFETY_ANALYSIS;
  // Every shard of a database, in the global order: for a command whose keys
  // are only known as it runs (SORT's BY and GET patterns).
  void LockDatabase(int db) ABSL_NO_THREAD_SAFETY_ANALYSIS;

  // The shard of a key that was passed to the constructor, locked. Callers
  // state that for clang's -Wthread-safety with `shard.mu.AssertHeld()`
  // (a cheap check), since the analysis cannot see which shards are held.
  Shard& operator()(int db, std::string_view key) const {
    // One shard (most commands): no need to hash the key again.
    if (locked_.size() == 1) return *locked_[0];
    return ShardOf(db, key);
  }

 private:
  Shard& ShardOf(int db, std::string_view key) const;

  Store& store_;
  absl::InlinedVector<Shard*, 4> locked_;  // in locking order
};

// All logical databases. Thread-safe: each key's shard is locked while used.
class Store {
 public:
  explicit Store(const StoreOptions& options = {});

  int databases() const { return static_cast<int>(dbs_.size()); }
  // Every change to the keyspace, in order (see change_feed.h).
  ChangeFeed& feed() { return feed_; }
  size_t shard_count() const { return shard_mask_ + 1; }
  size_t ShardIndex(std::string_view key) const {
    // A different seed than the tables' hash, so shard choice and slot choice are independent.
    return HashKey(key, 0x5eed) & shard_mask_;
  }
  Shard* ShardFor(int db, std::string_view key) { return &dbs_[db][ShardIndex(key)]; }
  Shard* ShardAt(int db, size_t index) { return &dbs_[db][index]; }

  // Convenience operations, each under its shard's lock.
  std::optional<Bytes> Get(int db, std::string_view key, int64_t now_ms);
  void Set(int db, std::string_view key, const Bytes& value, std::optional<int64_t> expire_ms = {});
  bool Delete(int db, std::string_view key, int64_t now_ms);

  size_t DbSize(int db);
  size_t ExpiresSize(int db);
  void FlushDb(int db);
  // FLUSHALL; the feed gets it in `select_db` (the client's db, as Redis propagates it).
  void FlushAll(int select_db = 0);
  uint64_t ExpiredKeys();
  uint64_t EvictedKeys();
  // The active expiry cycle, as INFO shows it (Redis's expired_stale_perc,
  // expired_time_cap_reached_count, expire_cycle_cpu_milliseconds).
  struct ExpireCycleStats {
    double stale_percent = 0;  // a moving average of the expired share of samples
    uint64_t time_cap_reached = 0;
    uint64_t cpu_ms = 0;
  };
  ExpireCycleStats expire_cycle_stats() const;
  // Eviction: whether used memory is still over maxmemory after an
  // eviction pass (Redis's update_metrics in performEvictions), and the time
  // it has been over, in total and now (INFO total_eviction_exceeded_time,
  // current_eviction_exceeded_time, in ms). One relaxed load while under.
  void NoteMemoryOverLimit(bool over);
  int64_t over_limit_total_ms() const { return over_limit_total_us_.load() / 1000; }
  int64_t over_limit_current_ms(int64_t now_us) const {
    const int64_t since = over_limit_since_us_.load(std::memory_order_relaxed);
    return since == 0 ? 0 : std::max<int64_t>(now_us - since, 0) / 1000;
  }
  void ResetStats();
  size_t MemoryUsage();
  // What a database's tables take besides their entries (Redis's
  // overhead.hashtable.main and .expires in MEMORY STATS).
  struct DbOverhead {
    size_t main = 0;
    size_t expires = 0;
  };
  DbOverhead TableOverhead(int db);

  // The snapshot guard (nullptr when no snapshot is being written). Set
  // while every shard is locked (WithEveryShardLocked), so a command either
  // finished before the snapshot's instant or sees the guard.
  SnapshotGuard* snapshot_guard() const { return guard_.load(std::memory_order_acquire); }
  void set_snapshot_guard(SnapshotGuard* guard) { guard_.store(guard, std::memory_order_release); }
  // Locks every shard of every database in the global order and calls
  // fn(db, shard) for each: one instant of the whole keyspace.
  void WithEveryShardLocked(const std::function<void(int db, Shard& shard)>& fn)
      ABSL_NO_THREAD_SAFETY_ANALYSIS;

  // Swaps the contents of two databases atomically (every shard of both is
  // locked, in ascending order, while they swap). false if an index is out of range.
  // Locks every shard of both databases (ascending order); clang's analysis
  // cannot follow locks taken in a loop, hence no annotation check.
  bool SwapDatabases(int db1, int db2) ABSL_NO_THREAD_SAFETY_ANALYSIS;

  // One step of SCAN over db: calls fn for the live keys of up to about
  // `count` visited slots, starting at `cursor` (0 starts a scan), and
  // returns the cursor to continue from (0 when the scan is complete). A key
  // present for the whole scan is returned at least once: a shard whose
  // table was rehashed since the previous step is walked again, all of it in
  // that step (so keys may come twice, and the scan always ends).
  uint64_t Scan(int db, uint64_t cursor, size_t count, int64_t now_ms,
                const std::function<void(const Entry&)>& fn);
  // Calls fn for every live key of db, one shard (locked) at a time.
  void ForEachKey(int db, int64_t now_ms, const std::function<void(const Entry&)>& fn);
  // The same, telling whether each key has a TTL (DEBUG DIGEST).
  void ForEachKeyWithExpiry(int db, int64_t now_ms,
                            const std::function<void(const Entry&, bool has_expire)>& fn);
  // A live key of db picked at random (expired ones met on the way are
  // deleted), or nullopt when db is empty.
  std::optional<std::string> RandomKey(int db, int64_t now_ms);

  // One pass of active expiry over all databases, like Redis's
  // activeExpireCycle: sample keys with a TTL in each shard, delete the
  // expired, repeat on a shard while more than a quarter of its sample had
  // expired, and stop after time_budget_us microseconds.
  size_t ActiveExpireCycle(int64_t now_ms, int64_t time_budget_us);

 private:
  friend class MultiShardLock;
  // All shards, in a loop; a whole-keyspace flush is published as FLUSHALL in `select_db`.
  void FlushDatabases(int first, int last, int select_db) ABSL_NO_THREAD_SAFETY_ANALYSIS;

  size_t shard_mask_;
  std::vector<std::unique_ptr<Shard[]>> dbs_;
  ChangeFeed feed_;
  std::atomic<SnapshotGuard*> guard_{nullptr};
  uint64_t rng_state_ = 0x9e3779b97f4a7c15ULL;  // guarded by cycle_mu_
  std::atomic<uint64_t> random_key_rng_{0x2545F4914F6CDD1DULL};
  absl::Mutex cycle_mu_;  // one active expiry pass at a time
  // Written by the cycle, read by INFO on any thread.
  std::atomic<double> stale_percent_{0};
  std::atomic<uint64_t> time_cap_reached_{0};
  std::atomic<uint64_t> cycle_us_{0};
  std::atomic<int64_t> over_limit_since_us_{0};  // 0: not over maxmemory
  std::atomic<int64_t> over_limit_total_us_{0};
  size_t next_db_ = 0;  // where the next pass starts
};

inline void MultiShardLock::LockOne(int db, std::string_view key) {
  Shard* shard = store_.ShardFor(db, key);
  shard->mu.Lock();
  locked_.push_back(shard);
  if (SnapshotGuard* guard = store_.snapshot_guard()) [[unlikely]] {
    AssumeLocked(*shard);
    guard->BeforeChange(*shard, key);
  }
}

// Current unix time in milliseconds.
int64_t UnixTimeMs();
int64_t UnixTimeUs();

}  // namespace valkdb
