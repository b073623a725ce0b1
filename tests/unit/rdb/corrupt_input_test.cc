// Truncations and byte flips of valid payloads: each must decode to an error
// or to some value, never crash or read out of bounds (run under ASan).

#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "server/store/rdb/rdb_value.h"
#include "server/store/rdb/ziplist.h"
#include "tests/unit/rdb/test_values.h"

namespace valkdb::rdb::test {
namespace {

std::vector<std::string> Samples() {
  const EncodeOptions opts;
  std::vector<Value> values = {
      Str("hello"),
      Str(std::string(200, 'a') + "tail"),
      Str("-12345"),
      Items(Kind::kList, {"a", "1", "-5", "300", std::string(100, 'b'), "b"}),
      Items(Kind::kList, std::vector<std::string>(120, std::string(80, 'q'))),
      Items(Kind::kSet, {"1", "2", "70000", "-5000000000"}),
      Items(Kind::kSet, {"a", "bb", "ccc", std::string(30, 'd')}),
      Items(Kind::kHash, {"f", "v", "n", "12", "long", std::string(50, 'x')}),
      Items(Kind::kHash, {"f", std::string(100, 'y'), "g", "1"}),
      ZSet({{"a", 1}, {"b", 2.5}, {"c", -3}, {"d", 1e100}}),
      ZSet({{std::string(70, 'm'), 1}, {"z", 0.5}}),
  };
  std::vector<std::string> out;
  for (const Value& v : values) {
    out.push_back(Encode(v, opts));
    EncodeOptions plain = opts;
    plain.rdb_compression = false;
    out.push_back(Encode(v, plain));
  }
  auto blob = [](uint8_t type, const std::string& payload) {
    std::string s(1, static_cast<char>(type));
    SaveString(payload, false, &s);
    return s;
  };
  out.push_back(blob(kTypeListZiplist, EncodeZiplist({"a", "7", "-300", std::string(70, 'c')})));
  out.push_back(blob(kTypeHashZiplist, EncodeZiplist({"f", "1", "g", "xx"})));
  out.push_back(blob(kTypeZSetZiplist, EncodeZiplist({"m", "2", "n", "1.5"})));
  out.push_back(blob(kTypeHashZipmap, Unhex("02016601007603616263030278797a0000ff")));
  return out;
}

TEST(CorruptInputTest, EveryTruncationFailsCleanly) {
  for (const std::string& full : Samples()) {
    ASSERT_TRUE(Decode(full).ok()) << Hex(full);
    for (size_t cut = 0; cut < full.size(); ++cut) {
      EXPECT_FALSE(Decode(std::string_view(full).substr(0, cut)).ok())
          << Hex(full) << " cut at " << cut;
    }
  }
}

TEST(CorruptInputTest, ByteFlipsNeverCrash) {
  std::mt19937 rng(12345);
  size_t accepted = 0, rejected = 0;
  for (const std::string& full : Samples()) {
    for (int round = 0; round < 3000; ++round) {
      std::string s = full;
      const int flips = 1 + static_cast<int>(rng() % 3);
      for (int i = 0; i < flips; ++i) {
        const size_t at = rng() % s.size();
        s[at] =
            (rng() % 2) ? static_cast<char>(rng()) : static_cast<char>(s[at] ^ (1 << (rng() % 8)));
      }
      auto v = Decode(s);
      (v.ok() ? accepted : rejected)++;
      // A DUMP framing of the same bytes takes the same path after the CRC.
      auto p = ParseDumpPayload(s);
      EXPECT_FALSE(p.ok() && s.size() < 10);
    }
  }
  EXPECT_GT(rejected, 0u);
  EXPECT_GT(accepted, 0u);  // flips inside string data stay valid
}

TEST(CorruptInputTest, HugeLengthsDoNotAllocate) {
  // Counts and sizes near 2^64 with no data behind them.
  for (const char* hex : {"0181ffffffffffffffff", "0281ffffffffffffffff", "0481ffffffffffffffff",
                          "0581ffffffffffffffff", "1281ffffffffffffffff", "0081ffffffffffffffff",
                          "00c381ffffffffffffffff81ffffffffffffffff", "00c30181ffffffffffffffff00",
                          "0b81ffffffffffffff", "1080ffffffff"}) {
    EXPECT_FALSE(Decode(Unhex(hex)).ok()) << hex;
  }
}

}  // namespace
}  // namespace valkdb::rdb::test
