// The store's multi-key and iteration APIs: MultiShardLock, SwapDatabases,
// Scan across rehashing, RandomKey, in-place value growth. Run under TSan as
// well: the threaded tests are its food.
#include <algorithm>
#include <atomic>
#include <cstring>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "protocol/bytes.h"
#include "protocol/str_util.h"
#include "server/store/store.h"

namespace valkdb {
namespace {

constexpr int64_t kNow = 1'700'000'000'000;

std::string Key(int i) { return StrCat("key:", i); }

std::optional<std::string> GetString(Store& store, int db, std::string_view key,
                                     int64_t now = kNow) {
  std::optional<Bytes> value = store.Get(db, key, now);
  if (!value) return std::nullopt;
  return value->str();
}

std::set<std::string> ScanAll(Store& store, int db, size_t count, int64_t now = kNow) {
  std::set<std::string> keys;
  uint64_t cursor = 0;
  int calls = 0;
  do {
    cursor = store.Scan(db, cursor, count, now,
                        [&](const Entry& e) { keys.insert(std::string(e.key())); });
    EXPECT_LT(++calls, 1'000'000);
  } while (cursor != 0 && calls < 1'000'000);
  return keys;
}

// ---------------------------------------------------------------- MultiShardLock

TEST(MultiShardLockTest, LocksEveryShardOnceAndGivesItBack) {
  Store store;
  std::vector<std::string> names;
  for (int i = 0; i < 100; ++i) names.push_back(Key(i));
  std::vector<MultiShardLock::Key> keys;
  for (int i = 0; i < 100; ++i) keys.push_back({i % 3, names[i]});
  keys.push_back({0, names[0]});  // twice
  {
    MultiShardLock lock(store, keys);
    for (const auto& k : keys) {
      Shard& shard = lock(k.db, k.key);
      shard.mu.AssertHeld();
      EXPECT_EQ(&shard, store.ShardFor(k.db, k.key));
      shard.Put(k.key, Entry::Make(k.key, std::string_view("v")), std::nullopt, false);
    }
  }
  // Every shard is free again.
  for (int db = 0; db < 3; ++db) {
    for (size_t i = 0; i < store.shard_count(); ++i) {
      Shard* shard = store.ShardAt(db, i);
      if (shard->mu.TryLock()) {
        shard->mu.Unlock();
      } else {
        ADD_FAILURE() << "shard " << i << " of db " << db << " is still locked";
      }
    }
  }
  EXPECT_EQ(GetString(store, 2, Key(2)), "v");
}

TEST(MultiShardLockTest, NoKeysIsFine) {
  Store store;
  MultiShardLock lock(store, std::vector<MultiShardLock::Key>{});
}

// Transfers between random pairs of counters under multi-shard locks, from
// several threads, in every order: no deadlock, and the total never changes.
TEST(MultiShardLockTest, ConcurrentTransfersKeepTheTotal) {
  Store store;
  constexpr int kCounters = 40, kThreads = 4, kOps = 5000;
  for (int i = 0; i < kCounters; ++i) store.Set(i % 2, Key(i), Bytes::Copy("1000"));
  std::atomic<bool> stop{false};
  std::atomic<int> bad_totals{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      uint64_t x = 0x9e3779b97f4a7c15ULL * static_cast<uint64_t>(t + 1);
      for (int op = 0; op < kOps; ++op) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        const int a = static_cast<int>(x % kCounters), b = static_cast<int>((x >> 20) % kCounters);
        const std::string ka = Key(a), kb = Key(b);
        MultiShardLock lock(store, {{a % 2, ka}, {b % 2, kb}});
        Shard& sa = lock(a % 2, ka);
        Shard& sb = lock(b % 2, kb);
        sa.mu.AssertHeld();
        sb.mu.AssertHeld();
        const int va = std::stoi(std::string(sa.Find(ka, kNow)->value_view()));
        const int vb = std::stoi(std::string(sb.Find(kb, kNow)->value_view()));
        if (a == b) continue;
        sa.Put(ka, Entry::Make(ka, std::string_view(std::to_string(va - 1))), std::nullopt, false);
        sb.Put(kb, Entry::Make(kb, std::string_view(std::to_string(vb + 1))), std::nullopt, false);
      }
    });
  }
  // A reader sums everything under one lock of all counters.
  std::thread reader([&] {
    std::vector<MultiShardLock::Key> all;
    std::vector<std::string> names;
    for (int i = 0; i < kCounters; ++i) names.push_back(Key(i));
    for (int i = 0; i < kCounters; ++i) all.push_back({i % 2, names[i]});
    while (!stop.load()) {
      MultiShardLock lock(store, all);
      int total = 0;
      for (const auto& k : all) {
        Shard& shard = lock(k.db, k.key);
        shard.mu.AssertHeld();
        total += std::stoi(std::string(shard.Find(k.key, kNow)->value_view()));
      }
      if (total != kCounters * 1000) ++bad_totals;
    }
  });
  for (auto& thread : threads) thread.join();
  stop = true;
  reader.join();
  EXPECT_EQ(bad_totals.load(), 0);
}

