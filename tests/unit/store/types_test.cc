// The data structures of server/store/types, on their own: the packed list,
// the intset and PackedTable, each against a simple model.
#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "gtest/gtest.h"
#include "protocol/str_util.h"
#include "server/store/types/intset.h"
#include "server/store/types/packed.h"
#include "server/store/types/packed_table.h"

namespace valkdb {
namespace {

TEST(PackedTest, AppendReadFindSplice) {
  std::string bytes;
  packed::Append(&bytes, "field");
  packed::Append(&bytes, "value");
  packed::Append(&bytes, std::string(300, 'x'));  // a two-byte length
  packed::Append(&bytes, "");
  EXPECT_EQ(packed::Count(bytes), 4u);
  EXPECT_TRUE(packed::Valid(bytes, 2));
  packed::Record record;
  ASSERT_TRUE(packed::Find(bytes, std::string(300, 'x'), 2, &record));
  EXPECT_EQ(record.second, "");
  EXPECT_FALSE(packed::Find(bytes, "value", 2, &record)) << "values are not keys";
  ASSERT_TRUE(packed::At(bytes, 0, 2, &record));
  EXPECT_EQ(record.first, "field");
  EXPECT_EQ(record.second, "value");
  EXPECT_FALSE(packed::At(bytes, 2, 2, &record));

  std::string out;
  const std::string_view f = "field", v = "new value";
  packed::Find(bytes, "field", 2, &record);
  packed::Splice(bytes, record.offset, record.size, &f, &v, &out);
  ASSERT_TRUE(packed::Find(out, "field", 2, &record));
  EXPECT_EQ(record.second, "new value");
  EXPECT_EQ(packed::Count(out), 4u);
  packed::Splice(out, record.offset, record.size, nullptr, nullptr, &bytes);
  EXPECT_EQ(packed::Count(bytes), 2u);
}

TEST(PackedTest, MalformedBytesEndIterationAndAreInvalid) {
  for (std::string bad :
       {std::string("\x05"
                    "ab",
                    3),
        std::string("\x80", 1), std::string("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", 10)}) {
    EXPECT_FALSE(packed::Valid(bad));
    packed::Record record;
    EXPECT_FALSE(packed::Find(bad, "ab", 1, &record));
    EXPECT_EQ(packed::Count(bad), 0u);
  }
  std::string odd;
  packed::Append(&odd, "lonely field");
  EXPECT_TRUE(packed::Valid(odd, 1));
  EXPECT_FALSE(packed::Valid(odd, 2));
}

TEST(IntsetTest, ParseMemberIsRedisString2ll) {
  EXPECT_EQ(intset::ParseMember("0"), 0);
  EXPECT_EQ(intset::ParseMember("-1"), -1);
  EXPECT_EQ(intset::ParseMember("9223372036854775807"), INT64_MAX);
  EXPECT_EQ(intset::ParseMember("-9223372036854775808"), INT64_MIN);
  for (const char* not_int : {"", "-", "-0", "01", "+1", " 1", "1 ", "9223372036854775808",
                              "-9223372036854775809", "1.0", "0x10", "123456789012345678901"}) {
    EXPECT_EQ(intset::ParseMember(not_int), std::nullopt) << not_int;
  }
}

TEST(IntsetTest, SortedAndWidenedLikeRedis) {
  std::string set = intset::Empty(), next;
  std::set<int64_t> model;
  std::mt19937_64 rng(7);
  for (int i = 0; i < 2000; ++i) {
    int64_t v = static_cast<int64_t>(rng() % 200) - 100;
    if (i == 500) v = 70000;           // needs 4 bytes
    if (i == 1000) v = -5000000000LL;  // needs 8 bytes
    const bool added = intset::Add(set, v, &next);
    EXPECT_EQ(added, model.insert(v).second);
    if (added) set.swap(next);
    if (rng() % 3 == 0) {
      const int64_t r = static_cast<int64_t>(rng() % 200) - 100;
      const bool removed = intset::Remove(set, r, &next);
      EXPECT_EQ(removed, model.erase(r) == 1);
      if (removed) set.swap(next);
    }
    ASSERT_TRUE(intset::Valid(set));
  }
  ASSERT_EQ(intset::Count(set), model.size());
  size_t i = 0;
  for (int64_t v : model) {
    EXPECT_EQ(intset::Get(set, i++), v);
    EXPECT_TRUE(intset::Contains(set, v));
  }
  EXPECT_FALSE(intset::Contains(set, INT64_MAX));
  EXPECT_EQ(static_cast<uint8_t>(set[0]), 8) << "widened to 8 bytes and never narrowed";
}

TEST(IntsetTest, InvalidBytes) {
  EXPECT_FALSE(intset::Valid(""));
  EXPECT_FALSE(intset::Valid(std::string(1, '\3')));
  EXPECT_FALSE(intset::Valid(std::string("\x02\x01", 2)));              // half a member
  EXPECT_FALSE(intset::Valid(std::string("\x02\x02\x00\x01\x00", 5)));  // not ascending
  EXPECT_TRUE(intset::Valid(std::string("\x02\x01\x00\x02\x00", 5)));
}

// PackedTable against a hash map, through growth and shrinking.
TEST(PackedTableTest, BehavesLikeAMap) {
  for (int arity : {1, 2}) {
    PackedTable table(arity);
    absl::flat_hash_map<std::string, std::string> model;
    std::mt19937_64 rng(42 + static_cast<uint64_t>(arity));
    for (int i = 0; i < 60000; ++i) {
      const std::string key = StrCat("k", rng() % 20000);
      const uint64_t op = rng() % 10;
      if (op < 6) {
        const std::string value = arity == 2 ? std::string(rng() % 40, 'a' + rng() % 26) : "";
        EXPECT_EQ(table.Insert(key, value), !model.contains(key));
        model[key] = arity == 2 ? value : key;
      } else {
        EXPECT_EQ(table.Erase(key), model.erase(key) == 1);
      }
      if (i % 5000 == 0) {
        // Most keys gone: the table shrinks, and still finds what is left.
        for (auto it = model.begin(); it != model.end();) {
          if (rng() % 10 != 0) {
            ASSERT_TRUE(table.Erase(it->first));
            model.erase(it++);
          } else {
            ++it;
          }
        }
      }
    }
    ASSERT_EQ(table.size(), model.size());
    for (const auto& [key, value] : model) {
      std::string_view found;
      ASSERT_TRUE(table.Find(key, &found)) << key;
      EXPECT_EQ(found, value);
    }
    size_t visited = 0;
    table.ForEach([&](std::string_view key, std::string_view) {
      ++visited;
      EXPECT_TRUE(model.contains(std::string(key)));
    });
    EXPECT_EQ(visited, model.size());

    PackedTable copy = table.Clone();
    table.Clear();
    EXPECT_EQ(copy.size(), model.size());
    EXPECT_TRUE(copy.Contains(model.begin()->first));
    EXPECT_GT(copy.MemoryUsage(), 0u);
  }
}

TEST(PackedTableTest, PrefetchChangesNothing) {
  PackedTable table(2);
  const std::vector<std::string_view> keys = {"a", "b", "", "missing"};
  table.Prefetch(keys);  // empty: no buckets yet
  table.PrefetchSlots(keys);
  EXPECT_TRUE(table.empty());
  std::vector<std::string> fields;
  for (int i = 0; i < 1000; ++i) fields.push_back(StrCat("field", i));
  for (const std::string& f : fields) table.Insert(f, f + "v");
  std::vector<std::string_view> many(fields.begin(), fields.end());
  many.push_back("missing");
  table.PrefetchSlots(many);
  table.Prefetch(many);  // more than one chunk
  EXPECT_EQ(table.size(), 1000u);
  for (const std::string& f : fields) {
    std::string_view v;
    ASSERT_TRUE(table.Find(f, &v)) << f;
    EXPECT_EQ(v, f + "v");
  }
  EXPECT_FALSE(table.Contains("missing"));
}

TEST(PackedTableTest, ScanReturnsEveryRecordPresentThroughoutDespiteResizes) {
  PackedTable table(2);
  for (int i = 0; i < 5000; ++i) table.Insert(StrCat("stay", i), "v");
  std::set<std::string> seen;
  std::mt19937_64 rng(3);
  uint64_t cursor = 0;
  int steps = 0, churn = 0;
  do {
    cursor = table.Scan(
        cursor, [&](std::string_view key, std::string_view) { seen.insert(std::string(key)); });
    // Others come and go between steps, growing and shrinking the table.
    const int n = steps % 20 < 10 ? 500 : -500;
    for (int j = 0; j < std::abs(n); ++j) {
      const std::string key = StrCat("churn", churn + j);
      if (n > 0) {
        table.Insert(key, "x");
      } else {
        table.Erase(StrCat("churn", churn - 1 - j));
      }
    }
    churn += n;
    ++steps;
  } while (cursor != 0 && steps < 100000);
  ASSERT_EQ(cursor, 0u) << "the scan ends";
  for (int i = 0; i < 5000; ++i) EXPECT_TRUE(seen.contains(StrCat("stay", i))) << i;
}

TEST(PackedTableTest, RandomIsRoughlyUniform) {
  PackedTable table(1);
  constexpr int kMembers = 200;
  for (int i = 0; i < kMembers; ++i) table.Insert(StrCat("m", i));
  std::map<std::string, int> counts;
  uint64_t rng = 12345;
  constexpr int kDraws = 200000;
  for (int i = 0; i < kDraws; ++i) counts[std::string(table.Random(&rng).first)]++;
  ASSERT_EQ(counts.size(), static_cast<size_t>(kMembers));
  double chi = 0;
  const double expected = static_cast<double>(kDraws) / kMembers;
  for (const auto& [member, count] : counts)
    chi += (count - expected) * (count - expected) / expected;
  // 199 degrees of freedom: a fair picker stays far below 400.
  EXPECT_LT(chi, 400) << "picks are not uniform";
}

TEST(PackedTableTest, BytesPerRecordAreFew) {
  PackedTable table(2);
  constexpr int kRecords = 100000;
  char field[13], value[17];
  for (int i = 0; i < kRecords; ++i) {
    std::snprintf(field, sizeof(field), "fld:%08d", i);
    std::snprintf(value, sizeof(value), "value:%010d", i);
    table.Insert(field, value);
  }
  const double per_record = static_cast<double>(table.MemoryUsage()) / kRecords;
  // 28 bytes of data + 2 of lengths; Redis spends about 72 on such a field.
  EXPECT_LT(per_record, 45) << per_record;
}

}  // namespace
}  // namespace valkdb
