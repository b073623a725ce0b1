#include "server/store/types/small_zset.h"

#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "server/store/types/packed.h"

namespace valkdb::small_zset {
namespace {

// The bytes a score takes once encoded, without its length varint.
size_t ScoreBytes(double score) {
  std::string out;
  AppendScore(&out, score);
  return out.size() - 1;
}

double RoundTrip(double score) {
  std::string out;
  AppendScore(&out, score);
  packed::Reader reader(out);
  std::string_view element;
  EXPECT_TRUE(reader.Next(&element));
  return DecodeScore(element);
}

TEST(SmallZSetTest, IntegerScoresTakeTheFewestBytes) {
  EXPECT_EQ(ScoreBytes(0), 0u);
  EXPECT_EQ(ScoreBytes(1), 1u);
  EXPECT_EQ(ScoreBytes(-128), 1u);
  EXPECT_EQ(ScoreBytes(127), 1u);
  EXPECT_EQ(ScoreBytes(128), 2u);
  EXPECT_EQ(ScoreBytes(-129), 2u);
  EXPECT_EQ(ScoreBytes(1700000000), 4u);       // a unix time in seconds
  EXPECT_EQ(ScoreBytes(1700000000000.0), 6u);  // in milliseconds
  EXPECT_EQ(ScoreBytes(1.5), 8u);
  EXPECT_EQ(ScoreBytes(-0.0), 0u);  // the integer 0, as in Redis's listpack
  EXPECT_EQ(ScoreBytes(9007199254740992.0), 8u);
  EXPECT_EQ(ScoreBytes(std::numeric_limits<double>::infinity()), 8u);
}

TEST(SmallZSetTest, ScoresRoundTripExactly) {
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_FALSE(std::signbit(RoundTrip(-0.0)));  // as Redis: ZADD z -0 m; ZSCORE z m -> 0
  for (double s : {0.0, -0.0, 1.0, -1.0, 127.0, 128.0, -32768.0, 1e15, -1e15, 9007199254740991.0,
                   -9007199254740991.0, 9007199254740992.0, 1.5, 0.1, 1e300, -1e-300, inf, -inf,
                   std::numeric_limits<double>::denorm_min()}) {
    const double back = RoundTrip(s);
    EXPECT_EQ(back, s) << s;
    if (s != 0) {
      EXPECT_EQ(std::signbit(back), std::signbit(s)) << s;
    }
  }
  std::mt19937_64 rng(7);
  for (int i = 0; i < 100000; ++i) {
    const auto v = static_cast<double>(static_cast<int64_t>(rng()) >> (rng() % 64));
    ASSERT_EQ(RoundTrip(v), v);
  }
}

TEST(SmallZSetTest, EncodeDecodeFindAndCount) {
  std::vector<Record> records = {{"a", -1}, {"b", 0}, {"c", 0}, {"x", 2.5}, {"long member", 1e9}};
  std::sort(records.begin(), records.end(), Less);
  std::string bytes;
  Encode(records, &bytes);
  EXPECT_EQ(Count(bytes), 5u);
  std::vector<Record> back;
  ASSERT_TRUE(Decode(bytes, &back));
  ASSERT_EQ(back.size(), records.size());
  for (size_t i = 0; i < back.size(); ++i) {
    EXPECT_EQ(back[i].member, records[i].member);
    EXPECT_EQ(back[i].score, records[i].score);
  }
  double score = 0;
  EXPECT_TRUE(Find(bytes, "x", &score));
  EXPECT_EQ(score, 2.5);
  EXPECT_FALSE(Find(bytes, "2.5", &score));  // scores are not members
  EXPECT_FALSE(Find(bytes, "zz", &score));
  // 12-byte members with small integer scores: 15 bytes each.
  std::vector<Record> small;
  std::vector<std::string> members;
  for (int i = 0; i < 10; ++i) members.push_back("member:" + std::to_string(10000 + i));
  for (int i = 0; i < 10; ++i) small.push_back({members[static_cast<size_t>(i)], double(i)});
  Encode(small, &bytes);
  EXPECT_LE(bytes.size(), 10u * 15);
}

TEST(SmallZSetTest, OrderIsScoreThenMemberBytes) {
  EXPECT_TRUE(Less({"b", 1}, {"a", 2}));
  EXPECT_TRUE(Less({"a", 1}, {"b", 1}));
  EXPECT_TRUE(Less({"a", 1}, {"aa", 1}));
  EXPECT_TRUE(Less({"\x7f", 1}, {"\x80", 1}));  // unsigned bytes
  EXPECT_FALSE(Less({"a", -0.0}, {"a", 0.0}));  // -0 and 0 tie
  EXPECT_FALSE(Less({"a", 0.0}, {"a", -0.0}));
}

TEST(SmallZSetTest, MalformedBytesStopDecoding) {
  std::vector<Record> records;
  EXPECT_FALSE(Decode(std::string("\x05"
                                  "ab",
                                  3),
                      &records));
  std::string odd;
  packed::Append(&odd, "member");
  EXPECT_FALSE(Decode(odd, &records));  // a member without its score
}

}  // namespace
}  // namespace valkdb::small_zset
