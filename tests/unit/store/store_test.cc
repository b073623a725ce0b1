#include "server/store/store.h"

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "gtest/gtest.h"
#include "protocol/bytes.h"
#include "server/store/entry.h"

namespace valkdb {
namespace {

// Every store function takes the time as an argument: this is the test's clock.
constexpr int64_t kNow = 1'700'000'000'000;
// Generous enough that a cycle never stops for lack of time on a slow machine.
constexpr int64_t kBigBudgetUs = 10'000'000;

std::string Key(int i) { return "key:" + std::to_string(i); }

std::optional<std::string> GetString(Store& store, int db, std::string_view key, int64_t now) {
  std::optional<Bytes> value = store.Get(db, key, now);
  if (!value) return std::nullopt;
  return value->str();
}

std::optional<int64_t> ExpireOf(Store& store, int db, std::string_view key, int64_t now) {
  Shard* shard = store.ShardFor(db, key);
  LockedShard shard_lock(shard);
  if (shard->Find(key, now) == nullptr) return std::nullopt;
  return shard->GetExpire(key);
}

void Put(Store& store, int db, std::string_view key, std::string_view value,
         std::optional<int64_t> expire_ms, bool keep_ttl) {
  Shard* shard = store.ShardFor(db, key);
  LockedShard shard_lock(shard);
  shard->Put(key, Entry::Make(key, value), expire_ms, keep_ttl);
}

// ---------------------------------------------------------------- ExpireIndex

TEST(ExpireIndexTest, SetGetErase) {
  const std::string a = "a", b = "b", c = "c";
  ExpireIndex index;
  EXPECT_EQ(index.size(), 0u);
  EXPECT_FALSE(index.Get("a").has_value());
  index.Set(a, 10);
  index.Set(b, 20);
  index.Set(c, 30);
  EXPECT_EQ(index.size(), 3u);
  EXPECT_EQ(index.Get("a"), 10);
  EXPECT_EQ(index.Get("b"), 20);
  EXPECT_EQ(index.Get("c"), 30);
  index.Set(b, 25);  // update in place
  EXPECT_EQ(index.size(), 3u);
  EXPECT_EQ(index.Get("b"), 25);

  EXPECT_TRUE(index.Erase("a"));
  EXPECT_FALSE(index.Erase("a"));
  EXPECT_FALSE(index.Erase("missing"));
  EXPECT_EQ(index.size(), 2u);
  EXPECT_FALSE(index.Get("a").has_value());
  EXPECT_EQ(index.Get("b"), 25);
  EXPECT_EQ(index.Get("c"), 30);
}

// The dense key list stays consistent with the map however keys are erased
// (erase swaps the last key into the hole).
TEST(ExpireIndexTest, DenseListTracksTheMap) {
  std::vector<std::string> keys;
  for (int i = 0; i < 100; ++i) keys.push_back(Key(i));
  ExpireIndex index;
  for (int i = 0; i < 100; ++i) index.Set(keys[i], i);
  std::set<std::string> live(keys.begin(), keys.end());
  // Erase from the front, the back and the middle.
  for (int i : {0, 99, 50, 1, 98, 13, 14, 15, 77}) {
    ASSERT_TRUE(index.Erase(keys[i]));
    live.erase(keys[i]);
    ASSERT_EQ(index.size(), live.size());
    std::set<std::string> listed;
    for (size_t j = 0; j < index.size(); ++j) listed.emplace(index.KeyAt(j));
    ASSERT_EQ(listed, live);
    for (const std::string& k : live) ASSERT_TRUE(index.Get(k).has_value()) << k;
  }
  // Erase the rest, each time the key at position 0.
  while (index.size() > 0) {
    std::string first(index.KeyAt(0));
    ASSERT_TRUE(index.Erase(first));
    live.erase(first);
  }
  EXPECT_TRUE(live.empty());
}

TEST(ExpireIndexTest, RekeyPointsAtNewStorage) {
  std::string old_storage = "samekey";
  const std::string new_storage = "samekey";
  ExpireIndex index;
  index.Set(old_storage, 42);
  index.Rekey(new_storage);
  old_storage.assign("XXXXXXX");  // the old storage changes: the index must not care
  EXPECT_EQ(index.Get("samekey"), 42);
  ASSERT_EQ(index.size(), 1u);
  EXPECT_EQ(index.KeyAt(0).data(), new_storage.data());
  index.Rekey("absent");  // a key without TTL: nothing happens
  EXPECT_EQ(index.size(), 1u);
}

TEST(ExpireIndexTest, Clear) {
  const std::string a = "a";
  ExpireIndex index;
  index.Set(a, 1);
  index.Clear();
  EXPECT_EQ(index.size(), 0u);
  EXPECT_FALSE(index.Get("a").has_value());
}

// ---------------------------------------------------------------- Store basics

TEST(StoreTest, OptionsShapeTheStore) {
  Store defaults;
  EXPECT_EQ(defaults.databases(), 16);
  EXPECT_EQ(defaults.shard_count(), 128u);

  Store odd({.databases = 3, .shards_per_db = 5});
  EXPECT_EQ(odd.databases(), 3);
  EXPECT_EQ(odd.shard_count(), 8u) << "shards round up to a power of two";

  Store tiny({.databases = 0, .shards_per_db = 0});
  EXPECT_EQ(tiny.databases(), 1);
  EXPECT_EQ(tiny.shard_count(), 1u);
  tiny.Set(0, "k", Bytes::Copy("v"));
  EXPECT_EQ(GetString(tiny, 0, "k", kNow), "v");
}

TEST(StoreTest, ShardIndexIsStableAndInRange) {
  Store store;
  std::set<size_t> used;
  // 20,000 keys: with 128 shards the chance that one stays empty is about
  // 128 * e^-156 (1,000 keys left one empty in 1 run of 20: the hash is seeded per process).
  for (int i = 0; i < 20000; ++i) {
    size_t index = store.ShardIndex(Key(i));
    ASSERT_LT(index, store.shard_count());
    ASSERT_EQ(index, store.ShardIndex(Key(i)));
    ASSERT_EQ(store.ShardFor(0, Key(i)), store.ShardAt(0, index));
    used.insert(index);
  }
  EXPECT_EQ(used.size(), store.shard_count()) << "20000 keys should reach every shard";
}

TEST(StoreTest, SetGetDelete) {
  Store store;
  EXPECT_EQ(GetString(store, 0, "k", kNow), std::nullopt);
  store.Set(0, "k", Bytes::Copy("v1"));
  EXPECT_EQ(GetString(store, 0, "k", kNow), "v1");
  EXPECT_EQ(store.DbSize(0), 1u);

  store.Set(0, "k", Bytes::Copy("v2"));
  EXPECT_EQ(GetString(store, 0, "k", kNow), "v2");
  EXPECT_EQ(store.DbSize(0), 1u);

  EXPECT_TRUE(store.Delete(0, "k", kNow));
  EXPECT_FALSE(store.Delete(0, "k", kNow));
  EXPECT_EQ(GetString(store, 0, "k", kNow), std::nullopt);
  EXPECT_EQ(store.DbSize(0), 0u);
}

TEST(StoreTest, EmptyKeyAndEmptyValue) {
  Store store;
  store.Set(0, "", Bytes());
  std::optional<Bytes> value = store.Get(0, "", kNow);
  ASSERT_TRUE(value.has_value());
  EXPECT_TRUE(value->empty());
  EXPECT_EQ(store.DbSize(0), 1u);
  EXPECT_TRUE(store.Delete(0, "", kNow));
}

TEST(StoreTest, ManyKeys) {
  Store store;
  constexpr int kKeys = 20000;
  for (int i = 0; i < kKeys; ++i) store.Set(0, Key(i), Bytes::Copy("value:" + std::to_string(i)));
  EXPECT_EQ(store.DbSize(0), static_cast<size_t>(kKeys));
  for (int i = 0; i < kKeys; ++i) {
    ASSERT_EQ(GetString(store, 0, Key(i), kNow), "value:" + std::to_string(i));
  }
  for (int i = 0; i < kKeys; i += 2) ASSERT_TRUE(store.Delete(0, Key(i), kNow));
  EXPECT_EQ(store.DbSize(0), static_cast<size_t>(kKeys / 2));
  for (int i = 0; i < kKeys; ++i) {
    ASSERT_EQ(GetString(store, 0, Key(i), kNow).has_value(), i % 2 == 1) << i;
  }
}

// A GET reply keeps referencing the value after the key is overwritten or
// deleted: the Bytes holds the old entry alive (ASan checks the reads).
TEST(StoreTest, ValueOutlivesOverwriteAndDelete) {
  Store store;
  store.Set(0, "k", Bytes::Copy("first"));
  Bytes first = *store.Get(0, "k", kNow);
  EXPECT_EQ(first.use_count(), 2u) << "the store's entry and this reference";
  store.Set(0, "k", Bytes::Copy("second"));
  EXPECT_EQ(first.use_count(), 1u);
  EXPECT_EQ(first, "first");
  Bytes second = *store.Get(0, "k", kNow);
  EXPECT_FALSE(second.SharesStorageWith(first));
  store.Delete(0, "k", kNow);
  EXPECT_EQ(second, "second");
  store.Set(0, "k", Bytes::Copy("third"));
  store.FlushAll();
  EXPECT_EQ(first, "first");
  EXPECT_EQ(second, "second");
}

TEST(StoreTest, GetSharesTheStoredValue) {
  Store store;
  store.Set(0, "k", Bytes::Copy("value"));
  Bytes a = *store.Get(0, "k", kNow);
  Bytes b = *store.Get(0, "k", kNow);
  EXPECT_TRUE(a.SharesStorageWith(b));
  EXPECT_EQ(a.data(), b.data());
}

TEST(StoreTest, BigValueIsStoredWithoutCopy) {
  Store store;
  Bytes big = Bytes::Copy(std::string(64 * 1024, 'x'));
  store.Set(0, "big", big);
  Bytes got = *store.Get(0, "big", kNow);
  EXPECT_TRUE(got.SharesStorageWith(big));
  EXPECT_EQ(got.data(), big.data());
  EXPECT_EQ(big.use_count(), 3u);  // big, the entry, got
  store.Delete(0, "big", kNow);
  EXPECT_EQ(big.use_count(), 2u);
}

TEST(StoreTest, DatabasesAreIsolated) {
  Store store;
  store.Set(0, "k", Bytes::Copy("zero"));
  store.Set(1, "k", Bytes::Copy("one"));
  store.Set(15, "other", Bytes::Copy("fifteen"), kNow + 1000);
  EXPECT_EQ(GetString(store, 0, "k", kNow), "zero");
  EXPECT_EQ(GetString(store, 1, "k", kNow), "one");
  EXPECT_EQ(GetString(store, 2, "k", kNow), std::nullopt);
  EXPECT_EQ(GetString(store, 0, "other", kNow), std::nullopt);
  EXPECT_EQ(store.DbSize(0), 1u);
  EXPECT_EQ(store.DbSize(1), 1u);
  EXPECT_EQ(store.DbSize(2), 0u);
  EXPECT_EQ(store.DbSize(15), 1u);
  EXPECT_EQ(store.ExpiresSize(0), 0u);
  EXPECT_EQ(store.ExpiresSize(15), 1u);

  EXPECT_TRUE(store.Delete(1, "k", kNow));
  EXPECT_EQ(GetString(store, 0, "k", kNow), "zero");

  store.FlushDb(0);
  EXPECT_EQ(store.DbSize(0), 0u);
  EXPECT_EQ(store.DbSize(15), 1u);
  EXPECT_EQ(GetString(store, 15, "other", kNow), "fifteen");
}

TEST(StoreTest, FlushDbAndFlushAll) {
  Store store;
  for (int db = 0; db < store.databases(); ++db) {
    for (int i = 0; i < 50; ++i) {
      store.Set(db, Key(i), Bytes::Copy("v"),
                i % 2 ? std::optional<int64_t>(kNow + 1000) : std::nullopt);
    }
  }
  EXPECT_EQ(store.DbSize(3), 50u);
  EXPECT_EQ(store.ExpiresSize(3), 25u);
  store.FlushDb(3);
  EXPECT_EQ(store.DbSize(3), 0u);
  EXPECT_EQ(store.ExpiresSize(3), 0u);
  EXPECT_EQ(store.DbSize(4), 50u);
  // The flushed database is usable again.
  store.Set(3, "again", Bytes::Copy("v"), kNow + 10);
  EXPECT_EQ(store.DbSize(3), 1u);
  EXPECT_EQ(store.ExpiresSize(3), 1u);

  store.FlushAll();
  for (int db = 0; db < store.databases(); ++db) {
    EXPECT_EQ(store.DbSize(db), 0u) << db;
    EXPECT_EQ(store.ExpiresSize(db), 0u) << db;
  }
  EXPECT_EQ(store.ActiveExpireCycle(kNow + 100, kBigBudgetUs), 0u);
}

TEST(StoreTest, MemoryUsageFollowsTheData) {
  Store store;
  const size_t empty = store.MemoryUsage();
  for (int i = 0; i < 1000; ++i) store.Set(0, Key(i), Bytes::Copy(std::string(100, 'v')));
  const size_t full = store.MemoryUsage();
  EXPECT_GE(full, empty + 1000 * 100);
  store.FlushAll();
  EXPECT_LT(store.MemoryUsage(), full);
}

// ---------------------------------------------------------------- expiry

TEST(StoreExpiryTest, LiveUntilTheExpireTimeThenGone) {
  Store store;
  store.Set(0, "k", Bytes::Copy("v"), kNow + 100);
  EXPECT_EQ(store.ExpiresSize(0), 1u);
  EXPECT_EQ(ExpireOf(store, 0, "k", kNow), kNow + 100);
  EXPECT_EQ(GetString(store, 0, "k", kNow + 99), "v");
  EXPECT_EQ(GetString(store, 0, "k", kNow + 101), std::nullopt);
  EXPECT_EQ(store.DbSize(0), 0u) << "lazy expiry removes the key it finds expired";
  EXPECT_EQ(store.ExpiresSize(0), 0u);
  EXPECT_EQ(store.ExpiredKeys(), 1u);
}

// Redis (db.c keyIsExpired) treats a key as expired only when now > when: at
// the expire millisecond itself the key is still there (PTTL answers 0).
TEST(StoreExpiryTest, StillLiveAtTheExactExpireMillisecond) {
  Store store;
  store.Set(0, "k", Bytes::Copy("v"), kNow + 100);
  EXPECT_EQ(GetString(store, 0, "k", kNow + 100), "v");
  EXPECT_EQ(GetString(store, 0, "k", kNow + 101), std::nullopt);
}

TEST(StoreExpiryTest, ExpiredKeysStayCountedUntilReclaimed) {
  // Like Redis, DBSIZE counts keys whose time passed until something reclaims them.
  Store store;
  store.Set(0, "k", Bytes::Copy("v"), kNow - 1);
  EXPECT_EQ(store.DbSize(0), 1u);
  EXPECT_EQ(store.ExpiresSize(0), 1u);
  EXPECT_EQ(GetString(store, 0, "k", kNow), std::nullopt);
  EXPECT_EQ(store.DbSize(0), 0u);
}

TEST(StoreExpiryTest, DeleteOfAnExpiredKeyReportsNothingDeleted) {
  Store store;
  store.Set(0, "k", Bytes::Copy("v"), kNow + 10);
  EXPECT_FALSE(store.Delete(0, "k", kNow + 20));
  EXPECT_EQ(store.DbSize(0), 0u);
  EXPECT_EQ(store.ExpiredKeys(), 1u);
}

TEST(StoreExpiryTest, SetWithoutExpiryClearsTheTtl) {
  Store store;
  store.Set(0, "k", Bytes::Copy("v1"), kNow + 100);
  store.Set(0, "k", Bytes::Copy("v2"));
  EXPECT_EQ(store.ExpiresSize(0), 0u);
  EXPECT_EQ(ExpireOf(store, 0, "k", kNow), std::nullopt);
  EXPECT_EQ(GetString(store, 0, "k", kNow + 1'000'000), "v2");
}

TEST(StoreExpiryTest, SetWithNewExpiryReplacesTheOld) {
  Store store;
  store.Set(0, "k", Bytes::Copy("v1"), kNow + 100);
  store.Set(0, "k", Bytes::Copy("v2"), kNow + 500);
  EXPECT_EQ(store.ExpiresSize(0), 1u);
  EXPECT_EQ(ExpireOf(store, 0, "k", kNow), kNow + 500);
  EXPECT_EQ(GetString(store, 0, "k", kNow + 200), "v2");
  EXPECT_EQ(GetString(store, 0, "k", kNow + 501), std::nullopt);
}

TEST(ShardTest, FindPutEraseDirectly) {
  Store store({.databases = 1, .shards_per_db = 1});
  Shard* shard = store.ShardAt(0, 0);
  LockedShard shard_lock(shard);
  EXPECT_EQ(shard->Find("k", kNow), nullptr);
  shard->Put("k", Entry::Make("k", std::string_view("v")), std::nullopt, false);
  const Entry* entry = shard->Find("k", kNow);
  ASSERT_NE(entry, nullptr);
  EXPECT_EQ(entry->key(), "k");
  EXPECT_EQ(entry->value_view(), "v");
  EXPECT_EQ(shard->size(), 1u);
  EXPECT_TRUE(shard->Erase("k"));
  EXPECT_FALSE(shard->Erase("k"));
  EXPECT_EQ(shard->size(), 0u);
}

TEST(ShardTest, SetExpireGetExpirePersist) {
  Store store;
  const std::string key = "k";
  Shard* shard = store.ShardFor(0, key);
  LockedShard shard_lock(shard);
  shard->SetExpire(key, kNow + 10);  // no such key: nothing to do
  EXPECT_EQ(shard->expires_size(), 0u);

  shard->Put(key, Entry::Make(key, std::string_view("v")), std::nullopt, false);
  EXPECT_EQ(shard->GetExpire(key), std::nullopt);
  EXPECT_FALSE(shard->Persist(key));
  shard->SetExpire(key, kNow + 10);
  EXPECT_EQ(shard->GetExpire(key), kNow + 10);
  shard->SetExpire(key, kNow + 20);
  EXPECT_EQ(shard->GetExpire(key), kNow + 20);
  EXPECT_EQ(shard->expires_size(), 1u);
  EXPECT_TRUE(shard->Persist(key));
  EXPECT_FALSE(shard->Persist(key));
  EXPECT_EQ(shard->GetExpire(key), std::nullopt);
  EXPECT_EQ(shard->expires_size(), 0u);
  EXPECT_NE(shard->Find(key, kNow + 1'000'000), nullptr);

  // A time in the past is still recorded; the key is gone at the next look.
  shard->SetExpire(key, kNow - 1);
  EXPECT_EQ(shard->Find(key, kNow), nullptr);
  EXPECT_EQ(shard->size(), 0u);
  EXPECT_EQ(shard->expires_size(), 0u);
}

TEST(ShardTest, EraseRemovesTheTtl) {
  Store store;
  const std::string key = "k";
  Shard* shard = store.ShardFor(0, key);
  LockedShard shard_lock(shard);
  shard->Put(key, Entry::Make(key, std::string_view("v")), kNow + 10, false);
  EXPECT_EQ(shard->expires_size(), 1u);
  EXPECT_TRUE(shard->Erase(key));
  EXPECT_EQ(shard->expires_size(), 0u);
  // Re-adding the key does not resurrect the TTL.
  shard->Put(key, Entry::Make(key, std::string_view("v")), std::nullopt, false);
  EXPECT_EQ(shard->GetExpire(key), std::nullopt);
}

// ---------------------------------------------------------------- Put + keep_ttl

TEST(StorePutTest, KeepTtlKeepsTheExpiry) {
  Store store;
  Put(store, 0, "k", "v1", kNow + 100, false);
  Put(store, 0, "k", "v2", std::nullopt, true);
  EXPECT_EQ(store.ExpiresSize(0), 1u);
  EXPECT_EQ(ExpireOf(store, 0, "k", kNow), kNow + 100);
  EXPECT_EQ(GetString(store, 0, "k", kNow + 99), "v2");
  EXPECT_EQ(GetString(store, 0, "k", kNow + 101), std::nullopt);
  EXPECT_EQ(store.ExpiresSize(0), 0u);
}

TEST(StorePutTest, KeepTtlOnAKeyWithoutTtlAddsNone) {
  Store store;
  Put(store, 0, "k", "v1", std::nullopt, false);
  Put(store, 0, "k", "v2", std::nullopt, true);
  EXPECT_EQ(store.ExpiresSize(0), 0u);
  EXPECT_EQ(GetString(store, 0, "k", kNow), "v2");
}

TEST(StorePutTest, KeepTtlOnANewKeyAddsNone) {
  Store store;
  Put(store, 0, "k", "v", std::nullopt, true);
  EXPECT_EQ(store.ExpiresSize(0), 0u);
  EXPECT_EQ(GetString(store, 0, "k", kNow), "v");
}

TEST(StorePutTest, WithoutKeepTtlTheExpiryGoes) {
  Store store;
  Put(store, 0, "k", "v1", kNow + 100, false);
  Put(store, 0, "k", "v2", std::nullopt, false);
  EXPECT_EQ(store.ExpiresSize(0), 0u);
  EXPECT_EQ(GetString(store, 0, "k", kNow + 1000), "v2");
}

TEST(StorePutTest, ExplicitExpiryWinsOverKeepTtl) {
  Store store;
  Put(store, 0, "k", "v1", kNow + 100, false);
  Put(store, 0, "k", "v2", kNow + 300, true);
  EXPECT_EQ(store.ExpiresSize(0), 1u);
  EXPECT_EQ(ExpireOf(store, 0, "k", kNow), kNow + 300);
}

// After a replacement the expiry index must point at the new entry's key
// storage, never the freed old entry: every path that reads the index's keys
// (active expiry sampling, erase with its swap-with-last, persist, lookups) is
// exercised after many keep_ttl replacements. Under ASan a stale pointer is a
// heap-use-after-free; without it the checks on sizes and values catch most.
TEST(StorePutTest, ExpireIndexFollowsReplacedEntries) {
  Store store({.databases = 1, .shards_per_db = 1});  // one shard: one index for all keys
  constexpr int kKeys = 200;
  for (int i = 0; i < kKeys; ++i) Put(store, 0, Key(i), "v0", kNow + 1000 + i, false);
  for (int round = 1; round <= 5; ++round) {
    // Values of varying size, so each new entry is a different allocation.
    for (int i = 0; i < kKeys; ++i) {
      Put(store, 0, Key(i), std::string(static_cast<size_t>(round * 7 + i % 13), 'x'), std::nullopt,
          true);
    }
  }
  ASSERT_EQ(store.ExpiresSize(0), static_cast<size_t>(kKeys));
  for (int i = 0; i < kKeys; ++i) ASSERT_EQ(ExpireOf(store, 0, Key(i), kNow), kNow + 1000 + i);

  {
    Shard* shard = store.ShardAt(0, 0);
    LockedShard shard_lock(shard);
    // Persist every third key: erases from the index, moving others around.
    for (int i = 0; i < kKeys; i += 3) ASSERT_TRUE(shard->Persist(Key(i)));
  }
  const size_t with_ttl = static_cast<size_t>(kKeys - (kKeys + 2) / 3);
  ASSERT_EQ(store.ExpiresSize(0), with_ttl);

  // Past every expiry: the active cycle reads each indexed key and deletes it.
  EXPECT_EQ(store.ActiveExpireCycle(kNow + 10'000, kBigBudgetUs), with_ttl);
  EXPECT_EQ(store.ExpiresSize(0), 0u);
  EXPECT_EQ(store.DbSize(0), static_cast<size_t>((kKeys + 2) / 3));
  for (int i = 0; i < kKeys; ++i) {
    ASSERT_EQ(GetString(store, 0, Key(i), kNow + 10'000).has_value(), i % 3 == 0) << i;
  }
}

TEST(StorePutTest, ReplacementWithNewExpiryThenLazyExpiry) {
  Store store({.databases = 1, .shards_per_db = 1});
  for (int i = 0; i < 100; ++i) Put(store, 0, Key(i), "a", kNow + 10, false);
  for (int i = 0; i < 100; ++i) Put(store, 0, Key(i), "bb", std::nullopt, true);
  for (int i = 0; i < 100; ++i) Put(store, 0, Key(i), "ccc", kNow + 20, true);
  for (int i = 0; i < 100; i += 2) Put(store, 0, Key(i), "dddd", std::nullopt, false);
  EXPECT_EQ(store.ExpiresSize(0), 50u);
  for (int i = 0; i < 100; ++i) {
    ASSERT_EQ(GetString(store, 0, Key(i), kNow + 21).has_value(), i % 2 == 0) << i;
  }
  EXPECT_EQ(store.ExpiresSize(0), 0u);
  EXPECT_EQ(store.DbSize(0), 50u);
}

// ---------------------------------------------------------------- active expiry

TEST(ActiveExpireTest, RemovesExpiredKeysThatAreNeverRead) {
  Store store;
  constexpr int kKeys = 10000;
  for (int i = 0; i < kKeys; ++i) store.Set(0, Key(i), Bytes::Copy("v"), kNow - 1 - i % 1000);
  ASSERT_EQ(store.DbSize(0), static_cast<size_t>(kKeys));
  size_t removed = 0;
  for (int cycle = 0; cycle < 3 && store.DbSize(0) > 0; ++cycle) {
    removed += store.ActiveExpireCycle(kNow, kBigBudgetUs);
  }
  EXPECT_EQ(removed, static_cast<size_t>(kKeys));
  EXPECT_EQ(store.DbSize(0), 0u);
  EXPECT_EQ(store.ExpiresSize(0), 0u);
  EXPECT_EQ(store.ExpiredKeys(), static_cast<uint64_t>(kKeys));
}

TEST(ActiveExpireTest, KeepsLiveKeys) {
  Store store;
  for (int i = 0; i < 1000; ++i)
    store.Set(0, "live:" + std::to_string(i), Bytes::Copy("v"), kNow + 60'000);
  for (int i = 0; i < 1000; ++i) store.Set(0, "forever:" + std::to_string(i), Bytes::Copy("v"));
  for (int cycle = 0; cycle < 5; ++cycle) {
    EXPECT_EQ(store.ActiveExpireCycle(kNow, kBigBudgetUs), 0u);
  }
  EXPECT_EQ(store.DbSize(0), 2000u);
  EXPECT_EQ(store.ExpiresSize(0), 1000u);
  EXPECT_EQ(store.ExpiredKeys(), 0u);
}

TEST(ActiveExpireTest, MixedKeysEventuallyLeaveOnlyLiveOnes) {
  Store store;
  for (int db : {0, 7}) {
    for (int i = 0; i < 5000; ++i)
      store.Set(db, "dead:" + std::to_string(i), Bytes::Copy("v"), kNow - 5);
    for (int i = 0; i < 500; ++i)
      store.Set(db, "live:" + std::to_string(i), Bytes::Copy("v"), kNow + 60'000);
    for (int i = 0; i < 500; ++i) store.Set(db, "forever:" + std::to_string(i), Bytes::Copy("v"));
  }
  // Sampling stops on a shard once few of its samples are expired (as in
  // Redis), so the last stragglers can take more than one pass.
  int cycles = 0;
  while ((store.ExpiresSize(0) > 500 || store.ExpiresSize(7) > 500) && cycles < 100000) {
    store.ActiveExpireCycle(kNow, kBigBudgetUs);
    ++cycles;
  }
  EXPECT_EQ(store.ExpiresSize(0), 500u);
  EXPECT_EQ(store.ExpiresSize(7), 500u);
  EXPECT_EQ(store.DbSize(0), 1000u);
  EXPECT_EQ(store.DbSize(7), 1000u);
  EXPECT_EQ(store.ExpiredKeys(), 10000u);
  for (int i = 0; i < 500; ++i) {
    ASSERT_EQ(GetString(store, 7, "live:" + std::to_string(i), kNow), "v");
    ASSERT_EQ(GetString(store, 7, "forever:" + std::to_string(i), kNow), "v");
  }
}

// With no time budget a pass stops early; the next pass resumes where it
// stopped, so repeated passes still reach every shard of every database.
TEST(ActiveExpireTest, ZeroBudgetStillMakesProgress) {
  Store store;
  for (int db : {0, 15}) {
    for (int i = 0; i < 2000; ++i) store.Set(db, Key(i), Bytes::Copy("v"), kNow - 1);
  }
  int cycles = 0;
  while ((store.DbSize(0) > 0 || store.DbSize(15) > 0) && cycles < 100000) {
    store.ActiveExpireCycle(kNow, 0);
    ++cycles;
  }
  EXPECT_EQ(store.DbSize(0), 0u);
  EXPECT_EQ(store.DbSize(15), 0u);
  EXPECT_EQ(store.ExpiredKeys(), 4000u);
}

TEST(ActiveExpireTest, UsesTheGivenClock) {
  Store store;
  for (int i = 0; i < 100; ++i) store.Set(0, Key(i), Bytes::Copy("v"), kNow + 1000);
  EXPECT_EQ(store.ActiveExpireCycle(kNow + 999, kBigBudgetUs), 0u);
  EXPECT_EQ(store.DbSize(0), 100u);
  size_t removed = 0;
  for (int cycle = 0; cycle < 3; ++cycle)
    removed += store.ActiveExpireCycle(kNow + 2000, kBigBudgetUs);
  EXPECT_EQ(removed, 100u);
  EXPECT_EQ(store.DbSize(0), 0u);
}

TEST(ShardTest, ExpireSampleReportsSampledAndExpired) {
  Store store({.databases = 1, .shards_per_db = 1});
  for (int i = 0; i < 10; ++i) store.Set(0, Key(i), Bytes::Copy("v"), kNow - 1);
  for (int i = 10; i < 15; ++i) store.Set(0, Key(i), Bytes::Copy("v"));
  uint64_t rng = 12345;
  Shard* shard = store.ShardAt(0, 0);
  LockedShard shard_lock(shard);
  size_t expired_total = 0;
  for (int round = 0; round < 1000 && shard->expires_size() > 0; ++round) {
    auto [sampled, expired] = shard->ExpireSample(kNow, 3, &rng);
    EXPECT_LE(sampled, 3u);
    EXPECT_LE(expired, sampled);
    expired_total += expired;
  }
  EXPECT_EQ(expired_total, 10u);
  EXPECT_EQ(shard->size(), 5u);
  EXPECT_EQ(shard->expired_keys, 10u);
  auto [sampled, expired] = shard->ExpireSample(kNow, 20, &rng);
  EXPECT_EQ(sampled, 0u) << "no keys with a TTL: nothing to sample";
  EXPECT_EQ(expired, 0u);
}

}  // namespace
}  // namespace valkdb
