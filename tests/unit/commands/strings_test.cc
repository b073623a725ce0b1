// The string commands through the real dispatcher. The expectations of the
// generated part are the exact replies a real Redis 7.0.15 gave to the same
// command sequences (steps whose answer depends on the wall clock are left
// to the differential tests); the hand-written part at the end checks what
// Redis cannot show: values shared with replies, in-place growth, WATCH.

#include <optional>
#include <string>
#include <vector>

#include "protocol/str_util.h"
#include "tests/unit/commands/command_fixture.h"

namespace valkdb::testing_util {
namespace {

using namespace std::string_literals;       // NOLINT: expected replies with NUL bytes
using namespace std::string_view_literals;  // NOLINT

class StringsTest : public CommandTest {};

// ---------------------------------------------------------------- from Redis

TEST_F(StringsTest, SetBasics) {
  EXPECT_EQ(Run({"set", "k", "v"}),
            "+OK\r\n");  // step 0
  EXPECT_EQ(Run({"get", "k"}),
            "$1\r\nv\r\n");  // step 1
  EXPECT_EQ(Run({"set", "k", "v", "nx"}),
            "$-1\r\n");  // step 2
  EXPECT_EQ(Run({"set", "k", "v", "xx"}),
            "+OK\r\n");  // step 3
  EXPECT_EQ(Run({"set", "k", "v2", "xx", "get"}),
            "$1\r\nv\r\n");  // step 4
  EXPECT_EQ(Run({"get", "k"}),
            "$2\r\nv2\r\n");  // step 5
  EXPECT_EQ(Run({"set", "k", "v", "get", "get"}),
            "$2\r\nv2\r\n");  // step 6
  EXPECT_EQ(Run({"set", "k", "v", "nx", "xx"}),
            "-ERR syntax error\r\n");  // step 7
  EXPECT_EQ(Run({"set", "k", "v", "foo"}),
            "-ERR syntax error\r\n");  // step 8
  EXPECT_EQ(Run({"set", "k"}),
            "-ERR wrong number of arguments for 'set' command\r\n");  // step 9
  EXPECT_EQ(Run({"get", "nokey"}),
            "$-1\r\n");  // step 10
  EXPECT_EQ(Run({"get"}),
            "-ERR wrong number of arguments for 'get' command\r\n");  // step 11
  EXPECT_EQ(Run({"get", "a", "b"}),
            "-ERR wrong number of arguments for 'get' command\r\n");  // step 12
}

TEST_F(StringsTest, SetExpireOptions) {
  EXPECT_EQ(Run({"set", "k", "v", "ex", "10"}),
            "+OK\r\n");  // step 0
  EXPECT_EQ(Run({"ttl", "k"}),
            ":10\r\n");  // step 1
  EXPECT_EQ(Run({"set", "k", "v", "px", "100", "ex", "10"}),
            "-ERR syntax error\r\n");  // step 2
  EXPECT_EQ(Run({"set", "k", "v", "keepttl", "ex", "10"}),
            "-ERR syntax error\r\n");  // step 3
  EXPECT_EQ(Run({"set", "k", "v", "ex", "10", "keepttl"}),
            "-ERR syntax error\r\n");  // step 4
  EXPECT_EQ(Run({"set", "k", "v", "ex", "0"}),
            "-ERR invalid expire time in 'set' command\r\n");  // step 5
  EXPECT_EQ(Run({"set", "k", "v", "ex", "-1"}),
            "-ERR invalid expire time in 'set' command\r\n");  // step 6
  EXPECT_EQ(Run({"set", "k", "v", "ex", "abc"}),
            "-ERR value is not an integer or out of range\r\n");  // step 7
  EXPECT_EQ(Run({"set", "k", "v", "exat", "1"}),
            "+OK\r\n");  // step 8
  EXPECT_EQ(Run({"get", "k"}),
            "$-1\r\n");  // step 9
  EXPECT_EQ(Run({"set", "k", "v", "ex", "9223372036854775807"}),
            "-ERR invalid expire time in 'set' command\r\n");  // step 10
  EXPECT_EQ(Run({"set", "k", "v", "ex", "9223372036854775"}),
            "-ERR invalid expire time in 'set' command\r\n");  // step 11
  EXPECT_EQ(Run({"set", "k", "v", "px", "9223372036854775807"}),
            "-ERR invalid expire time in 'set' command\r\n");  // step 12
  EXPECT_EQ(Run({"set", "k", "v", "ex"}),
            "-ERR syntax error\r\n");  // step 13
  EXPECT_EQ(Run({"set", "k", "v", "EX", "10", "EX", "20"}),
            "+OK\r\n");  // step 14
  EXPECT_EQ(Run({"ttl", "k"}),
            ":20\r\n");  // step 15
  EXPECT_EQ(Run({"set", "k", "v", "px", "5", "keepttl"}),
            "-ERR syntax error\r\n");  // step 16
  EXPECT_EQ(Run({"set", "k", "v", "pxat", "0"}),
            "-ERR invalid expire time in 'set' command\r\n");  // step 17
  EXPECT_EQ(Run({"set", "k", "v", "exat", "-5"}),
            "-ERR invalid expire time in 'set' command\r\n");  // step 18
  EXPECT_EQ(Run({"set", "k", "v", "EXAT", "10", "PXAT", "10"}),
            "-ERR syntax error\r\n");  // step 19
  EXPECT_EQ(Run({"get", "k"}),
            "$1\r\nv\r\n");  // step 20
}

TEST_F(StringsTest, SetOptionsStopAtNul) {
  EXPECT_EQ(Run({"set", "k", "v", "nx\000zz"sv}),
            "+OK\r\n");  // step 0
  EXPECT_EQ(Run({"get", "k"}),
            "$1\r\nv\r\n");  // step 1
  EXPECT_EQ(Run({"set", "k", "w", "XX\000"sv}),
            "+OK\r\n");  // step 2
  EXPECT_EQ(Run({"get", "k"}),
            "$1\r\nw\r\n");  // step 3
  EXPECT_EQ(Run({"set", "k", "v", "ex\000"sv, "10"}),
            "+OK\r\n");  // step 4
  EXPECT_EQ(Run({"ttl", "k"}),
            ":10\r\n");  // step 5
}

TEST_F(StringsTest, SetNxSetExPSetEx) {
  EXPECT_EQ(Run({"setnx", "a", "1"}),
            ":1\r\n");  // step 0
  EXPECT_EQ(Run({"setnx", "a", "2"}),
            ":0\r\n");  // step 1
  EXPECT_EQ(Run({"get", "a"}),
            "$1\r\n1\r\n");  // step 2
  EXPECT_EQ(Run({"setnx", "a"}),
            "-ERR wrong number of arguments for 'setnx' command\r\n");  // step 3
  EXPECT_EQ(Run({"setex", "b", "10", "v"}),
            "+OK\r\n");  // step 4
  EXPECT_EQ(Run({"ttl", "b"}),
            ":10\r\n");  // step 5
  EXPECT_EQ(Run({"setex", "b", "0", "v"}),
            "-ERR invalid expire time in 'setex' command\r\n");  // step 6
  EXPECT_EQ(Run({"setex", "b", "-5", "v"}),
            "-ERR invalid expire time in 'setex' command\r\n");  // step 7
  EXPECT_EQ(Run({"setex", "b", "abc", "v"}),
            "-ERR value is not an integer or out of range\r\n");  // step 8
  EXPECT_EQ(Run({"setex", "b", "9223372036854775807", "v"}),
            "-ERR invalid expire time in 'setex' command\r\n");  // step 9
  EXPECT_EQ(Run({"setex", "b", "10"}),
            "-ERR wrong number of arguments for 'setex' command\r\n");  // step 10
  EXPECT_EQ(Run({"psetex", "c", "100000", "v"}),
            "+OK\r\n");  // step 11
  EXPECT_EQ(Run({"psetex", "c", "0", "v"}),
            "-ERR invalid expire time in 'psetex' command\r\n");  // step 12
  EXPECT_EQ(Run({"psetex", "c", "-1", "v"}),
            "-ERR invalid expire time in 'psetex' command\r\n");  // step 13
  EXPECT_EQ(Run({"psetex", "c", "abc", "v"}),
            "-ERR value is not an integer or out of range\r\n");  // step 14
  EXPECT_EQ(Run({"get", "c"}),
            "$1\r\nv\r\n");  // step 15
  EXPECT_EQ(Run({"set", "d", "v", "ex", "100"}),
            "+OK\r\n");  // step 16
  EXPECT_EQ(Run({"setnx", "d", "x"}),
            ":0\r\n");  // step 17
  EXPECT_EQ(Run({"ttl", "d"}),
            ":100\r\n");  // step 18
}

TEST_F(StringsTest, GetSetGetDel) {
  EXPECT_EQ(Run({"set", "a", "1"}),
            "+OK\r\n");  // step 0
  EXPECT_EQ(Run({"getset", "a", "3"}),
            "$1\r\n1\r\n");  // step 1
  EXPECT_EQ(Run({"get", "a"}),
            "$1\r\n3\r\n");  // step 2
  EXPECT_EQ(Run({"getset", "nokey", "1"}),
            "$-1\r\n");  // step 3
  EXPECT_EQ(Run({"get", "nokey"}),
            "$1\r\n1\r\n");  // step 4
  EXPECT_EQ(Run({"set", "e", "v"}),
            "+OK\r\n");  // step 5
  EXPECT_EQ(Run({"expire", "e", "100"}),
            ":1\r\n");  // step 6
  EXPECT_EQ(Run({"getset", "e", "w"}),
            "$1\r\nv\r\n");  // step 7
  EXPECT_EQ(Run({"ttl", "e"}),
            ":-1\r\n");  // step 8
  EXPECT_EQ(Run({"getdel", "a"}),
            "$1\r\n3\r\n");  // step 9
  EXPECT_EQ(Run({"getdel", "a"}),
            "$-1\r\n");  // step 10
  EXPECT_EQ(Run({"exists", "a"}),
            ":0\r\n");  // step 11
  EXPECT_EQ(Run({"getdel"}),
            "-ERR wrong number of arguments for 'getdel' command\r\n");  // step 12
  EXPECT_EQ(Run({"getdel", "a", "b"}),
            "-ERR wrong number of arguments for 'getdel' command\r\n");  // step 13
  EXPECT_EQ(Run({"getset", "a"}),
            "-ERR wrong number of arguments for 'getset' command\r\n");  // step 14
}

TEST_F(StringsTest, GetEx) {
  EXPECT_EQ(Run({"set", "k", "v"}),
            "+OK\r\n");  // step 0
  EXPECT_EQ(Run({"getex", "k"}),
            "$1\r\nv\r\n");  // step 1
  EXPECT_EQ(Run({"getex", "k", "ex", "100"}),
            "$1\r\nv\r\n");  // step 2
  EXPECT_EQ(Run({"ttl", "k"}),
            ":100\r\n");  // step 3
  EXPECT_EQ(Run({"getex", "k", "persist"}),
            "$1\r\nv\r\n");  // step 4
  EXPECT_EQ(Run({"ttl", "k"}),
            ":-1\r\n");  // step 5
  EXPECT_EQ(Run({"getex", "k", "px", "100", "persist"}),
            "-ERR syntax error\r\n");  // step 6
  EXPECT_EQ(Run({"getex", "k", "persist", "px", "100"}),
            "-ERR syntax error\r\n");  // step 7
  EXPECT_EQ(Run({"getex", "k", "exat", "1"}),
            "$1\r\nv\r\n");  // step 8
  EXPECT_EQ(Run({"exists", "k"}),
            ":0\r\n");  // step 9
  EXPECT_EQ(Run({"set", "k", "v"}),
            "+OK\r\n");  // step 10
  EXPECT_EQ(Run({"getex", "nokey", "ex", "abc"}),
            "$-1\r\n");  // step 11
  EXPECT_EQ(Run({"getex", "k", "ex", "abc"}),
            "-ERR value is not an integer or out of range\r\n");  // step 12
  EXPECT_EQ(Run({"getex", "k", "ex", "0"}),
            "-ERR invalid expire time in 'getex' command\r\n");  // step 13
  EXPECT_EQ(Run({"getex", "k", "ex", "-1"}),
            "-ERR invalid expire time in 'getex' command\r\n");  // step 14
  EXPECT_EQ(Run({"getex", "k", "foo"}),
            "-ERR syntax error\r\n");  // step 15
  EXPECT_EQ(Run({"getex", "k", "ex"}),
            "-ERR syntax error\r\n");  // step 16
  EXPECT_EQ(Run({"getex", "k", "keepttl"}),
            "-ERR syntax error\r\n");  // step 17
  EXPECT_EQ(Run({"getex", "k", "nx"}),
            "-ERR syntax error\r\n");  // step 18
  EXPECT_EQ(Run({"getex", "k", "get"}),
            "-ERR syntax error\r\n");  // step 19
  EXPECT_EQ(Run({"getex", "k", "ex", "10", "px", "10"}),
            "-ERR syntax error\r\n");  // step 20
  EXPECT_EQ(Run({"getex", "k", "exat", "10", "exat", "20"}),
            "$1\r\nv\r\n");  // step 21
  EXPECT_EQ(Run({"getex", "k", "ex", "9223372036854775807"}),
            "$-1\r\n");  // step 22
  EXPECT_EQ(Run({"getex", "k", "persist", "persist"}),
            "$-1\r\n");  // step 23
  EXPECT_EQ(Run({"getex", "nokey"}),
            "$-1\r\n");  // step 24
  EXPECT_EQ(Run({"getex"}),
            "-ERR wrong number of arguments for 'getex' command\r\n");  // step 25
}

TEST_F(StringsTest, GetExPastAbsoluteDeletes) {
  EXPECT_EQ(Run({"set", "k", "v"}),
            "+OK\r\n");  // step 0
  EXPECT_EQ(Run({"expire", "k", "100"}),
            ":1\r\n");  // step 1
  EXPECT_EQ(Run({"getex", "k", "pxat", "1"}),
            "$1\r\nv\r\n");  // step 2
  EXPECT_EQ(Run({"exists", "k"}),
            ":0\r\n");  // step 3
  EXPECT_EQ(Run({"set", "k", "v"}),
            "+OK\r\n");  // step 4
  EXPECT_EQ(Run({"getex", "k", "exat", "0"}),
            "-ERR invalid expire time in 'getex' command\r\n");  // step 5
  EXPECT_EQ(Run({"getex", "k", "pxat", "99999999999999"}),
            "$1\r\nv\r\n");  // step 6
  EXPECT_EQ(Run({"pexpiretime", "k"}),
            ":99999999999999\r\n");  // step 7
  EXPECT_EQ(Run({"getex", "k", "exat", "99999999999"}),
            "$1\r\nv\r\n");  // step 8
  EXPECT_EQ(Run({"expiretime", "k"}),
            ":99999999999\r\n");  // step 9
}

TEST_F(StringsTest, MSetMGet) {
  EXPECT_EQ(Run({"mset", "a", "1", "b", "2", "c", "3"}),
            "+OK\r\n");  // step 0
  EXPECT_EQ(Run({"mget", "a", "b", "c", "d"}),
            "*4\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$-1\r\n");  // step 1
  EXPECT_EQ(Run({"mget", "nokey"}),
            "*1\r\n$-1\r\n");  // step 2
  EXPECT_EQ(Run({"mset", "a", "1", "b"}),
            "-ERR wrong number of arguments for 'mset' command\r\n");  // step 3
  EXPECT_EQ(Run({"mset", "a"}),
            "-ERR wrong number of arguments for 'mset' command\r\n");  // step 4
  EXPECT_EQ(Run({"mset"}),
            "-ERR wrong number of arguments for 'mset' command\r\n");  // step 5
  EXPECT_EQ(Run({"mget"}),
            "-ERR wrong number of arguments for 'mget' command\r\n");  // step 6
  EXPECT_EQ(Run({"mset", "k1", "v1", "k1", "v2"}),
            "+OK\r\n");  // step 7
  EXPECT_EQ(Run({"get", "k1"}),
            "$2\r\nv2\r\n");  // step 8
  EXPECT_EQ(Run({"set", "t", "v"}),
            "+OK\r\n");  // step 9
  EXPECT_EQ(Run({"expire", "t", "100"}),
            ":1\r\n");  // step 10
  EXPECT_EQ(Run({"mset", "t", "w"}),
            "+OK\r\n");  // step 11
  EXPECT_EQ(Run({"ttl", "t"}),
            ":-1\r\n");  // step 12
  EXPECT_EQ(Run({"mset", "", "empty"}),
            "+OK\r\n");  // step 13
  EXPECT_EQ(Run({"mget", ""}),
            "*1\r\n$5\r\nempty\r\n");  // step 14
}

TEST_F(StringsTest, MSetNx) {
  EXPECT_EQ(Run({"msetnx", "a", "1", "x", "2"}),
            ":1\r\n");  // step 0
  EXPECT_EQ(Run({"mget", "a", "x"}),
            "*2\r\n$1\r\n1\r\n$1\r\n2\r\n");  // step 1
  EXPECT_EQ(Run({"set", "a", "1"}),
            "+OK\r\n");  // step 2
  EXPECT_EQ(Run({"msetnx", "a", "1", "x", "2"}),
            ":0\r\n");  // step 3
  EXPECT_EQ(Run({"exists", "x"}),
            ":1\r\n");  // step 4
  EXPECT_EQ(Run({"msetnx", "x", "1", "y", "2"}),
            ":0\r\n");  // step 5
  EXPECT_EQ(Run({"mget", "x", "y"}),
            "*2\r\n$1\r\n2\r\n$-1\r\n");  // step 6
  EXPECT_EQ(Run({"msetnx", "x", "1", "x", "2"}),
            ":0\r\n");  // step 7
  EXPECT_EQ(Run({"msetnx", "z", "1", "z", "2"}),
            ":1\r\n");  // step 8
  EXPECT_EQ(Run({"get", "z"}),
            "$1\r\n2\r\n");  // step 9
  EXPECT_EQ(Run({"msetnx", "z"}),
            "-ERR wrong number of arguments for 'msetnx' command\r\n");  // step 10
  EXPECT_EQ(Run({"msetnx", "z", "1", "w"}),
            "-ERR wrong number of arguments for 'msetnx' command\r\n");  // step 11
}

TEST_F(StringsTest, Append) {
  EXPECT_EQ(Run({"append", "s", "hello"}),
            ":5\r\n");  // step 0
  EXPECT_EQ(Run({"append", "s", " world"}),
            ":11\r\n");  // step 1
  EXPECT_EQ(Run({"get", "s"}),
            "$11\r\nhello world\r\n");  // step 2
  EXPECT_EQ(Run({"strlen", "s"}),
            ":11\r\n");  // step 3
  EXPECT_EQ(Run({"strlen", "nokey"}),
            ":0\r\n");  // step 4
  EXPECT_EQ(Run({"append", "s", ""}),
            ":11\r\n");  // step 5
  EXPECT_EQ(Run({"strlen", "s"}),
            ":11\r\n");  // step 6
  EXPECT_EQ(Run({"append"}),
            "-ERR wrong number of arguments for 'append' command\r\n");  // step 7
  EXPECT_EQ(Run({"append", "s"}),
            "-ERR wrong number of arguments for 'append' command\r\n");  // step 8
  EXPECT_EQ(Run({"append", "s", "a", "b"}),
            "-ERR wrong number of arguments for 'append' command\r\n");  // step 9
  EXPECT_EQ(Run({"set", "t", "v"}),
            "+OK\r\n");  // step 10
  EXPECT_EQ(Run({"expire", "t", "100"}),
            ":1\r\n");  // step 11
  EXPECT_EQ(Run({"append", "t", "x"}),
            ":2\r\n");  // step 12
  EXPECT_EQ(Run({"ttl", "t"}),
            ":100\r\n");  // step 13
  EXPECT_EQ(Run({"get", "t"}),
            "$2\r\nvx\r\n");  // step 14
}

TEST_F(StringsTest, AppendEncodings) {
  EXPECT_EQ(Run({"append", "n", "1"}),
            ":1\r\n");  // step 0
  EXPECT_EQ(Run({"object", "encoding", "n"}),
            "$3\r\nint\r\n");  // step 1
  EXPECT_EQ(Run({"append", "n", "2"}),
            ":2\r\n");  // step 2
  EXPECT_EQ(Run({"object", "encoding", "n"}),
            "$3\r\nraw\r\n");  // step 3
  EXPECT_EQ(Run({"get", "n"}),
            "$2\r\n12\r\n");  // step 4
  EXPECT_EQ(Run({"set", "e", "abc"}),
            "+OK\r\n");  // step 5
  EXPECT_EQ(Run({"object", "encoding", "e"}),
            "$6\r\nembstr\r\n");  // step 6
  EXPECT_EQ(Run({"append", "e", ""}),
            ":3\r\n");  // step 7
  EXPECT_EQ(Run({"object", "encoding", "e"}),
            "$3\r\nraw\r\n");  // step 8
  EXPECT_EQ(Run({"append", "long", "01234567890123456789012345678901234567890123456789"}),
            ":50\r\n");  // step 9
  EXPECT_EQ(Run({"object", "encoding", "long"}),
            "$3\r\nraw\r\n");  // step 10
  EXPECT_EQ(Run({"append", "i", "12345678901234567890"}),
            ":20\r\n");  // step 11
  EXPECT_EQ(Run({"object", "encoding", "i"}),
            "$6\r\nembstr\r\n");  // step 12
}

TEST_F(StringsTest, ObjectEncodingOfStrings) {
  EXPECT_EQ(Run({"set", "big", "01234567890123456789012345678901234567890123"}),
            "+OK\r\n");  // step 0
  EXPECT_EQ(Run({"object", "encoding", "big"}),
            "$6\r\nembstr\r\n");  // step 1
  EXPECT_EQ(Run({"set", "big", "012345678901234567890123456789012345678901234"}),
            "+OK\r\n");  // step 2
  EXPECT_EQ(Run({"object", "encoding", "big"}),
            "$3\r\nraw\r\n");  // step 3
  EXPECT_EQ(Run({"set", "i", "12345678901234567890"}),
            "+OK\r\n");  // step 4
  EXPECT_EQ(Run({"object", "encoding", "i"}),
            "$6\r\nembstr\r\n");  // step 5
  EXPECT_EQ(Run({"set", "i", "1234567890123456789"}),
            "+OK\r\n");  // step 6
  EXPECT_EQ(Run({"object", "encoding", "i"}),
            "$3\r\nint\r\n");  // step 7
  EXPECT_EQ(Run({"set", "i", "123456789012345678901"}),
            "+OK\r\n");  // step 8
  EXPECT_EQ(Run({"object", "encoding", "i"}),
            "$6\r\nembstr\r\n");  // step 9
  EXPECT_EQ(Run({"set", "i", "9223372036854775807"}),
            "+OK\r\n");  // step 10
  EXPECT_EQ(Run({"object", "encoding", "i"}),
            "$3\r\nint\r\n");  // step 11
  EXPECT_EQ(Run({"set", "i", "9223372036854775808"}),
            "+OK\r\n");  // step 12
  EXPECT_EQ(Run({"object", "encoding", "i"}),
            "$6\r\nembstr\r\n");  // step 13
  EXPECT_EQ(Run({"set", "i", "-0"}),
            "+OK\r\n");  // step 14
  EXPECT_EQ(Run({"object", "encoding", "i"}),
            "$6\r\nembstr\r\n");  // step 15
  EXPECT_EQ(Run({"set", "i", "007"}),
            "+OK\r\n");  // step 16
  EXPECT_EQ(Run({"object", "encoding", "i"}),
            "$6\r\nembstr\r\n");  // step 17
  EXPECT_EQ(Run({"set", "i", "+7"}),
            "+OK\r\n");  // step 18
  EXPECT_EQ(Run({"object", "encoding", "i"}),
            "$6\r\nembstr\r\n");  // step 19
  EXPECT_EQ(Run({"set", "i", "-9223372036854775808"}),
            "+OK\r\n");  // step 20
  EXPECT_EQ(Run({"object", "encoding", "i"}),
            "$3\r\nint\r\n");  // step 21
  EXPECT_EQ(Run({"set", "i", " 1"}),
            "+OK\r\n");  // step 22
  EXPECT_EQ(Run({"object", "encoding", "i"}),
            "$6\r\nembstr\r\n");  // step 23
  EXPECT_EQ(Run({"set", "i", ""}),
            "+OK\r\n");  // step 24
  EXPECT_EQ(Run({"object", "encoding", "i"}),
            "$6\r\nembstr\r\n");  // step 25
  EXPECT_EQ(Run({"incr", "counter"}),
            ":1\r\n");  // step 26
  EXPECT_EQ(Run({"object", "encoding", "counter"}),
            "$3\r\nint\r\n");  // step 27
  EXPECT_EQ(Run({"incrbyfloat", "f", "3"}),
            "$1\r\n3\r\n");  // step 28
  EXPECT_EQ(Run({"object", "encoding", "f"}),
            "$6\r\nembstr\r\n");  // step 29
  EXPECT_EQ(Run({"incrbyfloat", "f", "1.5"}),
            "$3\r\n4.5\r\n");  // step 30
  EXPECT_EQ(Run({"object", "encoding", "f"}),
            "$6\r\nembstr\r\n");  // step 31
  EXPECT_EQ(Run({"setrange", "r", "0", "1"}),
            ":1\r\n");  // step 32
  EXPECT_EQ(Run({"object", "encoding", "r"}),
            "$3\r\nraw\r\n");  // step 33
  EXPECT_EQ(Run({"mset", "m1", "5", "m2", "abc"}),
            "+OK\r\n");  // step 34
  EXPECT_EQ(Run({"object", "encoding", "m1"}),
            "$3\r\nint\r\n");  // step 35
  EXPECT_EQ(Run({"object", "encoding", "m2"}),
            "$6\r\nembstr\r\n");  // step 36
  EXPECT_EQ(Run({"getset", "g", "12"}),
            "$-1\r\n");  // step 37
  EXPECT_EQ(Run({"object", "encoding", "g"}),
            "$3\r\nint\r\n");  // step 38
  EXPECT_EQ(Run({"setnx", "sn", "13"}),
            ":1\r\n");  // step 39
  EXPECT_EQ(Run({"object", "encoding", "sn"}),
            "$3\r\nint\r\n");  // step 40
  EXPECT_EQ(Run({"setex", "se", "100", "14"}),
            "+OK\r\n");  // step 41
  EXPECT_EQ(Run({"object", "encoding", "se"}),
            "$3\r\nint\r\n");  // step 42
}

TEST_F(StringsTest, ObjectRefcount) {
  EXPECT_EQ(Run({"set", "i", "-9223372036854775808"}),
            "+OK\r\n");  // step 0
  EXPECT_EQ(Run({"object", "refcount", "i"}),
            ":1\r\n");  // step 1
  EXPECT_EQ(Run({"set", "sh", "9999"}),
            "+OK\r\n");  // step 2
  EXPECT_EQ(Run({"object", "refcount", "sh"}),
            ":2147483647\r\n");  // step 3
  EXPECT_EQ(Run({"set", "sh", "10000"}),
            "+OK\r\n");  // step 4
  EXPECT_EQ(Run({"object", "refcount", "sh"}),
            ":1\r\n");  // step 5
  EXPECT_EQ(Run({"set", "sh", "0"}),
            "+OK\r\n");  // step 6
  EXPECT_EQ(Run({"object", "refcount", "sh"}),
            ":2147483647\r\n");  // step 7
  EXPECT_EQ(Run({"set", "sh", "-1"}),
            "+OK\r\n");  // step 8
  EXPECT_EQ(Run({"object", "refcount", "sh"}),
            ":1\r\n");  // step 9
  EXPECT_EQ(Run({"set", "sh", "abc"}),
            "+OK\r\n");  // step 10
  EXPECT_EQ(Run({"object", "refcount", "sh"}),
            ":1\r\n");  // step 11
  EXPECT_EQ(Run({"incr", "c"}),
            ":1\r\n");  // step 12
  EXPECT_EQ(Run({"object", "refcount", "c"}),
            ":2147483647\r\n");  // step 13
  EXPECT_EQ(Run({"incrby", "c", "20000"}),
            ":20001\r\n");  // step 14
  EXPECT_EQ(Run({"object", "refcount", "c"}),
            ":1\r\n");  // step 15
  EXPECT_EQ(Run({"set", "n", "5"}),
            "+OK\r\n");  // step 16
  EXPECT_EQ(Run({"copy", "n", "n2"}),
            ":1\r\n");  // step 17
  EXPECT_EQ(Run({"object", "refcount", "n2"}),
            ":1\r\n");  // step 18
  EXPECT_EQ(Run({"object", "encoding", "n2"}),
            "$3\r\nint\r\n");  // step 19
  EXPECT_EQ(Run({"object", "refcount", "nokey"}),
            "$-1\r\n");  // step 20
}

TEST_F(StringsTest, Incr) {
  EXPECT_EQ(Run({"incr", "i"}),
            ":1\r\n");  // step 0
  EXPECT_EQ(Run({"incr", "i"}),
            ":2\r\n");  // step 1
  EXPECT_EQ(Run({"incrby", "i", "10"}),
            ":12\r\n");  // step 2
  EXPECT_EQ(Run({"incrby", "i", "-20"}),
            ":-8\r\n");  // step 3
  EXPECT_EQ(Run({"decr", "i"}),
            ":-9\r\n");  // step 4
  EXPECT_EQ(Run({"decrby", "i", "5"}),
            ":-14\r\n");  // step 5
  EXPECT_EQ(Run({"decrby", "i", "-9223372036854775808"}),
            "-ERR decrement would overflow\r\n");  // step 6
  EXPECT_EQ(Run({"decrby", "i", "-9223372036854775807"}),
            ":9223372036854775793\r\n");  // step 7
  EXPECT_EQ(Run({"incrby", "i", "abc"}),
            "-ERR value is not an integer or out of range\r\n");  // step 8
  EXPECT_EQ(Run({"incrby", "i", "9223372036854775807"}),
            "-ERR increment or decrement would overflow\r\n");  // step 9
  EXPECT_EQ(Run({"incrby", "i", "1.5"}),
            "-ERR value is not an integer or out of range\r\n");  // step 10
  EXPECT_EQ(Run({"incrby", "i", ""}),
            "-ERR value is not an integer or out of range\r\n");  // step 11
  EXPECT_EQ(Run({"incr"}),
            "-ERR wrong number of arguments for 'incr' command\r\n");  // step 12
  EXPECT_EQ(Run({"incrby", "i"}),
            "-ERR wrong number of arguments for 'incrby' command\r\n");  // step 13
  EXPECT_EQ(Run({"incr", "i", "j"}),
            "-ERR wrong number of arguments for 'incr' command\r\n");  // step 14
  EXPECT_EQ(Run({"decrby", "i"}),
            "-ERR wrong number of arguments for 'decrby' command\r\n");  // step 15
}

TEST_F(StringsTest, IncrOverflow) {
  EXPECT_EQ(Run({"set", "m", "9223372036854775807"}),
            "+OK\r\n");  // step 0
  EXPECT_EQ(Run({"incr", "m"}),
            "-ERR increment or decrement would overflow\r\n");  // step 1
  EXPECT_EQ(Run({"incrby", "m", "-1"}),
            ":9223372036854775806\r\n");  // step 2
  EXPECT_EQ(Run({"incr", "m"}),
            ":9223372036854775807\r\n");  // step 3
  EXPECT_EQ(Run({"set", "m", "-9223372036854775808"}),
            "+OK\r\n");  // step 4
  EXPECT_EQ(Run({"decr", "m"}),
            "-ERR increment or decrement would overflow\r\n");  // step 5
  EXPECT_EQ(Run({"decrby", "m", "1"}),
            "-ERR increment or decrement would overflow\r\n");  // step 6
  EXPECT_EQ(Run({"incrby", "m", "9223372036854775807"}),
            ":-1\r\n");  // step 7
  EXPECT_EQ(Run({"incrby", "m", "-9223372036854775807"}),
            ":-9223372036854775808\r\n");  // step 8
  EXPECT_EQ(Run({"get", "m"}),
            "$20\r\n-9223372036854775808\r\n");  // step 9
}

TEST_F(StringsTest, IncrOnNonIntegers) {
  EXPECT_EQ(Run({"set", "s", "abc"}),
            "+OK\r\n");  // step 0
  EXPECT_EQ(Run({"incr", "s"}),
            "-ERR value is not an integer or out of range\r\n");  // step 1
  EXPECT_EQ(Run({"set", "s", " 1"}),
            "+OK\r\n");  // step 2
  EXPECT_EQ(Run({"incr", "s"}),
            "-ERR value is not an integer or out of range\r\n");  // step 3
  EXPECT_EQ(Run({"set", "s", "1 "}),
            "+OK\r\n");  // step 4
  EXPECT_EQ(Run({"incr", "s"}),
            "-ERR value is not an integer or out of range\r\n");  // step 5
  EXPECT_EQ(Run({"set", "s", "1.5"}),
            "+OK\r\n");  // step 6
  EXPECT_EQ(Run({"incr", "s"}),
            "-ERR value is not an integer or out of range\r\n");  // step 7
  EXPECT_EQ(Run({"set", "s", "007"}),
            "+OK\r\n");  // step 8
  EXPECT_EQ(Run({"incr", "s"}),
            "-ERR value is not an integer or out of range\r\n");  // step 9
  EXPECT_EQ(Run({"set", "s", "+1"}),
            "+OK\r\n");  // step 10
  EXPECT_EQ(Run({"incr", "s"}),
            "-ERR value is not an integer or out of range\r\n");  // step 11
  EXPECT_EQ(Run({"set", "s", "-0"}),
            "+OK\r\n");  // step 12
  EXPECT_EQ(Run({"incr", "s"}),
            "-ERR value is not an integer or out of range\r\n");  // step 13
  EXPECT_EQ(Run({"set", "s", ""}),
            "+OK\r\n");  // step 14
  EXPECT_EQ(Run({"incr", "s"}),
            "-ERR value is not an integer or out of range\r\n");  // step 15
  EXPECT_EQ(Run({"set", "big", "123456789012345678901"}),
            "+OK\r\n");  // step 16
  EXPECT_EQ(Run({"incr", "big"}),
            "-ERR value is not an integer or out of range\r\n");  // step 17
  EXPECT_EQ(Run({"set", "s", "9223372036854775808"}),
            "+OK\r\n");  // step 18
  EXPECT_EQ(Run({"incr", "s"}),
            "-ERR value is not an integer or out of range\r\n");  // step 19
  EXPECT_EQ(Run({"get", "s"}),
            "$19\r\n9223372036854775808\r\n");  // step 20
}

TEST_F(StringsTest, IncrKeepsTtlAndEncoding) {
  EXPECT_EQ(Run({"set", "i", "5"}),
            "+OK\r\n");  // step 0
  EXPECT_EQ(Run({"append", "i", "5"}),
            ":2\r\n");  // step 1
  EXPECT_EQ(Run({"object", "encoding", "i"}),
            "$3\r\nraw\r\n");  // step 2
  EXPECT_EQ(Run({"incr", "i"}),
            ":56\r\n");  // step 3
  EXPECT_EQ(Run({"object", "encoding", "i"}),
            "$3\r\nint\r\n");  // step 4
  EXPECT_EQ(Run({"get", "i"}),
            "$2\r\n56\r\n");  // step 5
  EXPECT_EQ(Run({"set", "e", "10"}),
            "+OK\r\n");  // step 6
  EXPECT_EQ(Run({"expire", "e", "100"}),
            ":1\r\n");  // step 7
  EXPECT_EQ(Run({"incr", "e"}),
            ":11\r\n");  // step 8
  EXPECT_EQ(Run({"ttl", "e"}),
            ":100\r\n");  // step 9
  EXPECT_EQ(Run({"decrby", "e", "100"}),
            ":-89\r\n");  // step 10
  EXPECT_EQ(Run({"ttl", "e"}),
            ":100\r\n");  // step 11
}

TEST_F(StringsTest, IncrByFloat) {
  EXPECT_EQ(Run({"incrbyfloat", "f", "1.5"}),
            "$3\r\n1.5\r\n");  // step 0
  EXPECT_EQ(Run({"incrbyfloat", "f", "0.1"}),
            "$3\r\n1.6\r\n");  // step 1
  EXPECT_EQ(Run({"incrbyfloat", "f", "-1.6"}),
            "$1\r\n0\r\n");  // step 2
  EXPECT_EQ(Run({"get", "f"}),
            "$1\r\n0\r\n");  // step 3
  EXPECT_EQ(
      Run({"incrbyfloat", "f", "1e308"}),
      "$308\r\n999999999999999999966858796558456456605600998474155672077970479949217348"
      "68838061872100126921888539320446747225054013223152134749593960583597420814430196"
      "41876795910001960319077866310960450710666793915339578893891456054356306126836490"
      "1618630217086589253444881623791300855757318142424510452728255046343928578048\r\n");  // step
                                                                                            // 4
  EXPECT_EQ(
      Run({"incrbyfloat", "f", "1e308"}),
      "$309\r\n199999999999999999993371759311691291321120199694831134415594095989843469"
      "73767612374420025384377707864089349445010802644630426949918792116719484162886039"
      "28375359182000392063815573262192090142133358783067915778778291210871261225367298"
      "03237260434173178506889763247582601711514636284849020905456510092687857156096\r\n");  // step
                                                                                             // 5
  EXPECT_EQ(Run({"incrbyfloat", "f", "1e309"}),
            "$310\r\n119999999999999999999921181191574774424813472772048755973706948336944084"
            "85335283682940533178257281762552234269641761997147268366600531616759028864526231"
            "69401401821149420488903022082426053911172134752999371427481568137721130652093894"
            "314165954306618570824324033947371472720398772921511235621066374916094799380480\r"
            "\n");  // step 6
  EXPECT_EQ(Run({"incrbyfloat", "f", "inf"}),
            "-ERR increment would produce NaN or Infinity\r\n");  // step 7
  EXPECT_EQ(Run({"incrbyfloat", "f", "-inf"}),
            "-ERR increment would produce NaN or Infinity\r\n");  // step 8
  EXPECT_EQ(Run({"incrbyfloat", "f", "nan"}),
            "-ERR value is not a valid float\r\n");  // step 9
  EXPECT_EQ(Run({"incrbyfloat", "f", "abc"}),
            "-ERR value is not a valid float\r\n");  // step 10
  EXPECT_EQ(Run({"incrbyfloat", "f", ""}),
            "-ERR value is not a valid float\r\n");  // step 11
  EXPECT_EQ(Run({"incrbyfloat", "f", " 1"}),
            "-ERR value is not a valid float\r\n");  // step 12
  EXPECT_EQ(Run({"incrbyfloat", "f", "1 "}),
            "-ERR value is not a valid float\r\n");  // step 13
  EXPECT_EQ(Run({"incrbyfloat", "f", "0x1p3"}),
            "$310\r\n119999999999999999999921181191574774424813472772048755973706948336944084"
            "85335283682940533178257281762552234269641761997147268366600531616759028864526231"
            "69401401821149420488903022082426053911172134752999371427481568137721130652093894"
            "314165954306618570824324033947371472720398772921511235621066374916094799380480\r"
            "\n");  // step 14
  EXPECT_EQ(Run({"incrbyfloat", "f", "1e-400"}),
            "$310\r\n119999999999999999999921181191574774424813472772048755973706948336944084"
            "85335283682940533178257281762552234269641761997147268366600531616759028864526231"
            "69401401821149420488903022082426053911172134752999371427481568137721130652093894"
            "314165954306618570824324033947371472720398772921511235621066374916094799380480\r"
            "\n");  // step 15
  EXPECT_EQ(Run({"incrbyfloat", "f", "1.0e2"}),
            "$310\r\n119999999999999999999921181191574774424813472772048755973706948336944084"
            "85335283682940533178257281762552234269641761997147268366600531616759028864526231"
            "69401401821149420488903022082426053911172134752999371427481568137721130652093894"
            "314165954306618570824324033947371472720398772921511235621066374916094799380480\r"
            "\n");  // step 16
  EXPECT_EQ(Run({"incrbyfloat", "f", "5.0e3"}),
            "$310\r\n119999999999999999999921181191574774424813472772048755973706948336944084"
            "85335283682940533178257281762552234269641761997147268366600531616759028864526231"
            "69401401821149420488903022082426053911172134752999371427481568137721130652093894"
            "314165954306618570824324033947371472720398772921511235621066374916094799380480\r"
            "\n");  // step 17
  EXPECT_EQ(Run({"incrbyfloat"}),
            "-ERR wrong number of arguments for 'incrbyfloat' command\r\n");  // step 18
  EXPECT_EQ(Run({"incrbyfloat", "f"}),
            "-ERR wrong number of arguments for 'incrbyfloat' command\r\n");  // step 19
}

TEST_F(StringsTest, IncrByFloatValues) {
  EXPECT_EQ(Run({"set", "g", "3"}),
            "+OK\r\n");  // step 0
  EXPECT_EQ(Run({"incrbyfloat", "g", "0"}),
            "$1\r\n3\r\n");  // step 1
  EXPECT_EQ(Run({"object", "encoding", "g"}),
            "$6\r\nembstr\r\n");  // step 2
  EXPECT_EQ(Run({"set", "g", "abc"}),
            "+OK\r\n");  // step 3
  EXPECT_EQ(Run({"incrbyfloat", "g", "1"}),
            "-ERR value is not a valid float\r\n");  // step 4
  EXPECT_EQ(Run({"set", "g", "5"}),
            "+OK\r\n");  // step 5
  EXPECT_EQ(Run({"expire", "g", "100"}),
            ":1\r\n");  // step 6
  EXPECT_EQ(Run({"incrbyfloat", "g", "1"}),
            "$1\r\n6\r\n");  // step 7
  EXPECT_EQ(Run({"ttl", "g"}),
            ":100\r\n");  // step 8
  EXPECT_EQ(Run({"set", "h", "1.23456789012345678901234567890"}),
            "+OK\r\n");  // step 9
  EXPECT_EQ(Run({"incrbyfloat", "h", "0"}),
            "$19\r\n1.23456789012345679\r\n");  // step 10
  EXPECT_EQ(Run({"incrbyfloat", "h", "10.5e30"}),
            "$32\r\n10499999999999999999881351528448\r\n");  // step 11
  EXPECT_EQ(Run({"incrbyfloat", "h", "-10.5e30"}),
            "$1\r\n0\r\n");  // step 12
  EXPECT_EQ(Run({"set", "z", "-0.0"}),
            "+OK\r\n");  // step 13
  EXPECT_EQ(Run({"incrbyfloat", "z", "0"}),
            "$1\r\n0\r\n");  // step 14
  EXPECT_EQ(Run({"incrbyfloat", "z", "-0.0"}),
            "$1\r\n0\r\n");  // step 15
  EXPECT_EQ(Run({"set", "w", "1e4000"}),
            "+OK\r\n");  // step 16
  EXPECT_EQ(Run({"incrbyfloat", "w", "0"}),
            "$4000\r\n99999999999999999999654638730996237849324925835069576313015083330432619"
            "43306342355481821641865509279862764452073123673540217602217367592344172125881950"
            "52799996142858243435475450187095821429074130114301467044502626084944345627533374"
            "23408225591462204407745026991471168183077755667735712064920363129633973687618260"
            "79538161612036724681027980418945071857333802019573184376407974737742100582963439"
            "58130247474660582807106816226609535024910936098193169594212325387236235572071786"
            "78599319971169678235351753448864174359488274926684242245149315969651249284265573"
            "13007272003654181606637829648718026332623445964659599411688673612401217012598120"
            "55748928873533443711847934559082701316042663433403614597161129409449926793009764"
            "51583169242420844440050462757893168542646989625375196048046482025588318133201990"
            "82274810678546966662106272497006996186529202046612197927965030663016053612055682"
            "06085517098902106999847630466816686879832784930554451695863054570543626786812396"
            "30904198407207862950932979232331669893071854934680059635135560522739265248150645"
            "35863034951177115665985606171666708242756198962303861871354719181381961379671761"
            "93898470450507392161890714427244982891583908397803799328045255958696550419936825"
            "61346502714688442471748236462786635674371327393065169433112851445688958178115212"
            "70234335023202809923439313537168685792314272771667847310402459453149183490692769"
            "53832951624324292710544717597495656594985925988025726662343243166098675125860081"
            "63483208377278523523718188966483437009478529910589694335417051323451225240484346"
            "88325138322933085183721655672137865396358471035067214167360617119527605272354771"
            "44743756093290878935518104108197897176234655756823076757402730229346054496875208"
            "17686568248799943763551639203003850959196886786709077609871876617934347171757603"
            "50651419537956103182910121364884637262102263204295329279620360536203761315194554"
            "05318893421840931624641073865620385213899249244440402634221049961914087685592127"
            "79887786769478921528068549507850680147271255367397026569626119644014361879348858"
            "03420611286745134838665415365691409110464038694668899344879845822942763373039719"
            "68860281044443992803713546889827456535363005944625616997868906559342084845603827"
            "43665672252995493526836507701605519081160117238803151763813908217440871911590148"
            "40466408422036463264182928434780181167746977398743042449413105215463884123801578"
            "72674696772133455872452047111533586251643528328239383214050025976237079590719541"
            "81222603083310060302101049625116894589128694805210254301340473822281413505543943"
            "90210188326863538753083190329578149617392735325345607293804019789613107204439729"
            "05532410692112632267102006670931701283593692569559469491012129199113304035245402"
            "94158954213306279245760682004708925367924351430791373827744403461960025939996836"
            "69353176553680054317921648423581639781664231716459539510456753265337998256664529"
            "20085293904946885541928909778530329494644975225879188295479455875333874823517517"
            "37300731784662596839164370448890752828779168696279912897921835868496792911890741"
            "36405526988632104737613205959150473631599616592564842952439858033179702368199753"
            "30669836220140150647940769923639652151965466159713230973738197390314188954803171"
            "31817719689658613600070558467912767125926114756128479746478986015855276662277389"
            "29689128212619681144409905588974943980927948431950098268346459649230305689978542"
            "02993279243648645289673592500419478258751647345762435263948009010950729573502046"
            "04567256381459570223173977842090339987212549610608909166340948809835527505088816"
            "69349308347772834504388303087113341878104141612215788330206835981183895501665502"
            "02002064058921084890241600315636162687316083622556634775026951259974678686017132"
            "68068310290876536603411647088088024540228816990493921395740167561461926444158208"
            "39590797897050551922334947406004738872332042844089285302334417905996381190171610"
            "16884531643553346123590208606793593500506300145052217458177244309653838919998912"
            "87316793265453482789577880617620188070176025151868532055898759099107080793336050"
            "47010115738478105476750550150020629864357825543441956972190272729951206648276349"
            "901340672\r\n");  // step 17
  EXPECT_EQ(Run({"strlen", "w"}),
            ":4000\r\n");  // step 18
  EXPECT_EQ(Run({"incrbyfloat", "v", "0.1"}),
            "$3\r\n0.1\r\n");  // step 19
  EXPECT_EQ(Run({"incrbyfloat", "v", "0.2"}),
            "$3\r\n0.3\r\n");  // step 20
  EXPECT_EQ(Run({"incrbyfloat", "v", "-0.3"}),
            "$1\r\n0\r\n");  // step 21
  EXPECT_EQ(Run({"incrbyfloat", "u", "1e-17"}),
            "$19\r\n0.00000000000000001\r\n");  // step 22
  EXPECT_EQ(Run({"incrbyfloat", "u", "123456789.987654321"}),
            "$27\r\n123456789.98765432099753525\r\n");  // step 23
}

TEST_F(StringsTest, GetRange) {
  EXPECT_EQ(Run({"set", "s", "Hello World"}),
            "+OK\r\n");  // step 0
  EXPECT_EQ(Run({"getrange", "s", "0", "4"}),
            "$5\r\nHello\r\n");  // step 1
  EXPECT_EQ(Run({"getrange", "s", "-5", "-1"}),
            "$5\r\nWorld\r\n");  // step 2
  EXPECT_EQ(Run({"getrange", "s", "0", "-1"}),
            "$11\r\nHello World\r\n");  // step 3
  EXPECT_EQ(Run({"getrange", "s", "5", "3"}),
            "$0\r\n\r\n");  // step 4
  EXPECT_EQ(Run({"getrange", "s", "-1", "-5"}),
            "$0\r\n\r\n");  // step 5
  EXPECT_EQ(Run({"getrange", "s", "100", "200"}),
            "$0\r\n\r\n");  // step 6
  EXPECT_EQ(Run({"getrange", "s", "-100", "-50"}),
            "$1\r\nH\r\n");  // step 7
  EXPECT_EQ(Run({"getrange", "s", "-100", "2"}),
            "$3\r\nHel\r\n");  // step 8
  EXPECT_EQ(Run({"getrange", "s", "0", "100"}),
            "$11\r\nHello World\r\n");  // step 9
  EXPECT_EQ(Run({"getrange", "s", "abc", "1"}),
            "-ERR value is not an integer or out of range\r\n");  // step 10
  EXPECT_EQ(Run({"getrange", "s", "1", "abc"}),
            "-ERR value is not an integer or out of range\r\n");  // step 11
  EXPECT_EQ(Run({"getrange", "nokey", "0", "10"}),
            "$0\r\n\r\n");  // step 12
  EXPECT_EQ(Run({"getrange", "s", "9223372036854775807", "-9223372036854775808"}),
            "$0\r\n\r\n");  // step 13
  EXPECT_EQ(Run({"getrange", "s", "-9223372036854775808", "9223372036854775807"}),
            "$11\r\nHello World\r\n");  // step 14
  EXPECT_EQ(Run({"getrange", "s", "0"}),
            "-ERR wrong number of arguments for 'getrange' command\r\n");  // step 15
  EXPECT_EQ(Run({"getrange", "s", "0", "1", "2"}),
            "-ERR wrong number of arguments for 'getrange' command\r\n");  // step 16
  EXPECT_EQ(Run({"set", "i", "12345"}),
            "+OK\r\n");  // step 17
  EXPECT_EQ(Run({"getrange", "i", "1", "2"}),
            "$2\r\n23\r\n");  // step 18
  EXPECT_EQ(Run({"set", "empty", ""}),
            "+OK\r\n");  // step 19
  EXPECT_EQ(Run({"getrange", "empty", "0", "-1"}),
            "$0\r\n\r\n");  // step 20
  EXPECT_EQ(Run({"getrange", "empty", "0", "0"}),
            "$0\r\n\r\n");  // step 21
  EXPECT_EQ(Run({"getrange", "empty", "-1", "0"}),
            "$0\r\n\r\n");  // step 22
}

TEST_F(StringsTest, Substr) {
  EXPECT_EQ(Run({"set", "s", "Hello World"}),
            "+OK\r\n");  // step 0
  EXPECT_EQ(Run({"substr", "s", "0", "4"}),
            "$5\r\nHello\r\n");  // step 1
  EXPECT_EQ(Run({"substr", "s", "-3", "-1"}),
            "$3\r\nrld\r\n");  // step 2
  EXPECT_EQ(Run({"substr", "s", "5", "1"}),
            "$0\r\n\r\n");  // step 3
  EXPECT_EQ(Run({"substr", "nokey", "0", "1"}),
            "$0\r\n\r\n");  // step 4
  EXPECT_EQ(Run({"substr", "s", "x", "1"}),
            "-ERR value is not an integer or out of range\r\n");  // step 5
  EXPECT_EQ(Run({"substr", "s", "0"}),
            "-ERR wrong number of arguments for 'substr' command\r\n");  // step 6
}

TEST_F(StringsTest, SetRange) {
  EXPECT_EQ(Run({"set", "s", "Hello World"}),
            "+OK\r\n");  // step 0
  EXPECT_EQ(Run({"setrange", "s", "6", "Redis"}),
            ":11\r\n");  // step 1
  EXPECT_EQ(Run({"get", "s"}),
            "$11\r\nHello Redis\r\n");  // step 2
  EXPECT_EQ(Run({"setrange", "s", "20", "X"}),
            ":21\r\n");  // step 3
  EXPECT_EQ(Run({"get", "s"}),
            "$21\r\nHello Redis\000\000\000\000\000\000\000\000\000X\r\n"s);  // step 4
  EXPECT_EQ(Run({"strlen", "s"}),
            ":21\r\n");  // step 5
  EXPECT_EQ(Run({"setrange", "s", "-1", "x"}),
            "-ERR offset is out of range\r\n");  // step 6
  EXPECT_EQ(Run({"setrange", "s", "abc", "x"}),
            "-ERR value is not an integer or out of range\r\n");  // step 7
  EXPECT_EQ(Run({"setrange", "s", "1.5", "x"}),
            "-ERR value is not an integer or out of range\r\n");  // step 8
  EXPECT_EQ(Run({"setrange", "s", "0", ""}),
            ":21\r\n");  // step 9
  EXPECT_EQ(Run({"setrange", "s", "100", ""}),
            ":21\r\n");  // step 10
  EXPECT_EQ(Run({"strlen", "s"}),
            ":21\r\n");  // step 11
  EXPECT_EQ(Run({"setrange", "s"}),
            "-ERR wrong number of arguments for 'setrange' command\r\n");  // step 12
  EXPECT_EQ(Run({"setrange", "s", "0"}),
            "-ERR wrong number of arguments for 'setrange' command\r\n");  // step 13
}

TEST_F(StringsTest, SetRangeNewKey) {
  EXPECT_EQ(Run({"setrange", "nokey", "0", ""}),
            ":0\r\n");  // step 0
  EXPECT_EQ(Run({"exists", "nokey"}),
            ":0\r\n");  // step 1
  EXPECT_EQ(Run({"setrange", "nokey", "5", ""}),
            ":0\r\n");  // step 2
  EXPECT_EQ(Run({"exists", "nokey"}),
            ":0\r\n");  // step 3
  EXPECT_EQ(Run({"setrange", "nokey", "3", "abc"}),
            ":6\r\n");  // step 4
  EXPECT_EQ(Run({"get", "nokey"}),
            "$6\r\n\000\000\000abc\r\n"s);  // step 5
  EXPECT_EQ(Run({"object", "encoding", "nokey"}),
            "$3\r\nraw\r\n");  // step 6
  EXPECT_EQ(Run({"setrange", "z", "0", "x"}),
            ":1\r\n");  // step 7
  EXPECT_EQ(Run({"get", "z"}),
            "$1\r\nx\r\n");  // step 8
}

TEST_F(StringsTest, SetRangeLimits) {
  EXPECT_EQ(Run({"set", "s", "x"}),
            "+OK\r\n");  // step 0
  EXPECT_EQ(Run({"setrange", "s", "536870912", "x"}),
            "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n");  // step 1
  EXPECT_EQ(Run({"setrange", "s", "9223372036854775807", "x"}),
            "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n");  // step 2
  EXPECT_EQ(Run({"setrange", "s", "9223372036854775808", "x"}),
            "-ERR value is not an integer or out of range\r\n");  // step 3
  EXPECT_EQ(Run({"setrange", "new", "536870912", "x"}),
            "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n");  // step 4
  EXPECT_EQ(Run({"exists", "new"}),
            ":0\r\n");  // step 5
  EXPECT_EQ(Run({"config", "set", "proto-max-bulk-len", "1mb"}),
            "+OK\r\n");  // step 6
  EXPECT_EQ(Run({"setrange", "s", "1048575", "x"}),
            ":1048576\r\n");  // step 7
  EXPECT_EQ(Run({"strlen", "s"}),
            ":1048576\r\n");  // step 8
  EXPECT_EQ(Run({"setrange", "s", "1048575", "xy"}),
            "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n");  // step 9
  EXPECT_EQ(Run({"setrange", "s", "1048576", "x"}),
            "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n");  // step 10
  EXPECT_EQ(Run({"setrange", "new", "1048575", "ab"}),
            "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n");  // step 11
  EXPECT_EQ(Run({"setrange", "new", "1048576", ""}),
            ":0\r\n");  // step 12
  EXPECT_EQ(Run({"exists", "new"}),
            ":0\r\n");  // step 13
  EXPECT_EQ(Run({"append", "s", "y"}),
            "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n");  // step 14
  EXPECT_EQ(Run({"strlen", "s"}),
            ":1048576\r\n");  // step 15
  EXPECT_EQ(Run({"set", "a", "x"}),
            "+OK\r\n");  // step 16
  EXPECT_EQ(Run({"append", "a", ""}),
            ":1\r\n");  // step 17
  EXPECT_EQ(Run({"config", "set", "proto-max-bulk-len", "512mb"}),
            "+OK\r\n");  // step 18
}

TEST_F(StringsTest, AppendLimit) {
  EXPECT_EQ(Run({"config", "set", "proto-max-bulk-len", "1mb"}),
            "+OK\r\n");  // step 0
  EXPECT_EQ(Run({"setrange", "s", "1048570", "x"}),
            ":1048571\r\n");  // step 1
  EXPECT_EQ(Run({"append", "s", "12345"}),
            ":1048576\r\n");  // step 2
  EXPECT_EQ(Run({"append", "s", "6"}),
            "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n");  // step 3
  EXPECT_EQ(Run({"strlen", "s"}),
            ":1048576\r\n");  // step 4
  EXPECT_EQ(Run({"append", "s", ""}),
            ":1048576\r\n");  // step 5
  EXPECT_EQ(Run({"strlen", "s"}),
            ":1048576\r\n");  // step 6
  EXPECT_EQ(Run({"config", "set", "proto-max-bulk-len", "512mb"}),
            "+OK\r\n");  // step 7
}

TEST_F(StringsTest, SetRangeKeepsTtl) {
  EXPECT_EQ(Run({"set", "n", "123"}),
            "+OK\r\n");  // step 0
  EXPECT_EQ(Run({"setrange", "n", "1", "9"}),
            ":3\r\n");  // step 1
  EXPECT_EQ(Run({"get", "n"}),
            "$3\r\n193\r\n");  // step 2
  EXPECT_EQ(Run({"object", "encoding", "n"}),
            "$3\r\nraw\r\n");  // step 3
  EXPECT_EQ(Run({"set", "x", "abc"}),
            "+OK\r\n");  // step 4
  EXPECT_EQ(Run({"expire", "x", "100"}),
            ":1\r\n");  // step 5
  EXPECT_EQ(Run({"setrange", "x", "1", "Z"}),
            ":3\r\n");  // step 6
  EXPECT_EQ(Run({"ttl", "x"}),
            ":100\r\n");  // step 7
  EXPECT_EQ(Run({"append", "x", "123"}),
            ":6\r\n");  // step 8
  EXPECT_EQ(Run({"ttl", "x"}),
            ":100\r\n");  // step 9
  EXPECT_EQ(Run({"get", "x"}),
            "$6\r\naZc123\r\n");  // step 10
}

TEST_F(StringsTest, Lcs) {
  EXPECT_EQ(Run({"set", "a", "ohmytext"}),
            "+OK\r\n");  // step 0
  EXPECT_EQ(Run({"set", "b", "mynewtext"}),
            "+OK\r\n");  // step 1
  EXPECT_EQ(Run({"lcs", "a", "b"}),
            "$6\r\nmytext\r\n");  // step 2
  EXPECT_EQ(Run({"lcs", "a", "b", "len"}),
            ":6\r\n");  // step 3
  EXPECT_EQ(Run({"lcs", "a", "b", "idx"}),
            "*4\r\n$7\r\nmatches\r\n*2\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n*2\r\n*2\r"
            "\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n$3\r\nlen\r\n:6\r\n");  // step 4
  EXPECT_EQ(Run({"lcs", "a", "b", "idx", "minmatchlen", "4"}),
            "*4\r\n$7\r\nmatches\r\n*1\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n$3\r\nlen"
            "\r\n:6\r\n");  // step 5
  EXPECT_EQ(Run({"lcs", "a", "b", "idx", "withmatchlen"}),
            "*4\r\n$7\r\nmatches\r\n*2\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n*3\r"
            "\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n:2\r\n$3\r\nlen\r\n:6\r\n");  // step 6
  EXPECT_EQ(Run({"lcs", "a", "b", "idx", "minmatchlen", "4", "withmatchlen"}),
            "*4\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n$3\r"
            "\nlen\r\n:6\r\n");  // step 7
  EXPECT_EQ(Run({"lcs", "a", "b", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN"}),
            "*4\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n$3\r"
            "\nlen\r\n:6\r\n");  // step 8
  EXPECT_EQ(Run({"lcs", "a", "b", "len", "idx"}),
            "-ERR If you want both the length and indexes, please just use IDX.\r\n");  // step 9
  EXPECT_EQ(Run({"lcs", "a", "b", "idx", "len"}),
            "-ERR If you want both the length and indexes, please just use IDX.\r\n");  // step 10
  EXPECT_EQ(Run({"lcs", "a", "b", "foo"}),
            "-ERR syntax error\r\n");  // step 11
  EXPECT_EQ(Run({"lcs", "a", "b", "minmatchlen"}),
            "-ERR syntax error\r\n");  // step 12
  EXPECT_EQ(Run({"lcs", "a", "b", "minmatchlen", "abc"}),
            "-ERR value is not an integer or out of range\r\n");  // step 13
  EXPECT_EQ(Run({"lcs", "a", "b", "minmatchlen", "-5", "idx"}),
            "*4\r\n$7\r\nmatches\r\n*2\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n*2\r\n*2\r"
            "\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n$3\r\nlen\r\n:6\r\n");  // step 14
  EXPECT_EQ(Run({"lcs", "a", "b", "len", "len"}),
            ":6\r\n");  // step 15
  EXPECT_EQ(Run({"lcs", "a", "nokey"}),
            "$0\r\n\r\n");  // step 16
  EXPECT_EQ(Run({"lcs", "nokey1", "nokey2", "idx"}),
            "*4\r\n$7\r\nmatches\r\n*0\r\n$3\r\nlen\r\n:0\r\n");  // step 17
  EXPECT_EQ(Run({"lcs", "nokey1", "nokey2", "len"}),
            ":0\r\n");  // step 18
  EXPECT_EQ(Run({"lcs", "nokey1", "nokey2"}),
            "$0\r\n\r\n");  // step 19
  EXPECT_EQ(Run({"lcs", "a", "a", "idx", "withmatchlen"}),
            "*4\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:0\r\n:7\r\n*2\r\n:0\r\n:7\r\n:8\r\n$3\r"
            "\nlen\r\n:8\r\n");  // step 20
  EXPECT_EQ(Run({"lcs", "a"}),
            "-ERR wrong number of arguments for 'lcs' command\r\n");  // step 21
  EXPECT_EQ(Run({"lcs"}),
            "-ERR wrong number of arguments for 'lcs' command\r\n");  // step 22
}

TEST_F(StringsTest, LcsMatches) {
  EXPECT_EQ(Run({"set", "c", "aaaaaaaa"}),
            "+OK\r\n");  // step 0
  EXPECT_EQ(Run({"set", "d", "aaabbbaaa"}),
            "+OK\r\n");  // step 1
  EXPECT_EQ(Run({"lcs", "c", "d", "idx", "withmatchlen"}),
            "*4\r\n$7\r\nmatches\r\n*2\r\n*3\r\n*2\r\n:5\r\n:7\r\n*2\r\n:6\r\n:8\r\n:3\r\n*3\r"
            "\n*2\r\n:2\r\n:4\r\n*2\r\n:0\r\n:2\r\n:3\r\n$3\r\nlen\r\n:6\r\n");  // step 2
  EXPECT_EQ(Run({"lcs", "d", "c", "idx", "withmatchlen"}),
            "*4\r\n$7\r\nmatches\r\n*2\r\n*3\r\n*2\r\n:6\r\n:8\r\n*2\r\n:5\r\n:7\r\n:3\r\n*3\r"
            "\n*2\r\n:0\r\n:2\r\n*2\r\n:0\r\n:2\r\n:3\r\n$3\r\nlen\r\n:6\r\n");  // step 3
  EXPECT_EQ(Run({"lcs", "c", "d"}),
            "$6\r\naaaaaa\r\n");  // step 4
  EXPECT_EQ(Run({"set", "e1", "rxxxabcdxyyyzzz"}),
            "+OK\r\n");  // step 5
  EXPECT_EQ(Run({"set", "e2", "abcdrrzzzxxxyyy"}),
            "+OK\r\n");  // step 6
  EXPECT_EQ(Run({"lcs", "e1", "e2", "idx", "withmatchlen"}),
            "*4\r\n$7\r\nmatches\r\n*2\r\n*3\r\n*2\r\n:8\r\n:11\r\n*2\r\n:11\r\n:14\r\n:4\r\n"
            "*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:0\r\n:3\r\n:4\r\n$3\r\nlen\r\n:8\r\n");  // step 7
  EXPECT_EQ(Run({"lcs", "e1", "e2", "len"}),
            ":8\r\n");  // step 8
  EXPECT_EQ(Run({"lcs", "e1", "e2"}),
            "$8\r\nabcdxyyy\r\n");  // step 9
  EXPECT_EQ(Run({"lcs", "e2", "e1", "idx"}),
            "*4\r\n$7\r\nmatches\r\n*2\r\n*2\r\n*2\r\n:11\r\n:14\r\n*2\r\n:8\r\n:11\r\n*2\r\n"
            "*2\r\n:0\r\n:3\r\n*2\r\n:4\r\n:7\r\n$3\r\nlen\r\n:8\r\n");  // step 10
  EXPECT_EQ(Run({"set", "f1", "abc"}),
            "+OK\r\n");  // step 11
  EXPECT_EQ(Run({"set", "f2", "xyz"}),
            "+OK\r\n");  // step 12
  EXPECT_EQ(Run({"lcs", "f1", "f2", "idx", "withmatchlen"}),
            "*4\r\n$7\r\nmatches\r\n*0\r\n$3\r\nlen\r\n:0\r\n");  // step 13
  EXPECT_EQ(Run({"lcs", "f1", "f2"}),
            "$0\r\n\r\n");  // step 14
  EXPECT_EQ(Run({"set", "g1", "a\000b\r\nc"sv}),
            "+OK\r\n");  // step 15
  EXPECT_EQ(Run({"set", "g2", "xa\000b\r\nc"sv}),
            "+OK\r\n");  // step 16
  EXPECT_EQ(Run({"lcs", "g1", "g2"}),
            "$6\r\na\000b\r\nc\r\n"s);  // step 17
  EXPECT_EQ(Run({"lcs", "g1", "g2", "idx", "minmatchlen", "2"}),
            "*4\r\n$7\r\nmatches\r\n*1\r\n*2\r\n*2\r\n:0\r\n:5\r\n*2\r\n:1\r\n:6\r\n$3\r\nlen"
            "\r\n:6\r\n");  // step 18
}

TEST_F(StringsTest, StringArityErrors) {
  EXPECT_EQ(Run({"setnx"}),
            "-ERR wrong number of arguments for 'setnx' command\r\n");  // step 0
  EXPECT_EQ(Run({"setex", "k", "1"}),
            "-ERR wrong number of arguments for 'setex' command\r\n");  // step 1
  EXPECT_EQ(Run({"psetex", "k"}),
            "-ERR wrong number of arguments for 'psetex' command\r\n");  // step 2
  EXPECT_EQ(Run({"getset", "k"}),
            "-ERR wrong number of arguments for 'getset' command\r\n");  // step 3
  EXPECT_EQ(Run({"mget"}),
            "-ERR wrong number of arguments for 'mget' command\r\n");  // step 4
  EXPECT_EQ(Run({"strlen"}),
            "-ERR wrong number of arguments for 'strlen' command\r\n");  // step 5
  EXPECT_EQ(Run({"strlen", "a", "b"}),
            "-ERR wrong number of arguments for 'strlen' command\r\n");  // step 6
  EXPECT_EQ(Run({"incrbyfloat", "k"}),
            "-ERR wrong number of arguments for 'incrbyfloat' command\r\n");  // step 7
  EXPECT_EQ(Run({"getrange", "k", "1"}),
            "-ERR wrong number of arguments for 'getrange' command\r\n");  // step 8
  EXPECT_EQ(Run({"setrange", "k", "1"}),
            "-ERR wrong number of arguments for 'setrange' command\r\n");  // step 9
  EXPECT_EQ(Run({"decr"}),
            "-ERR wrong number of arguments for 'decr' command\r\n");  // step 10
  EXPECT_EQ(Run({"decr", "a", "b"}),
            "-ERR wrong number of arguments for 'decr' command\r\n");  // step 11
  EXPECT_EQ(Run({"incr", "a", "b"}),
            "-ERR wrong number of arguments for 'incr' command\r\n");  // step 12
}

TEST_F(StringsTest, BinaryValues) {
  EXPECT_EQ(Run({"set", "k\000\r\n"sv, "v\000\r\n\377"sv}),
            "+OK\r\n");  // step 0
  EXPECT_EQ(Run({"get", "k\000\r\n"sv}),
            "$5\r\nv\000\r\n\377\r\n"s);  // step 1
  EXPECT_EQ(Run({"strlen", "k\000\r\n"sv}),
            ":5\r\n");  // step 2
  EXPECT_EQ(Run({"append", "k\000\r\n"sv, "\000"sv}),
            ":6\r\n");  // step 3
  EXPECT_EQ(Run({"get", "k\000\r\n"sv}),
            "$6\r\nv\000\r\n\377\000\r\n"s);  // step 4
  EXPECT_EQ(Run({"getrange", "k\000\r\n"sv, "1", "3"}),
            "$3\r\n\000\r\n\r\n"s);  // step 5
  EXPECT_EQ(Run({"setrange", "k\000\r\n"sv, "1", "\r\n"}),
            ":6\r\n");  // step 6
  EXPECT_EQ(Run({"get", "k\000\r\n"sv}),
            "$6\r\nv\r\n\n\377\000\r\n"s);  // step 7
  EXPECT_EQ(Run({"mget", "k\000\r\n"sv, "x"}),
            "*2\r\n$6\r\nv\r\n\n\377\000\r\n$-1\r\n"s);  // step 8
}

// ---------------------------------------------------------------- valkdb's own

// A reply still holding the old value (as a GET reply does until its socket
// write completes) keeps seeing it: APPEND and SETRANGE copy, not overwrite.
TEST_F(StringsTest, ValueSharedWithAReplyIsNotChangedUnderIt) {
  const std::string big(100 * 1024, 'a');
  EXPECT_EQ(Run({"set", "k", big}), kOk);
  std::optional<Bytes> held = store_.Get(0, "k", now_ms_);
  ASSERT_TRUE(held.has_value());
  EXPECT_EQ(Run({"append", "k", "xyz"}), Int(big.size() + 3));
  EXPECT_EQ(Run({"setrange", "k", "0", "B"}), Int(big.size() + 3));
  EXPECT_EQ(held->view(), big);
  EXPECT_EQ(Run({"getrange", "k", "0", "1"}), Bulk("Ba"));
  EXPECT_EQ(Run({"getrange", "k", "-4", "-1"}), Bulk("axyz"));
  std::optional<Bytes> held2 = store_.Get(0, "k", now_ms_);
  EXPECT_EQ(Run({"incrbyfloat", "n", "1"}), Bulk("1"));
  EXPECT_EQ(Run({"append", "k", "!"}), Int(big.size() + 4));
  EXPECT_EQ(held2->size(), big.size() + 3);
  EXPECT_EQ(held2->view().substr(0, 2), "Ba");
}

// Growing a value a little at a time changes it in place (amortised O(1));
// the result and its TTL stay right across reallocations and varint widths.
TEST_F(StringsTest, AppendGrowsInPlaceAndKeepsTheTtl) {
  EXPECT_EQ(Run({"set", "k", ""}), kOk);
  EXPECT_EQ(Run({"pexpire", "k", "100000"}), Int(1));
  std::string expected;
  for (int i = 0; i < 3000; ++i) {
    const std::string piece = StrCat(i, ",");
    expected += piece;
    ASSERT_EQ(Run({"append", "k", piece}), Int(expected.size())) << i;
  }
  EXPECT_EQ(Run({"get", "k"}), Bulk(expected));
  EXPECT_EQ(Run({"pttl", "k"}), Int(100000));
  EXPECT_EQ(Run({"object", "encoding", "k"}), Bulk("raw"));
  // The key still expires on time: the expiry index followed the moves.
  AdvanceMs(100001);
  EXPECT_EQ(Run({"get", "k"}), kNil);
  EXPECT_EQ(store_.ExpiresSize(0), 0u);
}

TEST_F(StringsTest, SetRangeGrowsPastVarintBoundaries) {
  std::string expected;
  for (size_t end : {10, 127, 128, 129, 16383, 16384, 20000, 2100000}) {
    const std::string offset = StrCat(end - 1);
    expected.resize(end, '\0');
    expected[end - 1] = 'z';
    ASSERT_EQ(Run({"setrange", "k", offset, "z"}), Int(end));
    ASSERT_EQ(Run({"expire", "k", "1000"}), Int(1));
  }
  EXPECT_EQ(Run({"get", "k"}), Bulk(expected));
  EXPECT_EQ(Run({"ttl", "k"}), Int(1000));
}

TEST_F(StringsTest, IncrInPlaceKeepsTheTtl) {
  EXPECT_EQ(Run({"set", "n", "9"}), kOk);
  EXPECT_EQ(Run({"expire", "n", "50"}), Int(1));
  for (int i = 10; i <= 1000; ++i) ASSERT_EQ(Run({"incr", "n"}), Int(i));
  EXPECT_EQ(Run({"ttl", "n"}), Int(50));
  EXPECT_EQ(Run({"get", "n"}), Bulk("1000"));
  EXPECT_EQ(Run({"object", "encoding", "n"}), Bulk("int"));
}

TEST_F(StringsTest, BigArgumentsAreStoredAndGrown) {
  const std::string big(64 * 1024, 'q');
  EXPECT_EQ(RunRaw(Request({"set", "k", big})), kOk);
  EXPECT_EQ(RunRaw(Request({"append", "k", big})), Int(2 * big.size()));
  EXPECT_EQ(Run({"strlen", "k"}), Int(2 * big.size()));
  EXPECT_EQ(RunRaw(Request({"mset", "a", big, "b", big})), kOk);
  EXPECT_EQ(Run({"strlen", "b"}), Int(big.size()));
  EXPECT_EQ(RunRaw(Request({"getset", "a", big + "x"})), Bulk(big));
  EXPECT_EQ(Run({"strlen", "a"}), Int(big.size() + 1));
}

TEST_F(StringsTest, ProtoMaxBulkLenLimitsGrowth) {
  EXPECT_EQ(Run({"config", "set", "proto-max-bulk-len", "1mb"}), kOk);
  EXPECT_EQ(Run({"setrange", "k", "1048575", "x"}), Int(1048576));
  EXPECT_EQ(Run({"append", "k", "y"}),
            "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n");
  EXPECT_EQ(Run({"strlen", "k"}), Int(1048576));
}

// Every write tells WATCH; a refused or no-op write does not.
TEST_F(StringsTest, WritesInvalidateWatchers) {
  struct Case {
    std::vector<std::string> setup, write;
    bool modifies;
  };
  const std::vector<Case> cases = {
      {{}, {"set", "k", "v"}, true},
      {{"set", "k", "v"}, {"set", "k", "v", "nx"}, false},
      {{}, {"set", "k", "v", "xx"}, false},
      {{}, {"setnx", "k", "v"}, true},
      {{}, {"setex", "k", "10", "v"}, true},
      {{}, {"psetex", "k", "10", "v"}, true},
      {{}, {"getset", "k", "v"}, true},
      {{"set", "k", "v"}, {"getdel", "k"}, true},
      {{}, {"getdel", "k"}, false},
      {{"set", "k", "v"}, {"getex", "k", "ex", "10"}, true},
      {{"set", "k", "v"}, {"getex", "k"}, false},
      {{"set", "k", "v"}, {"getex", "k", "persist"}, false},
      {{"set", "k", "v", "ex", "10"}, {"getex", "k", "persist"}, true},
      {{}, {"mset", "a", "1", "k", "2"}, true},
      {{}, {"msetnx", "a", "1", "k", "2"}, true},
      {{"set", "a", "1"}, {"msetnx", "a", "1", "k", "2"}, false},
      {{}, {"append", "k", "x"}, true},
      {{"set", "k", "v"}, {"append", "k", ""}, true},
      {{}, {"incr", "k"}, true},
      {{}, {"decrby", "k", "5"}, true},
      {{"set", "k", "x"}, {"incr", "k"}, false},
      {{}, {"incrbyfloat", "k", "1.5"}, true},
      {{}, {"setrange", "k", "3", "x"}, true},
      {{"set", "k", "v"}, {"setrange", "k", "3", ""}, false},
      {{"set", "k", "v"}, {"get", "k"}, false},
  };
  for (const Case& c : cases) {
    Run({"flushall"});
    if (!c.setup.empty()) Run(c.setup);
    ClientState other;
    ASSERT_EQ(Run({"watch", "k"}), kOk);
    std::vector<std::string_view> write(c.write.begin(), c.write.end());
    CommandArgs args;
    args.Assign(write);
    ReplyBuffer out;
    RespWriter writer(&out);
    CommandContext ctx{store_, server_, other, writer, args, now_ms_};
    CommandTable::Get().Dispatch(ctx);
    ASSERT_EQ(Run({"multi"}), kOk);
    ASSERT_EQ(Run({"ping"}), Simple("QUEUED"));
    const std::string exec = Run({"exec"});
    EXPECT_EQ(exec, c.modifies ? "*-1\r\n" : "*1\r\n+PONG\r\n") << Join(c.write, " ");
  }
}

}  // namespace
}  // namespace valkdb::testing_util
