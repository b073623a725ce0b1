#include "server/store/store.h"

#include <algorithm>
#include <chrono>

#include "server/store/access_clock.h"

namespace valkdb {
namespace store_internal {
struct SlotAccess {};
}  // namespace store_internal
}  // namespace valkdb

// SCAN walks a shard's hash table slot by slot and must know when the table
// may have been rehashed. abseil's swiss table keeps both facts private;
// its debug hook (a friend of every raw_hash_set) is specialised here for
// exactly that: the slot array and the number of inserts left before a rehash.
namespace absl {
ABSL_NAMESPACE_BEGIN
namespace container_internal {
namespace hashtable_debug_internal {
template <typename Set>
struct HashtableDebugAccess<Set, valkdb::store_internal::SlotAccess> {
  using Raw = typename Set::raw_hash_set;
  static size_t Capacity(const Set& set) { return static_cast<const Raw&>(set).capacity_; }
  static const typename Set::value_type* At(const Set& set, size_t slot) {
    const Raw& raw = set;
    if (!IsFull(raw.ctrl_[slot])) return nullptr;
    return &Raw::PolicyTraits::element(raw.slots_ + slot);
  }
  static size_t GrowthLeft(Set& set) {
    Raw& raw = set;
    return raw.growth_left();
  }
};
}  // namespace hashtable_debug_internal
}  // namespace container_internal
ABSL_NAMESPACE_END
}  // namespace absl

