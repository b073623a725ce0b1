#include "server/store/rdb/rdb_value.h"

#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "server/store/rdb/crc64.h"
#include "server/store/rdb/listpack.h"
#include "server/store/rdb/ziplist.h"
#include "tests/unit/rdb/test_values.h"

namespace valkdb::rdb::test {
namespace {

const EncodeOptions kDefaults;

Value RoundTrip(const Value& v, RdbType expect_type, const EncodeOptions& opts = kDefaults) {
  const std::string bytes = Encode(v, opts);
  EXPECT_EQ(static_cast<int>(static_cast<unsigned char>(bytes[0])), static_cast<int>(expect_type));
  auto back = Decode(bytes);
  EXPECT_TRUE(back.ok()) << back.status();
  return back.ok() ? *back : Value{};
}

// DUMP bodies taken from redis-server 7.0.15.
TEST(RdbValueTest, RedisFixtures) {
  struct Fixture {
    Value value;
    const char* hex;
  } fixtures[] = {
      {Items(Kind::kList, {"a", "1", "-5", "300", "b"}),
       "120102151500000005008161020101dffb02c12c02816202ff0a00cd32e9b27f406195"},
      {Items(Kind::kHash, {"f", "v", "n", "12"}),
       "1012120000000400816602817602816e020c01ff0a0001369481d35b8974"},
      {Items(Kind::kSet, {"1", "2", "70000"}),
       "0b1404000000030000000100000002000000701101000a0085d5c1065b1dd055"},
      {ZSet({{"a", 1}, {"b", 2.5}, {"c", -3}}),
       "111a1a0000000600816302dffd02816102010181620283322e3504ff0a00a68a1ab1a9f2dcc2"},
      {Str(std::string(40, 'a')), "00c30928016161e01b000161610a00cf092faaae25831d"},
      {Str("1234"), "00c1d2040a00008708a144825ced"},
  };
  for (const auto& f : fixtures) {
    EXPECT_EQ(Hex(MakeDumpPayload(f.value, kDefaults)), f.hex);
    auto back = ParseDumpPayload(Unhex(f.hex));
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_TRUE(SameContents(*back, f.value)) << f.hex;
  }
}

TEST(RdbValueTest, Strings) {
  for (std::string s :
       std::vector<std::string>{"", "x", "0", "-1", "01", "-0", "9223372036854775808", "2147483648",
                                std::string(21, 'a'), std::string(100000, 'q')}) {
    Value v = RoundTrip(Str(s), kTypeString);
    EXPECT_EQ(v.kind, Kind::kString);
    EXPECT_EQ(v.string, s);
  }
}

TEST(RdbValueTest, SetEncodingsAndIntsetWidths) {
  EXPECT_EQ(Hex(Encode(Items(Kind::kSet, {"3", "-1"}), kDefaults)), "0b0c0200000002000000ffff0300");
  const std::vector<std::vector<std::string>> sets = {
      {"1", "-32768", "32767"},  // 16-bit
      {"32768", "1"},            // 32-bit
      {"-2147483649", "5"},      // 64-bit
      {"9223372036854775807", "-9223372036854775808"},
  };
  const int widths[] = {2, 4, 8, 8};
  for (size_t i = 0; i < sets.size(); ++i) {
    EncodeOptions plain;
    plain.rdb_compression = false;
    const std::string bytes = Encode(Items(Kind::kSet, sets[i]), plain);
    ASSERT_EQ(bytes[0], kTypeSetIntset);
    EXPECT_EQ(bytes[2], widths[i]) << i;  // after the type and the string length
    auto v = Decode(bytes);
    ASSERT_TRUE(v.ok());
    EXPECT_TRUE(SameContents(*v, Items(Kind::kSet, sets[i])));
  }
  // Any non-integer member, or too many members: a hashtable set.
  RoundTrip(Items(Kind::kSet, {"1", "01"}), kTypeSet);
  RoundTrip(Items(Kind::kSet, {"1", "9223372036854775808"}), kTypeSet);
  std::vector<std::string> many;
  for (int i = 0; i < 512; ++i) many.push_back(absl::StrCat(i));
  RoundTrip(Items(Kind::kSet, many), kTypeSetIntset);
  many.push_back("512");
  Value big = RoundTrip(Items(Kind::kSet, many), kTypeSet);
  EXPECT_TRUE(SameContents(big, Items(Kind::kSet, many)));
}

TEST(RdbValueTest, HashEncodings) {
  EncodeOptions conf;  // redis.conf's value, not the built-in 512
  conf.hash_max_listpack_entries = 128;
  Value small = Items(Kind::kHash, {"f", "v", "num", "-12", "", ""});
  Value back = RoundTrip(small, kTypeHashListpack);
  EXPECT_EQ(back.items, small.items);  // listpack keeps order
  std::vector<std::string> items;
  for (int i = 0; i < 128; ++i) {
    items.push_back(absl::StrCat("f", i));
    items.push_back(std::string(64, 'v'));
  }
  RoundTrip(Items(Kind::kHash, items), kTypeHashListpack, conf);
  items.back() = std::string(65, 'v');
  EXPECT_TRUE(SameContents(RoundTrip(Items(Kind::kHash, items), kTypeHash, conf),
                           Items(Kind::kHash, items)));
  items.back() = "v";
  items.push_back("f128");
  items.push_back("v");
  RoundTrip(Items(Kind::kHash, items), kTypeHash, conf);
  RoundTrip(Items(Kind::kHash, items), kTypeHashListpack);
  EncodeOptions tiny;
  tiny.hash_max_listpack_entries = 1;
  RoundTrip(small, kTypeHash, tiny);
}

TEST(RdbValueTest, ZSetEncodings) {
  const double inf = std::numeric_limits<double>::infinity();
  Value z = ZSet({{"b", 0.1},
                  {"a", 0.1},
                  {"c", -inf},
                  {"d", inf},
                  {"e", 1e20},
                  {"f", -0.0},
                  {"g", 4611686018427387904.0},
                  {"h", -7}});
  Value back = RoundTrip(z, kTypeZSetListpack);
  EXPECT_TRUE(SameContents(back, z));
  // Sorted by (score, member): c, h, f, a, b, ...
  EXPECT_EQ(back.zset[0].first, "c");
  EXPECT_EQ(back.zset[1].first, "h");
  EXPECT_EQ(back.zset[3].first, "a");
  EXPECT_EQ(back.zset[4].first, "b");
  z.zset.emplace_back(std::string(65, 'm'), 1);
  Value skip = RoundTrip(z, kTypeZSet2);
  EXPECT_TRUE(SameContents(skip, z));
  EXPECT_EQ(skip.zset.front().first, "d");  // written from the highest down
  std::vector<std::pair<std::string, double>> members;
  for (int i = 0; i < 129; ++i) members.emplace_back(absl::StrCat(i), i / 3.0);
  RoundTrip(ZSet(members), kTypeZSet2);
  members.pop_back();
  EXPECT_TRUE(SameContents(RoundTrip(ZSet(members), kTypeZSetListpack), ZSet(members)));
}

std::vector<size_t> NodeSizes(const std::string& bytes) {
  RdbReader r(std::string_view(bytes).substr(1));
  std::vector<size_t> sizes;
  const uint64_t nodes = *r.ReadLen();
  for (uint64_t i = 0; i < nodes; ++i) {
    EXPECT_EQ(*r.ReadLen(), 2u);
    auto lp = r.ReadString();
    std::vector<ListpackEntry> entries;
    EXPECT_TRUE(DecodeListpack(*lp, &entries).ok());
    if (entries.size() > 1) {
      EXPECT_LE(lp->size(), 8192u);
    }
    sizes.push_back(entries.size());
  }
  return sizes;
}

TEST(RdbValueTest, ListNodesSplitAt8KB) {
  // Each 100-byte element adds 100 + 8 (estimate) to the check; the listpack
  // grows by 102 (1-byte header ... 2-byte header at 64+, 1-byte backlen).
  std::vector<std::string> items(200, std::string(100, 'x'));
  const std::string bytes = Encode(Items(Kind::kList, items), kDefaults);
  const auto sizes = NodeSizes(bytes);
  size_t total = 0;
  for (size_t n : sizes) total += n;
  EXPECT_EQ(total, 200u);
  // node bytes after k elements: 7 + 103k (2-byte header, 1-byte backlen);
  // allowed while 7 + 103k + 100 + 8 <= 8192 -> k <= 78, so 79 per node.
  EXPECT_EQ(sizes, (std::vector<size_t>{79, 79, 42}));
  Value back = RoundTrip(Items(Kind::kList, items), kTypeListQuicklist2);
  EXPECT_EQ(back.items, items);
  // One element bigger than a node gets a node of its own.
  std::vector<std::string> mixed = {"a", std::string(9000, 'b'), "c", "d"};
  EXPECT_EQ(NodeSizes(Encode(Items(Kind::kList, mixed), kDefaults)),
            (std::vector<size_t>{1, 1, 2}));
  EncodeOptions by_count;
  by_count.list_max_listpack_size = 3;
  std::vector<std::string> ten(10, "z");
  EXPECT_EQ(NodeSizes(Encode(Items(Kind::kList, ten), by_count)),
            (std::vector<size_t>{3, 3, 3, 1}));
}

TEST(RdbValueTest, OldEncodingsDecode) {
  auto blob = [](uint8_t type, const std::string& payload) {
    std::string out(1, static_cast<char>(type));
    SaveString(payload, false, &out);
    return out;
  };
  const std::vector<std::string> list = {"a", "17", "-3", std::string(300, 'x')};
  auto v = Decode(blob(kTypeListZiplist, EncodeZiplist(list)));
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->items, list);
  v = Decode(blob(kTypeHashZiplist, EncodeZiplist({"f", "1", "g", "x"})));
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->kind, Kind::kHash);
  EXPECT_EQ(v->items, (std::vector<std::string>{"f", "1", "g", "x"}));
  v = Decode(blob(kTypeZSetZiplist, EncodeZiplist({"m", "2", "n", "1.5"})));
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(SameContents(*v, ZSet({{"m", 2}, {"n", 1.5}})));
  EXPECT_FALSE(Decode(blob(kTypeHashZiplist, EncodeZiplist({"f", "1", "f", "2"}))).ok());
  EXPECT_FALSE(Decode(blob(kTypeHashZiplist, EncodeZiplist({"f"}))).ok());
  EXPECT_FALSE(Decode(blob(kTypeZSetZiplist, EncodeZiplist({"m", "abc"}))).ok());
  EXPECT_FALSE(Decode(blob(kTypeListZiplist, EncodeZiplist({}))).ok());
  // Quicklist of ziplists (type 14): empty nodes are skipped.
  std::string ql(1, static_cast<char>(kTypeListQuicklist));
  SaveLen(3, &ql);
  SaveString(EncodeZiplist({"a", "b"}), false, &ql);
  SaveString(EncodeZiplist({}), false, &ql);
  SaveString(EncodeZiplist({"1"}), false, &ql);
  v = Decode(ql);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->items, (std::vector<std::string>{"a", "b", "1"}));
  // Zipmap (type 9): count, [len field len free value free-bytes]..., 0xFF.
  v = Decode(blob(kTypeHashZipmap, Unhex("02"
                                         "0166"
                                         "0100"
                                         "76"
                                         "03616263"
                                         "0302"
                                         "78797a0000"
                                         "ff")));
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->items, (std::vector<std::string>{"f", "v", "abc", "xyz"}));
  EXPECT_FALSE(Decode(blob(kTypeHashZipmap, Unhex("01"
                                                  "0166"
                                                  "0100"
                                                  "76"
                                                  "0166"
                                                  "0100"
                                                  "77"
                                                  "ff")))
                   .ok());
  EXPECT_FALSE(Decode(blob(kTypeHashZipmap, Unhex("00ff"))).ok());
  // Linked list, set, hash and string-score zset (types 1, 2, 4, 3).
  std::string l(1, static_cast<char>(kTypeList));
  SaveLen(2, &l);
  SaveString("x", true, &l);
  SaveString("5", true, &l);
  v = Decode(l);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->items, (std::vector<std::string>{"x", "5"}));
  std::string z(1, static_cast<char>(kTypeZSet));
  SaveLen(2, &z);
  SaveString("a", true, &z);
  SaveStringDouble(1.25, &z);
  SaveString("b", true, &z);
  SaveStringDouble(-std::numeric_limits<double>::infinity(), &z);
  v = Decode(z);
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(
      SameContents(*v, ZSet({{"a", 1.25}, {"b", -std::numeric_limits<double>::infinity()}})));
  std::string s(1, static_cast<char>(kTypeSet));
  SaveLen(2, &s);
  SaveString("7", true, &s);
  SaveString("7", true, &s);
  EXPECT_FALSE(Decode(s).ok());  // duplicate member
}

