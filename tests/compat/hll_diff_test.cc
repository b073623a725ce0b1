// Differential tests of PFADD PFCOUNT PFMERGE PFDEBUG PFSELFTEST against a
// real redis-server 7.0, RESP2 and RESP3, byte for byte
// (tests/support/diff_case.h): replies, and the HLL strings themselves
// through GET (sparse opcodes, dense registers, the cached cardinality),
// sparse -> dense promotion at hll-sparse-max-bytes, merges of sparse and
// dense values, values that are not HLLs or are corrupt, and what PFDEBUG
// reports. Each case starts from FLUSHALL. A second test moves values
// between the servers: bytes Redis wrote are read and extended by valkdb and
// the other way round.

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "protocol/str_util.h"
#include "tests/support/diff_case.h"
#include "tests/support/server_fixture.h"
#include "tests/support/transcript.h"

namespace valkdb::test {
namespace {

using namespace std::string_literals;  // NOLINT: values with NUL bytes

// An HLL header (magic, encoding, unused bytes, a valid cached cardinality
// of 0) followed by `body`.
std::string Hll(char encoding, const std::string& body) {
  return "HYLL"s + encoding + std::string(11, '\0') + body;
}

std::vector<DiffCase> Resp2Cases() {
  return {
      {"AddCountAndBytes",
       {C("PFADD h a b c"),
        C("GET h"),
        C("PFCOUNT h"),
        C("GET h"),
        C("PFADD h a b c"),
        C("PFADD h"),
        C("GETRANGE h 15 15"),
        C("PFADD h 1 2 3"),
        C("GETRANGE h 15 15"),
        C("GET h"),
        C("PFCOUNT h"),
        C("PFCOUNT h"),
        Args({"PFADD", "h", "", "x y", "\x00\xff"s}),
        C("PFADD empty"),
        C("GET empty"),
        C("PFCOUNT empty"),
        C("GET empty"),
        C("PFCOUNT nokey"),
        C("EXISTS nokey"),
        C("TYPE h"),
        C("OBJECT ENCODING h"),
        C("STRLEN h"),
        C("PFCOUNT h empty nokey"),
        C("GET h"),
        C("SETEX t 1000 x"),
        C("DEL t"),
        C("PFADD t a"),
        C("EXPIRE t 1000"),
        C("PFADD t b c d"),
        C("TTL t"),
        C("PFCOUNT t"),
        C("TTL t")}},
      {"PromotionAtSparseMaxBytes",
       {C("CONFIG SET hll-sparse-max-bytes 100"),
        C("CONFIG GET hll-sparse-max-bytes"),
        Args(WithMembers({"PFADD", "p"}, "e", 0, 20)),
        C("PFDEBUG ENCODING p"),
        C("STRLEN p"),
        C("GET p"),
        Args(WithMembers({"PFADD", "p"}, "e", 20, 40)),
        C("PFDEBUG ENCODING p"),
        C("STRLEN p"),
        C("GET p"),
        C("PFCOUNT p"),
        C("CONFIG SET hll-sparse-max-bytes 3000"),
        Args(WithMembers({"PFADD", "q"}, "m", 0, 1000)),
        C("PFDEBUG ENCODING q"),
        C("STRLEN q"),
        C("GET q"),
        C("PFCOUNT q"),
        Args(WithMembers({"PFADD", "q"}, "m", 1000, 600)),
        C("PFDEBUG ENCODING q"),
        C("STRLEN q"),
        C("GET q"),
        C("PFCOUNT q"),
        C("GET q"),
        Args(WithMembers({"PFADD", "r"}, "n", 0, 30000)),
        C("PFCOUNT r"),
        C("GET r"),
        C("CONFIG SET hll-sparse-max-bytes 0"),
        C("PFADD z a"),
        C("PFDEBUG ENCODING z"),
        C("CONFIG SET hll-sparse-max-bytes 3000")}},
      {"Merge",
       {C("PFADD s1 a b c d"),
        C("PFADD s2 c d e f g"),
        Args(WithMembers({"PFADD", "big"}, "x", 0, 5000)),
        C("PFDEBUG ENCODING big"),
        C("PFMERGE d1 s1 s2"),
        C("GET d1"),
        C("PFDEBUG ENCODING d1"),
        C("PFCOUNT d1"),
        C("PFMERGE d2 s1 big"),
        C("PFDEBUG ENCODING d2"),
        C("GET d2"),
        C("PFCOUNT d2"),
        C("PFCOUNT s1 s2 big nokey"),
        C("PFMERGE s1 s2"),
        C("GET s1"),
        C("PFMERGE empty"),
        C("GET empty"),
        C("PFMERGE empty2 nokey1 nokey2"),
        C("GET empty2"),
        C("PFADD dt x"),
        C("EXPIRE dt 500"),
        C("PFMERGE dt big"),
        C("TTL dt"),
        C("PFDEBUG ENCODING dt"),
        C("GET dt"),
        C("PFMERGE d2 d2"),
        C("GET d2"),
        C("SET str foo"),
        C("PFMERGE str s1"),
        C("PFMERGE d3 s1 str"),
        C("EXISTS d3"),
        C("RPUSH l a"),
        C("PFMERGE l s1"),
        C("PFMERGE d3 l"),
        C("PFCOUNT s1 l"),
        C("PFCOUNT s1 str")}},
      {"NotAnHll",
       {C("SET foo bar"),
        C("PFADD foo 1"),
        C("PFCOUNT foo"),
        C("PFDEBUG ENCODING foo"),
        C("SET n 12345"),
        C("PFADD n 1"),
        C("RPUSH l a"),
        C("PFADD l a"),
        C("PFCOUNT l"),
        C("PFDEBUG GETREG l"),
        Args({"SET", "magic", Hll('\x01', "\x7f\xff"s).replace(0, 4, "HYLX")}),
        C("PFCOUNT magic"),
        Args({"SET", "enc", Hll('\x02', "\x7f\xff"s)}),
        C("PFADD enc a"),
        Args({"SET", "short", "HYLL\x01\x00\x00"s}),
        C("PFCOUNT short"),
        Args({"SET", "densewrong", Hll('\x00', std::string(100, '\0'))}),
        C("PFCOUNT densewrong"),
        C("PFMERGE densewrong"),
        C("PFADD h a b c"),
        C("SETRANGE h 4 x"),
        C("PFCOUNT h"),
        C("PFADD h2 a b c"),
        Args({"SETRANGE", "h2", "4", "\x00"s}),
        C("PFCOUNT h2")}},
      {"CorruptSparse",
       {C("PFADD h a b c"), C("APPEND h hello"), C("PFCOUNT h"), C("PFCOUNT h h"), C("PFMERGE d h"),
        C("EXISTS d"), C("PFADD h a"), C("GET h"),
        Args({"SET", "short", Hll('\x01', "\x7f\xfe"s)}),  // 16383 registers
        C("PFCOUNT short"), C("PFDEBUG DECODE short"), C("PFDEBUG TODENSE short"),
        C("PFDEBUG GETREG short"), C("PFMERGE short"), Args({"SET", "empty", Hll('\x01', "")}),
        C("PFCOUNT empty"), C("PFADD empty a"), C("PFDEBUG DECODE empty"),
        // Covers only 16000 registers: elements going below are added (and
        // stay added) until one goes past the end.
        Args({"SET", "part", Hll('\x01', "\x7e\x7f"s)}),
        Args(WithMembers({"PFADD", "part"}, "e", 0, 200)), C("GET part"), C("PFDEBUG DECODE part"),
        C("PFCOUNT part"),
        // A VAL past the end: Redis's merge accepts it, its count does not.
        Args({"SET", "past", Hll('\x01', "\x7f\xff\x80"s)}), C("PFCOUNT past"),
        C("PFCOUNT past nokey"), C("PFMERGE m past"), C("GET m"), C("PFDEBUG TODENSE past"),
        C("STRLEN past"), C("PFCOUNT past"),
        // An XZERO cut in half, completed by the byte read past the end.
        Args({"SET", "cut", Hll('\x01', "\x3f\x3f\x3f\x3e\x7f"s)}), C("PFCOUNT cut"),
        C("PFDEBUG DECODE cut"), C("PFADD cut a b c"), C("GET cut"),
        Args({"SET", "cut2", Hll('\x01', "\x7f"s)}), C("PFCOUNT cut2"),
        C("PFADD cut2 a b c d e f g"), C("GET cut2"),
        // A stale cached cardinality is recomputed; a valid one is trusted.
        Args({"SET", "cached", "HYLL\x01\x00\x00\x00\x2a\x00\x00\x00\x00\x00\x00\x00\x7f\xff"s}),
        C("PFCOUNT cached"), C("PFADD cached a"), C("PFCOUNT cached"),
        Args({"SET", "dense", Hll('\x00', std::string(12288, '\xff'))}), C("PFCOUNT dense"),
        C("PFADD dense a"), C("GETRANGE dense 0 15")}},
      {"PfDebug",
       {C("PFADD h a b c"),
        C("PFDEBUG ENCODING h"),
        C("PFDEBUG DECODE h"),
        C("PFDEBUG GETREG h"),
        C("PFDEBUG ENCODING h"),
        C("GET h"),
        C("PFDEBUG DECODE h"),
        C("PFDEBUG TODENSE h"),
        C("PFADD h2 x"),
        C("PFDEBUG todense h2"),
        C("PFDEBUG TODENSE h2"),
        C("GET h2"),
        C("PFDEBUG getreg h2"),
        C("PFDEBUG FOO h2"),
        Args({"PFDEBUG", "encoding\x00zz"s, "h2"}),
        C("PFDEBUG FOO nokey"),
        C("PFDEBUG ENCODING nokey"),
        C("SET s foo"),
        C("PFDEBUG ENCODING s"),
        C("PFDEBUG"),
        C("PFDEBUG ENCODING"),
        C("PFDEBUG ENCODING h extra"),
        C("PFADD"),
        C("PFCOUNT"),
        C("PFMERGE"),
        C("PFSELFTEST extra"),
        C("PFSELFTEST")}},
      {"EncodingAndWatch",
       {Args({"SET", "e", Hll('\x01', "\x7f\xff"s)}), C("OBJECT ENCODING e"), C("PFCOUNT e"),
        C("OBJECT ENCODING e"), Args({"SET", "e2", Hll('\x01', "\x7f\xff"s)}), C("PFADD e2"),
        C("OBJECT ENCODING e2"),
        // Refreshing the cache is a change WATCH sees; PFDEBUG's conversion is not.
        C("PFADD w a b c"), C("WATCH w"), C("PFCOUNT w"), C("MULTI"), C("PING"), C("EXEC"),
        C("WATCH w"), C("PFCOUNT w"), C("MULTI"), C("PING"), C("EXEC"), C("WATCH w"),
        C("PFDEBUG TODENSE w"), C("MULTI"), C("PING"), C("EXEC"), C("WATCH w"), C("PFADD w a"),
        C("MULTI"), C("PING"), C("EXEC"), C("WATCH w"), C("PFADD w zzz"), C("MULTI"), C("PING"),
        C("EXEC"), C("MULTI"), C("PFADD m a b"), C("PFCOUNT m"), C("PFMERGE m2 m"), C("GET m2"),
        C("EXEC")}},
  };
}

class HllDiffTest : public ServerTest, public ::testing::WithParamInterface<DiffCase> {
 protected:
  bool WithRedis() const override { return true; }
};

TEST_P(HllDiffTest, SameRepliesAsRedis) {
  const DiffCase& c = GetParam();
  const std::string expected = RunCase(redis().port(), c);
  const std::string actual = RunCase(valkdb().port(), c);
  if (!SameTranscriptsUpToClock(actual, expected)) {
    EXPECT_EQ(actual, expected) << "valkdb (actual) and redis-server (expected) differ";
  }
}

// Named "compat..." so that `ctest -R compat` selects them.
INSTANTIATE_TEST_SUITE_P(compat_hll, HllDiffTest, ::testing::ValuesIn(WithResp3(Resp2Cases())),
                         [](const ::testing::TestParamInfo<DiffCase>& info) {
                           return info.param.name;
                         });

// Values cross over: an HLL one server wrote (sparse, promoted, dense by
// PFDEBUG, merged) is SET on the other, which counts and extends it to the
// same bytes as the writer does.
class HllCrossTest : public ServerTest {
 protected:
  bool WithRedis() const override { return true; }
};

TEST_F(HllCrossTest, ValuesWrittenByOneServerAreReadByTheOther) {
  auto redis_conn = ConnectTo(redis().port());
  auto valkdb_conn = Connect();
  ASSERT_NE(redis_conn, nullptr);
  ASSERT_NE(valkdb_conn, nullptr);
  ASSERT_FALSE(redis_conn->Run({"FLUSHALL"}).is_error());
  RespClient* servers[2] = {redis_conn.get(), valkdb_conn.get()};
  for (int writer = 0; writer < 2; ++writer) {
    RespClient& w = *servers[writer];
    RespClient& r = *servers[1 - writer];
    SCOPED_TRACE(writer == 0 ? "written by redis" : "written by valkdb");
    std::vector<std::string> sparse = {"PFADD", "sparse"};
    for (int i = 0; i < 300; ++i) sparse.push_back(StrCat("s", i));
    std::vector<std::string> dense = {"PFADD", "dense"};
    for (int i = 0; i < 4000; ++i) dense.push_back(StrCat("d", i));
    ASSERT_EQ(w.Run(sparse).integer, 1);
    ASSERT_EQ(w.Run(dense).integer, 1);
    ASSERT_EQ(w.Run({"PFADD", "forced", "a", "b"}).integer, 1);
    ASSERT_EQ(w.Run({"PFDEBUG", "TODENSE", "forced"}).integer, 1);
    ASSERT_EQ(w.Run({"PFMERGE", "merged", "sparse", "forced"}).str, "OK");
    for (std::string key : {"sparse", "dense", "forced", "merged"}) {
      SCOPED_TRACE(key);
      const RespValue bytes = w.Run({"GET", key});
      ASSERT_EQ(bytes.type, RespValue::Type::kBulkString);
      ASSERT_EQ(r.Run({"SET", key, bytes.str}).str, "OK");
      EXPECT_EQ(r.Run({"PFDEBUG", "ENCODING", key}), w.Run({"PFDEBUG", "ENCODING", key}));
      EXPECT_EQ(r.Run({"PFCOUNT", key}), w.Run({"PFCOUNT", key}));
      EXPECT_EQ(r.Run({"GET", key}), w.Run({"GET", key}));
      EXPECT_EQ(r.Run({"PFCOUNT", key, "sparse"}), w.Run({"PFCOUNT", key, "sparse"}));
      std::vector<std::string> more = {"PFADD", key};
      for (int i = 0; i < 3000; ++i) more.push_back(StrCat("more", i));
      EXPECT_EQ(r.Run(more), w.Run(more));
      EXPECT_EQ(r.Run({"GET", key}), w.Run({"GET", key}));
      EXPECT_EQ(r.Run({"PFCOUNT", key}), w.Run({"PFCOUNT", key}));
      EXPECT_EQ(r.Run({"GET", key}), w.Run({"GET", key}));
    }
    ASSERT_FALSE(w.Run({"FLUSHALL"}).is_error());
    ASSERT_FALSE(r.Run({"FLUSHALL"}).is_error());
  }
}

}  // namespace
}  // namespace valkdb::test