namespace valkdb {
namespace {

using SlotAccess = absl::container_internal::hashtable_debug_internal::HashtableDebugAccess<
    Shard::Table, store_internal::SlotAccess>;

// Spare room for a value that grows (as Redis's sdsMakeRoomFor): double up
// to 1 MB, then 1 MB more.
size_t GrowthCapacity(size_t length) {
  constexpr size_t kMaxPrealloc = 1024 * 1024;
  return length < kMaxPrealloc ? length * 2 : length + kMaxPrealloc;
}

// SCAN cursor: | layout epoch (16) | shard (12) | slot (36) |
constexpr int kCursorSlotBits = 36;
constexpr int kCursorShardBits = 12;
constexpr uint64_t kCursorSlotMask = (uint64_t{1} << kCursorSlotBits) - 1;
constexpr uint64_t kCursorShardMask = (uint64_t{1} << kCursorShardBits) - 1;

uint64_t MakeCursor(uint32_t epoch, size_t shard, size_t slot) {
  return (static_cast<uint64_t>(epoch & 0xffff) << (kCursorSlotBits + kCursorShardBits)) |
         (static_cast<uint64_t>(shard) << kCursorSlotBits) | static_cast<uint64_t>(slot);
}

uint64_t NextRandom(uint64_t* state) {
  // xorshift64*: good enough to pick keys to sample.
  uint64_t x = *state;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  *state = x;
  return x * 0x2545F4914F6CDD1DULL;
}

}  // namespace

int64_t UnixTimeMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t UnixTimeUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void ExpireIndex::Set(std::string_view key, int64_t when_ms) {
  auto [it, inserted] = map_.try_emplace(key, Slot{when_ms, static_cast<uint32_t>(keys_.size())});
  if (inserted) {
    keys_.push_back(key);
  } else {
    it->second.when_ms = when_ms;
  }
}

std::optional<int64_t> ExpireIndex::Get(std::string_view key) const {
  auto it = map_.find(key);
  if (it == map_.end()) return std::nullopt;
  return it->second.when_ms;
}

bool ExpireIndex::Erase(std::string_view key) {
  auto it = map_.find(key);
  if (it == map_.end()) return false;
  uint32_t position = it->second.position;
  map_.erase(it);
  if (position + 1 != keys_.size()) {
    keys_[position] = keys_.back();
    map_.find(keys_[position])->second.position = position;
  }
  keys_.pop_back();
  return true;
}

void ExpireIndex::Rekey(std::string_view key) {
  auto it = map_.find(key);
  if (it == map_.end()) return;
  Slot slot = it->second;
  map_.erase(it);
  map_.emplace(key, slot);
  keys_[slot.position] = key;
}

bool Shard::IsExpired(std::string_view key, int64_t now_ms) const {
  if (expires_.size() == 0) return false;
  std::optional<int64_t> when = expires_.Get(key);
  return when.has_value() && *when < now_ms;  // Redis: alive through its expire millisecond
}

const Entry* Shard::FindNoTouch(std::string_view key, int64_t now_ms) {
  auto it = table_.find(key);
  if (it == table_.end()) return nullptr;
  if (IsExpired(key, now_ms)) {
    if (feed_ != nullptr && feed_->master_drives_expiry()) [[unlikely]] {
      return ChangeFeed::applying_master_stream ? &*it : nullptr;
    }
    if (feed_ != nullptr && feed_->expiry_held(now_ms)) [[unlikely]]
      return nullptr;
    DeleteExpired(it);
    return nullptr;
  }
  return &*it;
}

const Entry* Shard::FindAny(std::string_view key) const {
  auto it = table_.find(key);
  return it == table_.end() ? nullptr : &*it;
}

void Shard::DeleteExpired(Table::iterator it) {
  const std::string_view key = it->key();
  if (feed_ != nullptr) {
    feed_->Publish(db_, {"DEL", key});
    feed_->Notify(kEventExpired, db_, "expired", key);
    feed_->KeyChanged(key, /*by_client=*/false);
  }
  expires_.Erase(key);  // before the entry (and the key's storage) goes
  table_.erase(it);
  ++expired_keys;
}

Shard::Table::iterator Shard::InsertNew(Entry entry) {
  // No more room: this insert rehashes (grows, or squeezes out tombstones in place).
  if (SlotAccess::GrowthLeft(table_) == 0) ++layout_epoch_;
  auto it = table_.insert(std::move(entry)).first;
  AccessClock::StampIfNew(*it);
  if (feed_ != nullptr) feed_->Notify(kEventNew, db_, "new", it->key());
  return it;
}

void Shard::Put(std::string_view key, Entry entry, std::optional<int64_t> expire_ms,
                bool keep_ttl) {
  auto it = table_.find(key);
  if (it == table_.end()) {
    it = InsertNew(std::move(entry));
  } else {
    // Same key, so the same hash and slot: swapping the pointer in place is
    // safe and avoids a second probe. The old entry dies at the end of scope,
    // after the expire index stops pointing into it.
    auto& slot = const_cast<Entry&>(*it);
    std::swap(slot, entry);
    // An overwrite keeps the key's LFU count, as Redis's dbOverwrite does.
    if (slot.access_clock() == 0) {
      slot.set_access_clock(AccessClock::lfu() ? entry.access_clock() : AccessClock::ForNewKey());
    }
    if (keep_ttl) {
      expires_.Rekey(slot.key());
    } else {
      expires_.Erase(key);
    }
  }
  if (expire_ms.has_value()) expires_.Set(it->key(), *expire_ms);
}

bool Shard::Add(Entry&& entry, std::optional<int64_t> expire_ms) {
  if (SlotAccess::GrowthLeft(table_) == 0) ++layout_epoch_;
  auto [it, inserted] = table_.insert(std::move(entry));
  if (!inserted) return false;
  AccessClock::StampIfNew(*it);
  if (expire_ms.has_value()) expires_.Set(it->key(), *expire_ms);
  return true;
}

void Shard::Reserve(size_t n) {
  if (n <= table_.size()) return;
  table_.reserve(n);
  ++layout_epoch_;
}

bool Shard::Erase(std::string_view key) {
  auto it = table_.find(key);
  if (it == table_.end()) return false;
  expires_.Erase(key);
  table_.erase(it);
  return true;
}

std::optional<int64_t> Shard::GetExpire(std::string_view key) const { return expires_.Get(key); }

void Shard::SetExpire(std::string_view key, int64_t when_ms) {
  auto it = table_.find(key);
  if (it == table_.end()) return;
  expires_.Set(it->key(), when_ms);
}

bool Shard::Persist(std::string_view key) { return expires_.Erase(key); }

void Shard::Clear() {
  expires_.Clear();
  table_.clear();
  ++layout_epoch_;
}

char* Shard::ResizeValue(std::string_view key, size_t new_length, Entry::Encoding encoding) {
  auto it = table_.find(key);
  auto& entry = const_cast<Entry&>(*it);
  // The key's bytes may move (or be freed by realloc), and the expire index
  // points at them: take the key out of the index while they do.
  const std::optional<int64_t> expire_ms =
      expires_.size() > 0 ? expires_.Get(key) : std::optional<int64_t>();
  if (expire_ms) expires_.Erase(key);
  char* value = entry.ResizeInPlace(new_length);
  if (value == nullptr) {
    // Strings grown by APPEND get room to grow into; a hash or set is
    // rewritten whole by each change (as Redis's listpack and intset), so
    // its allocation fits it: spare room would cost every small hash memory.
    const size_t capacity =
        entry.type() == Entry::Type::kString ? GrowthCapacity(new_length) : new_length;
    if (!entry.shared() && !entry.external()) {
      value = entry.Reallocate(new_length, capacity);
    } else {
      // A reply still reads the old bytes (or they live in a buffer of their
      // own): build the grown value beside them and swap it in.
      Entry grown = Entry::MakeWithRoom(key, entry.value_view(), new_length, capacity, encoding,
                                        entry.type());
      grown.set_access_clock(entry.access_clock());
      std::swap(entry, grown);
      value = entry.MutableValue();
    }
  }
  entry.set_encoding(encoding);
  if (expire_ms) expires_.Set(entry.key(), *expire_ms);
  return value;
}

Entry Shard::Take(std::string_view key, std::optional<int64_t>* expire_ms) {
  auto it = table_.find(key);
  *expire_ms = expires_.Get(key);
  expires_.Erase(key);  // before the entry (and the key's storage) leaves
  Entry entry = std::move(const_cast<Entry&>(*it));
  table_.erase(it);
  return entry;
}

void Shard::SwapContents(Shard& other) {
  table_.swap(other.table_);
  std::swap(expires_, other.expires_);
  ++layout_epoch_;
  ++other.layout_epoch_;
}

size_t Shard::slot_count() const { return SlotAccess::Capacity(table_); }

const Entry* Shard::EntryAt(size_t slot) const { return SlotAccess::At(table_, slot); }

const Entry* Shard::RandomEntry(uint64_t* rng) const {
  if (table_.empty()) return nullptr;
  const size_t slots = slot_count();
  const size_t start = NextRandom(rng) % slots;
  for (size_t i = 0; i < slots; ++i) {
    if (const Entry* entry = EntryAt((start + i) % slots)) return entry;
  }
  return nullptr;
}

const Entry* Shard::RandomVolatileEntry(uint64_t* rng) const {
  if (expires_.size() == 0) return nullptr;
  return FindAny(expires_.KeyAt(NextRandom(rng) % expires_.size()));
}

bool Shard::Evict(std::string_view key, bool unlink) {
  auto it = table_.find(key);
  if (it == table_.end()) return false;
  if (feed_ != nullptr) {
    feed_->Publish(db_, {unlink ? "UNLINK" : "DEL", it->key()});
    feed_->Notify(kEventEvicted, db_, "evicted", it->key());
    feed_->KeyChanged(it->key(), /*by_client=*/false);  // tracking clients are told
  }
  expires_.Erase(it->key());  // before the entry (and the key's storage) goes
  table_.erase(it);
  ++evicted_keys;
  return true;
}

std::pair<size_t, size_t> Shard::ExpireSample(int64_t now_ms, size_t samples, uint64_t* rng) {
  size_t sampled = 0, expired = 0;
  for (; sampled < samples && expires_.size() > 0; ++sampled) {
    std::string_view key = expires_.KeyAt(NextRandom(rng) % expires_.size());
    if (IsExpired(key, now_ms)) {
      auto it = table_.find(key);
      if (it != table_.end()) {
        DeleteExpired(it);
      } else {
        expires_.Erase(key);
        ++expired_keys;
      }
      ++expired;
    }
  }
  return {sampled, expired};
}

size_t Shard::MemoryUsage() const {
  size_t total = table_.capacity() * (sizeof(Entry) + 1);
  for (const Entry& e : table_) total += e.AllocatedSize();
  return total;
}

Store::Store(const StoreOptions& options) {
  size_t shards = 1;
  const size_t wanted = std::clamp<size_t>(static_cast<size_t>(std::max(1, options.shards_per_db)),
                                           1, size_t{1} << kCursorShardBits);
  while (shards < wanted) shards <<= 1;
  shard_mask_ = shards - 1;
  for (int i = 0; i < std::max(1, options.databases); ++i) {
    dbs_.push_back(std::make_unique<Shard[]>(shards));
    for (size_t j = 0; j < shards; ++j) dbs_.back()[j].AttachFeed(&feed_, i);
  }
}

std::optional<Bytes> Store::Get(int db, std::string_view key, int64_t now_ms) {
  Shard* shard = ShardFor(db, key);
  LockedShard shard_lock(shard);
  const Entry* entry = shard->Find(key, now_ms);
  if (entry == nullptr) return std::nullopt;
  return entry->value();
}

void Store::Set(int db, std::string_view key, const Bytes& value,
                std::optional<int64_t> expire_ms) {
  Shard* shard = ShardFor(db, key);
  LockedShard shard_lock(shard);
  if (SnapshotGuard* guard = snapshot_guard()) guard->BeforeShardChange(*shard);
  shard->Put(key, Entry::Make(key, value), expire_ms, false);
}

bool Store::Delete(int db, std::string_view key, int64_t now_ms) {
  Shard* shard = ShardFor(db, key);
  LockedShard shard_lock(shard);
  if (SnapshotGuard* guard = snapshot_guard()) guard->BeforeShardChange(*shard);
  if (shard->Find(key, now_ms) == nullptr) return false;
  return shard->Erase(key);
}

size_t Store::DbSize(int db) {
  size_t total = 0;
  for (size_t i = 0; i <= shard_mask_; ++i) {
    Shard* shard = ShardAt(db, i);
    LockedShard shard_lock(shard);
    total += shard->size();
  }
  return total;
}

size_t Store::ExpiresSize(int db) {
  size_t total = 0;
  for (size_t i = 0; i <= shard_mask_; ++i) {
    Shard* shard = ShardAt(db, i);
    LockedShard shard_lock(shard);
    total += shard->expires_size();
  }
  return total;
}

void Store::FlushDatabases(int first, int last, int select_db) {
  // Every shard is locked (in ascending order) while the tables are taken
  // out, so no other client sees a half-flushed database; the entries are
  // freed after the locks are released, so other clients wait less.
  std::vector<Shard> emptied(static_cast<size_t>(last - first + 1) * shard_count());
  for (int db = first; db <= last; ++db) {
    for (size_t i = 0; i <= shard_mask_; ++i) ShardAt(db, i)->mu.Lock();
  }
  if (SnapshotGuard* guard = snapshot_guard()) {
    for (int db = first; db <= last; ++db) {
      for (size_t i = 0; i <= shard_mask_; ++i) guard->BeforeShardChange(*ShardAt(db, i));
    }
  }
  size_t n = 0;
  for (int db = first; db <= last; ++db) {
    for (size_t i = 0; i <= shard_mask_; ++i) {
      Shard& taken = emptied[n++];
      absl::MutexLock lock(&taken.mu);
      ShardAt(db, i)->SwapContents(taken);
    }
  }
  if (first == last) {
    feed_.Publish(first, {"FLUSHDB"});
  } else {
    feed_.Publish(select_db, {"FLUSHALL"});
  }
  for (int db = last; db >= first; --db) {
    for (size_t i = shard_mask_ + 1; i-- > 0;) ShardAt(db, i)->mu.Unlock();
  }
}

void Store::FlushDb(int db) { FlushDatabases(db, db, db); }

void Store::FlushAll(int select_db) { FlushDatabases(0, databases() - 1, select_db); }

void Store::ResetStats() {
  for (int db = 0; db < databases(); ++db) {
    for (size_t i = 0; i <= shard_mask_; ++i) {
      Shard* shard = ShardAt(db, i);
      LockedShard shard_lock(shard);
      shard->expired_keys = 0;
      shard->evicted_keys = 0;
    }
  }
  stale_percent_.store(0, std::memory_order_relaxed);
  time_cap_reached_.store(0, std::memory_order_relaxed);
  cycle_us_.store(0, std::memory_order_relaxed);
  over_limit_since_us_.store(0, std::memory_order_relaxed);
  over_limit_total_us_.store(0, std::memory_order_relaxed);
}

uint64_t Store::ExpiredKeys() {
  uint64_t total = 0;
  for (int db = 0; db < databases(); ++db) {
    for (size_t i = 0; i <= shard_mask_; ++i) {
      Shard* shard = ShardAt(db, i);
      LockedShard shard_lock(shard);
      total += shard->expired_keys;
    }
  }
  return total;
}

uint64_t Store::EvictedKeys() {
  uint64_t total = 0;
  for (int db = 0; db < databases(); ++db) {
    for (size_t i = 0; i <= shard_mask_; ++i) {
      Shard* shard = ShardAt(db, i);
      LockedShard shard_lock(shard);
      total += shard->evicted_keys;
    }
  }
  return total;
}

size_t Store::MemoryUsage() {
  size_t total = 0;
  for (int db = 0; db < databases(); ++db) {
    for (size_t i = 0; i <= shard_mask_; ++i) {
      Shard* shard = ShardAt(db, i);
      LockedShard shard_lock(shard);
      total += shard->MemoryUsage();
    }
  }
  return total;
}

Store::DbOverhead Store::TableOverhead(int db) {
  DbOverhead overhead;
  for (size_t i = 0; i <= shard_mask_; ++i) {
    Shard* shard = ShardAt(db, i);
    LockedShard shard_lock(shard);
    overhead.main += shard->TableOverhead();
    overhead.expires += shard->ExpiresOverhead();
  }
  return overhead;
}

void MultiShardLock::Lock(absl::Span<const Key> keys) {
  const size_t per_db = store_.shard_count();
  absl::InlinedVector<size_t, 4> ids;
  ids.reserve(keys.size());
  for (const Key& k : keys)
    ids.push_back(static_cast<size_t>(k.db) * per_db + store_.ShardIndex(k.key));
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  locked_.reserve(ids.size());
  for (size_t id : ids) {
    Shard* shard = store_.ShardAt(static_cast<int>(id / per_db), id % per_db);
    shard->mu.Lock();
    locked_.push_back(shard);
  }
  if (SnapshotGuard* guard = store_.snapshot_guard()) [[unlikely]] {
    for (const Key& k : keys) guard->BeforeChange(ShardOf(k.db, k.key), k.key);
  }
}

void MultiShardLock::LockDatabase(int db) {
  const size_t per_db = store_.shard_count();
  locked_.reserve(per_db);
  for (size_t i = 0; i < per_db; ++i) {
    Shard* shard = store_.ShardAt(db, i);
    shard->mu.Lock();
    locked_.push_back(shard);
  }
  if (SnapshotGuard* guard = store_.snapshot_guard()) [[unlikely]] {
    for (Shard* shard : locked_) guard->BeforeShardChange(*shard);
    guard->BeforeChangeAny();
  }
}

void Store::WithEveryShardLocked(const std::function<void(int db, Shard& shard)>& fn) {
  for (int db = 0; db < databases(); ++db) {
    for (size_t i = 0; i <= shard_mask_; ++i) ShardAt(db, i)->mu.Lock();
  }
  for (int db = 0; db < databases(); ++db) {
    for (size_t i = 0; i <= shard_mask_; ++i) fn(db, *ShardAt(db, i));
  }
  for (int db = databases(); db-- > 0;) {
    for (size_t i = shard_mask_ + 1; i-- > 0;) ShardAt(db, i)->mu.Unlock();
  }
}

Shard& MultiShardLock::ShardOf(int db, std::string_view key) const {
  return *store_.ShardFor(db, key);
}

bool Store::SwapDatabases(int db1, int db2) {
  if (db1 < 0 || db2 < 0 || db1 >= databases() || db2 >= databases()) return false;
  if (db1 == db2) return true;
  const int low = std::min(db1, db2), high = std::max(db1, db2);
  for (int db : {low, high}) {
    for (size_t i = 0; i <= shard_mask_; ++i) ShardAt(db, i)->mu.Lock();
  }
  if (SnapshotGuard* guard = snapshot_guard()) {
    for (int db : {low, high}) {
      for (size_t i = 0; i <= shard_mask_; ++i) guard->BeforeShardChange(*ShardAt(db, i));
    }
  }
  for (size_t i = 0; i <= shard_mask_; ++i) ShardAt(low, i)->SwapContents(*ShardAt(high, i));
  if (feed_.active()) {
    const std::string a = std::to_string(db1), b = std::to_string(db2);
    feed_.Publish(db1, {"SWAPDB", a, b});
  }
  for (int db : {high, low}) {
    for (size_t i = shard_mask_ + 1; i-- > 0;) ShardAt(db, i)->mu.Unlock();
  }
  return true;
}

uint64_t Store::Scan(int db, uint64_t cursor, size_t count, int64_t now_ms,
                     const std::function<void(const Entry&)>& fn) {
  size_t shard_index = (cursor >> kCursorSlotBits) & kCursorShardMask;
  size_t slot = cursor & kCursorSlotMask;
  const uint32_t epoch = static_cast<uint32_t>(cursor >> (kCursorSlotBits + kCursorShardBits));
  if (shard_index > shard_mask_) return 0;
  // Like Redis: about `count` keys, but never more than 10x that many empty slots.
  count = std::max<size_t>(count, 1);
  const size_t max_visits = count > SIZE_MAX / 10 ? SIZE_MAX : count * 10;
  size_t keys = 0, visits = 0;
  bool resumed = cursor != 0;
  std::vector<std::string> expired;
  while (true) {
    Shard* shard = ShardAt(db, shard_index);
    LockedShard shard_lock(shard);
    // The shard was rehashed since the cursor was made: its slots mean
    // nothing any more. Walk all of it now, so that a shard that keeps
    // growing cannot make the scan start over for ever.
    const bool whole_shard = resumed && (shard->layout_epoch() & 0xffff) != epoch;
    if (whole_shard) slot = 0;
    resumed = false;
    const size_t slots = shard->slot_count();
    for (; slot < slots && (whole_shard || (keys < count && visits < max_visits));
         ++slot, ++visits) {
      const Entry* entry = shard->EntryAt(slot);
      if (entry == nullptr) continue;
      ++keys;
      if (shard->IsExpired(entry->key(), now_ms)) {
        expired.emplace_back(entry->key());
      } else {
        fn(*entry);
      }
    }
    // Redis's SCAN deletes the expired keys it meets (expireIfNeeded), each
    // going to the feed as a DEL. (No snapshot guard: as for active expiry.)
    for (const std::string& key : expired) shard->FindNoTouch(key, now_ms);
    expired.clear();
    if (slot < slots) return MakeCursor(shard->layout_epoch(), shard_index, slot);
    if (++shard_index > shard_mask_) return 0;
    slot = 0;
    if (keys >= count || visits >= max_visits) {
      Shard* next = ShardAt(db, shard_index);
      LockedShard next_lock(next);
      return MakeCursor(next->layout_epoch(), shard_index, 0);
    }
  }
}

void Store::ForEachKey(int db, int64_t now_ms, const std::function<void(const Entry&)>& fn) {
  ForEachKeyWithExpiry(db, now_ms, [&fn](const Entry& entry, bool) { fn(entry); });
}

void Store::ForEachKeyWithExpiry(int db, int64_t now_ms,
                                 const std::function<void(const Entry&, bool)>& fn) {
  for (size_t i = 0; i <= shard_mask_; ++i) {
    Shard* shard = ShardAt(db, i);
    LockedShard shard_lock(shard);
    const size_t slots = shard->slot_count();
    for (size_t slot = 0; slot < slots; ++slot) {
      const Entry* entry = shard->EntryAt(slot);
      if (entry == nullptr || shard->IsExpired(entry->key(), now_ms)) continue;
      fn(*entry, shard->expires_size() > 0 && shard->GetExpire(entry->key()).has_value());
    }
  }
}

std::optional<std::string> Store::RandomKey(int db, int64_t now_ms) {
  uint64_t rng = random_key_rng_.fetch_add(0x9e3779b97f4a7c15ULL, std::memory_order_relaxed);
  std::vector<size_t> sizes(shard_count());
  while (true) {
    // Pick a shard in proportion to its size, then a key in it.
    size_t total = 0;
    for (size_t i = 0; i <= shard_mask_; ++i) {
      Shard* shard = ShardAt(db, i);
      LockedShard shard_lock(shard);
      sizes[i] = shard->size();
      total += sizes[i];
    }
    if (total == 0) return std::nullopt;
    size_t pick = NextRandom(&rng) % total, index = 0;
    while (pick >= sizes[index]) pick -= sizes[index++];
    Shard* shard = ShardAt(db, index);
    LockedShard shard_lock(shard);
    const Entry* entry = shard->RandomEntry(&rng);
    if (entry == nullptr) continue;  // emptied meanwhile
    std::string key(entry->key());
    if (shard->Find(key, now_ms) != nullptr) return key;  // else it expired and is gone: again
  }
}

size_t Store::ActiveExpireCycle(int64_t now_ms, int64_t time_budget_us) {
  constexpr size_t kSamplesPerRound = 20;
  absl::MutexLock cycle(&cycle_mu_);
  const int64_t start_us = UnixTimeUs();
  const int64_t deadline_us = start_us + time_budget_us;
  size_t expired_total = 0, sampled_total = 0;
  // As Redis's activeExpireCycle: the share of sampled keys that had
  // expired, averaged over cycles, and how often the time ran out.
  auto finish = [&](bool capped) {
    if (capped) time_cap_reached_.fetch_add(1, std::memory_order_relaxed);
    const double current =
        sampled_total == 0 ? 0.0 : static_cast<double>(expired_total) / sampled_total;
    stale_percent_.store(current * 0.05 + stale_percent_.load(std::memory_order_relaxed) * 0.95,
                         std::memory_order_relaxed);
    cycle_us_.fetch_add(static_cast<uint64_t>(std::max<int64_t>(UnixTimeUs() - start_us, 0)),
                        std::memory_order_relaxed);
    return expired_total;
  };
  const size_t total_shards = dbs_.size() * shard_count();
  for (size_t n = 0; n < total_shards; ++n) {
    size_t index = (next_db_ + n) % total_shards;
    Shard* s = ShardAt(static_cast<int>(index / shard_count()), index % shard_count());
    while (true) {
      Shard* shard = s;
      // No snapshot guard: a key removed here had expired, and a save that
      // has not captured this shard yet would have skipped it at load anyway.
      LockedShard shard_lock(shard);
      auto [sampled, expired] = shard->ExpireSample(now_ms, kSamplesPerRound, &rng_state_);
      expired_total += expired;
      sampled_total += sampled;
      if (sampled == 0 || expired * 4 <= sampled) break;
      if (UnixTimeUs() > deadline_us) break;
    }
    if (UnixTimeUs() > deadline_us) {
      next_db_ = index;
      return finish(true);
    }
  }
  return finish(false);
}

void Store::NoteMemoryOverLimit(bool over) {
  if (over) {
    int64_t none = 0;
    if (over_limit_since_us_.load(std::memory_order_relaxed) == 0) {
      over_limit_since_us_.compare_exchange_strong(none, UnixTimeUs(), std::memory_order_relaxed);
    }
  } else if (over_limit_since_us_.load(std::memory_order_relaxed) != 0) {
    const int64_t since = over_limit_since_us_.exchange(0, std::memory_order_relaxed);
    if (since != 0) over_limit_total_us_.fetch_add(std::max<int64_t>(UnixTimeUs() - since, 0));
  }
}

Store::ExpireCycleStats Store::expire_cycle_stats() const {
  ExpireCycleStats stats;
  stats.stale_percent = stale_percent_.load(std::memory_order_relaxed) * 100;
  stats.time_cap_reached = time_cap_reached_.load(std::memory_order_relaxed);
  stats.cpu_ms = cycle_us_.load(std::memory_order_relaxed) / 1000;
  return stats;
}

}  // namespace valkdb