// ---------------------------------------------------------------- SwapDatabases

TEST(StoreV2Test, SwapDatabasesSwapsKeysAndTtls) {
  Store store;
  store.Set(0, "a", Bytes::Copy("1"), kNow + 1000);
  store.Set(1, "b", Bytes::Copy("2"));
  EXPECT_TRUE(store.SwapDatabases(0, 1));
  EXPECT_EQ(GetString(store, 0, "a"), std::nullopt);
  EXPECT_EQ(GetString(store, 0, "b"), "2");
  EXPECT_EQ(GetString(store, 1, "a"), "1");
  EXPECT_EQ(store.ExpiresSize(1), 1u);
  EXPECT_EQ(store.ExpiresSize(0), 0u);
  EXPECT_EQ(GetString(store, 1, "a", kNow + 1001), std::nullopt) << "the TTL came along";
  EXPECT_TRUE(store.SwapDatabases(3, 3));
  EXPECT_FALSE(store.SwapDatabases(0, 16));
  EXPECT_FALSE(store.SwapDatabases(-1, 0));
}

TEST(StoreV2Test, FlushDbEmptiesOnlyThatDatabase) {
  Store store;
  for (int i = 0; i < 1000; ++i) store.Set(i % 2, Key(i), Bytes::Copy("v"), kNow + 100);
  store.FlushDb(0);
  EXPECT_EQ(store.DbSize(0), 0u);
  EXPECT_EQ(store.ExpiresSize(0), 0u);
  EXPECT_EQ(store.DbSize(1), 500u);
  store.FlushAll();
  EXPECT_EQ(store.DbSize(1), 0u);
}

// ---------------------------------------------------------------- Scan

TEST(StoreScanTest, EveryKeyOnceWhenNothingChanges) {
  Store store;
  for (int i = 0; i < 3000; ++i) store.Set(0, Key(i), Bytes::Copy("v"));
  for (size_t count : {1, 10, 100, 100000}) {
    std::multiset<std::string> keys;
    uint64_t cursor = 0;
    do {
      cursor = store.Scan(0, cursor, count, kNow,
                          [&](const Entry& e) { keys.insert(std::string(e.key())); });
    } while (cursor != 0);
    EXPECT_EQ(keys.size(), 3000u) << count;
    EXPECT_EQ(std::set<std::string>(keys.begin(), keys.end()).size(), 3000u) << count;
  }
  EXPECT_TRUE(ScanAll(store, 1, 10).empty());
}

TEST(StoreScanTest, CountIsAboutTheKeysPerStep) {
  Store store;
  for (int i = 0; i < 1000; ++i) store.Set(0, Key(i), Bytes::Copy("v"));
  size_t seen = 0;
  const uint64_t cursor = store.Scan(0, 0, 25, kNow, [&](const Entry&) { ++seen; });
  EXPECT_NE(cursor, 0u);
  EXPECT_EQ(seen, 25u);
}

// Keys added between steps make shards rehash; each key present throughout
// is still returned, and the scan still ends though the keyspace grows 30
// times faster than it reads (a shard that rehashed is walked whole). 16
// shards, so that every shard rehashes while the scan is in it.
TEST(StoreScanTest, RehashingDoesNotLoseKeysOrLoopForEver) {
  Store store({.databases = 1, .shards_per_db = 16});
  for (int i = 0; i < 2000; ++i) store.Set(0, Key(i), Bytes::Copy("v"));
  std::set<std::string> keys;
  uint64_t cursor = 0;
  int added = 0, calls = 0;
  do {
    cursor = store.Scan(0, cursor, 3, kNow, [&](const Entry& e) {
      if (e.key().substr(0, 4) == "key:") keys.insert(std::string(e.key()));
    });
    for (int j = 0; j < 100; ++j) store.Set(0, StrCat("new:", added++), Bytes::Copy("v"));
    ASSERT_LT(++calls, 100000);
  } while (cursor != 0);
  EXPECT_EQ(keys.size(), 2000u);
}

