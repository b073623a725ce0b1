// DEL EXISTS EXPIRE PEXPIRE TTL PTTL PERSIST DBSIZE FLUSHDB FLUSHALL.
// Expected replies are redis-server 7.0.15's, captured byte for byte.
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "protocol/str_util.h"
#include "tests/unit/commands/command_fixture.h"

namespace valkdb::testing_util {
namespace {

using KeyspaceFamilyTest = CommandTest;

const std::string kNxAndOthers =
    "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n";
const std::string kGtAndLt = "-ERR GT and LT options at the same time are not compatible\r\n";

// ---------------------------------------------------------------- DEL / EXISTS

TEST_F(KeyspaceFamilyTest, DelCountsDeletedKeys) {
  Run({"set", "a", "1"});
  Run({"set", "b", "2"});
  EXPECT_EQ(Run({"del", "a", "b", "c", "a"}), Int(2));
  EXPECT_EQ(Run({"del", "a"}), Int(0));
  EXPECT_EQ(Run({"del", ""}), Int(0));
  EXPECT_EQ(Run({"dbsize"}), Int(0));
  EXPECT_EQ(Run({"del"}), WrongArity("del"));
}

TEST_F(KeyspaceFamilyTest, DelOfAnExpiredKeyCountsNothing) {
  Run({"set", "a", "1", "px", "10"});
  AdvanceMs(11);
  EXPECT_EQ(Run({"del", "a"}), Int(0));
  EXPECT_EQ(Run({"dbsize"}), Int(0));
}

TEST_F(KeyspaceFamilyTest, ExistsCountsRepeats) {
  EXPECT_EQ(Run({"exists", "a", "b"}), Int(0));
  Run({"set", "a", "1"});
  EXPECT_EQ(Run({"exists", "a"}), Int(1));
  EXPECT_EQ(Run({"exists", "a", "a", "a", "b"}), Int(3));
  EXPECT_EQ(Run({"exists", ""}), Int(0));
  EXPECT_EQ(Run({"exists"}), WrongArity("exists"));
}

TEST_F(KeyspaceFamilyTest, ExistsAndDelSeeOnlyTheSelectedDatabase) {
  Run({"set", "a", "1"});
  Run({"select", "1"});
  EXPECT_EQ(Run({"exists", "a"}), Int(0));
  EXPECT_EQ(Run({"del", "a"}), Int(0));
  Run({"select", "0"});
  EXPECT_EQ(Run({"exists", "a"}), Int(1));
}

// ---------------------------------------------------------------- EXPIRE / PEXPIRE

TEST_F(KeyspaceFamilyTest, ExpireSetsTheTtl) {
  Run({"set", "a", "1"});
  EXPECT_EQ(Run({"expire", "a", "10"}), Int(1));
  EXPECT_EQ(Run({"ttl", "a"}), Int(10));
  EXPECT_EQ(Run({"pttl", "a"}), Int(10000));
  AdvanceMs(10'001);
  EXPECT_EQ(Run({"exists", "a"}), Int(0));
}

TEST_F(KeyspaceFamilyTest, PexpireSetsTheTtl) {
  Run({"set", "a", "1"});
  EXPECT_EQ(Run({"pexpire", "a", "1500"}), Int(1));
  EXPECT_EQ(Run({"pttl", "a"}), Int(1500));
  EXPECT_EQ(Run({"ttl", "a"}), Int(2));
  EXPECT_EQ(Run({"PEXPIRE", "a", "100"}), Int(1));
  EXPECT_EQ(Run({"pttl", "a"}), Int(100));
}

TEST_F(KeyspaceFamilyTest, ExpireOnAMissingKey) {
  EXPECT_EQ(Run({"expire", "missing", "10"}), Int(0));
  EXPECT_EQ(Run({"expire", "missing", "10", "xx"}), Int(0));
  EXPECT_EQ(Run({"expire", "missing", "-10"}), Int(0));
  EXPECT_EQ(Run({"pexpire", "missing", "10"}), Int(0));
  EXPECT_EQ(Run({"dbsize"}), Int(0));
}

TEST_F(KeyspaceFamilyTest, ExpireInThePastDeletes) {
  for (const char* when : {"0", "-1", "-9223372036854775"}) {
    Run({"set", "a", "1"});
    EXPECT_EQ(Run({"expire", "a", when}), Int(1)) << when;
    EXPECT_EQ(Run({"exists", "a"}), Int(0)) << when;
    EXPECT_EQ(Run({"dbsize"}), Int(0)) << "deleted at once, not left to expire";
  }
  Run({"set", "a", "1"});
  EXPECT_EQ(Run({"pexpire", "a", "0"}), Int(1));
  EXPECT_EQ(Run({"dbsize"}), Int(0));
  Run({"set", "a", "1"});
  EXPECT_EQ(Run({"pexpire", "a", "-9223372036854775808"}), Int(1));
  EXPECT_EQ(Run({"dbsize"}), Int(0));
}

TEST_F(KeyspaceFamilyTest, ExpireInThePastWithConditions) {
  Run({"set", "a", "1"});
  EXPECT_EQ(Run({"pexpire", "a", "0", "lt"}), Int(1)) << "no TTL counts as infinite for LT";
  EXPECT_EQ(Run({"exists", "a"}), Int(0));
  Run({"set", "a", "1"});
  EXPECT_EQ(Run({"expire", "a", "-5", "gt"}), Int(0));
  EXPECT_EQ(Run({"exists", "a"}), Int(1));
  EXPECT_EQ(Run({"expire", "a", "-5", "xx"}), Int(0));
  EXPECT_EQ(Run({"exists", "a"}), Int(1));
  EXPECT_EQ(Run({"expire", "a", "-5", "nx"}), Int(1));
  EXPECT_EQ(Run({"exists", "a"}), Int(0));
}

TEST_F(KeyspaceFamilyTest, ExpireOverflow) {
  Run({"set", "a", "1"});
  EXPECT_EQ(Run({"expire", "a", "9223372036854775"}),
            "-ERR invalid expire time in 'expire' command\r\n");
  EXPECT_EQ(Run({"expire", "a", "9223372036854776"}),
            "-ERR invalid expire time in 'expire' command\r\n");
  EXPECT_EQ(Run({"expire", "a", "-9223372036854776"}),
            "-ERR invalid expire time in 'expire' command\r\n");
  EXPECT_EQ(Run({"pexpire", "a", "9223372036854775807"}),
            "-ERR invalid expire time in 'pexpire' command\r\n");
  EXPECT_EQ(Run({"pexpire", "a", "9223372036854775000"}),
            "-ERR invalid expire time in 'pexpire' command\r\n");
  EXPECT_EQ(Run({"ttl", "a"}), Int(-1)) << "a refused EXPIRE changes nothing";
}

TEST_F(KeyspaceFamilyTest, ExpireNotAnInteger) {
  Run({"set", "a", "1"});
  for (const char* bad : {"abc", "1.5", "", "+1", "9223372036854775808"}) {
    EXPECT_EQ(Run({"expire", "a", bad}), kNotInteger) << bad;
    EXPECT_EQ(Run({"pexpire", "a", bad}), kNotInteger) << bad;
  }
}

TEST_F(KeyspaceFamilyTest, ExpireArity) {
  EXPECT_EQ(Run({"expire"}), WrongArity("expire"));
  EXPECT_EQ(Run({"expire", "a"}), WrongArity("expire"));
  EXPECT_EQ(Run({"pexpire"}), WrongArity("pexpire"));
  EXPECT_EQ(Run({"pexpire", "a"}), WrongArity("pexpire"));
}

TEST_F(KeyspaceFamilyTest, ExpireOptionErrors) {
  Run({"set", "a", "1"});
  EXPECT_EQ(Run({"expire", "a", "10", "nx", "xx"}), kNxAndOthers);
  EXPECT_EQ(Run({"expire", "a", "10", "nx", "gt"}), kNxAndOthers);
  EXPECT_EQ(Run({"expire", "a", "10", "nx", "lt"}), kNxAndOthers);
  EXPECT_EQ(Run({"expire", "a", "10", "gt", "lt", "nx"}), kNxAndOthers);
  EXPECT_EQ(Run({"expire", "a", "10", "NX", "Xx"}), kNxAndOthers);
  EXPECT_EQ(Run({"expire", "a", "10", "gt", "lt"}), kGtAndLt);
  EXPECT_EQ(Run({"pexpire", "a", "10", "nx", "xx"}), kNxAndOthers);
  EXPECT_EQ(Run({"pexpire", "a", "10", "gt", "lt"}), kGtAndLt);
  EXPECT_EQ(Run({"expire", "a", "10", "foo"}), "-ERR Unsupported option foo\r\n");
  EXPECT_EQ(Run({"pexpire", "a", "10", "bar"}), "-ERR Unsupported option bar\r\n");
  // Options are checked before the time, and in order.
  EXPECT_EQ(Run({"expire", "a", "abc", "foo"}), "-ERR Unsupported option foo\r\n");
  EXPECT_EQ(Run({"expire", "a", "abc", "nx", "xx"}), kNxAndOthers);
  EXPECT_EQ(Run({"expire", "a", "10", "foo", "nx", "xx"}), "-ERR Unsupported option foo\r\n");
  EXPECT_EQ(Run({"ttl", "a"}), Int(-1));
  // Repeats of one option are fine.
  EXPECT_EQ(Run({"expire", "a", "10", "nx", "nx"}), Int(1));
  EXPECT_EQ(Run({"expire", "a", "20", "xx", "gt"}), Int(1));
  EXPECT_EQ(Run({"expire", "a", "10", "xx", "lt"}), Int(1));
}

TEST_F(KeyspaceFamilyTest, ExpireNxAndXx) {
  Run({"set", "a", "1"});
  EXPECT_EQ(Run({"expire", "a", "10", "xx"}), Int(0));
  EXPECT_EQ(Run({"ttl", "a"}), Int(-1));
  EXPECT_EQ(Run({"expire", "a", "10", "nx"}), Int(1));
  EXPECT_EQ(Run({"expire", "a", "100", "nx"}), Int(0));
  EXPECT_EQ(Run({"ttl", "a"}), Int(10));
  EXPECT_EQ(Run({"expire", "a", "50", "xx"}), Int(1));
  EXPECT_EQ(Run({"ttl", "a"}), Int(50));
}

TEST_F(KeyspaceFamilyTest, ExpireGtAndLt) {
  Run({"set", "a", "1"});
  // No TTL is an infinite TTL: GT always fails, LT always succeeds.
  EXPECT_EQ(Run({"expire", "a", "10", "gt"}), Int(0));
  EXPECT_EQ(Run({"ttl", "a"}), Int(-1));
  EXPECT_EQ(Run({"expire", "a", "100", "lt"}), Int(1));
  EXPECT_EQ(Run({"ttl", "a"}), Int(100));
  EXPECT_EQ(Run({"expire", "a", "50", "gt"}), Int(0));
  EXPECT_EQ(Run({"expire", "a", "100", "gt"}), Int(0)) << "equal is not greater";
  EXPECT_EQ(Run({"expire", "a", "200", "gt"}), Int(1));
  EXPECT_EQ(Run({"ttl", "a"}), Int(200));
  EXPECT_EQ(Run({"expire", "a", "500", "lt"}), Int(0));
  EXPECT_EQ(Run({"expire", "a", "200", "lt"}), Int(0)) << "equal is not less";
  EXPECT_EQ(Run({"expire", "a", "50", "LT"}), Int(1));
  EXPECT_EQ(Run({"ttl", "a"}), Int(50));
  EXPECT_EQ(Run({"pexpire", "a", "50001", "gt"}), Int(1));
  EXPECT_EQ(Run({"pttl", "a"}), Int(50001));
}

TEST_F(KeyspaceFamilyTest, ExpireAfterTimePasses) {
  Run({"set", "a", "1"});
  Run({"expire", "a", "100"});
  AdvanceMs(30'000);
  EXPECT_EQ(Run({"ttl", "a"}), Int(70));
  EXPECT_EQ(Run({"expire", "a", "80", "gt"}), Int(1)) << "80s from now is later than 70s";
  EXPECT_EQ(Run({"ttl", "a"}), Int(80));
}

// ---------------------------------------------------------------- TTL / PTTL

TEST_F(KeyspaceFamilyTest, TtlOfMissingAndPersistentKeys) {
  EXPECT_EQ(Run({"ttl", "missing"}), Int(-2));
  EXPECT_EQ(Run({"pttl", "missing"}), Int(-2));
  Run({"set", "a", "1"});
  EXPECT_EQ(Run({"ttl", "a"}), Int(-1));
  EXPECT_EQ(Run({"pttl", "a"}), Int(-1));
}

TEST_F(KeyspaceFamilyTest, TtlRoundsToTheNearestSecond) {
  Run({"set", "a", "1"});
  struct Case {
    const char* pexpire;
    int64_t ttl;
  };
  for (const Case& c : {Case{"1", 0}, Case{"499", 0}, Case{"500", 1}, Case{"1499", 1},
                        Case{"1500", 2}, Case{"1999", 2}, Case{"2000", 2}, Case{"2500", 3}}) {
    ASSERT_EQ(Run({"pexpire", "a", c.pexpire}), Int(1));
    EXPECT_EQ(Run({"ttl", "a"}), Int(c.ttl)) << c.pexpire;
    EXPECT_EQ(Run({"pttl", "a"}), StrCat(":", c.pexpire, "\r\n"));
  }
}

TEST_F(KeyspaceFamilyTest, TtlCountsDown) {
  Run({"set", "a", "1", "ex", "10"});
  AdvanceMs(2'400);
  EXPECT_EQ(Run({"pttl", "a"}), Int(7'600));
  EXPECT_EQ(Run({"ttl", "a"}), Int(8));
  AdvanceMs(7'599);
  EXPECT_EQ(Run({"pttl", "a"}), Int(1));
  EXPECT_EQ(Run({"ttl", "a"}), Int(0));
  AdvanceMs(2);
  EXPECT_EQ(Run({"pttl", "a"}), Int(-2));
  EXPECT_EQ(Run({"ttl", "a"}), Int(-2));
}

// Redis expires a key only once now > its expire time (db.c keyIsExpired):
// at the exact millisecond it is still there with PTTL 0.
TEST_F(KeyspaceFamilyTest, KeyIsStillThereAtItsExpireMillisecond) {
  Run({"set", "a", "1", "px", "100"});
  AdvanceMs(100);
  EXPECT_EQ(Run({"pttl", "a"}), Int(0));
  EXPECT_EQ(Run({"ttl", "a"}), Int(0));
  EXPECT_EQ(Run({"get", "a"}), Bulk("1"));
  AdvanceMs(1);
  EXPECT_EQ(Run({"get", "a"}), kNil);
}

TEST_F(KeyspaceFamilyTest, TtlArity) {
  EXPECT_EQ(Run({"ttl"}), WrongArity("ttl"));
  EXPECT_EQ(Run({"ttl", "a", "b"}), WrongArity("ttl"));
  EXPECT_EQ(Run({"pttl"}), WrongArity("pttl"));
  EXPECT_EQ(Run({"pttl", "a", "b"}), WrongArity("pttl"));
}

// ---------------------------------------------------------------- PERSIST

TEST_F(KeyspaceFamilyTest, Persist) {
  EXPECT_EQ(Run({"persist", "missing"}), Int(0));
  Run({"set", "a", "1"});
  EXPECT_EQ(Run({"persist", "a"}), Int(0));
  Run({"expire", "a", "10"});
  EXPECT_EQ(Run({"persist", "a"}), Int(1));
  EXPECT_EQ(Run({"ttl", "a"}), Int(-1));
  EXPECT_EQ(Run({"persist", "a"}), Int(0));
  AdvanceMs(20'000);
  EXPECT_EQ(Run({"get", "a"}), Bulk("1"));
}

TEST_F(KeyspaceFamilyTest, PersistOfAnExpiredKey) {
  Run({"set", "a", "1", "px", "5"});
  AdvanceMs(6);
  EXPECT_EQ(Run({"persist", "a"}), Int(0));
  EXPECT_EQ(Run({"exists", "a"}), Int(0));
}

TEST_F(KeyspaceFamilyTest, PersistArity) {
  EXPECT_EQ(Run({"persist"}), WrongArity("persist"));
  EXPECT_EQ(Run({"persist", "a", "b"}), WrongArity("persist"));
}

// ---------------------------------------------------------------- DBSIZE / FLUSH*

TEST_F(KeyspaceFamilyTest, DbSizePerDatabase) {
  EXPECT_EQ(Run({"dbsize"}), Int(0));
  Run({"set", "x", "1"});
  Run({"select", "1"});
  Run({"set", "y", "1"});
  Run({"set", "z", "1"});
  EXPECT_EQ(Run({"dbsize"}), Int(2));
  Run({"select", "0"});
  EXPECT_EQ(Run({"dbsize"}), Int(1));
  EXPECT_EQ(Run({"dbsize", "x"}), WrongArity("dbsize"));
}

TEST_F(KeyspaceFamilyTest, FlushDbEmptiesOnlyTheSelectedDatabase) {
  Run({"set", "x", "1"});
  Run({"select", "1"});
  Run({"set", "y", "1", "ex", "10"});
  EXPECT_EQ(Run({"flushdb"}), kOk);
  EXPECT_EQ(Run({"dbsize"}), Int(0));
  EXPECT_EQ(store_.ExpiresSize(1), 0u);
  Run({"select", "0"});
  EXPECT_EQ(Run({"dbsize"}), Int(1));
}

TEST_F(KeyspaceFamilyTest, FlushAllEmptiesEveryDatabase) {
  Run({"set", "x", "1"});
  Run({"select", "1"});
  Run({"set", "y", "1"});
  EXPECT_EQ(Run({"flushall"}), kOk);
  EXPECT_EQ(Run({"dbsize"}), Int(0));
  Run({"select", "0"});
  EXPECT_EQ(Run({"dbsize"}), Int(0));
}

TEST_F(KeyspaceFamilyTest, FlushOptions) {
  for (const char* cmd : {"flushdb", "flushall"}) {
    Run({"set", "x", "1"});
    EXPECT_EQ(Run({cmd, "async"}), kOk) << cmd;
    EXPECT_EQ(Run({"dbsize"}), Int(0));
    Run({"set", "x", "1"});
    EXPECT_EQ(Run({cmd, "SYNC"}), kOk) << cmd;
    EXPECT_EQ(Run({"dbsize"}), Int(0));
    Run({"set", "x", "1"});
    EXPECT_EQ(Run({cmd, "ASYNC"}), kOk) << cmd;
    Run({"set", "x", "1"});
    EXPECT_EQ(Run({cmd, "foo"}), kSyntaxError) << cmd;
    EXPECT_EQ(Run({cmd, "sync", "async"}), kSyntaxError) << cmd;
    EXPECT_EQ(Run({cmd, "a", "b"}), kSyntaxError) << cmd;
    EXPECT_EQ(Run({"dbsize"}), Int(1)) << "a refused flush leaves the data";
    Run({"del", "x"});
  }
}

}  // namespace
}  // namespace valkdb::testing_util