TEST(RdbValueTest, RejectsWhatRedisRejects) {
  EXPECT_FALSE(Decode(Unhex("0100")).ok());  // empty list
  EXPECT_FALSE(Decode(Unhex("0200")).ok());  // empty set
  EXPECT_FALSE(Decode(Unhex("0400")).ok());  // empty hash
  EXPECT_FALSE(Decode(Unhex("0500")).ok());  // empty zset
  EXPECT_FALSE(Decode(Unhex("1200")).ok());  // no nodes
  EXPECT_FALSE(Decode(Unhex("08")).ok());    // not an object type
  EXPECT_FALSE(Decode(Unhex("1401")).ok());
  // A stream cut after its (zero) node count.
  EXPECT_EQ(Decode(Unhex("0f00")).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Decode(Unhex("0700")).status().code(), absl::StatusCode::kUnimplemented);
  // A node with a bad container, and an empty one.
  EXPECT_FALSE(Decode(Unhex("1201030161")).ok());
  EXPECT_FALSE(Decode(Unhex("12010100")).ok());
  // A plain node (container 1) is one element.
  auto v =
      Decode(Unhex("120101036162"
                   "63"));
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->items, (std::vector<std::string>{"abc"}));
  // A NaN score.
  std::string z = Unhex("05010161");
  SaveBinaryDouble(std::nan(""), &z);
  EXPECT_FALSE(Decode(z).ok());
  // Intset: unsorted, duplicate, wrong width, empty.
  EXPECT_FALSE(Decode(Unhex("0b0c02000000020000000300ffff")).ok());
  EXPECT_FALSE(Decode(Unhex("0b0c02000000020000000300"
                            "0300"))
                   .ok());
  EXPECT_FALSE(Decode(Unhex("0b0c030000000200000003000300")).ok());
  EXPECT_FALSE(Decode(Unhex("0b080200000000000000")).ok());
  // Listpack hash with a duplicate field, and with an odd count.
  ListpackBuilder lp;
  for (const char* s : {"f", "1", "f", "2"}) lp.Append(s);
  std::string h(1, static_cast<char>(kTypeHashListpack));
  SaveString(lp.Finish(), false, &h);
  EXPECT_FALSE(Decode(h).ok());
  lp.Append("f");
  h.resize(1);
  SaveString(lp.Finish(), false, &h);
  EXPECT_FALSE(Decode(h).ok());
  // Trailing bytes after a whole value.
  EXPECT_FALSE(Decode(Unhex("00016100")).ok());
}

