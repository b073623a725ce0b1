#include "server/scheduler/id_generator.h"

#include <algorithm>
#include <cstdint>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "gtest/gtest.h"

namespace valkdb {
namespace {

constexpr uint64_t kMask48 = (uint64_t{1} << 48) - 1;

TEST(IdGeneratorTest, CounterMaskIs48Bits) { EXPECT_EQ(IdGenerator::kCounterMask, kMask48); }

TEST(IdGeneratorTest, CountsUpFromStart) {
  IdGenerator ids;
  EXPECT_EQ(ids.Next(), 0u);
  EXPECT_EQ(ids.Next(), 1u);
  EXPECT_EQ(ids.Next(), 2u);

  IdGenerator from(0, 1000);
  EXPECT_EQ(from.Next(), 1000u);
  EXPECT_EQ(from.Next(), 1001u);
}

TEST(IdGeneratorTest, PrefixInTheTop16Bits) {
  for (uint16_t prefix : {uint16_t{1}, uint16_t{7}, uint16_t{0x1234}, uint16_t{0xffff}}) {
    IdGenerator ids(prefix, 5);
    for (uint64_t i = 0; i < 3; ++i) {
      const uint64_t id = ids.Next();
      EXPECT_EQ(id >> 48, prefix);
      EXPECT_EQ(id & kMask48, 5 + i);
      EXPECT_EQ(id, (uint64_t{prefix} << 48) | (5 + i));
    }
  }
}

TEST(IdGeneratorTest, CounterWrapsAt2To48WithoutTouchingThePrefix) {
  IdGenerator ids(0xabcd, kMask48 - 1);
  EXPECT_EQ(ids.Next(), (uint64_t{0xabcd} << 48) | (kMask48 - 1));
  EXPECT_EQ(ids.Next(), (uint64_t{0xabcd} << 48) | kMask48);
  EXPECT_EQ(ids.Next(), uint64_t{0xabcd} << 48) << "wraps to 0, prefix intact";
  EXPECT_EQ(ids.Next(), (uint64_t{0xabcd} << 48) | 1);
}

TEST(IdGeneratorTest, StartBeyond48BitsIsMasked) {
  // A start value with bits above 48 never leaks into the prefix.
  IdGenerator ids(2, (uint64_t{0xffff} << 48) | 9);
  EXPECT_EQ(ids.Next(), (uint64_t{2} << 48) | 9);
}

TEST(IdGeneratorTest, GeneratorsWithDifferentPrefixesNeverCollide) {
  IdGenerator a(1), b(2);
  absl::flat_hash_set<uint64_t> seen;
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(seen.insert(a.Next()).second);
    ASSERT_TRUE(seen.insert(b.Next()).second);
  }
}

TEST(IdGeneratorTest, UniqueAcrossThreads) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 50000;
  IdGenerator ids(3);
  std::vector<std::vector<uint64_t>> got(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      got[t].reserve(kPerThread);
      for (int i = 0; i < kPerThread; ++i) got[t].push_back(ids.Next());
    });
  }
  for (std::thread& thread : threads) thread.join();
  std::vector<uint64_t> all;
  for (const auto& ids_of_thread : got) {
    // Each thread sees its own ids increasing.
    EXPECT_TRUE(std::is_sorted(ids_of_thread.begin(), ids_of_thread.end()));
    all.insert(all.end(), ids_of_thread.begin(), ids_of_thread.end());
  }
  std::sort(all.begin(), all.end());
  EXPECT_EQ(std::adjacent_find(all.begin(), all.end()), all.end()) << "duplicate id";
  ASSERT_EQ(all.size(), static_cast<size_t>(kThreads * kPerThread));
  // No gaps either: exactly the counter values 0 .. N-1 under the prefix.
  EXPECT_EQ(all.front(), uint64_t{3} << 48);
  EXPECT_EQ(all.back(), (uint64_t{3} << 48) | (kThreads * kPerThread - 1));
}

}  // namespace
}  // namespace valkdb
