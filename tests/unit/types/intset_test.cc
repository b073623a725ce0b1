// intset.h: Redis's intset (sorted distinct integers at the narrowest width)
// and the string2ll rule that decides whether a member may go in one.
#include "server/store/types/intset.h"

#include <cstdint>
#include <limits>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace valkdb::intset {
namespace {

constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

uint8_t WidthOf(const std::string& set) { return static_cast<uint8_t>(set[0]); }

std::vector<int64_t> Members(const std::string& set) {
  std::vector<int64_t> out;
  for (size_t i = 0; i < Count(set); ++i) out.push_back(Get(set, i));
  return out;
}

// Adds value, expecting it to be new.
void AddNew(std::string* set, int64_t value) {
  std::string out;
  ASSERT_TRUE(Add(*set, value, &out)) << value;
  ASSERT_TRUE(Valid(out));
  set->swap(out);
}

TEST(IntsetTest, EmptySet) {
  const std::string set = Empty();
  EXPECT_EQ(set, std::string(1, '\x02'));
  EXPECT_TRUE(Valid(set));
  EXPECT_EQ(Count(set), 0u);
  EXPECT_FALSE(Contains(set, 0));
  std::string out = "untouched";
  EXPECT_FALSE(Remove(set, 0, &out));
  EXPECT_EQ(out, "untouched");
}

TEST(IntsetTest, LittleEndianMembersAfterAWidthByte) {
  std::string set = Empty();
  AddNew(&set, 0x0102);
  AddNew(&set, -2);
  EXPECT_EQ(set, std::string("\x02\xfe\xff\x02\x01", 5));
}

TEST(IntsetTest, WidensFromTwoToFourToEightBytes) {
  std::string set = Empty();
  AddNew(&set, 5);
  AddNew(&set, std::numeric_limits<int16_t>::max());
  AddNew(&set, std::numeric_limits<int16_t>::min());
  EXPECT_EQ(WidthOf(set), 2);
  EXPECT_EQ(set.size(), 1u + 3 * 2);

  AddNew(&set, std::numeric_limits<int16_t>::max() + 1);  // appended: past every member
  EXPECT_EQ(WidthOf(set), 4);
  EXPECT_EQ(set.size(), 1u + 4 * 4);
  AddNew(&set, std::numeric_limits<int32_t>::min());
  AddNew(&set, std::numeric_limits<int32_t>::max());
  EXPECT_EQ(WidthOf(set), 4);

  AddNew(&set, int64_t{std::numeric_limits<int32_t>::min()} - 1);  // prepended: before every one
  EXPECT_EQ(WidthOf(set), 8);
  EXPECT_EQ(set.size(), 1u + 7 * 8);
  AddNew(&set, kMax);
  AddNew(&set, kMin);
  EXPECT_EQ(Members(set),
            (std::vector<int64_t>{
                kMin, int64_t{std::numeric_limits<int32_t>::min()} - 1,
                std::numeric_limits<int32_t>::min(), std::numeric_limits<int16_t>::min(), 5,
                std::numeric_limits<int16_t>::max(), std::numeric_limits<int16_t>::max() + 1,
                std::numeric_limits<int32_t>::max(), kMax}));
  for (int64_t v : Members(set)) EXPECT_TRUE(Contains(set, v)) << v;
}

TEST(IntsetTest, WideningStraightToEightBytes) {
  std::string set = Empty();
  AddNew(&set, 1);
  AddNew(&set, -1);
  AddNew(&set, int64_t{1} << 40);
  EXPECT_EQ(WidthOf(set), 8);
  EXPECT_EQ(Members(set), (std::vector<int64_t>{-1, 1, int64_t{1} << 40}));
}

TEST(IntsetTest, AddOfAMemberAndRemoveOfANonMemberLeaveOutAlone) {
  std::string set = Empty();
  AddNew(&set, 10);
  AddNew(&set, 20);
  std::string out = "untouched";
  EXPECT_FALSE(Add(set, 10, &out));
  EXPECT_EQ(out, "untouched");
  EXPECT_FALSE(Remove(set, 15, &out));
  EXPECT_FALSE(Remove(set, kMax, &out)) << "wider than the set: cannot be a member";
  EXPECT_FALSE(Contains(set, kMax));
  EXPECT_FALSE(Contains(set, 70000));
  EXPECT_EQ(out, "untouched");
}

TEST(IntsetTest, RemovalKeepsOrderAndNeverNarrows) {
  std::string set = Empty(), out;
  for (int64_t v : {3, 1, 2, 100000, -7}) AddNew(&set, v);
  ASSERT_EQ(WidthOf(set), 4);
  ASSERT_TRUE(Remove(set, 100000, &out));
  set.swap(out);
  EXPECT_EQ(WidthOf(set), 4) << "Redis does not narrow an intset";
  EXPECT_EQ(Members(set), (std::vector<int64_t>{-7, 1, 2, 3}));
  ASSERT_TRUE(Remove(set, -7, &out));  // first
  set.swap(out);
  ASSERT_TRUE(Remove(set, 3, &out));  // last
  set.swap(out);
  ASSERT_TRUE(Remove(set, 1, &out));
  set.swap(out);
  EXPECT_EQ(Members(set), (std::vector<int64_t>{2}));
  ASSERT_TRUE(Remove(set, 2, &out));
  set.swap(out);
  EXPECT_EQ(Count(set), 0u);
  EXPECT_TRUE(Valid(set));
  EXPECT_EQ(set.size(), 1u);
}

TEST(IntsetTest, MatchesASortedSetModel) {
  std::mt19937_64 rng(1234);
  std::string set = Empty(), out;
  std::set<int64_t> model;
  // Values mostly from a small range (hits), sometimes wide (widening).
  auto draw = [&]() -> int64_t {
    switch (rng() % 8) {
      case 0:
        return static_cast<int64_t>(rng());
      case 1:
        return static_cast<int64_t>(rng() % 200000) - 100000;
      default:
        return static_cast<int64_t>(rng() % 600) - 300;
    }
  };
  for (int i = 0; i < 20000; ++i) {
    const int64_t v = draw();
    if (rng() % 3 != 0) {
      const bool added = Add(set, v, &out);
      ASSERT_EQ(added, model.insert(v).second) << v;
      if (added) set.swap(out);
    } else {
      const bool removed = Remove(set, v, &out);
      ASSERT_EQ(removed, model.erase(v) == 1) << v;
      if (removed) set.swap(out);
    }
    if (i % 500 == 0) {
      ASSERT_TRUE(Valid(set));
      ASSERT_EQ(Members(set), std::vector<int64_t>(model.begin(), model.end()));
      const int64_t probe = draw();
      EXPECT_EQ(Contains(set, probe), model.count(probe) == 1);
    }
  }
  EXPECT_TRUE(Valid(set));
  EXPECT_EQ(Members(set), std::vector<int64_t>(model.begin(), model.end()));
  EXPECT_EQ(WidthOf(set), 8);
}

TEST(IntsetTest, ValidRejectsMalformedSets) {
  EXPECT_FALSE(Valid(""));
  for (char width : {'\0', '\1', '\3', '\x10', '\xff'}) {
    EXPECT_FALSE(Valid(std::string(1, width))) << static_cast<int>(width);
  }
  EXPECT_TRUE(Valid(std::string(1, '\x04')));
  EXPECT_TRUE(Valid(std::string(1, '\x08')));
  EXPECT_FALSE(Valid(std::string("\x02\x01", 2)));                  // half a member
  EXPECT_FALSE(Valid(std::string("\x04\x01\x00\x00\x00\x02", 6)));  // a member and a bit
  EXPECT_FALSE(Valid(std::string("\x02\x02\x00\x01\x00", 5)));      // descending
  EXPECT_FALSE(Valid(std::string("\x02\x01\x00\x01\x00", 5)));      // repeated
  EXPECT_FALSE(Valid(std::string("\x02\x01\x00\xff\xff", 5)));      // 1 then -1
  EXPECT_TRUE(Valid(std::string("\x02\xff\xff\x01\x00", 5)));       // -1 then 1
  // Wider than needed is fine: a set never narrows after removals.
  EXPECT_TRUE(Valid(std::string("\x08\x01\x00\x00\x00\x00\x00\x00\x00", 9)));
}

TEST(IntsetTest, ParseMemberAcceptsWhatString2llAccepts) {
  const std::vector<std::pair<std::string, int64_t>> ok = {
      {"0", 0},
      {"1", 1},
      {"-1", -1},
      {"10", 10},
      {"123456789", 123456789},
      {"9223372036854775807", kMax},
      {"-9223372036854775808", kMin},
      {"-9223372036854775807", kMin + 1},
  };
  for (const auto& [text, value] : ok) EXPECT_EQ(ParseMember(text), value) << text;
}

TEST(IntsetTest, ParseMemberRejectsWhatString2llRejects) {
  const std::vector<std::string> rejected = {
      "",
      "-",
      "-0",  // not the canonical form of 0
      "01",  // leading zero
      "00",
      "-01",
      "+1",  // no plus sign
      " 1",  // no spaces either side
      "1 ",
      "\t1",
      "1\n",
      "--1",
      "1-",
      "1a",
      "a",
      "0x10",
      "1.0",
      "1e3",
      std::string("1\0", 2),    // an embedded NUL is a byte like any other
      "9223372036854775808",    // INT64_MAX + 1
      "-9223372036854775809",   // INT64_MIN - 1
      "18446744073709551615",   // UINT64_MAX: not an int64
      "18446744073709551616",   // past UINT64_MAX
      "99999999999999999999",   // 20 digits, overflows in the multiply
      "00000000000000000001",   // leading zeros, 20 bytes
      "-09223372036854775808",  // 21 bytes: too long for string2ll
      "123456789012345678901",  // 21 digits
      std::string(100, '1'),
  };
  for (const std::string& text : rejected) {
    EXPECT_EQ(ParseMember(text), std::nullopt) << testing::PrintToString(text);
  }
}

TEST(IntsetTest, ParseMemberRoundTripsThroughDecimalText) {
  // string2ll accepts exactly the texts ll2string writes.
  std::mt19937_64 rng(99);
  for (int i = 0; i < 10000; ++i) {
    int64_t v = static_cast<int64_t>(rng());
    if (i % 3 == 0) v >>= rng() % 64;
    EXPECT_EQ(ParseMember(std::to_string(v)), v);
  }
}

}  // namespace
}  // namespace valkdb::intset
