// server/store/digest.h against Redis 7.0's DEBUG DIGEST and DEBUG DIGEST-VALUE.
//
// The expected hex strings are the answers of a real redis-server 7.0.15 (Debian
// package, started with `--save '' --appendonly no --enable-debug-command yes`),
// given the commands quoted next to them over RESP. Every key, its contents and
// its OBJECT ENCODING in that server are listed in kDb0 / kDb3 below.
#include "server/store/digest.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"

namespace valkdb {
namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;
using Scored = std::vector<std::pair<std::string, double>>;

void EmitAll(const std::vector<std::string>& elements,
             absl::FunctionRef<void(std::string_view)> emit) {
  for (const std::string& e : elements) emit(e);
}

std::vector<std::string> Strings(std::initializer_list<const char*> list) {
  return std::vector<std::string>(list.begin(), list.end());
}

// One stored key of the oracle's dataset.
struct Key {
  std::string name;
  std::function<void(Digest*)> mix;  // its value, via the Mix*Value functions
  bool has_expire;
  const char* digest_value;  // DEBUG DIGEST-VALUE name
};

std::function<void(Digest*)> StringKey(std::string value) {
  return [value](Digest* d) { MixStringValue(d, value); };
}
std::function<void(Digest*)> ListKey(std::vector<std::string> elements) {
  return [elements](Digest* d) { MixListValue(d, [&](auto emit) { EmitAll(elements, emit); }); };
}
// Sets, hashes and sorted sets are fed in reverse insertion order: order must
// not matter for them (Redis walks its own hash table order).
std::function<void(Digest*)> SetKey(std::vector<std::string> members) {
  std::reverse(members.begin(), members.end());
  return [members](Digest* d) { MixSetValue(d, [&](auto emit) { EmitAll(members, emit); }); };
}
std::function<void(Digest*)> HashKey(Pairs pairs) {
  std::reverse(pairs.begin(), pairs.end());
  return [pairs](Digest* d) {
    MixHashValue(d, [&](auto emit) {
      for (const auto& [f, v] : pairs) emit(f, v);
    });
  };
}
std::function<void(Digest*)> ZSetKey(Scored members) {
  std::reverse(members.begin(), members.end());
  return [members](Digest* d) {
    MixZSetValue(d, [&](auto emit) {
      for (const auto& [m, s] : members) emit(m, s);
    });
  };
}

std::vector<std::string> Range(const char* prefix, int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back(prefix + std::to_string(i));
  return out;
}

constexpr double kInf = std::numeric_limits<double>::infinity();

// ZADD zset:small 1 one 2.5 two inf pinf -inf ninf 0 zero -0 negzero 1e300 big
//   0.1 tenth 3 7 -1.5 negfrac 123456789012 bigint
// negzero_score: Redis keeps -0 in a skiplist but stores 0 in a listpack.
Scored SmallZSet(double negzero_score) {
  return {{"one", 1},
          {"two", 2.5},
          {"pinf", kInf},
          {"ninf", -kInf},
          {"zero", 0},
          {"negzero", negzero_score},
          {"big", 1e300},
          {"tenth", 0.1},
          {"7", 3},
          {"negfrac", -1.5},
          {"bigint", 123456789012.0}};
}

const Pairs kSmallHash = {{"f1", "v1"}, {"f2", ""}, {"n", "7"}};

std::vector<Key> Db0() {
  Pairs big_hash;
  for (int i = 0; i < 600; ++i) {
    big_hash.emplace_back("field:" + std::to_string(i), "value:" + std::to_string(i));
  }
  Scored big_zset;
  for (int i = 0; i < 200; ++i) {
    // ZADD zset:big <"%.3f" % (i / 7.0)> m:<i> ... (Python formatting)
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%.3f", i / 7.0);
    big_zset.emplace_back("m:" + std::to_string(i), std::strtod(buf, nullptr));
  }
  return {
      // SET str:empty ""                                        (embstr)
      {"str:empty", StringKey(""), false, "8b3447c33a834b810e3e181b6fd6a2ee1020921c"},
      // SET str:hello hello                                     (embstr)
      {"str:hello", StringKey("hello"), false, "36b23a1456b2dce2c3ed252c456761301dba8060"},
      // SET str:bin "\x00\x01\xff\r\nbin"                       (embstr)
      {"str:bin", StringKey(std::string("\x00\x01\xff\r\nbin", 8)), false,
       "3f1cfc5f024c34f6bcc56aea98a94af757f35b87"},
      // SET str:int 123                                          (int)
      {"str:int", StringKey("123"), false, "89f7f51b707418f666d5b45e053bd5bbbf82ac2b"},
      // SET str:intraw 12; APPEND str:intraw 3                   (raw) -- same digest as int
      {"str:intraw", StringKey("123"), false, "89f7f51b707418f666d5b45e053bd5bbbf82ac2b"},
      // SET str:neg -42                                          (int)
      {"str:neg", StringKey("-42"), false, "ce70a5674f228eaf3e2c2d01f6152e36f7e792a7"},
      // SET str:long <"x" * 100>                                 (raw)
      {"str:long", StringKey(std::string(100, 'x')), false,
       "6942b9b71aaff9a398b7a2f898756f5e28dd3cd1"},
      // SADD set:ints 1 2 3 -5 100000                            (intset)
      {"set:ints", SetKey(Strings({"1", "2", "3", "-5", "100000"})), false,
       "1ed7e76f32098645c31d43488139d4a78cbebd28"},
      // same, with set-max-intset-entries 0                      (hashtable)
      {"set:ints:ht", SetKey(Strings({"1", "2", "3", "-5", "100000"})), false,
       "1ed7e76f32098645c31d43488139d4a78cbebd28"},
      // SADD set:strs a b c ""                                   (hashtable)
      {"set:strs", SetKey(Strings({"a", "b", "c", ""})), false,
       "830587fa26063e495cc24b05c82b6b8f9ccbdd7b"},
      // SADD set:bigints 0 1 ... 599                             (hashtable)
      {"set:bigints", SetKey(Range("", 600)), false, "04d81c0962ffde34acf89d01fe2057bd59abc03f"},
      // HSET hash:small f1 v1 f2 "" n 7                          (listpack)
      {"hash:small", HashKey(kSmallHash), false, "98ad382b4b2dbed2527c9a484583b9a9277b69a1"},
      // same, with hash-max-listpack-entries 0                   (hashtable)
      {"hash:small:ht", HashKey(kSmallHash), false, "98ad382b4b2dbed2527c9a484583b9a9277b69a1"},
      // HSET hash:big field:0 value:0 ... field:599 value:599    (hashtable)
      {"hash:big", HashKey(big_hash), false, "456c5f2793039500be98565345aeec92696416c2"},
      // HSET hash:longval f <"y" * 100>                          (hashtable)
      {"hash:longval", HashKey({{"f", std::string(100, 'y')}}), false,
       "9effe39980d510f703a3a11d91d4813443efc5ae"},
      // RPUSH list:small a b c 1 2 "" 3                          (quicklist)
      {"list:small", ListKey(Strings({"a", "b", "c", "1", "2", "", "3"})), false,
       "7722dd20065cc210ef667068abfe2b7cbf51bae6"},
      // same, with list-max-listpack-size 1 (one element a node) (quicklist)
      {"list:small:1pn", ListKey(Strings({"a", "b", "c", "1", "2", "", "3"})), false,
       "7722dd20065cc210ef667068abfe2b7cbf51bae6"},
      // RPUSH list:rev 3 "" 2 1 c b a: list:small reversed, another digest
      {"list:rev", ListKey(Strings({"3", "", "2", "1", "c", "b", "a"})), false,
       "554a7884f7eed45d2579b67398ac9ab2f033b1af"},
      // RPUSH list:big elem:0 ... elem:999                       (quicklist)
      {"list:big", ListKey(Range("elem:", 1000)), false,
       "6819ea54c4378e8d2157610ba3f1b7f82571327c"},
      // ZADD zset:small ... (see SmallZSet)                      (listpack)
      {"zset:small", ZSetKey(SmallZSet(0.0)), false, "0a1a58da94a9097279eadd9ca7d1c6063a04d126"},
      // same, with zset-max-listpack-entries 0                   (skiplist)
      {"zset:small:sl", ZSetKey(SmallZSet(-0.0)), false,
       "029b9b966422db5998a51089e34f49303a460bb6"},
      // ZADD zset:odd 5e-324 denorm 1e-7 small 123.456 frac 1.7976931348623157e308 max
      //   -2.5e-10 negsmall 1e16 e16 12345678901234567890 huge 0.30000000000000004 ""
      //                                                          (listpack)
      {"zset:odd",
       ZSetKey({{"denorm", 5e-324},
                {"small", 1e-7},
                {"frac", 123.456},
                {"max", 1.7976931348623157e308},
                {"negsmall", -2.5e-10},
                {"e16", 1e16},
                {"huge", 12345678901234567890.0},
                {"", 0.30000000000000004}}),
       false, "632c0a928018b7bae89478812b03a36901b9715c"},
      // ZADD zset:big <"%.3f" % (i / 7.0)> m:<i> for i in 0..199 (skiplist)
      {"zset:big", ZSetKey(big_zset), false, "9b84238102baeb8aa86b631a0949341b860c3ac6"},
      // ZADD zset:longmember 0.3 <"z" * 100> 5 short              (skiplist)
      {"zset:longmember", ZSetKey({{std::string(100, 'z'), 0.3}, {"short", 5}}), false,
       "dcdfe30f178a1bef7511c960d673bdf68b6aa0d1"},
      // SET exp:str hello; PEXPIREAT exp:str 4102444800000
      {"exp:str", StringKey("hello"), true, "d037c4eb8a8b36b602fbced4000daeab0714c1e3"},
      // SET exp:str2 hello; PEXPIREAT exp:str2 4102444812345: the time is not digested
      {"exp:str2", StringKey("hello"), true, "d037c4eb8a8b36b602fbced4000daeab0714c1e3"},
      // HSET exp:hash f1 v1 f2 "" n 7; PEXPIREAT exp:hash 4102444800000
      {"exp:hash", HashKey(kSmallHash), true, "7e28c6d497145486936a71b000e976323dd52822"},
      // SADD exp:set 1 2 3 -5 100000; PEXPIREAT exp:set 4102444800000
      {"exp:set", SetKey(Strings({"1", "2", "3", "-5", "100000"})), true,
       "f8521990ee306c11020ba8b0c4531b3c9610fcab"},
      // RPUSH exp:list a b c 1 2 "" 3; PEXPIREAT exp:list 4102444800000
      {"exp:list", ListKey(Strings({"a", "b", "c", "1", "2", "", "3"})), true,
       "91a723dfda6528442e709b90ee94e4e7a5fffb65"},
      // ZADD exp:zset 1 one 2.5 two; PEXPIREAT exp:zset 4102444800000
      {"exp:zset", ZSetKey({{"one", 1}, {"two", 2.5}}), true,
       "5031c95e710bcf846c757960d593968d663f2f83"},
  };
}

// SELECT 3, then:
std::vector<Key> Db3() {
  return {
      // SET str:hello hello
      {"str:hello", StringKey("hello"), false, "36b23a1456b2dce2c3ed252c456761301dba8060"},
      // SADD set:strs a b c ""
      {"set:strs", SetKey(Strings({"a", "b", "c", ""})), false,
       "830587fa26063e495cc24b05c82b6b8f9ccbdd7b"},
      // SET db3:exp v; PEXPIREAT db3:exp 4102444800000
      {"db3:exp", StringKey("v"), true, "311b17018163335616e089f6b951c82c477335ac"},
  };
}

// DEBUG DIGEST with db 0 = Db0() only.
constexpr char kDb0Digest[] = "24acdd3ad4f84763032cc388a95e489245b446e4";
// DEBUG DIGEST with db 0 = Db0() and db 3 = Db3().
constexpr char kDb0Db3Digest[] = "0591a005a2c093f7e6df8e01955b3c40872f7ad2";

std::string Hex(std::string_view s) {
  Digest d = Sha1(s);
  return DigestHex(d);
}

TEST(DigestTest, Sha1KnownAnswers) {
  // FIPS 180 / RFC 3174 test vectors, and lengths around the 55/56/64-byte
  // padding boundaries.
  EXPECT_EQ(Hex(""), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  EXPECT_EQ(Hex("abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
  EXPECT_EQ(Hex(std::string(1000000, 'a')), "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
  EXPECT_EQ(Hex(std::string(55, 'a')), "c1c8bbdc22796e28c0e15163d20899b65621d65a");
  EXPECT_EQ(Hex(std::string(56, 'a')), "c2db330f6083854c99d4b5bfb6e8f29f201be699");
  EXPECT_EQ(Hex(std::string(64, 'a')), "0098ba824b5c16427bd7a1122a5a442a25ec644d");
}

TEST(DigestTest, XorAndMix) {
  Digest zero{};
  EXPECT_EQ(DigestHex(zero), std::string(40, '0'));

  // xor is order-free and self-inverse.
  Digest ab{}, ba{};
  XorDigest(&ab, "a");
  XorDigest(&ab, "b");
  XorDigest(&ba, "b");
  XorDigest(&ba, "a");
  EXPECT_EQ(ab, ba);
  XorDigest(&ab, "a");
  XorDigest(&ab, "b");
  EXPECT_EQ(ab, zero);

  // mix = SHA1(d ^ SHA1(bytes)): order matters, and so do the boundaries.
  Digest m{};
  MixDigest(&m, "abc");
  Digest expect = Sha1(std::string_view(reinterpret_cast<const char*>(Sha1("abc").data()), 20));
  EXPECT_EQ(m, expect);
  Digest foo_bar{}, fo_obar{};
  MixDigest(&foo_bar, "foo");
  MixDigest(&foo_bar, "bar");
  MixDigest(&fo_obar, "fo");
  MixDigest(&fo_obar, "obar");
  EXPECT_NE(foo_bar, fo_obar);
}

TEST(DigestTest, ScoreTextIsPrintfPercent17g) {
  // Redis formats a score with snprintf("%.17g"); spot-check our formatting by
  // comparing digests of one-member sorted sets built from the printf text.
  for (double score : {0.0, -0.0, 1.0, 2.5, 0.1, 1e300, -1.5, 5e-324, 1e16, 1e17,
                       12345678901234567890.0, 0.30000000000000004, 123.456, kInf, -kInf}) {
    char buf[64];
    std::snprintf(buf, sizeof(buf), "%.17g", score);
    Digest element{};
    MixDigest(&element, "m");
    MixDigest(&element, buf);
    Digest expect{};
    MixDigest(&expect, std::string_view("\0\0\0\3", 4));  // the zset type tag
    XorDigest(&expect, std::string_view(reinterpret_cast<const char*>(element.data()), 20));
    EXPECT_EQ(ZSetValueDigest([&](auto emit) { emit("m", score); }), expect) << buf;
  }
}

TEST(DigestTest, DigestValueMatchesRedis) {
  for (const auto& db : {Db0(), Db3()}) {
    for (const Key& k : db) {
      EXPECT_EQ(DigestHex(ValueDigest(k.mix, k.has_expire)), k.digest_value) << k.name;
    }
  }
}

TEST(DigestTest, TypedHelpersAreDigestValueWithoutExpire) {
  EXPECT_EQ(DigestHex(StringValueDigest("hello")), "36b23a1456b2dce2c3ed252c456761301dba8060");
  EXPECT_EQ(DigestHex(SetValueDigest([](auto emit) {
              for (const char* m : {"", "c", "b", "a"}) emit(m);
            })),
            "830587fa26063e495cc24b05c82b6b8f9ccbdd7b");
  EXPECT_EQ(DigestHex(HashValueDigest([](auto emit) {
              emit("n", "7");
              emit("f1", "v1");
              emit("f2", "");
            })),
            "98ad382b4b2dbed2527c9a484583b9a9277b69a1");
  EXPECT_EQ(DigestHex(ListValueDigest([](auto emit) {
              for (const char* e : {"a", "b", "c", "1", "2", "", "3"}) emit(e);
            })),
            "7722dd20065cc210ef667068abfe2b7cbf51bae6");
  EXPECT_EQ(DigestHex(ZSetValueDigest([](auto emit) {
              emit("two", 2.5);
              emit("one", 1.0);
            })),
            DigestHex(ValueDigest(
                [](Digest* d) {
                  MixZSetValue(d, [](auto emit) {
                    emit("one", 1.0);
                    emit("two", 2.5);
                  });
                },
                false)));
}

TEST(DigestTest, EmptyDatasetAndMissingKeyAreZero) {
  // FLUSHALL; DEBUG DIGEST; DEBUG DIGEST-VALUE nokey -> 40 zeros each.
  DatasetDigest dd;
  EXPECT_EQ(DigestHex(dd.result()), std::string(40, '0'));
}

TEST(DigestTest, SingleKeyDataset) {
  // FLUSHALL; SET k v; DEBUG DIGEST; DEBUG DIGEST-VALUE k
  DatasetDigest db0;
  db0.BeginDb(0);
  db0.AddKey(
      "k", [](Digest* d) { MixStringValue(d, "v"); }, false);
  EXPECT_EQ(DigestHex(db0.result()), "264ccf65edec66bccfa7cc659414ccca432057d2");
  EXPECT_EQ(DigestHex(StringValueDigest("v")), "d79ee9fe5d5ad902d7f6620efc3b07b75ddd742f");

  // FLUSHALL; SELECT 3; SET k v; DEBUG DIGEST: the db id is mixed in.
  DatasetDigest db3;
  db3.BeginDb(3);
  db3.AddKey(
      "k", [](Digest* d) { MixStringValue(d, "v"); }, false);
  EXPECT_EQ(DigestHex(db3.result()), "0efe4ef79a20a9db96a6fba6ff727ccce6dec43d");
}

Digest DatasetOf(std::vector<Key> db0, std::vector<Key> db3, bool reverse_keys) {
  if (reverse_keys) {
    std::reverse(db0.begin(), db0.end());
    std::reverse(db3.begin(), db3.end());
  }
  DatasetDigest dd;
  for (auto& [id, keys] : {std::pair{0, &db0}, std::pair{3, &db3}}) {
    if (keys->empty()) continue;  // as Redis: no framing for an empty db
    dd.BeginDb(id);
    for (const Key& k : *keys) dd.AddKey(k.name, k.mix, k.has_expire);
  }
  return dd.result();
}

TEST(DigestTest, DatasetDigestMatchesRedis) {
  for (bool reverse : {false, true}) {
    EXPECT_EQ(DigestHex(DatasetOf(Db0(), {}, reverse)), kDb0Digest);
    EXPECT_EQ(DigestHex(DatasetOf(Db0(), Db3(), reverse)), kDb0Db3Digest);
  }
}

TEST(DigestTest, KeyDigestsCombineApart) {
  // Per-key contributions computed separately (e.g. per shard) and added.
  DatasetDigest dd;
  dd.BeginDb(0);
  for (const Key& k : Db0()) dd.AddKeyDigest(KeyDigest(k.name, k.mix, k.has_expire));
  dd.BeginDb(3);
  for (const Key& k : Db3()) dd.AddKeyDigest(KeyDigest(k.name, k.mix, k.has_expire));
  EXPECT_EQ(DigestHex(dd.result()), kDb0Db3Digest);
}

}  // namespace
}  // namespace valkdb