TEST(StoreScanTest, SkipsExpiredKeysAndSurvivesFlush) {
  Store store;
  for (int i = 0; i < 100; ++i) store.Set(0, Key(i), Bytes::Copy("v"), i % 2 ? kNow - 1 : kNow + 1);
  EXPECT_EQ(ScanAll(store, 0, 10).size(), 50u);
  uint64_t cursor = store.Scan(0, 0, 5, kNow, [](const Entry&) {});
  ASSERT_NE(cursor, 0u);
  store.FlushDb(0);
  store.Set(0, "after", Bytes::Copy("v"));
  std::set<std::string> rest;
  do {
    cursor =
        store.Scan(0, cursor, 5, kNow, [&](const Entry& e) { rest.insert(std::string(e.key())); });
  } while (cursor != 0);
  EXPECT_LE(rest.size(), 1u);
}

TEST(StoreScanTest, ForEachKeyAndRandomKey) {
  Store store;
  EXPECT_EQ(store.RandomKey(0, kNow), std::nullopt);
  for (int i = 0; i < 50; ++i) store.Set(0, Key(i), Bytes::Copy("v"));
  store.Set(0, "expired", Bytes::Copy("v"), kNow - 1);
  std::set<std::string> all;
  store.ForEachKey(0, kNow, [&](const Entry& e) { all.insert(std::string(e.key())); });
  EXPECT_EQ(all.size(), 50u);
  EXPECT_EQ(all.count("expired"), 0u);
  std::set<std::string> random;
  for (int i = 0; i < 3000 && random.size() < 50; ++i) {
    std::optional<std::string> key = store.RandomKey(0, kNow);
    ASSERT_TRUE(key.has_value());
    ASSERT_EQ(all.count(*key), 1u) << *key;
    random.insert(*key);
  }
  EXPECT_EQ(random, all);
}

// ---------------------------------------------------------------- ResizeValue / Take

TEST(ShardV2Test, ResizeValueInPlaceKeepsTtlAndIndex) {
  Store store;
  const std::string key = "grow";
  Shard* shard = store.ShardFor(0, key);
  LockedShard shard_lock(shard);
  shard->Put(key, Entry::Make(key, std::string_view("")), kNow + 500, false);
  std::string expected;
  for (int i = 0; i < 5000; ++i) {
    const std::string piece = StrCat(i, ";");
    char* value = shard->ResizeValue(key, expected.size() + piece.size(), Entry::Encoding::kRaw);
    std::memcpy(value + expected.size(), piece.data(), piece.size());
    expected += piece;
  }
  const Entry* entry = shard->Find(key, kNow);
  ASSERT_NE(entry, nullptr);
  EXPECT_EQ(entry->value_view(), expected);
  EXPECT_EQ(entry->encoding(), Entry::Encoding::kRaw);
  EXPECT_EQ(shard->GetExpire(key), kNow + 500);
  EXPECT_EQ(shard->expires_size(), 1u);
  EXPECT_EQ(shard->Find(key, kNow + 501), nullptr) << "expires through the moved key";
  EXPECT_EQ(shard->expires_size(), 0u);
}

TEST(ShardV2Test, ResizeValueCopiesWhenAReplyHoldsTheValue) {
  Store store;
  const std::string key = "k";
  Shard* shard = store.ShardFor(0, key);
  LockedShard shard_lock(shard);
  shard->Put(key, Entry::MakeWithRoom(key, "abc", 3, 100, Entry::Encoding::kAuto), std::nullopt,
             false);
  Bytes held = shard->Find(key, kNow)->value();
  char* value = shard->ResizeValue(key, 4, Entry::Encoding::kRaw);
  value[0] = 'X';
  value[3] = 'd';
  EXPECT_EQ(held, "abc") << "the reply's bytes did not change";
  EXPECT_EQ(shard->Find(key, kNow)->value_view(), "Xbcd");
}

TEST(ShardV2Test, TakeHandsOverTheEntryAndItsTtl) {
  Store store;
  const std::string key = "k";
  {
    Shard* shard = store.ShardFor(0, key);
    LockedShard shard_lock(shard);
    shard->Put(key, Entry::Make(key, std::string_view("v")), kNow + 100, false);
    std::optional<int64_t> expire;
    Entry entry = shard->Take(key, &expire);
    EXPECT_EQ(expire, kNow + 100);
    EXPECT_EQ(entry.value_view(), "v");
    EXPECT_EQ(shard->Find(key, kNow), nullptr);
    EXPECT_EQ(shard->expires_size(), 0u);
    Shard* other = store.ShardFor(1, key);
    LockedShard other_lock(other);
    other->Put(key, std::move(entry), expire, false);
  }
  EXPECT_EQ(GetString(store, 1, key), "v");
  EXPECT_EQ(store.ExpiresSize(1), 1u);
}

}  // namespace
}  // namespace valkdb
