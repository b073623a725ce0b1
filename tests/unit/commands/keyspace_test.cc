// The keyspace commands through the real dispatcher. The expectations of the
// generated part are the exact replies a real Redis 7.0.15 gave to the same
// command sequences (steps whose answer depends on the wall clock or on hash
// order are left to the differential tests); the hand-written part checks
// what Redis cannot show: SCAN across rehashing, random keys, WATCH.

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "protocol/str_util.h"
#include "tests/unit/commands/command_fixture.h"

namespace valkdb::testing_util {
namespace {

using namespace std::string_literals;       // NOLINT: expected replies with NUL bytes
using namespace std::string_view_literals;  // NOLINT

class KeyspaceTest : public CommandTest {
 protected:
  // SCAN with `options` until the cursor comes back to 0; the keys seen.
  std::multiset<std::string> ScanAll(std::vector<std::string> options,
                                     const std::function<void()>& between = {}) {
    std::multiset<std::string> keys;
    std::string cursor = "0";
    do {
      std::vector<std::string> args = {"scan", cursor};
      args.insert(args.end(), options.begin(), options.end());
      RespValue reply = ParseReply(Run(args));
      EXPECT_EQ(reply.elements.size(), 2u);
      if (reply.elements.size() != 2) break;
      cursor = reply.elements[0].str;
      for (const RespValue& key : reply.elements[1].elements) keys.insert(key.str);
      if (between) between();
    } while (cursor != "0");
    return keys;
  }
};

// ---------------------------------------------------------------- from Redis

TEST_F(KeyspaceTest, DelUnlink) {
  EXPECT_EQ(Run({"set", "a", "1"}),
            "+OK\r\n");  // step 0
  EXPECT_EQ(Run({"set", "b", "2"}),
            "+OK\r\n");  // step 1
  EXPECT_EQ(Run({"del", "a", "b", "c"}),
            ":2\r\n");  // step 2
  EXPECT_EQ(Run({"unlink", "a", "b"}),
            ":0\r\n");  // step 3
  EXPECT_EQ(Run({"set", "a", "1"}),
            "+OK\r\n");  // step 4
  EXPECT_EQ(Run({"unlink", "a", "a"}),
            ":1\r\n");  // step 5
  EXPECT_EQ(Run({"exists", "a"}),
            ":0\r\n");  // step 6
  EXPECT_EQ(Run({"unlink"}),
            "-ERR wrong number of arguments for 'unlink' command\r\n");  // step 7
  EXPECT_EQ(Run({"del"}),
            "-ERR wrong number of arguments for 'del' command\r\n");  // step 8
}

TEST_F(KeyspaceTest, ExistsTouch) {
  EXPECT_EQ(Run({"set", "a", "1"}),
            "+OK\r\n");  // step 0
  EXPECT_EQ(Run({"exists", "a", "a", "b"}),
            ":2\r\n");  // step 1
  EXPECT_EQ(Run({"touch", "a", "a", "b"}),
            ":2\r\n");  // step 2
  EXPECT_EQ(Run({"touch", "nokey"}),
            ":0\r\n");  // step 3
  EXPECT_EQ(Run({"touch"}),
            "-ERR wrong number of arguments for 'touch' command\r\n");  // step 4
  EXPECT_EQ(Run({"exists"}),
            "-ERR wrong number of arguments for 'exists' command\r\n");  // step 5
  EXPECT_EQ(Run({"set", "", "x"}),
            "+OK\r\n");  // step 6
  EXPECT_EQ(Run({"exists", ""}),
            ":1\r\n");  // step 7
}

TEST_F(KeyspaceTest, Type) {
  EXPECT_EQ(Run({"set", "a", "1"}),
            "+OK\r\n");  // step 0
  EXPECT_EQ(Run({"type", "a"}),
            "+string\r\n");  // step 1
  EXPECT_EQ(Run({"type", "nokey"}),
            "+none\r\n");  // step 2
  EXPECT_EQ(Run({"type"}),
            "-ERR wrong number of arguments for 'type' command\r\n");  // step 3
  EXPECT_EQ(Run({"type", "a", "b"}),
            "-ERR wrong number of arguments for 'type' command\r\n");  // step 4
  EXPECT_EQ(Run({"set", "e", "v"}),
            "+OK\r\n");  // step 5
  EXPECT_EQ(Run({"pexpire", "e", "1"}),
            ":1\r\n");  // step 6
  EXPECT_EQ(Run({"type", "e"}),
            "+string\r\n");  // step 7
}

TEST_F(KeyspaceTest, Rename) {
  EXPECT_EQ(Run({"set", "k", "v"}),
            "+OK\r\n");  // step 0
  EXPECT_EQ(Run({"rename", "k", "k2"}),
            "+OK\r\n");  // step 1
  EXPECT_EQ(Run({"get", "k2"}),
            "$1\r\nv\r\n");  // step 2
  EXPECT_EQ(Run({"exists", "k"}),
            ":0\r\n");  // step 3
  EXPECT_EQ(Run({"rename", "k", "k3"}),
            "-ERR no such key\r\n");  // step 4
  EXPECT_EQ(Run({"rename", "k2", "k2"}),
            "+OK\r\n");  // step 5
  EXPECT_EQ(Run({"rename", "nokey", "nokey"}),
            "-ERR no such key\r\n");  // step 6
  EXPECT_EQ(Run({"rename", "a"}),
            "-ERR wrong number of arguments for 'rename' command\r\n");  // step 7
  EXPECT_EQ(Run({"rename", "a", "b", "c"}),
            "-ERR wrong number of arguments for 'rename' command\r\n");  // step 8
}

TEST_F(KeyspaceTest, RenameNx) {
  EXPECT_EQ(Run({"set", "k", "v"}),
            "+OK\r\n");  // step 0
  EXPECT_EQ(Run({"renamenx", "k", "k"}),
            ":0\r\n");  // step 1
  EXPECT_EQ(Run({"renamenx", "nokey", "x"}),
            "-ERR no such key\r\n");  // step 2
  EXPECT_EQ(Run({"set", "k3", "x"}),
            "+OK\r\n");  // step 3
  EXPECT_EQ(Run({"renamenx", "k", "k3"}),
            ":0\r\n");  // step 4
  EXPECT_EQ(Run({"get", "k3"}),
            "$1\r\nx\r\n");  // step 5
  EXPECT_EQ(Run({"renamenx", "k", "k4"}),
            ":1\r\n");  // step 6
  EXPECT_EQ(Run({"get", "k4"}),
            "$1\r\nv\r\n");  // step 7
  EXPECT_EQ(Run({"exists", "k"}),
            ":0\r\n");  // step 8
  EXPECT_EQ(Run({"renamenx", "a"}),
            "-ERR wrong number of arguments for 'renamenx' command\r\n");  // step 9
}

TEST_F(KeyspaceTest, RenameKeepsTtlAndEncoding) {
  EXPECT_EQ(Run({"set", "t", "v"}),
            "+OK\r\n");  // step 0
  EXPECT_EQ(Run({"expire", "t", "100"}),
            ":1\r\n");  // step 1
  EXPECT_EQ(Run({"rename", "t", "t2"}),
            "+OK\r\n");  // step 2
  EXPECT_EQ(Run({"ttl", "t2"}),
            ":100\r\n");  // step 3
  EXPECT_EQ(Run({"set", "t3", "old"}),
            "+OK\r\n");  // step 4
  EXPECT_EQ(Run({"expire", "t3", "50"}),
            ":1\r\n");  // step 5
  EXPECT_EQ(Run({"rename", "t2", "t3"}),
            "+OK\r\n");  // step 6
  EXPECT_EQ(Run({"ttl", "t3"}),
            ":100\r\n");  // step 7
  EXPECT_EQ(Run({"get", "t3"}),
            "$1\r\nv\r\n");  // step 8
  EXPECT_EQ(Run({"set", "u", "v"}),
            "+OK\r\n");  // step 9
  EXPECT_EQ(Run({"rename", "u", "t3"}),
            "+OK\r\n");  // step 10
  EXPECT_EQ(Run({"ttl", "t3"}),
            ":-1\r\n");  // step 11
  EXPECT_EQ(Run({"set", "n", "42"}),
            "+OK\r\n");  // step 12
  EXPECT_EQ(Run({"rename", "n", "n2"}),
            "+OK\r\n");  // step 13
  EXPECT_EQ(Run({"object", "encoding", "n2"}),
            "$3\r\nint\r\n");  // step 14
  EXPECT_EQ(Run({"object", "refcount", "n2"}),
            ":2147483647\r\n");  // step 15
  EXPECT_EQ(Run({"append", "r", "x"}),
            ":1\r\n");  // step 16
  EXPECT_EQ(Run({"rename", "r", "r2"}),
            "+OK\r\n");  // step 17
  EXPECT_EQ(Run({"object", "encoding", "r2"}),
            "$6\r\nembstr\r\n");  // step 18
  EXPECT_EQ(Run({"incrbyfloat", "f", "2"}),
            "$1\r\n2\r\n");  // step 19
  EXPECT_EQ(Run({"rename", "f", "f2"}),
            "+OK\r\n");  // step 20
  EXPECT_EQ(Run({"object", "encoding", "f2"}),
            "$6\r\nembstr\r\n");  // step 21
}

TEST_F(KeyspaceTest, Copy) {
  EXPECT_EQ(Run({"set", "src", "hello"}),
            "+OK\r\n");  // step 0
  EXPECT_EQ(Run({"copy", "src", "dst"}),
            ":1\r\n");  // step 1
  EXPECT_EQ(Run({"get", "dst"}),
            "$5\r\nhello\r\n");  // step 2
  EXPECT_EQ(Run({"copy", "src", "dst"}),
            ":0\r\n");  // step 3
  EXPECT_EQ(Run({"copy", "src", "dst", "replace"}),
            ":1\r\n");  // step 4
  EXPECT_EQ(Run({"copy", "src", "src"}),
            "-ERR source and destination objects are the same\r\n");  // step 5
  EXPECT_EQ(Run({"copy", "src", "src", "replace"}),
            "-ERR source and destination objects are the same\r\n");  // step 6
  EXPECT_EQ(Run({"copy", "src", "src", "db", "0"}),
            "-ERR source and destination objects are the same\r\n");  // step 7
  EXPECT_EQ(Run({"copy", "nokey", "dst"}),
            ":0\r\n");  // step 8
  EXPECT_EQ(Run({"copy", "src"}),
            "-ERR wrong number of arguments for 'copy' command\r\n");  // step 9
  EXPECT_EQ(Run({"copy"}),
            "-ERR wrong number of arguments for 'copy' command\r\n");  // step 10
}

TEST_F(KeyspaceTest, CopyDb) {
  EXPECT_EQ(Run({"set", "src", "hello"}),
            "+OK\r\n");  // step 0
  EXPECT_EQ(Run({"copy", "src", "src", "db", "1"}),
            ":1\r\n");  // step 1
  EXPECT_EQ(Run({"copy", "src", "dst", "db", "1"}),
            ":1\r\n");  // step 2
  EXPECT_EQ(Run({"select", "1"}),
            "+OK\r\n");  // step 3
  EXPECT_EQ(Run({"get", "src"}),
            "$5\r\nhello\r\n");  // step 4
  EXPECT_EQ(Run({"get", "dst"}),
            "$5\r\nhello\r\n");  // step 5
  EXPECT_EQ(Run({"select", "0"}),
            "+OK\r\n");  // step 6
  EXPECT_EQ(Run({"copy", "src", "dst", "db", "16"}),
            "-ERR DB index is out of range\r\n");  // step 7
  EXPECT_EQ(Run({"copy", "src", "dst", "db", "-1"}),
            "-ERR DB index is out of range\r\n");  // step 8
  EXPECT_EQ(Run({"copy", "src", "dst", "db", "abc"}),
            "-ERR value is not an integer or out of range\r\n");  // step 9
  EXPECT_EQ(
      Run({"copy", "src", "dst", "db", "99999999999"}),
      "-ERR value is out of range, value must between -2147483648 and 2147483647\r\n");  // step 10
  EXPECT_EQ(
      Run({"copy", "src", "dst", "db", "2147483648"}),
      "-ERR value is out of range, value must between -2147483648 and 2147483647\r\n");  // step 11
  EXPECT_EQ(Run({"copy", "src", "dst", "foo"}),
            "-ERR syntax error\r\n");  // step 12
  EXPECT_EQ(Run({"copy", "src", "dst", "db"}),
            "-ERR syntax error\r\n");  // step 13
  EXPECT_EQ(Run({"copy", "src", "dst", "replace", "replace", "db", "2", "db", "3"}),
            ":1\r\n");  // step 14
  EXPECT_EQ(Run({"select", "3"}),
            "+OK\r\n");  // step 15
  EXPECT_EQ(Run({"get", "dst"}),
            "$5\r\nhello\r\n");  // step 16
  EXPECT_EQ(Run({"select", "0"}),
            "+OK\r\n");  // step 17
  EXPECT_EQ(Run({"copy", "nokey", "dst", "db", "99"}),
            "-ERR DB index is out of range\r\n");  // step 18
}

TEST_F(KeyspaceTest, CopyKeepsTtlAndEncoding) {
  EXPECT_EQ(Run({"set", "e", "v"}),
            "+OK\r\n");  // step 0
  EXPECT_EQ(Run({"expire", "e", "100"}),
            ":1\r\n");  // step 1
  EXPECT_EQ(Run({"copy", "e", "e2"}),
            ":1\r\n");  // step 2
  EXPECT_EQ(Run({"ttl", "e2"}),
            ":100\r\n");  // step 3
  EXPECT_EQ(Run({"set", "n", "5"}),
            "+OK\r\n");  // step 4
  EXPECT_EQ(Run({"copy", "n", "n2"}),
            ":1\r\n");  // step 5
  EXPECT_EQ(Run({"object", "refcount", "n2"}),
            ":1\r\n");  // step 6
  EXPECT_EQ(Run({"object", "encoding", "n2"}),
            "$3\r\nint\r\n");  // step 7
  EXPECT_EQ(Run({"append", "big", "x"}),
            ":1\r\n");  // step 8
  EXPECT_EQ(Run({"copy", "big", "big2"}),
            ":1\r\n");  // step 9
  EXPECT_EQ(Run({"object", "encoding", "big2"}),
            "$6\r\nembstr\r\n");  // step 10
  EXPECT_EQ(Run({"set", "emb", "abc"}),
            "+OK\r\n");  // step 11
  EXPECT_EQ(Run({"copy", "emb", "emb2"}),
            ":1\r\n");  // step 12
  EXPECT_EQ(Run({"object", "encoding", "emb2"}),
            "$6\r\nembstr\r\n");  // step 13
  EXPECT_EQ(Run({"incrbyfloat", "f", "3"}),
            "$1\r\n3\r\n");  // step 14
  EXPECT_EQ(Run({"copy", "f", "f2"}),
            ":1\r\n");  // step 15
  EXPECT_EQ(Run({"object", "encoding", "f2"}),
            "$6\r\nembstr\r\n");  // step 16
  EXPECT_EQ(Run({"set", "t", "old"}),
            "+OK\r\n");  // step 17
  EXPECT_EQ(Run({"expire", "t", "10"}),
            ":1\r\n");  // step 18
  EXPECT_EQ(Run({"copy", "emb", "t", "replace"}),
            ":1\r\n");  // step 19
  EXPECT_EQ(Run({"ttl", "t"}),
            ":-1\r\n");  // step 20
}

TEST_F(KeyspaceTest, Move) {
  EXPECT_EQ(Run({"set", "m", "v"}),
            "+OK\r\n");  // step 0
  EXPECT_EQ(Run({"move", "m", "1"}),
            ":1\r\n");  // step 1
  EXPECT_EQ(Run({"move", "m", "1"}),
            ":0\r\n");  // step 2
  EXPECT_EQ(Run({"select", "1"}),
            "+OK\r\n");  // step 3
  EXPECT_EQ(Run({"get", "m"}),
            "$1\r\nv\r\n");  // step 4
  EXPECT_EQ(Run({"move", "m", "0"}),
            ":1\r\n");  // step 5
  EXPECT_EQ(Run({"select", "0"}),
            "+OK\r\n");  // step 6
  EXPECT_EQ(Run({"get", "m"}),
            "$1\r\nv\r\n");  // step 7
  EXPECT_EQ(Run({"move", "m", "16"}),
            "-ERR DB index is out of range\r\n");  // step 8
  EXPECT_EQ(Run({"move", "m", "-1"}),
            "-ERR DB index is out of range\r\n");  // step 9
  EXPECT_EQ(Run({"move", "m", "abc"}),
            "-ERR value is not an integer or out of range\r\n");  // step 10
  EXPECT_EQ(Run({"move", "m", "0"}),
            "-ERR source and destination objects are the same\r\n");  // step 11
  EXPECT_EQ(
      Run({"move", "m", "2147483648"}),
      "-ERR value is out of range, value must between -2147483648 and 2147483647\r\n");  // step 12
  EXPECT_EQ(Run({"move", "m", "1.5"}),
            "-ERR value is not an integer or out of range\r\n");  // step 13
  EXPECT_EQ(Run({"move", "nokey", "1"}),
            ":0\r\n");  // step 14
  EXPECT_EQ(Run({"move"}),
            "-ERR wrong number of arguments for 'move' command\r\n");  // step 15
  EXPECT_EQ(Run({"move", "m"}),
            "-ERR wrong number of arguments for 'move' command\r\n");  // step 16
}

TEST_F(KeyspaceTest, MoveTargetExistsAndTtl) {
  EXPECT_EQ(Run({"set", "m2", "x"}),
            "+OK\r\n");  // step 0
  EXPECT_EQ(Run({"select", "3"}),
            "+OK\r\n");  // step 1
  EXPECT_EQ(Run({"set", "m2", "y"}),
            "+OK\r\n");  // step 2
  EXPECT_EQ(Run({"select", "0"}),
            "+OK\r\n");  // step 3
  EXPECT_EQ(Run({"move", "m2", "3"}),
            ":0\r\n");  // step 4
  EXPECT_EQ(Run({"get", "m2"}),
            "$1\r\nx\r\n");  // step 5
  EXPECT_EQ(Run({"set", "v", "v"}),
            "+OK\r\n");  // step 6
  EXPECT_EQ(Run({"expire", "v", "100"}),
            ":1\r\n");  // step 7
  EXPECT_EQ(Run({"move", "v", "4"}),
            ":1\r\n");  // step 8
  EXPECT_EQ(Run({"select", "4"}),
            "+OK\r\n");  // step 9
  EXPECT_EQ(Run({"ttl", "v"}),
            ":100\r\n");  // step 10
  EXPECT_EQ(Run({"get", "v"}),
            "$1\r\nv\r\n");  // step 11
}

TEST_F(KeyspaceTest, SwapDb) {
  EXPECT_EQ(Run({"set", "a", "1"}),
            "+OK\r\n");  // step 0
  EXPECT_EQ(Run({"select", "1"}),
            "+OK\r\n");  // step 1
  EXPECT_EQ(Run({"set", "b", "2"}),
            "+OK\r\n");  // step 2
  EXPECT_EQ(Run({"select", "0"}),
            "+OK\r\n");  // step 3
  EXPECT_EQ(Run({"swapdb", "0", "1"}),
            "+OK\r\n");  // step 4
  EXPECT_EQ(Run({"get", "a"}),
            "$-1\r\n");  // step 5
  EXPECT_EQ(Run({"get", "b"}),
            "$1\r\n2\r\n");  // step 6
  EXPECT_EQ(Run({"select", "1"}),
            "+OK\r\n");  // step 7
  EXPECT_EQ(Run({"get", "a"}),
            "$1\r\n1\r\n");  // step 8
  EXPECT_EQ(Run({"select", "0"}),
            "+OK\r\n");  // step 9
  EXPECT_EQ(Run({"swapdb", "0", "0"}),
            "+OK\r\n");  // step 10
  EXPECT_EQ(Run({"swapdb", "1", "0"}),
            "+OK\r\n");  // step 11
  EXPECT_EQ(Run({"get", "a"}),
            "$1\r\n1\r\n");  // step 12
  EXPECT_EQ(Run({"dbsize"}),
            ":1\r\n");  // step 13
}

TEST_F(KeyspaceTest, SwapDbErrors) {
  EXPECT_EQ(Run({"swapdb", "0", "16"}),
            "-ERR DB index is out of range\r\n");  // step 0
  EXPECT_EQ(Run({"swapdb", "-1", "0"}),
            "-ERR DB index is out of range\r\n");  // step 1
  EXPECT_EQ(Run({"swapdb", "abc", "0"}),
            "-ERR invalid first DB index\r\n");  // step 2
  EXPECT_EQ(Run({"swapdb", "0", "abc"}),
            "-ERR invalid second DB index\r\n");  // step 3
  EXPECT_EQ(Run({"swapdb", "abc", "def"}),
            "-ERR invalid first DB index\r\n");  // step 4
  EXPECT_EQ(Run({"swapdb", "2147483648", "0"}),
            "-ERR invalid first DB index\r\n");  // step 5
  EXPECT_EQ(Run({"swapdb", "0", "2147483648"}),
            "-ERR invalid second DB index\r\n");  // step 6
  EXPECT_EQ(Run({"swapdb", "0"}),
            "-ERR wrong number of arguments for 'swapdb' command\r\n");  // step 7
  EXPECT_EQ(Run({"swapdb"}),
            "-ERR wrong number of arguments for 'swapdb' command\r\n");  // step 8
}

TEST_F(KeyspaceTest, ExpireAtPExpireAt) {
  EXPECT_EQ(Run({"set", "k", "v"}),
            "+OK\r\n");  // step 0
  EXPECT_EQ(Run({"expireat", "k", "1"}),
            ":1\r\n");  // step 1
  EXPECT_EQ(Run({"exists", "k"}),
            ":0\r\n");  // step 2
  EXPECT_EQ(Run({"set", "k", "v"}),
            "+OK\r\n");  // step 3
  EXPECT_EQ(Run({"pexpireat", "k", "1"}),
            ":1\r\n");  // step 4
  EXPECT_EQ(Run({"exists", "k"}),
            ":0\r\n");  // step 5
  EXPECT_EQ(Run({"set", "k", "v"}),
            "+OK\r\n");  // step 6
  EXPECT_EQ(Run({"expireat", "k", "0"}),
            ":1\r\n");  // step 7
  EXPECT_EQ(Run({"exists", "k"}),
            ":0\r\n");  // step 8
  EXPECT_EQ(Run({"set", "k", "v"}),
            "+OK\r\n");  // step 9
  EXPECT_EQ(Run({"expireat", "k", "9999999999"}),
            ":1\r\n");  // step 10
  EXPECT_EQ(Run({"expiretime", "k"}),
            ":9999999999\r\n");  // step 11
  EXPECT_EQ(Run({"pexpiretime", "k"}),
            ":9999999999000\r\n");  // step 12
  EXPECT_EQ(Run({"pexpireat", "k", "99999999999000"}),
            ":1\r\n");  // step 13
  EXPECT_EQ(Run({"expiretime", "k"}),
            ":99999999999\r\n");  // step 14
  EXPECT_EQ(Run({"expireat", "nokey", "9999999999"}),
            ":0\r\n");  // step 15
  EXPECT_EQ(Run({"pexpireat", "nokey", "1"}),
            ":0\r\n");  // step 16
}

TEST_F(KeyspaceTest, ExpireAtOptions) {
  EXPECT_EQ(Run({"set", "k", "v"}),
            "+OK\r\n");  // step 0
  EXPECT_EQ(Run({"expireat", "k", "9999999999"}),
            ":1\r\n");  // step 1
  EXPECT_EQ(Run({"expireat", "k", "9999999998", "gt"}),
            ":0\r\n");  // step 2
  EXPECT_EQ(Run({"expireat", "k", "9999999998", "lt"}),
            ":1\r\n");  // step 3
  EXPECT_EQ(Run({"expiretime", "k"}),
            ":9999999998\r\n");  // step 4
  EXPECT_EQ(Run({"expireat", "k", "9999999999", "nx"}),
            ":0\r\n");  // step 5
  EXPECT_EQ(Run({"expireat", "k", "9999999999", "xx"}),
            ":1\r\n");  // step 6
  EXPECT_EQ(Run({"expireat", "k", "9999999999", "nx", "xx"}),
            "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n");  // step 7
  EXPECT_EQ(Run({"expireat", "k", "9999999999", "gt", "lt"}),
            "-ERR GT and LT options at the same time are not compatible\r\n");  // step 8
  EXPECT_EQ(Run({"expireat", "k", "9999999999", "foo"}),
            "-ERR Unsupported option foo\r\n");  // step 9
  EXPECT_EQ(Run({"expireat", "k", "9999999999", "NX\000foo"sv}),
            ":0\r\n");  // step 10
  EXPECT_EQ(Run({"persist", "k"}),
            ":1\r\n");  // step 11
  EXPECT_EQ(Run({"expireat", "k", "9999999999", "xx"}),
            ":0\r\n");  // step 12
  EXPECT_EQ(Run({"expireat", "k", "9999999999", "gt"}),
            ":0\r\n");  // step 13
  EXPECT_EQ(Run({"expireat", "k", "9999999999", "lt"}),
            ":1\r\n");  // step 14
  EXPECT_EQ(Run({"expiretime", "k"}),
            ":9999999999\r\n");  // step 15
}

TEST_F(KeyspaceTest, ExpireAtErrors) {
  EXPECT_EQ(Run({"set", "k", "v"}),
            "+OK\r\n");  // step 0
  EXPECT_EQ(Run({"expireat", "k", "abc"}),
            "-ERR value is not an integer or out of range\r\n");  // step 1
  EXPECT_EQ(Run({"expireat", "k", "9223372036854775807"}),
            "-ERR invalid expire time in 'expireat' command\r\n");  // step 2
  EXPECT_EQ(Run({"expireat", "k", "9223372036854775"}),
            ":1\r\n");  // step 3
  EXPECT_EQ(Run({"expireat", "k", "-9223372036854775"}),
            ":1\r\n");  // step 4
  EXPECT_EQ(Run({"exists", "k"}),
            ":0\r\n");  // step 5
  EXPECT_EQ(Run({"set", "k", "v"}),
            "+OK\r\n");  // step 6
  EXPECT_EQ(Run({"pexpireat", "k", "9223372036854775807"}),
            ":1\r\n");  // step 7
  EXPECT_EQ(Run({"pexpiretime", "k"}),
            ":9223372036854775807\r\n");  // step 8
  EXPECT_EQ(Run({"pexpireat", "k", "-1"}),
            ":1\r\n");  // step 9
  EXPECT_EQ(Run({"exists", "k"}),
            ":0\r\n");  // step 10
  EXPECT_EQ(Run({"set", "k", "v"}),
            "+OK\r\n");  // step 11
  EXPECT_EQ(Run({"expireat", "k", "-9223372036854775808"}),
            "-ERR invalid expire time in 'expireat' command\r\n");  // step 12
  EXPECT_EQ(Run({"exists", "k"}),
            ":1\r\n");  // step 13
  EXPECT_EQ(Run({"expireat", "k"}),
            "-ERR wrong number of arguments for 'expireat' command\r\n");  // step 14
  EXPECT_EQ(Run({"pexpireat", "k"}),
            "-ERR wrong number of arguments for 'pexpireat' command\r\n");  // step 15
}

TEST_F(KeyspaceTest, ExpireTime) {
  EXPECT_EQ(Run({"set", "k", "v"}),
            "+OK\r\n");  // step 0
  EXPECT_EQ(Run({"expiretime", "k"}),
            ":-1\r\n");  // step 1
  EXPECT_EQ(Run({"pexpiretime", "k"}),
            ":-1\r\n");  // step 2
  EXPECT_EQ(Run({"expiretime", "nokey"}),
            ":-2\r\n");  // step 3
  EXPECT_EQ(Run({"pexpiretime", "nokey"}),
            ":-2\r\n");  // step 4
  EXPECT_EQ(Run({"expiretime"}),
            "-ERR wrong number of arguments for 'expiretime' command\r\n");  // step 5
  EXPECT_EQ(Run({"pexpiretime", "k", "k"}),
            "-ERR wrong number of arguments for 'pexpiretime' command\r\n");  // step 6
  EXPECT_EQ(Run({"pexpireat", "k", "1234567890123456"}),
            ":1\r\n");  // step 7
  EXPECT_EQ(Run({"pexpiretime", "k"}),
            ":1234567890123456\r\n");  // step 8
  EXPECT_EQ(Run({"expiretime", "k"}),
            ":1234567890123\r\n");  // step 9
  EXPECT_EQ(Run({"pexpireat", "k", "1234567890123499"}),
            ":1\r\n");  // step 10
  EXPECT_EQ(Run({"expiretime", "k"}),
            ":1234567890123\r\n");  // step 11
  EXPECT_EQ(Run({"pexpireat", "k", "1234567890123500"}),
            ":1\r\n");  // step 12
  EXPECT_EQ(Run({"expiretime", "k"}),
            ":1234567890124\r\n");  // step 13
}

TEST_F(KeyspaceTest, ExpireOptionsRelative) {
  EXPECT_EQ(Run({"set", "k", "v"}),
            "+OK\r\n");  // step 0
  EXPECT_EQ(Run({"expire", "k", "100", "nx"}),
            ":1\r\n");  // step 1
  EXPECT_EQ(Run({"expire", "k", "200", "nx"}),
            ":0\r\n");  // step 2
  EXPECT_EQ(Run({"expire", "k", "50", "gt"}),
            ":0\r\n");  // step 3
  EXPECT_EQ(Run({"expire", "k", "500", "gt"}),
            ":1\r\n");  // step 4
  EXPECT_EQ(Run({"expire", "k", "600", "lt"}),
            ":0\r\n");  // step 5
  EXPECT_EQ(Run({"expire", "k", "5", "lt"}),
            ":1\r\n");  // step 6
  EXPECT_EQ(Run({"ttl", "k"}),
            ":5\r\n");  // step 7
  EXPECT_EQ(Run({"persist", "k"}),
            ":1\r\n");  // step 8
  EXPECT_EQ(Run({"expire", "k", "100", "xx"}),
            ":0\r\n");  // step 9
  EXPECT_EQ(Run({"expire", "k", "100", "lt"}),
            ":1\r\n");  // step 10
  EXPECT_EQ(Run({"ttl", "k"}),
            ":100\r\n");  // step 11
  EXPECT_EQ(Run({"expire", "k", "50", "gt"}),
            ":0\r\n");  // step 12
  EXPECT_EQ(Run({"expire", "k", "200", "gt"}),
            ":1\r\n");  // step 13
  EXPECT_EQ(Run({"ttl", "k"}),
            ":200\r\n");  // step 14
  EXPECT_EQ(Run({"pexpire", "k", "0"}),
            ":1\r\n");  // step 15
  EXPECT_EQ(Run({"exists", "k"}),
            ":0\r\n");  // step 16
  EXPECT_EQ(Run({"set", "k", "v"}),
            "+OK\r\n");  // step 17
  EXPECT_EQ(Run({"expire", "k", "-1"}),
            ":1\r\n");  // step 18
  EXPECT_EQ(Run({"exists", "k"}),
            ":0\r\n");  // step 19
  EXPECT_EQ(Run({"set", "k", "v"}),
            "+OK\r\n");  // step 20
  EXPECT_EQ(Run({"expire", "k", "9223372036854775807"}),
            "-ERR invalid expire time in 'expire' command\r\n");  // step 21
  EXPECT_EQ(Run({"expire", "k", "9223372036854775"}),
            "-ERR invalid expire time in 'expire' command\r\n");  // step 22
  EXPECT_EQ(Run({"pexpire", "k", "9223372036854775807"}),
            "-ERR invalid expire time in 'pexpire' command\r\n");  // step 23
  EXPECT_EQ(Run({"ttl", "k"}),
            ":-1\r\n");  // step 24
  EXPECT_EQ(Run({"expire", "k", "10", "NX\000foo"sv}),
            ":1\r\n");  // step 25
  EXPECT_EQ(Run({"ttl", "k"}),
            ":10\r\n");  // step 26
  EXPECT_EQ(Run({"expire", "k", "10", "unknown"}),
            "-ERR Unsupported option unknown\r\n");  // step 27
}

TEST_F(KeyspaceTest, KeysAndDbSize) {
  EXPECT_EQ(Run({"set", "x", "1"}),
            "+OK\r\n");  // step 0
  EXPECT_EQ(Run({"set", "y", "2"}),
            "+OK\r\n");  // step 1
  EXPECT_EQ(Run({"keys", "x"}),
            "*1\r\n$1\r\nx\r\n");  // step 4
  EXPECT_EQ(Run({"keys", "nosuch"}),
            "*0\r\n");  // step 5
  EXPECT_EQ(Run({"dbsize"}),
            ":2\r\n");  // step 6
  EXPECT_EQ(Run({"flushdb"}),
            "+OK\r\n");  // step 7
  EXPECT_EQ(Run({"keys", "*"}),
            "*0\r\n");  // step 8
  EXPECT_EQ(Run({"dbsize"}),
            ":0\r\n");  // step 9
  EXPECT_EQ(Run({"keys"}),
            "-ERR wrong number of arguments for 'keys' command\r\n");  // step 10
  EXPECT_EQ(Run({"keys", "a", "b"}),
            "-ERR wrong number of arguments for 'keys' command\r\n");  // step 11
}

TEST_F(KeyspaceTest, KeysGlobs) {
  EXPECT_EQ(Run({"mset", "hello",    "1",  "hallo", "2",  "hxllo", "3",   "heeeello", "4",
                 "[a",   "5",        "a*", "6",     "a?", "7",     "a\\", "8",        "\200a",
                 "9",    "a\000b"sv, "10", "AbC",   "11", "",      "12"}),
            "+OK\r\n");  // step 0
}

TEST_F(KeyspaceTest, RandomKey) {
  EXPECT_EQ(Run({"set", "only", "one"}),
            "+OK\r\n");  // step 1
}

TEST_F(KeyspaceTest, Scan) {
  EXPECT_EQ(Run({"mset", "a", "1", "b", "2", "c",  "3", "d",  "4", "e",  "5",  "f",  "6",  "g", "7",
                 "h",    "8", "i", "9", "j", "10", "k", "11", "l", "12", "aa", "13", "ab", "14"}),
            "+OK\r\n");  // step 0
}

TEST_F(KeyspaceTest, ScanErrors) {
  EXPECT_EQ(Run({"scan", "abc"}),
            "-ERR invalid cursor\r\n");  // step 0
  EXPECT_EQ(Run({"scan", " 0"}),
            "-ERR invalid cursor\r\n");  // step 1
  EXPECT_EQ(Run({"scan", "0", "count", "0"}),
            "-ERR syntax error\r\n");  // step 2
  EXPECT_EQ(Run({"scan", "0", "count", "-1"}),
            "-ERR syntax error\r\n");  // step 3
  EXPECT_EQ(Run({"scan", "0", "count", "abc"}),
            "-ERR value is not an integer or out of range\r\n");  // step 4
  EXPECT_EQ(Run({"scan", "0", "count"}),
            "-ERR syntax error\r\n");  // step 5
  EXPECT_EQ(Run({"scan", "0", "match"}),
            "-ERR syntax error\r\n");  // step 6
  EXPECT_EQ(Run({"scan", "0", "type"}),
            "-ERR syntax error\r\n");  // step 7
  EXPECT_EQ(Run({"scan", "0", "foo"}),
            "-ERR syntax error\r\n");  // step 8
  EXPECT_EQ(Run({"scan", "0", "foo", "bar"}),
            "-ERR syntax error\r\n");  // step 9
  EXPECT_EQ(Run({"scan", "18446744073709551616"}),
            "-ERR invalid cursor\r\n");  // step 10
  EXPECT_EQ(Run({"scan", "1.5"}),
            "-ERR invalid cursor\r\n");  // step 11
  EXPECT_EQ(Run({"scan", "-1x"}),
            "-ERR invalid cursor\r\n");  // step 12
  EXPECT_EQ(Run({"scan"}),
            "-ERR wrong number of arguments for 'scan' command\r\n");  // step 13
  EXPECT_EQ(Run({"scan", "0", "count", "0", "match"}),
            "-ERR syntax error\r\n");  // step 14
}

TEST_F(KeyspaceTest, ScanEmpty) {
  EXPECT_EQ(Run({"scan", "0"}),
            "*2\r\n$1\r\n0\r\n*0\r\n");  // step 0
  EXPECT_EQ(Run({"scan", "0", "match", "*"}),
            "*2\r\n$1\r\n0\r\n*0\r\n");  // step 1
  EXPECT_EQ(Run({"scan", ""}),
            "*2\r\n$1\r\n0\r\n*0\r\n");  // step 2
  EXPECT_EQ(Run({"scan", "0", "type", "string"}),
            "*2\r\n$1\r\n0\r\n*0\r\n");  // step 3
}

TEST_F(KeyspaceTest, Object) {
  EXPECT_EQ(Run({"set", "k", "v"}),
            "+OK\r\n");  // step 0
  EXPECT_EQ(Run({"object", "encoding", "k"}),
            "$6\r\nembstr\r\n");  // step 1
  EXPECT_EQ(Run({"object", "encoding", "nokey"}),
            "$-1\r\n");  // step 2
  EXPECT_EQ(Run({"object", "refcount", "nokey"}),
            "$-1\r\n");  // step 3
  EXPECT_EQ(Run({"object", "idletime", "nokey"}),
            "$-1\r\n");  // step 4
  EXPECT_EQ(Run({"object", "freq", "nokey"}),
            "$-1\r\n");  // step 5
  EXPECT_EQ(Run({"object", "freq", "k"}),
            "-ERR An LFU maxmemory policy is not selected, access frequency not tracked. Plea"
            "se note that when switching between policies at runtime LRU and LFU data will ta"
            "ke some time to adjust.\r\n");  // step 6
  EXPECT_EQ(Run({"object", "idletime", "k"}),
            ":0\r\n");  // step 7
  EXPECT_EQ(Run({"object", "foo"}),
            "-ERR unknown subcommand 'foo'. Try OBJECT HELP.\r\n");  // step 8
  EXPECT_EQ(Run({"object", "foo", "k"}),
            "-ERR unknown subcommand 'foo'. Try OBJECT HELP.\r\n");  // step 9
  EXPECT_EQ(Run({"object", "encoding"}),
            "-ERR wrong number of arguments for 'object|encoding' command\r\n");  // step 10
  EXPECT_EQ(Run({"object", "encoding", "a", "b"}),
            "-ERR wrong number of arguments for 'object|encoding' command\r\n");  // step 11
  EXPECT_EQ(Run({"object"}),
            "-ERR wrong number of arguments for 'object' command\r\n");  // step 12
  EXPECT_EQ(Run({"object", "help", "x"}),
            "-ERR wrong number of arguments for 'object|help' command\r\n");  // step 13
  EXPECT_EQ(Run({"object", "help"}),
            "*15\r\n+OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+ENCO"
            "DING <key>\r\n+    Return the kind of internal representation used in order to s"
            "tore the value\r\n+    associated with a <key>.\r\n+FREQ <key>\r\n+    Return th"
            "e access frequency index of the <key>. The returned integer is\r\n+    proportio"
            "nal to the logarithm of the recent access frequency of the key.\r\n+IDLETIME <ke"
            "y>\r\n+    Return the idle time of the <key>, that is the approximated number of"
            "\r\n+    seconds elapsed since the last access to the key.\r\n+REFCOUNT <key>\r\n"
            "+    Return the number of references of the value associated with the specified\r"
            "\n+    <key>.\r\n+HELP\r\n+    Prints this help.\r\n");  // step 14
  EXPECT_EQ(Run({"object", "HELP"}),
            "*15\r\n+OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+ENCO"
            "DING <key>\r\n+    Return the kind of internal representation used in order to s"
            "tore the value\r\n+    associated with a <key>.\r\n+FREQ <key>\r\n+    Return th"
            "e access frequency index of the <key>. The returned integer is\r\n+    proportio"
            "nal to the logarithm of the recent access frequency of the key.\r\n+IDLETIME <ke"
            "y>\r\n+    Return the idle time of the <key>, that is the approximated number of"
            "\r\n+    seconds elapsed since the last access to the key.\r\n+REFCOUNT <key>\r\n"
            "+    Return the number of references of the value associated with the specified\r"
            "\n+    <key>.\r\n+HELP\r\n+    Prints this help.\r\n");  // step 15
}

TEST_F(KeyspaceTest, ObjectUnderLfu) {
  EXPECT_EQ(Run({"set", "k", "v"}),
            "+OK\r\n");  // step 0
  EXPECT_EQ(Run({"config", "set", "maxmemory-policy", "allkeys-lfu"}),
            "+OK\r\n");  // step 1
  EXPECT_EQ(Run({"object", "idletime", "k"}),
            "-ERR An LFU maxmemory policy is selected, idle time not tracked. Please note tha"
            "t when switching between policies at runtime LRU and LFU data will take some tim"
            "e to adjust.\r\n");  // step 2
  EXPECT_EQ(Run({"object", "freq", "nokey"}),
            "$-1\r\n");  // step 3
  EXPECT_EQ(Run({"config", "set", "maxmemory-policy", "volatile-lru"}),
            "+OK\r\n");  // step 4
  EXPECT_EQ(Run({"object", "freq", "k"}),
            "-ERR An LFU maxmemory policy is not selected, access frequency not tracked. Plea"
            "se note that when switching between policies at runtime LRU and LFU data will ta"
            "ke some time to adjust.\r\n");  // step 5
  EXPECT_EQ(Run({"object", "idletime", "k"}),
            ":0\r\n");  // step 6
  EXPECT_EQ(Run({"config", "set", "maxmemory-policy", "noeviction"}),
            "+OK\r\n");  // step 7
}

TEST_F(KeyspaceTest, FlushAndDbSize) {
  EXPECT_EQ(Run({"set", "a", "1"}),
            "+OK\r\n");  // step 0
  EXPECT_EQ(Run({"set", "b", "1"}),
            "+OK\r\n");  // step 1
  EXPECT_EQ(Run({"dbsize"}),
            ":2\r\n");  // step 2
  EXPECT_EQ(Run({"select", "1"}),
            "+OK\r\n");  // step 3
  EXPECT_EQ(Run({"set", "c", "1"}),
            "+OK\r\n");  // step 4
  EXPECT_EQ(Run({"flushdb"}),
            "+OK\r\n");  // step 5
  EXPECT_EQ(Run({"dbsize"}),
            ":0\r\n");  // step 6
  EXPECT_EQ(Run({"select", "0"}),
            "+OK\r\n");  // step 7
  EXPECT_EQ(Run({"dbsize"}),
            ":2\r\n");  // step 8
  EXPECT_EQ(Run({"flushdb", "async"}),
            "+OK\r\n");  // step 9
  EXPECT_EQ(Run({"flushdb", "sync"}),
            "+OK\r\n");  // step 10
  EXPECT_EQ(Run({"flushall", "SYNC"}),
            "+OK\r\n");  // step 11
  EXPECT_EQ(Run({"flushall", "async"}),
            "+OK\r\n");  // step 12
  EXPECT_EQ(Run({"dbsize"}),
            ":0\r\n");  // step 13
  EXPECT_EQ(Run({"flushdb", "x"}),
            "-ERR syntax error\r\n");  // step 14
  EXPECT_EQ(Run({"flushall", "a", "b"}),
            "-ERR syntax error\r\n");  // step 15
  EXPECT_EQ(Run({"flushdb", "a", "b"}),
            "-ERR syntax error\r\n");  // step 16
  EXPECT_EQ(Run({"flushdb", "ASYNC\000x"sv}),
            "+OK\r\n");  // step 17
}

TEST_F(KeyspaceTest, KeyspaceArityErrors) {
  EXPECT_EQ(Run({"exists"}),
            "-ERR wrong number of arguments for 'exists' command\r\n");  // step 0
  EXPECT_EQ(Run({"rename"}),
            "-ERR wrong number of arguments for 'rename' command\r\n");  // step 1
  EXPECT_EQ(Run({"renamenx", "a"}),
            "-ERR wrong number of arguments for 'renamenx' command\r\n");  // step 2
  EXPECT_EQ(Run({"copy", "a"}),
            "-ERR wrong number of arguments for 'copy' command\r\n");  // step 3
  EXPECT_EQ(Run({"move", "a"}),
            "-ERR wrong number of arguments for 'move' command\r\n");  // step 4
  EXPECT_EQ(Run({"swapdb", "a"}),
            "-ERR wrong number of arguments for 'swapdb' command\r\n");  // step 5
  EXPECT_EQ(Run({"expireat", "a"}),
            "-ERR wrong number of arguments for 'expireat' command\r\n");  // step 6
  EXPECT_EQ(Run({"pexpireat"}),
            "-ERR wrong number of arguments for 'pexpireat' command\r\n");  // step 7
  EXPECT_EQ(Run({"expiretime"}),
            "-ERR wrong number of arguments for 'expiretime' command\r\n");  // step 8
  EXPECT_EQ(Run({"ttl"}),
            "-ERR wrong number of arguments for 'ttl' command\r\n");  // step 9
  EXPECT_EQ(Run({"persist"}),
            "-ERR wrong number of arguments for 'persist' command\r\n");  // step 10
  EXPECT_EQ(Run({"dbsize", "x"}),
            "-ERR wrong number of arguments for 'dbsize' command\r\n");  // step 11
  EXPECT_EQ(Run({"keys"}),
            "-ERR wrong number of arguments for 'keys' command\r\n");  // step 13
  EXPECT_EQ(Run({"scan"}),
            "-ERR wrong number of arguments for 'scan' command\r\n");  // step 14
  EXPECT_EQ(Run({"type"}),
            "-ERR wrong number of arguments for 'type' command\r\n");  // step 15
  EXPECT_EQ(Run({"touch"}),
            "-ERR wrong number of arguments for 'touch' command\r\n");  // step 16
  EXPECT_EQ(Run({"unlink"}),
            "-ERR wrong number of arguments for 'unlink' command\r\n");  // step 17
}

// ---------------------------------------------------------------- valkdb's own

TEST_F(KeyspaceTest, ScanVisitsEveryKeyOnce) {
  for (int i = 0; i < 1000; ++i) Run({"set", StrCat("key:", i), "v"});
  for (const char* count : {"1", "7", "10", "1000", "100000"}) {
    std::multiset<std::string> keys = ScanAll({"count", count});
    EXPECT_EQ(keys.size(), 1000u) << count;
    EXPECT_EQ(std::set<std::string>(keys.begin(), keys.end()).size(), 1000u) << count;
  }
}

// Keys added between SCAN calls make the tables grow and rehash; every key
// present for the whole scan is still returned (some possibly twice).
TEST_F(KeyspaceTest, ScanSurvivesRehashing) {
  for (int i = 0; i < 2000; ++i) Run({"set", StrCat("stable:", i), "v"});
  int added = 0;
  std::multiset<std::string> keys = ScanAll({"count", "5", "match", "stable:*"}, [&] {
    for (int j = 0; j < 10; ++j) Run({"set", StrCat("new:", added++), "v"});
    if (added % 500 == 0) Run({"del", StrCat("new:", added - 300)});
  });
  std::set<std::string> unique(keys.begin(), keys.end());
  EXPECT_EQ(unique.size(), 2000u);
  EXPECT_GT(added, 2000) << "the keyspace grew while scanning";
}

TEST_F(KeyspaceTest, ScanSurvivesFlushAndSwapDb) {
  for (int i = 0; i < 300; ++i) Run({"set", StrCat("k", i), "v"});
  int calls = 0;
  std::multiset<std::string> keys = ScanAll({"count", "10"}, [&] {
    if (++calls == 5) {
      Run({"swapdb", "0", "1"});
      Run({"swapdb", "0", "1"});
    }
  });
  EXPECT_EQ(std::set<std::string>(keys.begin(), keys.end()).size(), 300u);
  // A cursor from another time or place ends quietly.
  EXPECT_EQ(Run({"scan", "18446744073709551615"}), "*2\r\n$1\r\n0\r\n*0\r\n");
}

TEST_F(KeyspaceTest, ExpiredKeysAreInvisible) {
  Run({"set", "live", "v"});
  Run({"set", "gone", "v", "px", "10"});
  AdvanceMs(11);
  EXPECT_EQ(Run({"keys", "*"}), "*1\r\n$4\r\nlive\r\n");
  EXPECT_EQ(ScanAll({}), std::multiset<std::string>{"live"});
  for (int i = 0; i < 20; ++i) EXPECT_EQ(Run({"randomkey"}), Bulk("live"));
  EXPECT_EQ(Run({"exists", "gone"}), Int(0));
}

TEST_F(KeyspaceTest, RandomKeyReturnsEveryKeyEventually) {
  EXPECT_EQ(Run({"randomkey"}), kNil);
  std::set<std::string> keys;
  for (int i = 0; i < 10; ++i) keys.insert(StrCat("k", i));
  for (const std::string& key : keys) Run({"set", key, "v"});
  std::set<std::string> seen;
  for (int i = 0; i < 2000 && seen.size() < keys.size(); ++i) {
    RespValue reply = ParseReply(Run({"randomkey"}));
    ASSERT_EQ(keys.count(reply.str), 1u) << reply.str;
    seen.insert(reply.str);
  }
  EXPECT_EQ(seen, keys);
  // Only expired keys: they are removed and the answer is nil.
  Run({"flushall"});
  Run({"set", "a", "v", "px", "5"});
  Run({"set", "b", "v", "px", "5"});
  AdvanceMs(6);
  EXPECT_EQ(Run({"randomkey"}), kNil);
  EXPECT_EQ(Run({"dbsize"}), Int(0));
}

TEST_F(KeyspaceTest, TimeIsTheWallClock) {
  RespValue reply = ParseReply(Run({"time"}));
  ASSERT_EQ(reply.elements.size(), 2u);
  const int64_t seconds = std::stoll(reply.elements[0].str);
  const int64_t micros = std::stoll(reply.elements[1].str);
  EXPECT_NEAR(static_cast<double>(seconds), static_cast<double>(UnixTimeMs() / 1000), 5.0);
  EXPECT_GE(micros, 0);
  EXPECT_LT(micros, 1000000);
}

TEST_F(KeyspaceTest, ObjectFreqUnderAnLfuPolicy) {
  // A key written under LFU starts at Redis's LFU_INIT_VAL; OBJECT does not count as a use.
  Run({"config", "set", "maxmemory-policy", "allkeys-lfu"});
  Run({"set", "k", "v"});
  EXPECT_EQ(Run({"object", "freq", "k"}), Int(5));
  EXPECT_EQ(Run({"object", "freq", "k"}), Int(5));
  Run({"config", "set", "maxmemory-policy", "noeviction"});
}

TEST_F(KeyspaceTest, ExpireAtTheExactMillisecond) {
  Run({"set", "k", "v"});
  EXPECT_EQ(Run({"pexpireat", "k", StrCat(now_ms_ + 10)}), Int(1));
  AdvanceMs(10);
  EXPECT_EQ(Run({"pttl", "k"}), Int(0));
  EXPECT_EQ(Run({"exists", "k"}), Int(1)) << "alive through its expire millisecond, as Redis";
  AdvanceMs(1);
  EXPECT_EQ(Run({"exists", "k"}), Int(0));
  // An absolute time equal to now deletes at once.
  Run({"set", "k", "v"});
  EXPECT_EQ(Run({"pexpireat", "k", StrCat(now_ms_)}), Int(1));
  EXPECT_EQ(Run({"exists", "k"}), Int(0));
}

// Every write tells WATCH, in the database it writes; a no-op does not.
TEST_F(KeyspaceTest, WritesInvalidateWatchers) {
  struct Case {
    std::vector<std::vector<std::string>> setup;
    std::vector<std::string> write;
    int watch_db;
    bool modifies;
  };
  const std::vector<Case> cases = {
      {{{"set", "k", "v"}}, {"del", "k"}, 0, true},
      {{}, {"del", "k"}, 0, false},
      {{{"set", "k", "v"}}, {"unlink", "x", "k"}, 0, true},
      {{{"set", "k", "v"}}, {"rename", "k", "z"}, 0, true},
      {{{"set", "z", "v"}}, {"rename", "z", "k"}, 0, true},
      {{{"set", "k", "v"}}, {"renamenx", "k", "k"}, 0, false},
      {{{"set", "z", "v"}}, {"copy", "z", "k"}, 0, true},
      {{{"set", "k", "v"}}, {"copy", "k", "z"}, 0, false},
      {{{"set", "z", "v"}}, {"copy", "z", "k", "db", "1"}, 1, true},
      {{{"set", "k", "v"}}, {"move", "k", "1"}, 0, true},
      {{{"set", "k", "v"}}, {"move", "k", "1"}, 1, true},
      {{{"set", "k", "v"}}, {"expire", "k", "100"}, 0, true},
      {{{"set", "k", "v"}}, {"expire", "k", "100", "xx"}, 0, false},
      {{{"set", "k", "v"}}, {"pexpireat", "k", "1"}, 0, true},
      {{{"set", "k", "v"}}, {"expireat", "k", "99999999999"}, 0, true},
      {{{"set", "k", "v", "ex", "100"}}, {"persist", "k"}, 0, true},
      {{{"set", "k", "v"}}, {"persist", "k"}, 0, false},
      {{{"set", "k", "v"}}, {"swapdb", "0", "1"}, 0, true},
      {{{"set", "k", "v"}}, {"flushdb"}, 0, true},
      {{{"set", "k", "v"}}, {"flushall"}, 0, true},
      {{{"set", "k", "v"}}, {"touch", "k"}, 0, false},
      {{{"set", "k", "v"}}, {"object", "encoding", "k"}, 0, false},
  };
  for (const Case& c : cases) {
    Run({"select", "0"});
    Run({"flushall"});
    for (const auto& setup : c.setup) Run(setup);
    Run({"select", StrCat(c.watch_db)});
    ASSERT_EQ(Run({"watch", "k"}), kOk);
    ClientState other;
    std::vector<std::string_view> write(c.write.begin(), c.write.end());
    CommandArgs args;
    args.Assign(write);
    ReplyBuffer out;
    RespWriter writer(&out);
    CommandContext ctx{store_, server_, other, writer, args, now_ms_};
    CommandTable::Get().Dispatch(ctx);
    ASSERT_EQ(Run({"multi"}), kOk);
    ASSERT_EQ(Run({"ping"}), Simple("QUEUED"));
    EXPECT_EQ(Run({"exec"}), c.modifies ? "*-1\r\n" : "*1\r\n+PONG\r\n")
        << Join(c.write, " ") << " watched in db " << c.watch_db;
  }
}

}  // namespace
}  // namespace valkdb::testing_util
