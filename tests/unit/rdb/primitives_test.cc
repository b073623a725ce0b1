#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "gtest/gtest.h"
#include "server/store/rdb/crc64.h"
#include "server/store/rdb/listpack.h"
#include "server/store/rdb/lzf_codec.h"
#include "server/store/rdb/rdb_io.h"
#include "server/store/rdb/ziplist.h"
#include "tests/unit/rdb/test_values.h"

namespace valkdb::rdb::test {
namespace {

TEST(Crc64Test, RedisCheckValue) {
  // crc64.c's self test: "123456789" -> 0xe9c6d914c4b8d9ca.
  EXPECT_EQ(Crc64(0, "123456789"), 0xe9c6d914c4b8d9caULL);
  EXPECT_EQ(Crc64(Crc64(0, "1234"), "56789"), 0xe9c6d914c4b8d9caULL);
  const std::string big(1000, 'x');
  EXPECT_EQ(Crc64(Crc64(0, big.substr(0, 333)), big.substr(333)), Crc64(0, big));
}

TEST(RdbLenTest, FormsAndRoundTrip) {
  const std::pair<uint64_t, std::string> cases[] = {
      {0, "00"},
      {63, "3f"},
      {64, "4040"},
      {16383, "7fff"},
      {16384, "8000004000"},
      {UINT32_MAX, "80ffffffff"},
      {uint64_t{UINT32_MAX} + 1, "810000000100000000"},
      {UINT64_MAX, "81ffffffffffffffff"},
  };
  for (const auto& [len, hex] : cases) {
    std::string out;
    SaveLen(len, &out);
    EXPECT_EQ(Hex(out), hex) << len;
    RdbReader r(out);
    auto back = r.ReadLen();
    ASSERT_TRUE(back.ok()) << len;
    EXPECT_EQ(*back, len);
    EXPECT_EQ(r.remaining(), 0u);
    for (size_t cut = 0; cut < out.size(); ++cut) {
      RdbReader t(std::string_view(out).substr(0, cut));
      EXPECT_FALSE(t.ReadLen().ok()) << len << " cut " << cut;
    }
  }
  const std::string bad_bytes = Unhex("82"), encoded_bytes = Unhex("c0");
  RdbReader bad(bad_bytes);
  EXPECT_FALSE(bad.ReadLen().ok());
  RdbReader encoded(encoded_bytes);
  EXPECT_FALSE(encoded.ReadLen().ok());
}

std::string Saved(std::string_view s, bool compress = true) {
  std::string out;
  SaveString(s, compress, &out);
  return out;
}

TEST(RdbStringTest, IntegerForms) {
  EXPECT_EQ(Hex(Saved("0")), "c000");
  EXPECT_EQ(Hex(Saved("-128")), "c080");
  EXPECT_EQ(Hex(Saved("127")), "c07f");
  EXPECT_EQ(Hex(Saved("128")), "c18000");
  EXPECT_EQ(Hex(Saved("1234")), "c1d204");
  EXPECT_EQ(Hex(Saved("-32768")), "c10080");
  EXPECT_EQ(Hex(Saved("32768")), "c200800000");
  EXPECT_EQ(Hex(Saved("2147483647")), "c2ffffff7f");
  EXPECT_EQ(Hex(Saved("-2147483648")), "c200000080");
  // Not int32, or not canonical: stored as text.
  for (std::string s : {"2147483648", "-2147483649", "01", "-0", "+1", " 1", "1 ", "",
                        "9223372036854775808", "9223372036854775807", "1e3", "0x10"}) {
    std::string out = Saved(s);
    std::string expect;
    SaveLen(s.size(), &expect);
    expect += s;
    EXPECT_EQ(Hex(out), Hex(expect)) << s;
    RdbReader r(out);
    auto back = r.ReadString();
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, s);
  }
}

TEST(RdbStringTest, LzfLikeRedis) {
  // Redis 7.0.15: SET str <40 x 'a'>, DUMP body after the type byte.
  const std::string a40(40, 'a');
  EXPECT_EQ(Hex(Saved(a40)), "c30928016161e01b00016161");
  EXPECT_EQ(Hex(Saved(a40, /*compress=*/false)).substr(0, 2), "28");
  // 20 bytes is never compressed; incompressible data stays plain.
  EXPECT_EQ(Saved(std::string(20, 'a')).size(), 21u);
  std::string noise;
  for (int i = 0; i < 100; ++i) noise.push_back(static_cast<char>((i * 7919) % 251));
  EXPECT_EQ(Hex(Saved(noise).substr(0, 2)), "4064");  // plain, 14-bit length
  for (size_t n : {21u, 64u, 1000u, 70000u}) {
    std::string s;
    for (size_t i = 0; i < n; ++i) s.push_back("abcab"[i % 5]);
    std::string out = Saved(s);
    EXPECT_EQ(static_cast<unsigned char>(out[0]), 0xC3) << n;
    RdbReader r(out);
    auto back = r.ReadString();
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(*back, s);
  }
}

TEST(LzfTest, DecompressRejectsBadInput) {
  std::string out;
  EXPECT_FALSE(LzfDecompress(Unhex("05616263"), 6, &out).ok());  // literal runs past input
  out.clear();
  EXPECT_FALSE(LzfDecompress(Unhex("20ff"), 3, &out).ok());  // reference before the start
  out.clear();
  EXPECT_FALSE(LzfDecompress(Unhex("0161622000"), 3, &out).ok());  // output overflow
  out.clear();
  EXPECT_FALSE(LzfDecompress(Unhex("016162"), 3, &out).ok());  // short output
  out.clear();
  ASSERT_TRUE(LzfDecompress(Unhex("0161622001"), 5, &out).ok());
  EXPECT_EQ(out, "ababa");
  // A claimed size far beyond what the input could expand to.
  const std::string huge = Unhex("c3018fffffff00");
  RdbReader r(huge);
  EXPECT_FALSE(r.ReadString().ok());
}

TEST(RdbDoubleTest, BinaryStringAndMillis) {
  for (double d : {0.0, -0.0, 1.5, -3.0, 1e300, std::numeric_limits<double>::infinity(),
                   -std::numeric_limits<double>::infinity(), 0.1}) {
    std::string out;
    SaveBinaryDouble(d, &out);
    ASSERT_EQ(out.size(), 8u);
    RdbReader r(out);
    auto back = r.ReadBinaryDouble();
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(std::signbit(*back), std::signbit(d));
    EXPECT_EQ(*back, d);
    out.clear();
    SaveStringDouble(d, &out);
    RdbReader t(out);
    auto text = t.ReadStringDouble();
    ASSERT_TRUE(text.ok());
    EXPECT_EQ(*text, d);
  }
  std::string one;
  SaveBinaryDouble(1.0, &one);
  EXPECT_EQ(Hex(one), "000000000000f03f");
  std::string nan;
  SaveStringDouble(std::nan(""), &nan);
  EXPECT_EQ(Hex(nan), "fd");
  std::string s;
  SaveStringDouble(2.5, &s);
  EXPECT_EQ(s, std::string("\x03") + "2.5");
  std::string ms;
  SaveMillis(1700000000123, &ms);
  RdbReader r(ms);
  EXPECT_EQ(*r.ReadMillis(), 1700000000123);
  const std::string junk_bytes = std::string("\x03") + "abc";
  RdbReader junk(junk_bytes);
  EXPECT_FALSE(junk.ReadStringDouble().ok());
}

TEST(FormatScoreTest, D2String) {
  EXPECT_EQ(FormatScore(2.5), "2.5");
  EXPECT_EQ(FormatScore(0.1), "0.10000000000000001");
  EXPECT_EQ(FormatScore(1e20), "1e+20");
  EXPECT_EQ(FormatScore(-0.0), "-0");
  EXPECT_EQ(FormatScore(3), "3");
  EXPECT_EQ(FormatScore(std::numeric_limits<double>::infinity()), "inf");
}

std::vector<std::string> Strings(const std::vector<ListpackEntry>& entries) {
  std::vector<std::string> out;
  for (const auto& e : entries) out.push_back(e.ToString());
  return out;
}

TEST(ListpackTest, EncodingsMatchRedis) {
  // From Redis 7.0.15: RPUSH l a 1 -5 300 b, the node's listpack.
  ListpackBuilder b;
  for (const char* s : {"a", "1", "-5", "300", "b"}) b.Append(s);
  EXPECT_EQ(Hex(b.Finish()),
            "15000000050081610201"
            "01dffb02c12c02816202ff");
  const std::vector<std::string> elements = {"0",
                                             "127",
                                             "128",
                                             "-1",
                                             "-4096",
                                             "4095",
                                             "4096",
                                             "-4097",
                                             "32767",
                                             "32768",
                                             "-8388608",
                                             "8388607",
                                             "8388608",
                                             "-2147483648",
                                             "2147483647",
                                             "2147483648",
                                             "9223372036854775807",
                                             "-9223372036854775808",
                                             "9223372036854775808",
                                             "-0",
                                             "01",
                                             "",
                                             std::string(63, 'x'),
                                             std::string(64, 'y'),
                                             std::string(4095, 'z'),
                                             std::string(4096, 'w'),
                                             std::string(20000, 'v')};
  for (const auto& e : elements) b.Append(e);
  const std::string lp = b.Finish();
  std::vector<ListpackEntry> entries;
  ASSERT_TRUE(DecodeListpack(lp, &entries).ok());
  EXPECT_EQ(Strings(entries), elements);
  EXPECT_TRUE(entries[0].is_int);
  EXPECT_FALSE(entries[18].is_int);
}

TEST(ListpackTest, CountSaturates) {
  ListpackBuilder b;
  for (int i = 0; i < 70000; ++i) b.AppendInt(i);
  const std::string lp = b.Finish();
  EXPECT_EQ(Hex(lp.substr(4, 2)), "ffff");
  std::vector<ListpackEntry> entries;
  ASSERT_TRUE(DecodeListpack(lp, &entries).ok());
  EXPECT_EQ(entries.size(), 70000u);
}

TEST(ListpackTest, RejectsMalformed) {
  ListpackBuilder b;
  b.Append("hello");
  b.Append("12");
  const std::string good = b.Finish();
  std::vector<ListpackEntry> entries;
  ASSERT_TRUE(DecodeListpack(good, &entries).ok());
  std::string bad = good;
  bad[4] = 3;  // count
  EXPECT_FALSE(DecodeListpack(bad, &entries).ok());
  bad = good;
  bad[0] = 99;  // total bytes
  EXPECT_FALSE(DecodeListpack(bad, &entries).ok());
  bad = good;
  bad[6 + 6] = 7;  // backlen of "hello"
  EXPECT_FALSE(DecodeListpack(bad, &entries).ok());
  bad = good;
  bad[6] = static_cast<char>(0xF5);  // no such encoding
  EXPECT_FALSE(DecodeListpack(bad, &entries).ok());
  EXPECT_FALSE(DecodeListpack(Unhex("07000000000000"), &entries).ok());  // no terminator
  entries.clear();
  EXPECT_TRUE(DecodeListpack(Unhex("07000000"
                                   "0000ff"),
                             &entries)
                  .ok());
  EXPECT_TRUE(entries.empty());
}

TEST(ZiplistTest, RoundTripsEveryEncoding) {
  std::vector<std::string> elements = {"0",
                                       "12",
                                       "13",
                                       "-1",
                                       "127",
                                       "-128",
                                       "128",
                                       "32767",
                                       "-32769",
                                       "8388607",
                                       "8388608",
                                       "2147483648",
                                       "-9223372036854775808",
                                       "a",
                                       "01",
                                       std::string(63, 'a'),
                                       std::string(64, 'b'),
                                       std::string(300, 'c'),
                                       std::string(16384, 'd')};
  const std::string zl = EncodeZiplist(elements);
  std::vector<ListpackEntry> entries;
  ASSERT_TRUE(DecodeZiplist(zl, &entries).ok());
  EXPECT_EQ(Strings(entries), elements);
  entries.clear();
  ASSERT_TRUE(DecodeZiplist(EncodeZiplist({}), &entries).ok());
  EXPECT_TRUE(entries.empty());
  std::string bad = zl;
  bad[4] ^= 1;  // tail offset
  EXPECT_FALSE(DecodeZiplist(bad, &entries).ok());
  bad = zl;
  bad[8] = 1;  // count
  EXPECT_FALSE(DecodeZiplist(bad, &entries).ok());
}

}  // namespace
}  // namespace valkdb::rdb::test