TEST(DumpPayloadTest, FramingAndErrors) {
  const std::string good = MakeDumpPayload(Str("hello"), kDefaults);
  EXPECT_EQ(Hex(good.substr(good.size() - 10, 2)), "0a00");
  ASSERT_TRUE(ParseDumpPayload(good).ok());
  std::string bad_crc = good;
  bad_crc.back() ^= 1;
  EXPECT_EQ(ClassifyDumpError(ParseDumpPayload(bad_crc).status()), DumpError::kVersionOrChecksum);
  EXPECT_EQ(ClassifyDumpError(ParseDumpPayload("short").status()), DumpError::kVersionOrChecksum);
  // Version 11 with a correct CRC is still refused; older versions are fine.
  auto reframe = [](std::string body, int version) {
    body.push_back(static_cast<char>(version & 0xff));
    body.push_back(static_cast<char>(version >> 8));
    const uint64_t crc = Crc64(0, body);
    for (int i = 0; i < 8; ++i) body.push_back(static_cast<char>(crc >> (8 * i)));
    return body;
  };
  const std::string body = good.substr(0, good.size() - 10);
  EXPECT_EQ(ClassifyDumpError(ParseDumpPayload(reframe(body, 11)).status()),
            DumpError::kVersionOrChecksum);
  EXPECT_TRUE(ParseDumpPayload(reframe(body, 9)).ok());
  // Good checksum, corrupt content.
  const auto bad_data = ParseDumpPayload(reframe(Unhex("0200"), 10));
  EXPECT_EQ(ClassifyDumpError(bad_data.status()), DumpError::kBadData);
  EXPECT_EQ(ClassifyDumpError(ParseDumpPayload(reframe("", 10)).status()), DumpError::kBadData);
  // Bytes after the value are ignored, as Redis's RESTORE does.
  EXPECT_TRUE(ParseDumpPayload(reframe(body + "junk", 10)).ok());
  EXPECT_EQ(ClassifyDumpError(absl::OkStatus()), DumpError::kNone);
}

}  // namespace
}  // namespace valkdb::rdb::test
