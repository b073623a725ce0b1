// Differential tests of the list commands (and of the keyspace commands on
// lists) against a real redis-server 7.0, RESP2 and RESP3, byte for byte
// (tests/support/diff_case.h). Lists have one order, so every reply is
// compared exactly. Each case starts from FLUSHALL and default settings.

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "protocol/str_util.h"
#include "tests/support/diff_case.h"
#include "tests/support/server_fixture.h"
#include "tests/support/transcript.h"

namespace valkdb::test {
namespace {

using namespace std::string_literals;  // NOLINT: arguments with NUL bytes

std::vector<DiffCase> Resp2Cases() {
  const std::string big(20000, 'b');
  return {
      {"PushAndRange",
       {C("LPUSH l a b c"), C("RPUSH l d e"), C("LRANGE l 0 -1"), C("LRANGE l 1 2"),
        C("LRANGE l -2 -1"), C("LRANGE l -100 100"), C("LRANGE l 3 1"), C("LRANGE l 5 10"),
        C("LRANGE l x 1"), C("LRANGE l 0 y"), C("LRANGE nokey 0 -1"), C("LLEN l"), C("LLEN nokey"),
        C("TYPE l"), C("OBJECT ENCODING l"), C("EXISTS l")}},
      {"PushX",
       {C("LPUSHX l a"), C("RPUSHX l a"), C("EXISTS l"), C("RPUSH l x"), C("LPUSHX l a b"),
        C("RPUSHX l y z"), C("LRANGE l 0 -1")}},
      {"PopSingleAndCount",
       {C("RPUSH l a b c d e f"), C("LPOP l"), C("RPOP l"), C("LPOP l 2"), C("RPOP l 0"),
        C("RPOP l 1"), C("LPOP l 10"), C("EXISTS l"), C("LPOP l"), C("LPOP l 2"), C("RPOP l 0"),
        C("LPOP l -1"), C("LPOP l x"), C("LPOP l 1 2"), C("RPUSH m 1 2 3"), C("RPOP m 5")}},
      {"IndexAndSet",
       {C("RPUSH l a b c"), C("LINDEX l 0"), C("LINDEX l -1"), C("LINDEX l 3"), C("LINDEX l -4"),
        C("LINDEX l x"), C("LINDEX nokey x"), C("LSET l 1 B"), C("LSET l -1 CC"), C("LSET l 3 x"),
        C("LSET l x y"), C("LSET nokey 0 x"), Args({"LSET", "l", "0", big}), C("LINDEX l 1"),
        C("LRANGE l 1 -1"), C("STRLEN l")}},
      {"Insert",
       {C("LINSERT nokey BEFORE a b"), C("RPUSH l a b c"), C("LINSERT l BEFORE b x"),
        C("LINSERT l after c y"), C("LINSERT l AFTER zz y"), C("LINSERT l middle a b"),
        C("LRANGE l 0 -1"), C("SET s v"), C("LINSERT s BEFORE a b"), C("LINSERT s foo a b")}},
      {"TrimAndRem",
       {C("RPUSH l a b a c a d a"), C("LREM l 2 a"), C("LRANGE l 0 -1"), C("LREM l -1 a"),
        C("LRANGE l 0 -1"), C("LREM l 0 a"), C("LRANGE l 0 -1"), C("LREM l 0 zz"), C("LREM l x a"),
        C("LREM nokey 1 a"), C("LTRIM l 1 -1"), C("LRANGE l 0 -1"), C("LTRIM l 5 10"),
        C("EXISTS l"), C("LTRIM nokey 0 1"), C("RPUSH m 1 2 3 4 5"), C("LTRIM m -3 -2"),
        C("LRANGE m 0 -1"), C("LTRIM m 0 x")}},
      {"Pos",
       {C("RPUSH l a b c 1 2 3 c c"),
        C("LPOS l c"),
        C("LPOS l c RANK 2"),
        C("LPOS l c RANK -1"),
        C("LPOS l c RANK -3"),
        C("LPOS l c COUNT 0"),
        C("LPOS l c COUNT 2"),
        C("LPOS l c COUNT 0 RANK -1"),
        C("LPOS l c COUNT 0 MAXLEN 3"),
        C("LPOS l c MAXLEN 2"),
        C("LPOS l zz"),
        C("LPOS l zz COUNT 1"),
        C("LPOS nokey a"),
        C("LPOS nokey a COUNT 1"),
        C("LPOS l c RANK 0"),
        C("LPOS l c COUNT -1"),
        C("LPOS l c MAXLEN -1"),
        C("LPOS l c RANK x"),
        C("LPOS l c COUNT x"),
        C("LPOS l c FOO 1"),
        C("LPOS l c RANK"),
        C("LPOS l c RANK 5")}},
      {"MoveAndRotate",
       {C("RPUSH a 1 2 3"), C("LMOVE a b LEFT RIGHT"), C("LMOVE a b RIGHT LEFT"),
        C("LRANGE a 0 -1"), C("LRANGE b 0 -1"), C("LMOVE a a LEFT RIGHT"), C("LRANGE a 0 -1"),
        C("RPOPLPUSH a a"), C("LRANGE a 0 -1"), C("RPOPLPUSH a c"), C("EXISTS a"),
        C("RPOPLPUSH a c"), C("LMOVE nokey b LEFT LEFT"), C("LMOVE a b UP LEFT"), C("SET s v"),
        C("LMOVE c s LEFT LEFT"), C("LMOVE s c LEFT LEFT"), C("LRANGE c 0 -1")}},
      {"MPop",
       {C("LMPOP 2 a b LEFT"),
        C("RPUSH b 1 2 3 4"),
        C("LMPOP 2 a b LEFT"),
        C("LMPOP 2 a b RIGHT COUNT 2"),
        C("LMPOP 1 b LEFT COUNT 10"),
        C("EXISTS b"),
        C("LMPOP 0 a LEFT"),
        C("LMPOP -1 a LEFT"),
        C("LMPOP 1 a"),
        C("LMPOP 2 a LEFT"),
        C("LMPOP 1 a MIDDLE"),
        C("LMPOP 1 a LEFT COUNT 0"),
        C("LMPOP 1 a LEFT COUNT x"),
        C("LMPOP 1 a LEFT COUNT 1 COUNT 2"),
        C("LMPOP 1 a LEFT FOO"),
        C("SET s v"),
        C("LMPOP 2 a s LEFT"),
        C("RPUSH a x"),
        C("LMPOP 2 s a LEFT"),
        C("LMPOP 2 a s LEFT")}},
      {"WrongTypeEverywhere",
       {C("SET s v"), C("LPUSH s a"), C("RPUSH s a"), C("LPUSHX s a"), C("LPOP s"), C("RPOP s 2"),
        C("LLEN s"), C("LINDEX s 0"), C("LSET s 0 a"), C("LRANGE s 0 -1"), C("LTRIM s 0 1"),
        C("LREM s 0 a"), C("LPOS s a"), C("RPUSH l a"), C("GET l"), C("MGET l s"), C("HGET l f"),
        C("SADD l m"), C("APPEND l x")}},
      {"KeyspaceOnLists",
       {C("RPUSH l a b c"), C("COPY l l2"), C("LRANGE l2 0 -1"), C("RPUSH l2 d"),
        C("LRANGE l 0 -1"), C("RENAME l l3"), C("LRANGE l3 0 -1"), C("MOVE l3 1"), C("SELECT 1"),
        C("LRANGE l3 0 -1"), C("SELECT 0"), C("EXPIRE l2 100"), C("TTL l2"), C("SCAN 0 TYPE list"),
        C("DEL l2"), C("OBJECT ENCODING l3"), C("DEBUG DIGEST-VALUE l2")}},
      {"BinaryAndBigElements",
       {Args({"RPUSH", "l", ""s, "a\0b"s, big, "x"}), C("LRANGE l 0 -1"), C("LLEN l"),
        Args({"LPOS", "l", "a\0b"s}), Args({"LREM", "l", "0", ""s}), C("LINDEX l 1"),
        C("LPOP l 3")}},
      {"ManyElementsAcrossNodes",
       {Args(WithMembers({"RPUSH", "l"}, "element-number-", 0, 2000)),
        Args(WithMembers({"LPUSH", "l"}, "front-", 0, 1000)), C("LLEN l"), C("LINDEX l 1500"),
        C("LINDEX l -1500"), C("LRANGE l 990 1010"), C("LSET l 1500 changed"),
        C("LINSERT l BEFORE element-number-700 inserted"), C("LRANGE l 1695 1705"),
        C("LREM l -2 element-number-5"), C("LTRIM l 100 -100"), C("LLEN l"), C("LRANGE l 0 3"),
        C("LRANGE l -3 -1"), C("LPOS l changed"), C("DEBUG DIGEST-VALUE l")}},
      {"SmallNodes",
       {C("CONFIG SET list-max-listpack-size 2"), C("RPUSH l a b c d e f g"),
        C("LINSERT l AFTER b x"), C("LINSERT l BEFORE a y"), C("LRANGE l 0 -1"), C("LSET l 4 CC"),
        C("LREM l 1 d"), C("LRANGE l 0 -1"), C("LTRIM l 1 5"), C("LRANGE l 0 -1"), C("RPOP l 2"),
        C("LPOP l 2"), C("LRANGE l 0 -1")}},
      // list-compress-depth: inner nodes are LZF-compressed; every command
      // that reads or writes them must answer as on plain nodes, and DUMP
      // (taken before any split) must carry the same bytes as Redis's.
      {"CompressedInnerNodes",
       {C("CONFIG SET list-compress-depth 1"),
        C("CONFIG SET list-max-listpack-size 8"),
        Args(WithMembers({"RPUSH", "l"}, "element-number-", 0, 400)),
        C("DUMP l"),
        C("OBJECT ENCODING l"),
        C("LINDEX l 200"),
        C("LINDEX l -150"),
        C("LRANGE l 195 205"),
        C("LRANGE l -5 -1"),
        C("LPOS l element-number-301"),
        C("LSET l 100 changed"),
        C("LINSERT l BEFORE element-number-250 inserted"),
        C("LINSERT l AFTER element-number-251 after"),
        C("LRANGE l 98 102"),
        C("LRANGE l 248 254"),
        C("LREM l 0 element-number-300"),
        C("LREM l -1 changed"),
        C("LTRIM l 10 -10"),
        C("LLEN l"),
        C("LRANGE l 0 2"),
        C("LRANGE l -3 -1"),
        C("LMOVE l l2 LEFT RIGHT"),
        C("RPOP l 50"),
        C("LPOP l 50"),
        C("LLEN l"),
        C("DEBUG DIGEST-VALUE l"),
        C("COPY l l3"),
        C("LRANGE l3 100 103"),
        C("CONFIG SET list-compress-depth 3"),
        Args(WithMembers({"LPUSH", "m"}, "m-", 0, 300)),
        C("LRANGE m 150 152"),
        C("LTRIM m 0 20"),
        C("LRANGE m 0 -1"),
        C("CONFIG SET list-compress-depth 0"),
        C("CONFIG SET list-max-listpack-size -2")}},
      {"Arity",
       {C("LPUSH l"), C("RPUSH"), C("LLEN"), C("LINDEX l"), C("LSET l 0"), C("LRANGE l 0"),
        C("LTRIM l 0"), C("LREM l 0"), C("LINSERT l BEFORE a"), C("LMOVE a b LEFT"),
        C("RPOPLPUSH a"), C("LMPOP 1"), C("LPOS l")}},
  };
}

class ListDiffTest : public ServerTest, public ::testing::WithParamInterface<DiffCase> {
 protected:
  bool WithRedis() const override { return true; }
};

TEST_P(ListDiffTest, SameRepliesAsRedis) {
  const DiffCase& c = GetParam();
  const std::string expected = RunCase(redis().port(), c);
  const std::string actual = RunCase(valkdb().port(), c);
  if (!SameTranscriptsUpToClock(actual, expected)) {
    EXPECT_EQ(actual, expected) << "valkdb (actual) and redis-server (expected) differ";
  }
}

// Named "compat..." so that `ctest -R compat` selects them.
INSTANTIATE_TEST_SUITE_P(compat_list, ListDiffTest, ::testing::ValuesIn(WithResp3(Resp2Cases())),
                         [](const ::testing::TestParamInfo<DiffCase>& info) {
                           return info.param.name;
                         });

}  // namespace
}  // namespace valkdb::test
