#include "server/store/store.h"

#include <chrono>

namespace valkdb {
namespace {

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
  return when.has_value() && *when <= now_ms;
}

const Entry* Shard::Find(std::string_view key, int64_t now_ms) {
  auto it = table_.find(key);
  if (it == table_.end()) return nullptr;
  if (IsExpired(key, now_ms)) {
    expires_.Erase(key);
    table_.erase(it);
    ++expired_keys;
    return nullptr;
  }
  return &*it;
}

void Shard::Put(std::string_view key, Entry entry, std::optional<int64_t> expire_ms,
                bool keep_ttl) {
  auto it = table_.find(key);
  if (it == table_.end()) {
    it = table_.insert(std::move(entry)).first;
  } else {
    // Same key, so the same hash and slot: swapping the pointer in place is
    // safe and avoids a second probe. The old entry dies at the end of scope,
    // after the expire index stops pointing into it.
    auto& slot = const_cast<Entry&>(*it);
    std::swap(slot, entry);
    if (keep_ttl) {
      expires_.Rekey(slot.key());
    } else {
      expires_.Erase(key);
    }
  }
  if (expire_ms.has_value()) expires_.Set(it->key(), *expire_ms);
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
}

std::pair<size_t, size_t> Shard::ExpireSample(int64_t now_ms, size_t samples, uint64_t* rng) {
  size_t sampled = 0, expired = 0;
  for (; sampled < samples && expires_.size() > 0; ++sampled) {
    std::string_view key = expires_.KeyAt(NextRandom(rng) % expires_.size());
    if (IsExpired(key, now_ms)) {
      auto it = table_.find(key);
      expires_.Erase(key);  // before the entry (and the key's storage) goes
      if (it != table_.end()) table_.erase(it);
      ++expired;
      ++expired_keys;
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
  while (shards < static_cast<size_t>(std::max(1, options.shards_per_db))) shards <<= 1;
  shard_mask_ = shards - 1;
  for (int i = 0; i < std::max(1, options.databases); ++i) {
    dbs_.push_back(std::make_unique<Shard[]>(shards));
  }
}

std::optional<Bytes> Store::Get(int db, std::string_view key, int64_t now_ms) {
  LockedShard shard(ShardFor(db, key));
  const Entry* entry = shard->Find(key, now_ms);
  if (entry == nullptr) return std::nullopt;
  return entry->value();
}

void Store::Set(int db, std::string_view key, const Bytes& value, std::optional<int64_t> expire_ms) {
  LockedShard shard(ShardFor(db, key));
  shard->Put(key, Entry::Make(key, value), expire_ms, false);
}

bool Store::Delete(int db, std::string_view key, int64_t now_ms) {
  LockedShard shard(ShardFor(db, key));
  if (shard->Find(key, now_ms) == nullptr) return false;
  return shard->Erase(key);
}

size_t Store::DbSize(int db) {
  size_t total = 0;
  for (size_t i = 0; i <= shard_mask_; ++i) {
    LockedShard shard(ShardAt(db, i));
    total += shard->size();
  }
  return total;
}

size_t Store::ExpiresSize(int db) {
  size_t total = 0;
  for (size_t i = 0; i <= shard_mask_; ++i) {
    LockedShard shard(ShardAt(db, i));
    total += shard->expires_size();
  }
  return total;
}

void Store::FlushDb(int db) {
  for (size_t i = 0; i <= shard_mask_; ++i) {
    // Swap the table out under the lock, free it outside, so other clients wait less.
    Shard* s = ShardAt(db, i);
    LockedShard shard(s);
    shard->Clear();
  }
}

void Store::FlushAll() {
  for (int db = 0; db < databases(); ++db) FlushDb(db);
}

uint64_t Store::ExpiredKeys() {
  uint64_t total = 0;
  for (int db = 0; db < databases(); ++db) {
    for (size_t i = 0; i <= shard_mask_; ++i) {
      LockedShard shard(ShardAt(db, i));
      total += shard->expired_keys;
    }
  }
  return total;
}

size_t Store::MemoryUsage() {
  size_t total = 0;
  for (int db = 0; db < databases(); ++db) {
    for (size_t i = 0; i <= shard_mask_; ++i) {
      LockedShard shard(ShardAt(db, i));
      total += shard->MemoryUsage();
    }
  }
  return total;
}

size_t Store::ActiveExpireCycle(int64_t now_ms, int64_t time_budget_us) {
  constexpr size_t kSamplesPerRound = 20;
  absl::MutexLock cycle(&cycle_mu_);
  const int64_t deadline_us = UnixTimeUs() + time_budget_us;
  size_t expired_total = 0;
  const size_t total_shards = dbs_.size() * shard_count();
  for (size_t n = 0; n < total_shards; ++n) {
    size_t index = (next_db_ + n) % total_shards;
    Shard* s = ShardAt(static_cast<int>(index / shard_count()), index % shard_count());
    while (true) {
      LockedShard shard(s);
      auto [sampled, expired] = shard->ExpireSample(now_ms, kSamplesPerRound, &rng_state_);
      expired_total += expired;
      if (sampled == 0 || expired * 4 <= sampled) break;
      if (UnixTimeUs() > deadline_us) break;
    }
    if (UnixTimeUs() > deadline_us) {
      next_db_ = index;
      return expired_total;
    }
  }
  return expired_total;
}

}  // namespace valkdb
