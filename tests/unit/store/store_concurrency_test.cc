// Several threads on one Store, as several event loops use it. Run under
// TSan as well (-DVALKDB_SANITIZE=thread): these tests are its food.
#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "protocol/bytes.h"
#include "server/store/store.h"

namespace valkdb {
namespace {

constexpr int64_t kNow = 1'700'000'000'000;
constexpr int kThreads = 4;

std::string Key(int i) { return "key:" + std::to_string(i); }

// Values say which key they belong to, so a value that ends up under the
// wrong key (or torn) is detected.
std::string ValueFor(int key, int thread, int round) {
  return Key(key) + "|t" + std::to_string(thread) + "|r" + std::to_string(round) +
         std::string(static_cast<size_t>(round % 50), '.');
}

bool ValueMatchesKey(std::string_view value, int key) {
  const std::string prefix = Key(key) + "|t";
  return value.substr(0, prefix.size()) == prefix;
}

TEST(StoreConcurrencyTest, SetGetDeleteOnOverlappingKeys) {
  Store store;
  constexpr int kKeys = 64;  // few keys: threads collide on the same ones all the time
  constexpr int kOps = 20000;
  std::atomic<int> bad_values{0};
  std::atomic<uint64_t> hits{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      uint64_t x = 0x9e3779b97f4a7c15ULL * static_cast<uint64_t>(t + 1);
      for (int i = 0; i < kOps; ++i) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        const int key = static_cast<int>(x % kKeys);
        switch (x % 5) {
          case 0:
          case 1:
            store.Set(0, Key(key), Bytes::Copy(ValueFor(key, t, i)));
            break;
          case 2:
            store.Set(0, Key(key), Bytes::Copy(ValueFor(key, t, i)), kNow + (x % 100));
            break;
          case 3: {
            std::optional<Bytes> value = store.Get(0, Key(key), kNow + 50);
            if (value) {
              hits.fetch_add(1, std::memory_order_relaxed);
              if (!ValueMatchesKey(value->view(), key)) bad_values.fetch_add(1);
            }
            break;
          }
          case 4:
            store.Delete(0, Key(key), kNow);
            break;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(bad_values.load(), 0);
  EXPECT_GT(hits.load(), 0u);
  // Whatever survived is consistent.
  size_t found = 0;
  for (int key = 0; key < kKeys; ++key) {
    std::optional<Bytes> value = store.Get(0, Key(key), kNow);
    if (!value) continue;
    ++found;
    EXPECT_TRUE(ValueMatchesKey(value->view(), key)) << value->view();
  }
  EXPECT_EQ(store.DbSize(0), found);
  EXPECT_LE(store.ExpiresSize(0), found);
}

// Readers keep the Bytes they got while writers replace and delete the same
// keys: the values must stay intact (refcounts are atomic, entries are freed
// by whoever drops the last reference).
TEST(StoreConcurrencyTest, ValuesStayValidWhileKeysAreReplaced) {
  Store store;
  constexpr int kKeys = 8;
  for (int key = 0; key < kKeys; ++key) store.Set(0, Key(key), Bytes::Copy(ValueFor(key, 9, 0)));
  std::atomic<bool> stop{false};
  std::atomic<int> bad_values{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; !stop.load(std::memory_order_relaxed) && i < 200000; ++i) {
        const int key = i % kKeys;
        if (i % 7 == 0) {
          store.Delete(0, Key(key), kNow);
        } else {
          store.Set(0, Key(key), Bytes::Copy(ValueFor(key, t, i)));
        }
      }
    });
  }
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&] {
      std::vector<std::pair<int, Bytes>> held;
      for (int i = 0; i < 20000; ++i) {
        const int key = i % kKeys;
        if (std::optional<Bytes> value = store.Get(0, Key(key), kNow)) {
          held.emplace_back(key, std::move(*value));
        }
        if (held.size() > 64) {
          for (const auto& [k, v] : held) {
            if (!ValueMatchesKey(v.view(), k)) bad_values.fetch_add(1);
          }
          held.clear();
        }
      }
    });
  }
  for (size_t i = 2; i < threads.size(); ++i) threads[i].join();
  stop = true;
  threads[0].join();
  threads[1].join();
  EXPECT_EQ(bad_values.load(), 0);
}

