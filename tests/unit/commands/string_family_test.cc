// GET SET. Expected replies are redis-server 7.0.15's, captured byte for byte.
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "protocol/str_util.h"
#include "tests/unit/commands/command_fixture.h"

namespace valkdb::testing_util {
namespace {

using StringFamilyTest = CommandTest;

const std::string kInvalidExpire = "-ERR invalid expire time in 'set' command\r\n";

// ---------------------------------------------------------------- GET

TEST_F(StringFamilyTest, GetMissingAndPresent) {
  EXPECT_EQ(Run({"get", "k"}), kNil);
  EXPECT_EQ(Run({"set", "k", "v"}), kOk);
  EXPECT_EQ(Run({"get", "k"}), Bulk("v"));
  EXPECT_EQ(Run({"GET", "k"}), Bulk("v"));
  EXPECT_EQ(Run({"get", "K"}), kNil) << "keys are case-sensitive";
}

TEST_F(StringFamilyTest, GetArity) {
  EXPECT_EQ(Run({"get"}), WrongArity("get"));
  EXPECT_EQ(Run({"get", "a", "b"}), WrongArity("get"));
}

TEST_F(StringFamilyTest, BinarySafeKeysAndValues) {
  const std::string key("k\0\r\n", 4);
  const std::string value("\0\xff\r\n$-1\r\n", 9);
  EXPECT_EQ(Run({"set", key, value}), kOk);
  EXPECT_EQ(Run({"get", key}), Bulk(value));
  EXPECT_EQ(Run({"get", "k"}), kNil);
}

TEST_F(StringFamilyTest, EmptyKeyAndEmptyValue) {
  EXPECT_EQ(Run({"get", ""}), kNil);
  EXPECT_EQ(Run({"set", "", ""}), kOk);
  EXPECT_EQ(Run({"get", ""}), "$0\r\n\r\n");
  EXPECT_EQ(Run({"exists", ""}), Int(1));
}

TEST_F(StringFamilyTest, GetCountsHitsAndMisses) {
  Run({"set", "k", "v"});
  Run({"get", "k"});
  Run({"get", "k"});
  Run({"get", "missing"});
  EXPECT_EQ(server_.keyspace_hits.load(), 2u);
  EXPECT_EQ(server_.keyspace_misses.load(), 1u);
}

TEST_F(StringFamilyTest, GetInResp3) {
  Run({"hello", "3"});
  EXPECT_EQ(Run({"get", "k"}), "_\r\n");
  Run({"set", "k", "v"});
  EXPECT_EQ(Run({"get", "k"}), Bulk("v"));
}

// A big value sent as its own buffer is stored by reference, and the GET
// reply references the stored value instead of copying it.
TEST_F(StringFamilyTest, BigValueIsNeitherCopiedOnSetNorOnGet) {
  const std::string big(256 * 1024, 'b');
  RequestParser parser;
  CommandArgs set_args;
  size_t consumed = 0;
  const std::string request = Request({"set", "big", big});
  ASSERT_EQ(parser.Parse(request, &consumed, &set_args), RequestParser::Status::kCommand);
  const Bytes* buffer = set_args.Owned(2);
  ASSERT_NE(buffer, nullptr) << "the parser keeps big arguments in buffers of their own";
  EXPECT_EQ(Dispatch(set_args), kOk);
  std::optional<Bytes> stored = store_.Get(0, "big", now_ms_);
  ASSERT_TRUE(stored.has_value());
  EXPECT_TRUE(stored->SharesStorageWith(*buffer)) << "SET must not copy a big value";
  const uint32_t refs_before_get = stored->use_count();

  CommandArgs get_args;
  get_args.Assign({std::string_view("get"), std::string_view("big")});
  CommandContext ctx{store_, server_, client_, writer_, get_args, now_ms_};
  CommandTable::Get().Dispatch(ctx);
  EXPECT_EQ(stored->use_count(), refs_before_get + 1) << "the reply references the value";
  EXPECT_EQ(out_.ToString(), Bulk(big));
  out_.Clear();
  EXPECT_EQ(stored->use_count(), refs_before_get) << "written replies let go of the value";
}

// ---------------------------------------------------------------- SET basics

TEST_F(StringFamilyTest, SetOverwrites) {
  EXPECT_EQ(Run({"set", "k", "v1"}), kOk);
  EXPECT_EQ(Run({"set", "k", "v2"}), kOk);
  EXPECT_EQ(Run({"get", "k"}), Bulk("v2"));
  EXPECT_EQ(Run({"dbsize"}), Int(1));
}

TEST_F(StringFamilyTest, SetArity) {
  EXPECT_EQ(Run({"set"}), WrongArity("set"));
  EXPECT_EQ(Run({"set", "k"}), WrongArity("set"));
}

TEST_F(StringFamilyTest, SetUnknownOption) {
  EXPECT_EQ(Run({"set", "k", "v", "foo"}), kSyntaxError);
  EXPECT_EQ(Run({"set", "k", "v", "foo", "ex", "abc"}), kSyntaxError);
  EXPECT_EQ(Run({"set", "k", "v", "ex", "abc", "foo"}), kSyntaxError)
      << "options are all parsed before the time";
  EXPECT_EQ(Run({"get", "k"}), kNil);
}

// ---------------------------------------------------------------- NX / XX

TEST_F(StringFamilyTest, SetNx) {
  EXPECT_EQ(Run({"set", "k", "v", "nx"}), kOk);
  EXPECT_EQ(Run({"set", "k", "v2", "NX"}), kNil);
  EXPECT_EQ(Run({"get", "k"}), Bulk("v"));
  EXPECT_EQ(Run({"set", "k", "v", "nx", "nx"}), kNil) << "a repeated NX is accepted";
}

TEST_F(StringFamilyTest, SetXx) {
  EXPECT_EQ(Run({"set", "k", "v", "xx"}), kNil);
  EXPECT_EQ(Run({"exists", "k"}), Int(0));
  EXPECT_EQ(Run({"set", "k", "v"}), kOk);
  EXPECT_EQ(Run({"set", "k", "v2", "Xx"}), kOk);
  EXPECT_EQ(Run({"get", "k"}), Bulk("v2"));
  EXPECT_EQ(Run({"set", "k", "v3", "xx", "xx"}), kOk);
}

TEST_F(StringFamilyTest, SetNxXxTogetherIsASyntaxError) {
  EXPECT_EQ(Run({"set", "k", "v", "nx", "xx"}), kSyntaxError);
  EXPECT_EQ(Run({"set", "k", "v", "xx", "nx"}), kSyntaxError);
  EXPECT_EQ(Run({"set", "k", "v", "NX", "xX"}), kSyntaxError);
  EXPECT_EQ(Run({"set", "k", "v", "get", "nx", "xx"}), kSyntaxError);
  EXPECT_EQ(Run({"exists", "k"}), Int(0));
}

TEST_F(StringFamilyTest, SetNxOnAnExpiredKeySucceeds) {
  EXPECT_EQ(Run({"set", "k", "old", "px", "100"}), kOk);
  AdvanceMs(101);
  EXPECT_EQ(Run({"set", "k", "new", "nx"}), kOk);
  EXPECT_EQ(Run({"get", "k"}), Bulk("new"));
  EXPECT_EQ(Run({"ttl", "k"}), Int(-1));
}

TEST_F(StringFamilyTest, SetXxOnAnExpiredKeyFails) {
  EXPECT_EQ(Run({"set", "k", "old", "px", "100"}), kOk);
  AdvanceMs(101);
  EXPECT_EQ(Run({"set", "k", "new", "xx"}), kNil);
  EXPECT_EQ(Run({"exists", "k"}), Int(0));
}

// ---------------------------------------------------------------- GET option

TEST_F(StringFamilyTest, SetGetReturnsTheOldValue) {
  EXPECT_EQ(Run({"set", "k", "v", "get"}), kNil);
  EXPECT_EQ(Run({"set", "k", "v2", "get"}), Bulk("v"));
  EXPECT_EQ(Run({"get", "k"}), Bulk("v2"));
  EXPECT_EQ(Run({"set", "k", "v3", "Get"}), Bulk("v2"));
  EXPECT_EQ(Run({"set", "k", "v4", "get", "get"}), Bulk("v3"));
}

TEST_F(StringFamilyTest, SetGetWithNxAndXx) {
  // Redis 7 allows GET with NX: the old value comes back, nothing is set.
  EXPECT_EQ(Run({"set", "k", "v", "nx", "get"}), kNil);
  EXPECT_EQ(Run({"get", "k"}), Bulk("v"));
  EXPECT_EQ(Run({"set", "k", "v2", "nx", "get"}), Bulk("v"));
  EXPECT_EQ(Run({"get", "k"}), Bulk("v"));
  EXPECT_EQ(Run({"set", "k2", "v", "xx", "get"}), kNil);
  EXPECT_EQ(Run({"exists", "k2"}), Int(0));
  EXPECT_EQ(Run({"set", "k", "v3", "ex", "100", "get", "xx"}), Bulk("v"));
  EXPECT_EQ(Run({"get", "k"}), Bulk("v3"));
  EXPECT_EQ(Run({"ttl", "k"}), Int(100));
}

TEST_F(StringFamilyTest, SetGetOnAnExpiredKeyReturnsNil) {
  Run({"set", "k", "v", "px", "10"});
  AdvanceMs(11);
  EXPECT_EQ(Run({"set", "k", "v2", "get"}), kNil);
  EXPECT_EQ(Run({"get", "k"}), Bulk("v2"));
}

TEST_F(StringFamilyTest, SetGetWithAnInvalidExpireSetsNothing) {
  Run({"set", "k", "v"});
  EXPECT_EQ(Run({"set", "k", "v2", "get", "ex", "0"}), kInvalidExpire);
  EXPECT_EQ(Run({"get", "k"}), Bulk("v"));
}

TEST_F(StringFamilyTest, SetGetInResp3) {
  Run({"hello", "3"});
  EXPECT_EQ(Run({"set", "k", "v", "get"}), "_\r\n");
  EXPECT_EQ(Run({"set", "k", "v2", "get"}), Bulk("v"));
  EXPECT_EQ(Run({"set", "k", "v3", "nx"}), "_\r\n");
}

// ---------------------------------------------------------------- expiry options

TEST_F(StringFamilyTest, SetEx) {
  EXPECT_EQ(Run({"set", "k", "v", "ex", "100"}), kOk);
  EXPECT_EQ(Run({"ttl", "k"}), Int(100));
  EXPECT_EQ(Run({"pttl", "k"}), Int(100000));
  AdvanceMs(99'999);
  EXPECT_EQ(Run({"get", "k"}), Bulk("v"));
  AdvanceMs(2);
  EXPECT_EQ(Run({"get", "k"}), kNil);
}

TEST_F(StringFamilyTest, SetPx) {
  EXPECT_EQ(Run({"set", "k", "v", "PX", "1500"}), kOk);
  EXPECT_EQ(Run({"pttl", "k"}), Int(1500));
  EXPECT_EQ(Run({"ttl", "k"}), Int(2));
  AdvanceMs(1501);
  EXPECT_EQ(Run({"get", "k"}), kNil);
}

TEST_F(StringFamilyTest, SetExat) {
  const int64_t at = kStartMs / 1000 + 10;
  EXPECT_EQ(Run({"set", "k", "v", "exat", std::to_string(at)}), kOk);
  EXPECT_EQ(Run({"pttl", "k"}), Int(at * 1000 - kStartMs));
}

TEST_F(StringFamilyTest, SetPxat) {
  EXPECT_EQ(Run({"set", "k", "v", "pxat", std::to_string(kStartMs + 1234)}), kOk);
  EXPECT_EQ(Run({"pttl", "k"}), Int(1234));
}

TEST_F(StringFamilyTest, SetExatInThePastStoresAnAlreadyExpiredKey) {
  // Redis 7.0 stores it (DBSIZE counts it) and it is gone at the next access.
  EXPECT_EQ(Run({"set", "k", "v", "exat", "1"}), kOk);
  EXPECT_EQ(Run({"dbsize"}), Int(1));
  EXPECT_EQ(Run({"exists", "k"}), Int(0));
  EXPECT_EQ(Run({"dbsize"}), Int(0));
  Run({"set", "k", "v"});
  EXPECT_EQ(Run({"set", "k", "v2", "pxat", "1", "get"}), Bulk("v"));
  EXPECT_EQ(Run({"exists", "k"}), Int(0));
}

TEST_F(StringFamilyTest, SetLastExpireOfTheSameKindWins) {
  EXPECT_EQ(Run({"set", "k", "v", "ex", "10", "ex", "20"}), kOk);
  EXPECT_EQ(Run({"ttl", "k"}), Int(20));
  EXPECT_EQ(Run({"set", "k", "v", "px", "100", "px", "200", "px", "300"}), kOk);
  EXPECT_EQ(Run({"pttl", "k"}), Int(300));
}

TEST_F(StringFamilyTest, SetTwoKindsOfExpireIsASyntaxError) {
  for (const std::vector<std::string>& cmd : std::vector<std::vector<std::string>>{
           {"set", "k", "v", "px", "10", "ex", "10"},
           {"set", "k", "v", "ex", "100", "px", "100"},
           {"set", "k", "v", "EX", "100", "Px", "100"},
           {"set", "k", "v", "ex", "100", "exat", "100"},
           {"set", "k", "v", "pxat", "100", "exat", "100"},
           {"set", "k", "v", "exat", "100", "pxat", "100"},
       }) {
    EXPECT_EQ(Run(cmd), kSyntaxError) << cmd[3] << " " << cmd[5];
  }
  EXPECT_EQ(Run({"exists", "k"}), Int(0));
}

TEST_F(StringFamilyTest, SetKeepttlWithAnExpireIsASyntaxError) {
  EXPECT_EQ(Run({"set", "k", "v", "keepttl", "ex", "1"}), kSyntaxError);
  EXPECT_EQ(Run({"set", "k", "v", "ex", "1", "keepttl"}), kSyntaxError);
  EXPECT_EQ(Run({"set", "k", "v", "px", "1", "keepttl"}), kSyntaxError);
  EXPECT_EQ(Run({"set", "k", "v", "keepttl", "pxat", "1"}), kSyntaxError);
  EXPECT_EQ(Run({"set", "k", "v", "exat", "1", "KEEPTTL"}), kSyntaxError);
  EXPECT_EQ(Run({"set", "k", "v", "keepttl", "keepttl"}), kOk);
}

TEST_F(StringFamilyTest, SetExpireWithoutAValueIsASyntaxError) {
  for (const char* opt : {"ex", "px", "exat", "pxat", "EX"}) {
    EXPECT_EQ(Run({"set", "k", "v", opt}), kSyntaxError) << opt;
  }
  EXPECT_EQ(Run({"set", "k", "v", "ex", "1", "ex"}), kSyntaxError);
}

TEST_F(StringFamilyTest, SetExpireNotAnInteger) {
  for (const char* bad : {"abc", "1.5", "01", "+1", " 1", "", "9223372036854775808"}) {
    EXPECT_EQ(Run({"set", "k", "v", "ex", bad}), kNotInteger) << "'" << bad << "'";
  }
  EXPECT_EQ(Run({"set", "k", "v", "nx", "ex", "abc"}), kNotInteger);
  EXPECT_EQ(Run({"exists", "k"}), Int(0));
}

TEST_F(StringFamilyTest, SetInvalidExpireTime) {
  for (const std::vector<std::string>& cmd : std::vector<std::vector<std::string>>{
           {"set", "k", "v", "ex", "0"},
           {"set", "k", "v", "px", "0"},
           {"set", "k", "v", "exat", "0"},
           {"set", "k", "v", "pxat", "0"},
           {"set", "k", "v", "ex", "-5"},
           {"set", "k", "v", "px", "-1"},
           {"set", "k", "v", "exat", "-1"},
           {"set", "k", "v", "pxat", "-1"},
           // Overflow in the unit conversion or when adding the current time.
           {"set", "k", "v", "ex", "9223372036854775807"},
           {"set", "k", "v", "px", "9223372036854775807"},
           {"set", "k", "v", "exat", "9223372036854776"},
           {"set", "k", "v", "ex", "9223372036854776"},
           {"set", "k", "v", "ex", "9223372036854775"},
           {"set", "k", "v", "px", "9223372036854775000"},
           {"set", "newkey", "v", "xx", "ex", "0"},
       }) {
    EXPECT_EQ(Run(cmd), kInvalidExpire) << cmd[3] << " " << cmd[4];
  }
  EXPECT_EQ(Run({"dbsize"}), Int(0));
}

TEST_F(StringFamilyTest, SetLargestValidAbsoluteExpiries) {
  EXPECT_EQ(Run({"set", "k", "v", "pxat", "9223372036854775807"}), kOk);
  EXPECT_EQ(Run({"set", "k", "v", "exat", "9223372036854775"}), kOk);
  EXPECT_EQ(Run({"get", "k"}), Bulk("v"));
}

TEST_F(StringFamilyTest, SetWithoutExpiryClearsTheTtl) {
  Run({"set", "k", "v", "ex", "100"});
  EXPECT_EQ(Run({"set", "k", "v3"}), kOk);
  EXPECT_EQ(Run({"ttl", "k"}), Int(-1));
}

TEST_F(StringFamilyTest, SetKeepttlKeepsTheTtl) {
  Run({"set", "k", "v", "ex", "100"});
  AdvanceMs(1000);
  EXPECT_EQ(Run({"set", "k", "v2", "keepttl"}), kOk);
  EXPECT_EQ(Run({"ttl", "k"}), Int(99));
  EXPECT_EQ(Run({"get", "k"}), Bulk("v2"));
  EXPECT_EQ(Run({"set", "k", "v3", "KeepTtl", "get"}), Bulk("v2"));
  EXPECT_EQ(Run({"pttl", "k"}), Int(99000));
  AdvanceMs(99'001);
  EXPECT_EQ(Run({"get", "k"}), kNil);
}

TEST_F(StringFamilyTest, SetKeepttlOnAKeyWithoutTtl) {
  Run({"set", "k", "v"});
  EXPECT_EQ(Run({"set", "k", "v2", "keepttl"}), kOk);
  EXPECT_EQ(Run({"ttl", "k"}), Int(-1));
  EXPECT_EQ(Run({"set", "new", "v", "keepttl"}), kOk);
  EXPECT_EQ(Run({"ttl", "new"}), Int(-1));
}

TEST_F(StringFamilyTest, SetKeepttlManyTimesThenActiveExpiry) {
  // The expiry index must follow each replaced entry (see store tests).
  for (int i = 0; i < 50; ++i) Run({"set", StrCat("k", i), "v", "px", "100"});
  for (int round = 0; round < 5; ++round) {
    for (int i = 0; i < 50; ++i) {
      Run({"set", StrCat("k", i), std::string(static_cast<size_t>(round + i), 'x'), "keepttl"});
    }
  }
  EXPECT_EQ(store_.ExpiresSize(0), 50u);
  EXPECT_EQ(store_.ActiveExpireCycle(now_ms_ + 200, 10'000'000), 50u);
  EXPECT_EQ(Run({"dbsize"}), Int(0));
}

TEST_F(StringFamilyTest, SetWritesToTheSelectedDatabase) {
  Run({"select", "5"});
  Run({"set", "k", "v", "ex", "10"});
  EXPECT_EQ(store_.DbSize(5), 1u);
  EXPECT_EQ(store_.ExpiresSize(5), 1u);
  EXPECT_EQ(store_.DbSize(0), 0u);
}

}  // namespace
}  // namespace valkdb::testing_util
