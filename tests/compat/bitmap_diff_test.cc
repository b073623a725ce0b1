// Differential tests of SETBIT GETBIT BITCOUNT BITPOS BITOP against a real
// redis-server 7.0, RESP2 and RESP3, byte for byte (tests/support/diff_case.h):
// byte and bit ranges, negative and out-of-range indexes, masks at both edges
// of a range, the order of Redis's checks (which error wins), integers stored
// as strings, and every error text. Each case starts from FLUSHALL.

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/support/diff_case.h"
#include "tests/support/server_fixture.h"
#include "tests/support/transcript.h"

namespace valkdb::test {
namespace {

using namespace std::string_literals;  // NOLINT: arguments with NUL bytes

std::vector<DiffCase> Resp2Cases() {
  return {
      {"SetBitGetBit",
       {C("SETBIT b 7 1"),
        C("GET b"),
        C("SETBIT b 7 1"),
        C("SETBIT b 7 0"),
        C("SETBIT b 100 1"),
        C("STRLEN b"),
        C("GET b"),
        C("GETBIT b 100"),
        C("GETBIT b 101"),
        C("GETBIT b 100000"),
        C("GETBIT nokey 0"),
        C("SETBIT b 0 2"),
        C("SETBIT b 0 -1"),
        C("SETBIT b 0 x"),
        C("SETBIT b -1 1"),
        C("SETBIT b x 1"),
        C("SETBIT b 4294967296 1"),
        C("GETBIT b -1"),
        C("GETBIT b 1.5"),
        C("SETBIT b 0 1 2"),
        C("TTL b"),
        C("OBJECT ENCODING b"),
        C("SETEX t 100 abc"),
        C("SETBIT t 1 0"),
        C("GET t"),
        C("TTL t")}},
      {"BitsOfIntegersAndWrongType",
       {C("SET n 123"), C("GETBIT n 2"), C("GETBIT n 3"), C("SETBIT n 7 0"), C("GET n"),
        C("OBJECT ENCODING n"), C("BITCOUNT n"), C("BITPOS n 1"), C("RPUSH l a"), C("SETBIT l 0 1"),
        C("GETBIT l 0"), C("BITCOUNT l"), C("BITPOS l 1"), C("BITOP OR d l"), C("GETBIT l x"),
        C("SETBIT l x 1"), C("BITPOS l 2"), C("BITCOUNT l 0")}},
      {"BitCountRanges",
       {Args({"SET", "s", "foobar\xff\x00\x81"s}),
        C("BITCOUNT s"),
        C("BITCOUNT s 0 0"),
        C("BITCOUNT s 1 1"),
        C("BITCOUNT s 1 -1"),
        C("BITCOUNT s -2 -1"),
        C("BITCOUNT s -100 100"),
        C("BITCOUNT s 5 2"),
        C("BITCOUNT s -1 -2"),
        C("BITCOUNT s -1 -2 foo"),
        C("BITCOUNT s 0 -1 BYTE"),
        C("BITCOUNT s 0 -1 BIT"),
        C("BITCOUNT s 5 30 BIT"),
        C("BITCOUNT s 3 3 bit"),
        C("BITCOUNT s -9 -3 BIT"),
        C("BITCOUNT s 60 71 BIT"),
        C("BITCOUNT s 0 1000 BIT"),
        C("BITCOUNT s 0"),
        C("BITCOUNT s 0 1 BIT x"),
        C("BITCOUNT s a 1"),
        C("BITCOUNT s 0 b"),
        C("BITCOUNT s 0 1 WORD"),
        C("BITCOUNT nokey"),
        C("BITCOUNT nokey 0"),
        C("BITCOUNT nokey 0 1 WORD"),
        Args({"SET", "e", ""s}),
        C("BITCOUNT e"),
        C("BITCOUNT e 0 -1 BIT")}},
      {"BitPos",
       {Args({"SET", "s", "\x00\x00\xff\xf0\x00"s}),
        C("BITPOS s 1"),
        C("BITPOS s 0"),
        C("BITPOS s 1 2"),
        C("BITPOS s 0 2"),
        C("BITPOS s 1 3 -1"),
        C("BITPOS s 0 2 3"),
        C("BITPOS s 1 -1"),
        C("BITPOS s 1 0 -1 BIT"),
        C("BITPOS s 1 17 23 BIT"),
        C("BITPOS s 0 16 27 BIT"),
        C("BITPOS s 0 16 28 BIT"),
        C("BITPOS s 1 20 30 BIT"),
        C("BITPOS s 1 3 3 BIT"),
        C("BITPOS s 0 5 2"),
        C("BITPOS s 0 9 BIT"),
        C("BITPOS s 2"),
        C("BITPOS s x"),
        C("BITPOS s 1 x"),
        C("BITPOS s 1 0 y"),
        C("BITPOS s 1 0 1 WORD"),
        C("BITPOS s 1 0 1 BIT x"),
        C("BITPOS nokey 1"),
        C("BITPOS nokey 0"),
        C("BITPOS nokey 0 1 2 WORD"),
        Args({"SET", "ones", "\xff\xff\xff"s}),
        C("BITPOS ones 0"),
        C("BITPOS ones 0 0"),
        C("BITPOS ones 0 0 -1"),
        C("BITPOS ones 0 1 2"),
        C("BITPOS ones 0 0 23 BIT"),
        C("BITPOS ones 1 -1 -1 BIT"),
        Args({"SET", "z", ""s}),
        C("BITPOS z 0"),
        C("BITPOS z 1")}},
      {"BitOp",
       {Args({"SET", "a", "\x0f\xf0\xaa foo bar baz qux and more bytes here"s}),
        Args({"SET", "b", "\xff\x0f\x55 another string, longer than a"s}),
        C("SET c 1"),
        C("BITOP AND d a b"),
        C("GET d"),
        C("BITOP OR d a b c"),
        C("GET d"),
        C("BITOP XOR d a b"),
        C("GET d"),
        C("BITOP NOT d a"),
        C("GET d"),
        C("BITOP and d a nokey"),
        C("GET d"),
        C("BITOP OR d nokey1 nokey2"),
        C("EXISTS d"),
        C("BITOP NOT d a b"),
        C("BITOP NOT d"),
        C("BITOP NAND d a b"),
        C("BITOP OR a a b"),
        C("GET a"),
        C("EXPIRE b 100"),
        C("BITOP XOR b b"),
        C("TTL b"),
        C("RPUSH l x"),
        C("BITOP OR l a"),
        C("TYPE l"),
        C("BITOP OR d a l"),
        C("OBJECT ENCODING d")}},
      {"Bitfield",
       {C("BITFIELD f SET u8 0 255"),
        C("GET f"),
        C("BITFIELD f GET u8 0 GET i8 0 GET u4 4 GET i4 4"),
        C("BITFIELD f SET i5 3 -7 GET i5 3 GET u5 3 INCRBY u2 100 1 GET u2 100"),
        C("STRLEN f"),
        C("BITFIELD f INCRBY u8 0 10 INCRBY i8 8 127 INCRBY i8 8 1"),
        C("BITFIELD f OVERFLOW SAT INCRBY u8 0 1000 INCRBY i8 8 -1000 INCRBY u8 0 -1000"),
        C("BITFIELD f OVERFLOW FAIL INCRBY u8 0 1000 SET i4 0 100 GET u8 0"),
        C("BITFIELD f OVERFLOW WRAP SET i8 0 200 SET u3 0 9 GET i8 0"),
        C("BITFIELD f SET i64 64 -1 GET i64 64 GET u63 64 INCRBY i64 64 -9223372036854775807"),
        C("BITFIELD f OVERFLOW SAT INCRBY i64 64 -9223372036854775807 INCRBY i64 128 "
          "9223372036854775807 INCRBY i64 128 1"),
        C("BITFIELD f SET u8 #3 7 GET u8 #3 GET u8 24 GET i16 #1"),
        C("GET f"),
        C("BITFIELD f GET u8 1000000"),
        C("BITFIELD nokey GET u8 0 GET i64 5"),
        C("EXISTS nokey"),
        C("BITFIELD new OVERFLOW FAIL SET u2 0 7"),
        C("EXISTS new"),
        C("GET new"),
        C("BITFIELD f"),
        C("BITFIELD_RO f GET u8 0 GET i3 #2"),
        C("BITFIELD_RO nokey GET u8 0"),
        C("BITFIELD_RO f GET u8 0 SET u8 0 1"),
        C("BITFIELD_RO f INCRBY u8 0 1 GET x 0"),
        C("SET n 12"),
        C("BITFIELD n GET u8 0 GET u16 0"),
        C("BITFIELD n SET u8 0 65"),
        C("GET n")}},
      {"BitfieldErrors",
       {C("BITFIELD f GET u64 0"),
        C("BITFIELD f GET i65 0"),
        C("BITFIELD f GET i0 0"),
        C("BITFIELD f GET x8 0"),
        C("BITFIELD f GET u 0"),
        C("BITFIELD f GET u8 -1"),
        C("BITFIELD f GET u8 x"),
        C("BITFIELD f GET u8 #x"),
        C("BITFIELD f GET u8 #-1"),
        C("BITFIELD f GET u8 4294967296"),
        C("BITFIELD f SET u8 0 x"),
        C("BITFIELD f SET u8 0"),
        C("BITFIELD f GET u8"),
        C("BITFIELD f OVERFLOW"),
        C("BITFIELD f OVERFLOW MAYBE GET u8 0"),
        C("BITFIELD f FROB u8 0"),
        C("BITFIELD f GET u8 0 SET i8 0"),
        C("RPUSH l a"),
        C("BITFIELD l GET u8 0"),
        C("BITFIELD l SET u8 0 1"),
        C("BITFIELD_RO l GET u8 0"),
        C("BITFIELD_RO l SET u8 0 1"),
        C("BITFIELD l GET u99 0"),
        C("EXISTS f")}},
      {"Arity",
       {C("SETBIT k 1"), C("GETBIT k"), C("BITCOUNT"), C("BITPOS k"), C("BITOP AND d"),
        C("GETBIT k 1 2"), C("BITFIELD"), C("BITFIELD_RO")}},
  };
}

class BitmapDiffTest : public ServerTest, public ::testing::WithParamInterface<DiffCase> {
 protected:
  bool WithRedis() const override { return true; }
};

TEST_P(BitmapDiffTest, SameRepliesAsRedis) {
  const DiffCase& c = GetParam();
  const std::string expected = RunCase(redis().port(), c);
  const std::string actual = RunCase(valkdb().port(), c);
  if (!SameTranscriptsUpToClock(actual, expected)) {
    EXPECT_EQ(actual, expected) << "valkdb (actual) and redis-server (expected) differ";
  }
}

// Named "compat..." so that `ctest -R compat` selects them.
INSTANTIATE_TEST_SUITE_P(compat_bitmap, BitmapDiffTest,
                         ::testing::ValuesIn(WithResp3(Resp2Cases())),
                         [](const ::testing::TestParamInfo<DiffCase>& info) {
                           return info.param.name;
                         });

}  // namespace
}  // namespace valkdb::test