// Writers with TTLs, readers, and the active expiry pass all at once.
TEST(StoreConcurrencyTest, ActiveExpiryRacesWithReadersAndWriters) {
  Store store;
  constexpr int kKeys = 2000;
  std::atomic<bool> stop{false};
  std::atomic<int> bad_values{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads - 1; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 30000; ++i) {
        const int key = (i * 7 + t * 13) % kKeys;
        const int db = key % 3;
        // Half the keys are born expired (relative to kNow), half live.
        const int64_t when = (i % 2) ? kNow - 1 : kNow + 100000;
        if (i % 3 == 0) {
          std::optional<Bytes> value = store.Get(db, Key(key), kNow);
          if (value && !ValueMatchesKey(value->view(), key)) bad_values.fetch_add(1);
        } else if (i % 11 == 0) {
          Shard* shard = store.ShardFor(db, Key(key));
          LockedShard shard_lock(shard);
          shard->Persist(Key(key));
        } else {
          std::string key_name = Key(key);
          Shard* shard = store.ShardFor(db, key_name);
          LockedShard shard_lock(shard);
          shard->Put(key_name, Entry::Make(key_name, std::string_view(ValueFor(key, t, i))),
                     i % 5 == 0 ? std::nullopt : std::optional<int64_t>(when), i % 4 == 0);
        }
      }
    });
  }
  threads.emplace_back([&] {
    while (!stop.load(std::memory_order_relaxed)) store.ActiveExpireCycle(kNow, 1000);
  });
  for (int t = 0; t < kThreads - 1; ++t) threads[t].join();
  stop = true;
  threads.back().join();
  EXPECT_EQ(bad_values.load(), 0);

  // Afterwards the maps and the expiry index still agree: looking up every
  // key reclaims the expired ones, and what remains is counted exactly.
  size_t found = 0, with_ttl = 0;
  for (int key = 0; key < kKeys; ++key) {
    const int db = key % 3;
    Shard* shard = store.ShardFor(db, Key(key));
    LockedShard shard_lock(shard);
    if (const Entry* entry = shard->Find(Key(key), kNow)) {
      ++found;
      EXPECT_TRUE(ValueMatchesKey(entry->value_view(), key));
      if (std::optional<int64_t> when = shard->GetExpire(Key(key))) {
        EXPECT_GT(*when, kNow);
        ++with_ttl;
      }
    }
  }
  EXPECT_EQ(store.DbSize(0) + store.DbSize(1) + store.DbSize(2), found);
  EXPECT_EQ(store.ExpiresSize(0) + store.ExpiresSize(1) + store.ExpiresSize(2), with_ttl);
  EXPECT_EQ(store.ActiveExpireCycle(kNow, 10'000'000), 0u);
}

TEST(StoreConcurrencyTest, DbSizeAndFlushWhileWriting) {
  Store store;
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20000; ++i) {
        store.Set(t, Key(i % 500), Bytes::Copy(ValueFor(i % 500, t, i)), kNow + i);
      }
    });
  }
  threads.emplace_back([&] {
    while (!stop.load(std::memory_order_relaxed)) {
      EXPECT_LE(store.DbSize(0), 500u);
      EXPECT_LE(store.ExpiresSize(1), 500u);
      (void)store.MemoryUsage();
      (void)store.ExpiredKeys();
    }
  });
  threads.emplace_back([&] {
    for (int i = 0; i < 50; ++i) {
      store.FlushDb(0);
      std::this_thread::yield();
    }
    store.FlushAll();
  });
  threads[0].join();
  threads[1].join();
  threads[3].join();
  stop = true;
  threads[2].join();
  EXPECT_LE(store.DbSize(0), 500u);
  EXPECT_LE(store.DbSize(1), 500u);
  EXPECT_EQ(store.ExpiresSize(1), store.DbSize(1)) << "every key in db 1 was set with a TTL";
}

}  // namespace
}  // namespace valkdb
