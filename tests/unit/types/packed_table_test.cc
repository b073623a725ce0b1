// PackedTable: big hashes (arity 2) and sets (arity 1), checked against a
// flat_hash_map model through many growths and shrinks; SCAN's guarantee
// across resizes; random picks; copies; memory accounting.
#include "server/store/types/packed_table.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "gtest/gtest.h"

namespace valkdb {
namespace {

using Model = absl::flat_hash_map<std::string, std::string>;

std::string Name(std::string_view prefix, uint64_t i) {
  return std::string(prefix) + std::to_string(i);
}

// Every record of the table, checked to appear once.
Model Contents(const PackedTable& table) {
  Model out;
  table.ForEach([&](std::string_view key, std::string_view value) {
    EXPECT_TRUE(out.emplace(std::string(key), std::string(value)).second)
        << "visited twice: " << key;
  });
  return out;
}

// The table holds exactly the model (arity 1 models map a member to itself).
void ExpectSame(const PackedTable& table, const Model& model) {
  ASSERT_EQ(table.size(), model.size());
  ASSERT_EQ(table.empty(), model.empty());
  for (const auto& [key, value] : model) {
    std::string_view found;
    ASSERT_TRUE(table.Find(key, &found)) << key;
    ASSERT_EQ(found, value) << key;
    ASSERT_TRUE(table.Contains(key)) << key;
  }
  Model contents = Contents(table);
  if (table.arity() == 1) {
    for (auto& [key, value] : contents) {
      EXPECT_EQ(value, "");
      value = key;
    }
  }
  EXPECT_EQ(contents, model);
}

// Buckets in the table: a full scan takes one call per bucket.
size_t Buckets(const PackedTable& table) {
  size_t calls = 0;
  uint64_t cursor = 0;
  do {
    cursor = table.Scan(cursor, [](std::string_view, std::string_view) {});
    ++calls;
  } while (cursor != 0);
  return calls;
}

TEST(PackedTableTest, EmptyTable) {
  for (int arity : {1, 2}) {
    PackedTable table(arity);
    EXPECT_EQ(table.arity(), arity);
    EXPECT_TRUE(table.empty());
    EXPECT_EQ(table.size(), 0u);
    EXPECT_FALSE(table.Contains(""));
    std::string_view value;
    EXPECT_FALSE(table.Find("k", &value));
    EXPECT_FALSE(table.Erase("k"));
    EXPECT_EQ(table.MemoryUsage(), 0u);
    int visits = 0;
    table.ForEach([&](std::string_view, std::string_view) { ++visits; });
    EXPECT_EQ(table.Scan(0, [&](std::string_view, std::string_view) { ++visits; }), 0u);
    EXPECT_EQ(table.Scan(12345, [&](std::string_view, std::string_view) { ++visits; }), 0u);
    EXPECT_EQ(visits, 0);
  }
}

TEST(PackedTableTest, HashInsertReplaceFindErase) {
  PackedTable table(2);
  EXPECT_TRUE(table.Insert("field", "value"));
  EXPECT_FALSE(table.Insert("field", "VALUE")) << "same size: replaced in place";
  std::string_view value;
  ASSERT_TRUE(table.Find("field", &value));
  EXPECT_EQ(value, "VALUE");
  EXPECT_FALSE(table.Insert("field", std::string(300, 'L'))) << "longer";
  ASSERT_TRUE(table.Find("field", &value));
  EXPECT_EQ(value, std::string(300, 'L'));
  EXPECT_FALSE(table.Insert("field", "")) << "empty";
  ASSERT_TRUE(table.Find("field", &value));
  EXPECT_EQ(value, "");
  EXPECT_EQ(table.size(), 1u);

  // Keys that are prefixes of each other, empty, binary; values like keys.
  const std::vector<std::pair<std::string, std::string>> records = {
      {"", "empty key"},
      {"a", "b"},
      {"aa", "a"},
      {std::string("\0\x80\xff", 3), std::string("\0", 1)},
      {std::string(200, 'k'), std::string(20000, 'v')},
  };
  for (const auto& [k, v] : records) EXPECT_TRUE(table.Insert(k, v));
  for (const auto& [k, v] : records) {
    ASSERT_TRUE(table.Find(k, &value)) << k;
    EXPECT_EQ(value, v);
  }
  EXPECT_FALSE(table.Contains("aaa"));
  EXPECT_FALSE(table.Contains(std::string("\0\x80", 2)));
  EXPECT_EQ(table.size(), records.size() + 1);

  EXPECT_TRUE(table.Erase("a"));
  EXPECT_FALSE(table.Erase("a"));
  EXPECT_FALSE(table.Contains("a"));
  EXPECT_TRUE(table.Contains("aa"));
  EXPECT_EQ(table.size(), records.size());
}

TEST(PackedTableTest, SetMembersAreTheirOwnValues) {
  PackedTable table(1);
  EXPECT_TRUE(table.Insert("m"));
  EXPECT_FALSE(table.Insert("m"));
  EXPECT_FALSE(table.Insert("m", "a value is ignored"));
  std::string_view found;
  const std::string key = "m";
  ASSERT_TRUE(table.Find(key, &found));
  EXPECT_EQ(found, "m");
  EXPECT_NE(found.data(), key.data()) << "the stored bytes, not the caller's";
  table.ForEach([](std::string_view k, std::string_view v) {
    EXPECT_EQ(k, "m");
    EXPECT_EQ(v, "");
  });
}

// Random operations against the model: grows to ~40k records (doubling many
// times), shrinks back to a handful (halving many times), twice.
TEST(PackedTableTest, MatchesAMapModelThroughGrowthAndShrinking) {
  for (int arity : {1, 2}) {
    SCOPED_TRACE(arity);
    PackedTable table(arity);
    Model model;
    std::mt19937_64 rng(7 + static_cast<uint64_t>(arity));
    size_t most_buckets = 0;
    for (int cycle = 0; cycle < 2; ++cycle) {
      // Up: mostly inserts (some replacing, with values of changing length).
      for (int i = 0; i < 60000; ++i) {
        const std::string key = Name("key:", rng() % 40000);
        if (rng() % 8 != 0) {
          const std::string value = arity == 2 ? std::string(rng() % 40, 'a' + rng() % 26) : "";
          ASSERT_EQ(table.Insert(key, value), !model.contains(key));
          model[key] = arity == 2 ? value : key;
        } else {
          ASSERT_EQ(table.Erase(key), model.erase(key) == 1);
        }
        if (i % 10000 == 0) ExpectSame(table, model);
      }
      ExpectSame(table, model);
      most_buckets = std::max(most_buckets, Buckets(table));
      // Down: erase all but a few, checking along the way.
      std::vector<std::string> keys;
      for (const auto& [key, value] : model) keys.push_back(key);
      std::shuffle(keys.begin(), keys.end(), rng);
      for (size_t i = 0; i + 5 < keys.size(); ++i) {
        ASSERT_TRUE(table.Erase(keys[i]));
        ASSERT_FALSE(table.Erase(keys[i]));
        model.erase(keys[i]);
        if (i % 5000 == 0) ExpectSame(table, model);
      }
      ExpectSame(table, model);
      EXPECT_LE(Buckets(table), 8u) << "shrank with its records";
    }
    EXPECT_GE(most_buckets, 4096u) << "grew with its records";
  }
}

TEST(PackedTableTest, ErasingEverythingFreesEverything) {
  PackedTable table(2);
  for (int i = 0; i < 10000; ++i) table.Insert(Name("f", i), "value");
  const size_t full = table.MemoryUsage();
  for (int i = 0; i < 9000; ++i) ASSERT_TRUE(table.Erase(Name("f", i)));
  // A tenth of the records: the bucket table halved, emptied buckets freed,
  // thinned ones trimmed (kept as they were, it would be about half).
  EXPECT_LT(table.MemoryUsage(), full / 4);
  for (int i = 9000; i < 10000; ++i) ASSERT_TRUE(table.Erase(Name("f", i)));
  EXPECT_TRUE(table.empty());
  EXPECT_EQ(table.MemoryUsage(), 0u);
  EXPECT_TRUE(table.Insert("again", "works"));
  EXPECT_EQ(table.size(), 1u);
}

TEST(PackedTableTest, ShorterValuesGiveMemoryBack) {
  PackedTable table(2);
  for (int i = 0; i < 1000; ++i) table.Insert(Name("f", i), std::string(100, 'x'));
  const size_t big = table.MemoryUsage();
  for (int i = 0; i < 1000; ++i) table.Insert(Name("f", i), "y");
  EXPECT_LT(table.MemoryUsage(), big / 3);
  std::string_view value;
  ASSERT_TRUE(table.Find("f999", &value));
  EXPECT_EQ(value, "y");
}

TEST(PackedTableTest, ClearEmptiesAndTheTableIsReusable) {
  PackedTable table(1);
  for (int i = 0; i < 1000; ++i) table.Insert(Name("m", i));
  table.Clear();
  EXPECT_TRUE(table.empty());
  EXPECT_EQ(table.MemoryUsage(), 0u);
  EXPECT_FALSE(table.Contains("m1"));
  EXPECT_TRUE(table.Insert("m1"));
  EXPECT_TRUE(table.Contains("m1"));
}

TEST(PackedTableTest, CloneIsDeep) {
  PackedTable table(2);
  Model model;
  for (int i = 0; i < 5000; ++i) {
    table.Insert(Name("f", i), Name("v", i));
    model[Name("f", i)] = Name("v", i);
  }
  PackedTable copy = table.Clone();
  ExpectSame(copy, model);
  EXPECT_EQ(copy.arity(), 2);
  EXPECT_GT(copy.MemoryUsage(), 0u);

  std::string_view in_table, in_copy;
  ASSERT_TRUE(table.Find("f1", &in_table));
  ASSERT_TRUE(copy.Find("f1", &in_copy));
  EXPECT_NE(in_table.data(), in_copy.data());

  // Changes to either side stay on that side.
  table.Insert("f1", "changed");
  table.Erase("f2");
  table.Insert("new", "record");
  copy.Erase("f3");
  ExpectSame(table.Clone(), [&] {
    Model m = model;
    m["f1"] = "changed";
    m.erase("f2");
    m["new"] = "record";
    return m;
  }());
  model.erase("f3");
  ExpectSame(copy, model);

  table.Clear();
  ExpectSame(copy, model);
  PackedTable empty_copy = PackedTable(1).Clone();
  EXPECT_TRUE(empty_copy.empty());
  EXPECT_EQ(empty_copy.arity(), 1);
}

TEST(PackedTableTest, MovesLeaveAnEmptyUsableTable) {
  PackedTable table(2);
  for (int i = 0; i < 100; ++i) table.Insert(Name("f", i), "v");
  PackedTable moved(std::move(table));
  EXPECT_EQ(moved.size(), 100u);
  EXPECT_TRUE(table.empty());  // NOLINT(bugprone-use-after-move): the moved-from state is defined
  EXPECT_EQ(table.MemoryUsage(), 0u);
  EXPECT_TRUE(table.Insert("x", "y"));
  PackedTable other(1);
  other.Insert("m");
  other = std::move(moved);
  EXPECT_EQ(other.arity(), 2);
  EXPECT_EQ(other.size(), 100u);
  EXPECT_TRUE(other.Contains("f99"));
  EXPECT_FALSE(other.Contains("m"));
}

TEST(PackedTableTest, FullScanWithoutChangesVisitsEveryRecordOnce) {
  PackedTable table(2);
  Model model;
  for (int i = 0; i < 3000; ++i) {
    table.Insert(Name("f", i), Name("v", i));
    model[Name("f", i)] = Name("v", i);
  }
  Model seen;
  uint64_t cursor = 0;
  size_t calls = 0;
  do {
    cursor = table.Scan(cursor, [&](std::string_view key, std::string_view value) {
      EXPECT_TRUE(seen.emplace(std::string(key), std::string(value)).second) << "twice: " << key;
    });
    ++calls;
  } while (cursor != 0);
  EXPECT_EQ(seen, model);
  EXPECT_EQ(calls, Buckets(table));
  EXPECT_GE(calls, 3000u / 6) << "a bucket holds a few records";
}

// Scans while records come and go between calls, resizing the table both
// ways, by one step or several doublings/halvings at once: every record
// present for the whole scan is returned.
TEST(PackedTableTest, ScanReturnsRecordsPresentThroughoutAcrossResizes) {
  for (int arity : {1, 2}) {
    SCOPED_TRACE(arity);
    std::mt19937_64 rng(11 + static_cast<uint64_t>(arity));
    for (int round = 0; round < 3; ++round) {
      PackedTable table(arity);
      constexpr int kStaying = 300;
      constexpr size_t kJump = 20000;
      for (int i = 0; i < kStaying; ++i) table.Insert(Name("stay", i), "s");
      std::vector<std::string> churn;  // the most recent last
      uint64_t next_churn = 0;
      auto add = [&](size_t n) {
        for (size_t j = 0; j < n; ++j) {
          churn.push_back(Name("churn", next_churn++));
          table.Insert(churn.back(), "c");
        }
      };
      auto remove = [&](size_t n) {
        for (size_t j = 0; j < n && !churn.empty(); ++j) {
          std::swap(churn[rng() % churn.size()], churn.back());
          EXPECT_TRUE(table.Erase(churn.back()));
          churn.pop_back();
        }
      };
      absl::flat_hash_set<std::string> seen;
      int grew = 0, shrank = 0;  // times the table changed size by 4x or more between two calls
      uint64_t cursor = 0;
      int calls = 0, jumps = 0;
      do {
        cursor = table.Scan(cursor, [&](std::string_view key, std::string_view value) {
          if (arity == 2) {
            EXPECT_EQ(value, key.substr(0, 4) == "stay" ? "s" : "c");
          }
          seen.emplace(std::string(key));
        });
        ++calls;
        if (calls == 2 + round || calls == 5 + round || calls % 500 == 0) {
          // A jump: the table doubles or halves several times before the next call.
          const size_t before = Buckets(table);
          if (jumps++ % 2 == 0) {
            add(kJump);
          } else {
            remove(churn.size());
          }
          const size_t after = Buckets(table);
          grew += after >= 4 * before;
          shrank += before >= 4 * after;
        } else if (rng() % 2 == 0) {
          add(rng() % 200);
        } else {
          remove(rng() % 200);
        }
      } while (cursor != 0 && calls < 1000000);
      ASSERT_EQ(cursor, 0u) << "the scan ends";
      for (int i = 0; i < kStaying; ++i) {
        ASSERT_TRUE(seen.contains(Name("stay", i))) << "round " << round << ": stay" << i;
      }
      EXPECT_GT(grew, 0);
      EXPECT_GT(shrank, 0);
    }
  }
}

TEST(PackedTableTest, ScanCursorSurvivesTheTableEmptying) {
  PackedTable table(1);
  for (int i = 0; i < 1000; ++i) table.Insert(Name("m", i));
  uint64_t cursor = table.Scan(0, [](std::string_view, std::string_view) {});
  cursor = table.Scan(cursor, [](std::string_view, std::string_view) {});
  ASSERT_NE(cursor, 0u);
  table.Clear();
  EXPECT_EQ(table.Scan(cursor, [](std::string_view, std::string_view) {}), 0u);
  // Continued on a refilled table, the old cursor still ends the scan.
  for (int i = 0; i < 1000; ++i) table.Insert(Name("n", i));
  int calls = 0;
  do {
    cursor = table.Scan(cursor, [](std::string_view, std::string_view) {});
    ++calls;
  } while (cursor != 0 && calls < 100000);
  EXPECT_EQ(cursor, 0u);
  EXPECT_LE(static_cast<size_t>(calls), Buckets(table));
}

TEST(PackedTableTest, RandomPicksOnlyRecordsThatExist) {
  PackedTable table(2);
  Model model;
  for (int i = 0; i < 500; ++i) {
    table.Insert(Name("f", i), Name("v", i));
    model[Name("f", i)] = Name("v", i);
  }
  for (int i = 0; i < 500; i += 2) {
    table.Erase(Name("f", i));
    model.erase(Name("f", i));
  }
  uint64_t rng = 0x1234;
  absl::flat_hash_set<std::string> picked;
  for (int i = 0; i < 20000; ++i) {
    const auto [key, value] = table.Random(&rng);
    auto it = model.find(std::string(key));
    ASSERT_NE(it, model.end()) << key;
    ASSERT_EQ(value, it->second);
    picked.emplace(std::string(key));
  }
  EXPECT_EQ(picked.size(), model.size()) << "every record can be picked";

  PackedTable one(1);
  one.Insert("solo");
  for (int i = 0; i < 100; ++i) EXPECT_EQ(one.Random(&rng).first, "solo");
}

// Each record's share of many picks, after the table grew, had records
// replaced and erased, and shrank: a bucket count that drifted from its
// bucket would skew the shares (or never pick some records).
TEST(PackedTableTest, RandomIsFairAfterGrowthReplacementAndShrinking) {
  for (int arity : {1, 2}) {
    SCOPED_TRACE(arity);
    PackedTable table(arity);
    for (int i = 0; i < 20000; ++i) table.Insert(Name("m", i), "v");
    for (int i = 0; i < 20000; i += 3) table.Insert(Name("m", i), "a longer value");
    for (int i = 0; i < 20000; ++i) {
      if (i % 40 != 0) {
        ASSERT_TRUE(table.Erase(Name("m", i)));
      }
    }
    ASSERT_EQ(table.size(), 500u);
    absl::flat_hash_map<std::string, int> picks;
    uint64_t rng = 0x5eed;
    constexpr int kPerRecord = 400;
    for (int i = 0; i < 500 * kPerRecord; ++i) ++picks[std::string(table.Random(&rng).first)];
    ASSERT_EQ(picks.size(), 500u);
    // Binomial(200000, 1/500): mean 400, sd 20; 6 sd either side.
    for (const auto& [key, count] : picks) {
      EXPECT_GT(count, kPerRecord - 120) << key;
      EXPECT_LT(count, kPerRecord + 120) << key;
    }
  }
}

TEST(PackedTableTest, NextRandomIsXorshift64Star) {
  // The reference algorithm (Vigna, "An experimental exploration of
  // Marsaglia's xorshift generators"): shifts 12, 25, 27; multiplier 2685821657736338717.
  uint64_t reference = 1;
  uint64_t state = 1;
  for (int i = 0; i < 1000; ++i) {
    reference ^= reference >> 12;
    reference ^= reference << 25;
    reference ^= reference >> 27;
    const uint64_t expected = reference * 2685821657736338717ULL;
    ASSERT_EQ(NextRandom(&state), expected) << i;
    ASSERT_EQ(state, reference);
    ASSERT_NE(state, 0u);
  }
  state = 1;
  EXPECT_EQ(NextRandom(&state), 0x2000001ULL * 2685821657736338717ULL);
}

// Keys that share a bucket in tables of up to `buckets` buckets, found
// through the public interface: a scan step at cursor 0 visits bucket 0.
std::vector<std::string> KeysOfBucketZero(size_t count, size_t* buckets) {
  PackedTable probe(1);
  for (int i = 0; i < 200; ++i) probe.Insert(Name("filler", i));
  *buckets = Buckets(probe);
  std::vector<std::string> keys;
  for (uint64_t i = 0; keys.size() < count && i < 10000000; ++i) {
    std::string key = Name("collide", i);
    probe.Insert(key);
    bool in_zero = false;
    probe.Scan(0, [&](std::string_view k, std::string_view) { in_zero = in_zero || k == key; });
    probe.Erase(key);
    if (in_zero) keys.push_back(std::move(key));
  }
  return keys;
}

// A bucket of over 64 records (more than one split pass keeps bits for)
// still splits correctly when the table grows.
TEST(PackedTableTest, CrowdedBucketsSplitAndMergeCorrectly) {
  size_t buckets = 0;
  const std::vector<std::string> crowd = KeysOfBucketZero(100, &buckets);
  ASSERT_EQ(crowd.size(), 100u);
  ASSERT_GE(buckets, 16u) << "100 records fit a table of this many buckets";
  for (int arity : {1, 2}) {
    SCOPED_TRACE(arity);
    PackedTable table(arity);
    Model model;
    for (const std::string& key : crowd) {
      table.Insert(key, key + "-value");
      model[key] = arity == 2 ? key + "-value" : key;
    }
    bool saw_crowd = false;
    table.Scan(0, [&](std::string_view, std::string_view) { saw_crowd = true; });
    EXPECT_TRUE(saw_crowd);
    ExpectSame(table, model);
    // Grow past the probe's size, splitting the crowded bucket.
    for (uint64_t i = 0; Buckets(table) <= buckets; ++i) {
      table.Insert(Name("more", i), "m");
      model[Name("more", i)] = arity == 2 ? "m" : Name("more", i);
    }
    ExpectSame(table, model);
    uint64_t rng = 99;
    for (int i = 0; i < 1000; ++i)
      ASSERT_TRUE(model.contains(std::string(table.Random(&rng).first)));
    // And shrink again, merging it back.
    for (uint64_t i = 0; model.contains(Name("more", i)); ++i) {
      ASSERT_TRUE(table.Erase(Name("more", i)));
      model.erase(Name("more", i));
    }
    ExpectSame(table, model);
    for (size_t i = 0; i < 80; ++i) {
      ASSERT_TRUE(table.Erase(crowd[i]));
      model.erase(crowd[i]);
    }
    ExpectSame(table, model);
    EXPECT_LE(Buckets(table), buckets / 2) << "merged while shrinking";
  }
}

// Bytes per record, by MemoryUsage(): a 12-byte field with a 16-byte value
// is 30 bytes of record; a 12-byte member 13.
TEST(PackedTableTest, MemoryPerRecordIsFewBytesOverTheData) {
  constexpr int kRecords = 200000;
  PackedTable hash(2), set(1);
  char field[16], value[24];
  size_t last_usage = 0;
  for (int i = 0; i < kRecords; ++i) {
    std::snprintf(field, sizeof(field), "fld:%08d", i);
    std::snprintf(value, sizeof(value), "value:%010d", i);
    hash.Insert(field, value);
    set.Insert(field);
    if ((i + 1) % 20000 == 0) {
      const size_t usage = hash.MemoryUsage();
      EXPECT_GT(usage, last_usage) << "grows with the records";
      EXPECT_GE(usage, static_cast<size_t>(i + 1) * 30) << "at least the records' bytes";
      last_usage = usage;
    }
  }
  const double hash_bytes = static_cast<double>(hash.MemoryUsage()) / kRecords;
  const double set_bytes = static_cast<double>(set.MemoryUsage()) / kRecords;
  EXPECT_LT(hash_bytes, 45) << hash_bytes;
  EXPECT_LT(set_bytes, 25) << set_bytes;
  std::printf("bytes per record at %d: hash %.1f, set %.1f\n", kRecords, hash_bytes, set_bytes);
}

}  // namespace
}  // namespace valkdb
