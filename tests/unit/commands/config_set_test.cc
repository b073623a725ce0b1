// CONFIG SET, RESETSTAT, REWRITE and HELP through the real dispatcher. The
// expectations of the generated part are the exact replies a real Redis
// 7.0.15 gave to the same commands; the hand-written part checks CONFIG
// REWRITE's file, which it shapes the way Redis does.

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "gmock/gmock.h"
#include "protocol/str_util.h"
#include "tests/unit/commands/command_fixture.h"

namespace valkdb::testing_util {
namespace {

using namespace std::string_literals;       // NOLINT: expected replies with NUL bytes
using namespace std::string_view_literals;  // NOLINT

class ConfigSetTest : public CommandTest {
 protected:
  // Loads `text` as the config file the server started with.
  void StartWithConfigFile(const std::string& text) {
    path_ = StrCat(::testing::TempDir(), "/config_set_test_", ::getpid(), "_",
                   ::testing::UnitTest::GetInstance()->current_test_info()->name(), ".conf");
    std::ofstream(path_) << text;
    ASSERT_TRUE(config_.LoadFile(path_).ok());
    server_.config_file = path_;
  }
  std::string FileText() const {
    std::ifstream file(path_);
    std::stringstream text;
    text << file.rdbuf();
    return text.str();
  }
  void TearDown() override {
    if (!path_.empty()) std::remove(path_.c_str());
  }
  std::string path_;
};

// ---------------------------------------------------------------- from Redis

TEST_F(ConfigSetTest, ConfigSetArity) {
  EXPECT_EQ(Run({"config", "set"}),
            "-ERR wrong number of arguments for 'config|set' command\r\n");  // step 0
  EXPECT_EQ(Run({"config", "set", "a"}),
            "-ERR wrong number of arguments for 'config|set' command\r\n");  // step 1
  EXPECT_EQ(Run({"config", "set", "a", "b", "c"}),
            "-ERR syntax error\r\n");  // step 2
  EXPECT_EQ(Run({"config", "set", "a", "b", "c", "d", "e"}),
            "-ERR syntax error\r\n");  // step 3
}

TEST_F(ConfigSetTest, ConfigSetUnknown) {
  EXPECT_EQ(Run({"config", "set", "foo", "bar"}),
            "-ERR Unknown option or number of arguments for CONFIG SET - 'foo'\r\n");  // step 0
  EXPECT_EQ(Run({"config", "set", "maxmemory", "10", "foo", "bar"}),
            "-ERR Unknown option or number of arguments for CONFIG SET - 'foo'\r\n");  // step 1
  EXPECT_EQ(Run({"config", "set", "foo", "bar", "maxmemory", "10"}),
            "-ERR Unknown option or number of arguments for CONFIG SET - 'foo'\r\n");  // step 2
  EXPECT_EQ(Run({"config", "set", "", "x"}),
            "-ERR Unknown option or number of arguments for CONFIG SET - ''\r\n");  // step 3
  EXPECT_EQ(Run({"config", "set", "foo", "bar", "baz", "qux"}),
            "-ERR Unknown option or number of arguments for CONFIG SET - 'foo'\r\n");  // step 4
  EXPECT_EQ(Run({"config", "get", "maxmemory"}),
            "*2\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n");  // step 5
}

TEST_F(ConfigSetTest, ConfigSetDuplicates) {
  EXPECT_EQ(Run({"config", "set", "maxmemory", "10", "maxmemory", "20"}),
            "-ERR CONFIG SET failed (possibly related to argument 'maxmemory') - duplicate pa"
            "rameter\r\n");  // step 0
  EXPECT_EQ(Run({"config", "set", "maxmemory", "10", "MAXMEMORY", "20"}),
            "-ERR CONFIG SET failed (possibly related to argument 'MAXMEMORY') - duplicate pa"
            "rameter\r\n");  // step 1
  EXPECT_EQ(
      Run({"config", "set", "hash-max-ziplist-entries", "1", "hash-max-listpack-entries", "2"}),
      "+OK\r\n");  // step 2
  EXPECT_EQ(Run({"config", "get", "hash-max-listpack-entries"}),
            "*2\r\n$25\r\nhash-max-listpack-entries\r\n$1\r\n2\r\n");  // step 3
  EXPECT_EQ(Run({"config", "get", "hash-max-ziplist-entries"}),
            "*2\r\n$24\r\nhash-max-ziplist-entries\r\n$1\r\n2\r\n");  // step 4
  EXPECT_EQ(
      Run({"config", "set", "hash-max-ziplist-entries", "1", "hash-max-ziplist-entries", "2"}),
      "-ERR CONFIG SET failed (possibly related to argument 'hash-max-ziplist-entries')"
      " - duplicate parameter\r\n");  // step 5
  EXPECT_EQ(Run({"config", "get", "maxmemory"}),
            "*2\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n");  // step 6
}

TEST_F(ConfigSetTest, ConfigSetImmutable) {
  EXPECT_EQ(Run({"config", "set", "databases", "5"}),
            "-ERR CONFIG SET failed (possibly related to argument 'databases') - can't set im"
            "mutable config\r\n");  // step 0
  EXPECT_EQ(Run({"config", "set", "databases", "5", "databases", "6"}),
            "-ERR CONFIG SET failed (possibly related to argument 'databases') - can't set im"
            "mutable config\r\n");  // step 1
  EXPECT_EQ(Run({"config", "set", "daemonize", "yes"}),
            "-ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set im"
            "mutable config\r\n");  // step 2
  EXPECT_EQ(Run({"config", "set", "daemonize", "yes", "foo", "bar"}),
            "-ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set im"
            "mutable config\r\n");  // step 3
  EXPECT_EQ(Run({"config", "set", "foo", "bar", "daemonize", "yes"}),
            "-ERR Unknown option or number of arguments for CONFIG SET - 'foo'\r\n");  // step 4
  EXPECT_EQ(Run({"config", "set", "maxmemory", "10", "daemonize", "yes"}),
            "-ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set im"
            "mutable config\r\n");  // step 5
  EXPECT_EQ(Run({"config", "set", "supervised", "no"}),
            "-ERR CONFIG SET failed (possibly related to argument 'supervised') - can't set i"
            "mmutable config\r\n");  // step 6
  EXPECT_EQ(Run({"config", "set", "appendfilename", "x"}),
            "-ERR CONFIG SET failed (possibly related to argument 'appendfilename') - can't s"
            "et immutable config\r\n");  // step 7
  EXPECT_EQ(Run({"config", "set", "io-threads", "4"}),
            "-ERR CONFIG SET failed (possibly related to argument 'io-threads') - can't set i"
            "mmutable config\r\n");  // step 8
  EXPECT_EQ(Run({"config", "set", "tcp-backlog", "10"}),
            "-ERR CONFIG SET failed (possibly related to argument 'tcp-backlog') - can't set "
            "immutable config\r\n");  // step 9
  EXPECT_EQ(Run({"config", "get", "maxmemory"}),
            "*2\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n");  // step 10
}

TEST_F(ConfigSetTest, ConfigSetProtected) {
  EXPECT_EQ(Run({"config", "set", "dir", "/tmp"}),
            "-ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protecte"
            "d config\r\n");  // step 0
  EXPECT_EQ(Run({"config", "set", "dbfilename", "x.rdb"}),
            "-ERR CONFIG SET failed (possibly related to argument 'dbfilename') - can't set p"
            "rotected config\r\n");  // step 1
}

TEST_F(ConfigSetTest, ConfigSetMemory) {
  EXPECT_EQ(Run({"config", "set", "maxmemory", "abc"}),
            "-ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument mus"
            "t be a memory value\r\n");  // step 0
  EXPECT_EQ(Run({"config", "set", "maxmemory", "-1"}),
            "-ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument mus"
            "t be a memory value\r\n");  // step 1
  EXPECT_EQ(Run({"config", "set", "maxmemory", "1.5"}),
            "-ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument mus"
            "t be a memory value\r\n");  // step 2
  EXPECT_EQ(Run({"config", "set", "maxmemory", "10gb"}),
            "+OK\r\n");  // step 3
  EXPECT_EQ(Run({"config", "get", "maxmemory"}),
            "*2\r\n$9\r\nmaxmemory\r\n$11\r\n10737418240\r\n");  // step 4
  EXPECT_EQ(Run({"config", "set", "maxmemory", "1k"}),
            "+OK\r\n");  // step 5
  EXPECT_EQ(Run({"config", "get", "maxmemory"}),
            "*2\r\n$9\r\nmaxmemory\r\n$4\r\n1000\r\n");  // step 6
  EXPECT_EQ(Run({"config", "set", "maxmemory", ""}),
            "+OK\r\n");  // step 7
  EXPECT_EQ(Run({"config", "get", "maxmemory"}),
            "*2\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n");  // step 8
  EXPECT_EQ(Run({"config", "set", "maxmemory", "kb"}),
            "+OK\r\n");  // step 9
  EXPECT_EQ(Run({"config", "get", "maxmemory"}),
            "*2\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n");  // step 10
  EXPECT_EQ(Run({"config", "set", "maxmemory", "5MB"}),
            "+OK\r\n");  // step 11
  EXPECT_EQ(Run({"config", "get", "maxmemory"}),
            "*2\r\n$9\r\nmaxmemory\r\n$7\r\n5242880\r\n");  // step 12
  EXPECT_EQ(Run({"config", "set", "maxmemory", "5", "mb"}),
            "-ERR syntax error\r\n");  // step 13
  EXPECT_EQ(Run({"config", "set", "maxmemory", "+5"}),
            "-ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument mus"
            "t be a memory value\r\n");  // step 14
  EXPECT_EQ(Run({"config", "set", "maxmemory", "3B"}),
            "+OK\r\n");  // step 15
  EXPECT_EQ(Run({"config", "get", "maxmemory"}),
            "*2\r\n$9\r\nmaxmemory\r\n$1\r\n3\r\n");  // step 16
  EXPECT_EQ(Run({"config", "set", "maxmemory", "2G"}),
            "+OK\r\n");  // step 17
  EXPECT_EQ(Run({"config", "get", "maxmemory"}),
            "*2\r\n$9\r\nmaxmemory\r\n$10\r\n2000000000\r\n");  // step 18
  EXPECT_EQ(Run({"config", "set", "maxmemory", "7m"}),
            "+OK\r\n");  // step 19
  EXPECT_EQ(Run({"config", "get", "maxmemory"}),
            "*2\r\n$9\r\nmaxmemory\r\n$7\r\n7000000\r\n");  // step 20
  EXPECT_EQ(Run({"config", "set", "maxmemory", "0"}),
            "+OK\r\n");  // step 21
}

TEST_F(ConfigSetTest, ConfigSetEnumsAndBools) {
  EXPECT_EQ(Run({"config", "set", "maxmemory-policy", "foo"}),
            "-ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy') - argum"
            "ent(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random"
            ", volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction\r\n");  // step 0
  EXPECT_EQ(Run({"config", "set", "maxmemory-policy", "ALLKEYS-LFU"}),
            "+OK\r\n");  // step 1
  EXPECT_EQ(Run({"config", "get", "maxmemory-policy"}),
            "*2\r\n$16\r\nmaxmemory-policy\r\n$11\r\nallkeys-lfu\r\n");  // step 2
  EXPECT_EQ(Run({"config", "set", "maxmemory-policy", "allkeys-lru noeviction"}),
            "-ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy') - argum"
            "ent(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random"
            ", volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction\r\n");  // step 3
  EXPECT_EQ(Run({"config", "set", "maxmemory-policy", "noeviction"}),
            "+OK\r\n");  // step 4
  EXPECT_EQ(Run({"config", "set", "loglevel", "foo"}),
            "-ERR CONFIG SET failed (possibly related to argument 'loglevel') - argument(s) m"
            "ust be one of the following: debug, verbose, notice, warning\r\n");  // step 5
  EXPECT_EQ(Run({"config", "set", "loglevel", "WARNING"}),
            "+OK\r\n");  // step 6
  EXPECT_EQ(Run({"config", "get", "loglevel"}),
            "*2\r\n$8\r\nloglevel\r\n$7\r\nwarning\r\n");  // step 7
  EXPECT_EQ(Run({"config", "set", "loglevel", "notice"}),
            "+OK\r\n");  // step 8
  EXPECT_EQ(Run({"config", "set", "appendfsync", "foo"}),
            "-ERR CONFIG SET failed (possibly related to argument 'appendfsync') - argument(s"
            ") must be one of the following: everysec, always, no\r\n");  // step 9
  EXPECT_EQ(Run({"config", "set", "oom-score-adj", "relative"}),
            "+OK\r\n");  // step 10
  EXPECT_EQ(Run({"config", "get", "oom-score-adj"}),
            "*2\r\n$13\r\noom-score-adj\r\n$3\r\nyes\r\n");  // step 11
  EXPECT_EQ(Run({"config", "set", "oom-score-adj", "no"}),
            "+OK\r\n");  // step 12
  EXPECT_EQ(Run({"config", "set", "appendonly", "maybe"}),
            "-ERR CONFIG SET failed (possibly related to argument 'appendonly') - argument mu"
            "st be 'yes' or 'no'\r\n");  // step 13
  EXPECT_EQ(Run({"config", "set", "appendonly", "1"}),
            "-ERR CONFIG SET failed (possibly related to argument 'appendonly') - argument mu"
            "st be 'yes' or 'no'\r\n");  // step 14
  EXPECT_EQ(Run({"config", "set", "lazyfree-lazy-user-del", "YES"}),
            "+OK\r\n");  // step 15
  EXPECT_EQ(Run({"config", "get", "lazyfree-lazy-user-del"}),
            "*2\r\n$22\r\nlazyfree-lazy-user-del\r\n$3\r\nyes\r\n");  // step 16
  EXPECT_EQ(Run({"config", "set", "lazyfree-lazy-user-del", "no"}),
            "+OK\r\n");  // step 17
  EXPECT_EQ(Run({"config", "set", "protected-mode", "no"}),
            "+OK\r\n");  // step 18
  EXPECT_EQ(Run({"config", "get", "protected-mode"}),
            "*2\r\n$14\r\nprotected-mode\r\n$2\r\nno\r\n");  // step 19
  EXPECT_EQ(Run({"config", "set", "protected-mode", "yes"}),
            "+OK\r\n");  // step 20
}

TEST_F(ConfigSetTest, ConfigSetIntegers) {
  EXPECT_EQ(Run({"config", "set", "hz", "abc"}),
            "-ERR CONFIG SET failed (possibly related to argument 'hz') - argument couldn't b"
            "e parsed into an integer\r\n");  // step 0
  EXPECT_EQ(Run({"config", "set", "HZ", "abc"}),
            "-ERR CONFIG SET failed (possibly related to argument 'hz') - argument couldn't b"
            "e parsed into an integer\r\n");  // step 1
  EXPECT_EQ(Run({"config", "set", "hz", "0"}),
            "+OK\r\n");  // step 2
  EXPECT_EQ(Run({"config", "get", "hz"}),
            "*2\r\n$2\r\nhz\r\n$1\r\n1\r\n");  // step 3
  EXPECT_EQ(Run({"config", "set", "hz", "100000"}),
            "+OK\r\n");  // step 4
  EXPECT_EQ(Run({"config", "get", "hz"}),
            "*2\r\n$2\r\nhz\r\n$3\r\n500\r\n");  // step 5
  EXPECT_EQ(Run({"config", "set", "hz", "10"}),
            "+OK\r\n");  // step 6
  EXPECT_EQ(Run({"config", "set", "maxclients", "0"}),
            "-ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument mu"
            "st be between 1 and 4294967295 inclusive\r\n");  // step 7
  EXPECT_EQ(Run({"config", "set", "maxclients", "-5"}),
            "-ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument mu"
            "st be between 1 and 4294967295 inclusive\r\n");  // step 8
  EXPECT_EQ(Run({"config", "set", "maxclients", "1.5"}),
            "-ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument co"
            "uldn't be parsed into an integer\r\n");  // step 9
  EXPECT_EQ(Run({"config", "set", "timeout", "-1"}),
            "-ERR CONFIG SET failed (possibly related to argument 'timeout') - argument must "
            "be between 0 and 2147483647 inclusive\r\n");  // step 10
  EXPECT_EQ(Run({"config", "set", "timeout", "2147483648"}),
            "-ERR CONFIG SET failed (possibly related to argument 'timeout') - argument must "
            "be between 0 and 2147483647 inclusive\r\n");  // step 11
  EXPECT_EQ(Run({"config", "set", "slowlog-log-slower-than", "-5"}),
            "-ERR CONFIG SET failed (possibly related to argument 'slowlog-log-slower-than') "
            "- argument must be between -1 and 9223372036854775807 inclusive\r\n");  // step 12
  EXPECT_EQ(Run({"config", "set", "slowlog-log-slower-than", "-1"}),
            "+OK\r\n");  // step 13
  EXPECT_EQ(Run({"config", "set", "slowlog-log-slower-than", "10000"}),
            "+OK\r\n");  // step 14
  EXPECT_EQ(Run({"config", "set", "active-defrag-cycle-min", "0"}),
            "-ERR CONFIG SET failed (possibly related to argument 'active-defrag-cycle-min') "
            "- argument must be between 1 and 99 inclusive\r\n");  // step 15
  EXPECT_EQ(Run({"config", "set", "maxmemory-eviction-tenacity", "101"}),
            "-ERR CONFIG SET failed (possibly related to argument 'maxmemory-eviction-tenacit"
            "y') - argument must be between 0 and 100 inclusive\r\n");  // step 16
  EXPECT_EQ(Run({"config", "set", "active-expire-effort", "11"}),
            "-ERR CONFIG SET failed (possibly related to argument 'active-expire-effort') - a"
            "rgument must be between 1 and 10 inclusive\r\n");  // step 17
  EXPECT_EQ(Run({"config", "set", "list-max-ziplist-size", "-10"}),
            "+OK\r\n");  // step 18
  EXPECT_EQ(Run({"config", "get", "list-max-listpack-size"}),
            "*2\r\n$22\r\nlist-max-listpack-size\r\n$3\r\n-10\r\n");  // step 19
  EXPECT_EQ(Run({"config", "set", "list-max-ziplist-size", "-2"}),
            "+OK\r\n");  // step 20
  EXPECT_EQ(Run({"config", "set", "hash-max-ziplist-entries", "abc"}),
            "-ERR CONFIG SET failed (possibly related to argument 'hash-max-ziplist-entries')"
            " - argument couldn't be parsed into an integer\r\n");  // step 21
  EXPECT_EQ(Run({"config", "set", "hash-max-ziplist-entries", "-1"}),
            "-ERR CONFIG SET failed (possibly related to argument 'hash-max-ziplist-entries')"
            " - argument must be between 0 and 9223372036854775807 inclusive\r\n");  // step 22
  EXPECT_EQ(Run({"config", "set", "lua-time-limit", "abc"}),
            "-ERR CONFIG SET failed (possibly related to argument 'lua-time-limit') - argumen"
            "t couldn't be parsed into an integer\r\n");  // step 23
  EXPECT_EQ(Run({"config", "set", "busy-reply-threshold", "100", "lua-time-limit", "200"}),
            "+OK\r\n");  // step 24
  EXPECT_EQ(Run({"config", "get", "busy-reply-threshold"}),
            "*2\r\n$20\r\nbusy-reply-threshold\r\n$3\r\n200\r\n");  // step 25
  EXPECT_EQ(Run({"config", "set", "busy-reply-threshold", "5000"}),
            "+OK\r\n");  // step 26
  EXPECT_EQ(Run({"config", "set", "hash-max-listpack-value", "1kb"}),
            "+OK\r\n");  // step 27
  EXPECT_EQ(Run({"config", "get", "hash-max-listpack-value"}),
            "*2\r\n$23\r\nhash-max-listpack-value\r\n$4\r\n1024\r\n");  // step 28
  EXPECT_EQ(Run({"config", "set", "hash-max-listpack-value", "64"}),
            "+OK\r\n");  // step 29
  EXPECT_EQ(Run({"config", "set", "proto-max-bulk-len", "10"}),
            "-ERR CONFIG SET failed (possibly related to argument 'proto-max-bulk-len') - arg"
            "ument must be between 1048576 and 9223372036854775807 inclusive\r\n");  // step 30
  EXPECT_EQ(Run({"config", "set", "proto-max-bulk-len", "1mb"}),
            "+OK\r\n");  // step 31
  EXPECT_EQ(Run({"config", "get", "proto-max-bulk-len"}),
            "*2\r\n$18\r\nproto-max-bulk-len\r\n$7\r\n1048576\r\n");  // step 32
  EXPECT_EQ(Run({"config", "set", "proto-max-bulk-len", "512mb"}),
            "+OK\r\n");  // step 33
}

// Redis's parsing and errors; a limit valkdb cannot honour (client eviction)
// is refused, naming it, and the setting stays 0 (no silent settings).
TEST_F(ConfigSetTest, ConfigSetMaxmemoryClients) {
  EXPECT_EQ(Run({"config", "set", "maxmemory-clients", "10%"}),
            "-ERR CONFIG SET failed (possibly related to argument 'maxmemory-clients') - valkdb "
            "cannot honour 'maxmemory-clients 10%': client eviction by memory is not "
            "implemented\r\n");
  EXPECT_EQ(Run({"config", "get", "maxmemory-clients"}),
            "*2\r\n$17\r\nmaxmemory-clients\r\n$1\r\n0\r\n");
  EXPECT_EQ(Run({"config", "set", "maxmemory-clients", "101%"}),
            "-ERR CONFIG SET failed (possibly related to argument 'maxmemory-clients') - perc"
            "entage argument must be less or equal to 100\r\n");  // step 2
  EXPECT_EQ(Run({"config", "set", "maxmemory-clients", "-1%"}),
            "-ERR CONFIG SET failed (possibly related to argument 'maxmemory-clients') - argu"
            "ment must be a memory or percent value\r\n");  // step 3
  EXPECT_EQ(Run({"config", "set", "maxmemory-clients", "abc"}),
            "-ERR CONFIG SET failed (possibly related to argument 'maxmemory-clients') - argu"
            "ment must be a memory or percent value\r\n");  // step 4
  EXPECT_THAT(Run({"config", "set", "maxmemory-clients", "1mb"}),
              ::testing::HasSubstr("valkdb cannot honour 'maxmemory-clients 1048576'"));
  EXPECT_EQ(Run({"config", "get", "maxmemory-clients"}),
            "*2\r\n$17\r\nmaxmemory-clients\r\n$1\r\n0\r\n");
  EXPECT_EQ(Run({"config", "set", "maxmemory-clients", "0"}),
            "+OK\r\n");  // step 7
}

TEST_F(ConfigSetTest, ConfigSetAllOrNothing) {
  EXPECT_EQ(Run({"config", "set", "maxmemory", "10", "hz", "abc"}),
            "-ERR CONFIG SET failed (possibly related to argument 'hz') - argument couldn't b"
            "e parsed into an integer\r\n");  // step 0
  EXPECT_EQ(Run({"config", "get", "maxmemory"}),
            "*2\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n");  // step 1
  EXPECT_EQ(Run({"config", "set", "hz", "abc", "maxmemory", "10"}),
            "-ERR CONFIG SET failed (possibly related to argument 'hz') - argument couldn't b"
            "e parsed into an integer\r\n");  // step 2
  EXPECT_EQ(Run({"config", "set", "maxmemory", "1", "maxmemory-policy", "allkeys-lru", "hz", "x"}),
            "-ERR CONFIG SET failed (possibly related to argument 'hz') - argument couldn't b"
            "e parsed into an integer\r\n");  // step 3
  EXPECT_EQ(Run({"config", "get", "maxmemory-policy"}),
            "*2\r\n$16\r\nmaxmemory-policy\r\n$10\r\nnoeviction\r\n");  // step 4
  EXPECT_EQ(Run({"config", "set", "maxmemory", "2mb", "hz", "20"}),
            "+OK\r\n");  // step 5
  EXPECT_EQ(Run({"config", "get", "maxmemory"}),
            "*2\r\n$9\r\nmaxmemory\r\n$7\r\n2097152\r\n");  // step 6
  EXPECT_EQ(Run({"config", "get", "hz"}),
            "*2\r\n$2\r\nhz\r\n$2\r\n20\r\n");  // step 7
  EXPECT_EQ(Run({"config", "set", "maxmemory", "0", "hz", "10"}),
            "+OK\r\n");  // step 8
}

TEST_F(ConfigSetTest, ConfigSetSave) {
  EXPECT_EQ(Run({"config", "set", "save", "a b"}),
            "-ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save para"
            "meters\r\n");  // step 0
  EXPECT_EQ(Run({"config", "set", "save", "100"}),
            "-ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save para"
            "meters\r\n");  // step 1
  EXPECT_EQ(Run({"config", "set", "save", "100 10 5 a"}),
            "-ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save para"
            "meters\r\n");  // step 2
  EXPECT_EQ(Run({"config", "set", "save", "100 10 5 1"}),
            "+OK\r\n");  // step 3
  EXPECT_EQ(Run({"config", "get", "save"}),
            "*2\r\n$4\r\nsave\r\n$10\r\n100 10 5 1\r\n");  // step 4
  EXPECT_EQ(Run({"config", "set", "save", "0 10"}),
            "-ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save para"
            "meters\r\n");  // step 5
  EXPECT_EQ(Run({"config", "set", "save", "10 -1"}),
            "-ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save para"
            "meters\r\n");  // step 6
  EXPECT_EQ(Run({"config", "set", "save", "100  10"}),
            "-ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save para"
            "meters\r\n");  // step 7
  EXPECT_EQ(Run({"config", "set", "save", "3600 1 300 100 60 10000"}),
            "+OK\r\n");  // step 8
  EXPECT_EQ(Run({"config", "get", "save"}),
            "*2\r\n$4\r\nsave\r\n$23\r\n3600 1 300 100 60 10000\r\n");  // step 9
  EXPECT_EQ(Run({"config", "set", "save", ""}),
            "+OK\r\n");  // step 10
  EXPECT_EQ(Run({"config", "get", "save"}),
            "*2\r\n$4\r\nsave\r\n$0\r\n\r\n");  // step 11
}

TEST_F(ConfigSetTest, ConfigSetClientOutputBufferLimit) {
  EXPECT_EQ(Run({"config", "set", "client-output-buffer-limit", "foo"}),
            "-ERR CONFIG SET failed (possibly related to argument 'client-output-buffer-limit"
            "') - Wrong number of arguments in buffer limit configuration.\r\n");  // step 0
  EXPECT_EQ(Run({"config", "set", "client-output-buffer-limit", "foo 1 2 3"}),
            "-ERR CONFIG SET failed (possibly related to argument 'client-output-buffer-limit"
            "') - Invalid client class specified in buffer limit configuration.\r\n");  // step 1
  EXPECT_EQ(Run({"config", "set", "client-output-buffer-limit", "pubsub a 2 3"}),
            "-ERR CONFIG SET failed (possibly related to argument 'client-output-buffer-limit"
            "') - Error in hard, soft or soft_seconds setting in buffer limit configuration.\r"
            "\n");  // step 2
  EXPECT_EQ(Run({"config", "set", "client-output-buffer-limit", "pubsub 1 2 -3"}),
            "-ERR CONFIG SET failed (possibly related to argument 'client-output-buffer-limit"
            "') - Error in hard, soft or soft_seconds setting in buffer limit configuration.\r"
            "\n");  // step 3
  EXPECT_EQ(Run({"config", "set", "client-output-buffer-limit", "pubsub 1 2 3x"}),
            "-ERR CONFIG SET failed (possibly related to argument 'client-output-buffer-limit"
            "') - Error in hard, soft or soft_seconds setting in buffer limit configuration.\r"
            "\n");  // step 4
  EXPECT_EQ(Run({"config", "set", "client-output-buffer-limit", "master 1 2 3"}),
            "-ERR CONFIG SET failed (possibly related to argument 'client-output-buffer-limit"
            "') - Invalid client class specified in buffer limit configuration.\r\n");  // step 5
  EXPECT_EQ(Run({"config", "set", "client-output-buffer-limit", "pubsub 64mb 16mb 90"}),
            "+OK\r\n");  // step 6
  EXPECT_EQ(Run({"config", "get", "client-output-buffer-limit"}),
            "*2\r\n$26\r\nclient-output-buffer-limit\r\n$68\r\nnormal 0 0 0 slave 268435456 6"
            "7108864 60 pubsub 67108864 16777216 90\r\n");  // step 7
  EXPECT_EQ(Run({"config", "set", "client-output-buffer-limit", "replica 1kb 2k 3 normal 1 2 3"}),
            "+OK\r\n");  // step 8
  EXPECT_EQ(Run({"config", "get", "client-output-buffer-limit"}),
            "*2\r\n$26\r\nclient-output-buffer-limit\r\n$58\r\nnormal 1 2 3 slave 1024 2000 3"
            " pubsub 67108864 16777216 90\r\n");  // step 9
  EXPECT_EQ(Run({"config", "set", "client-output-buffer-limit", ""}),
            "+OK\r\n");  // step 10
  EXPECT_EQ(Run({"config", "get", "client-output-buffer-limit"}),
            "*2\r\n$26\r\nclient-output-buffer-limit\r\n$58\r\nnormal 1 2 3 slave 1024 2000 3"
            " pubsub 67108864 16777216 90\r\n");  // step 11
  EXPECT_EQ(Run({"config", "set", "client-output-buffer-limit",
                 "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"}),
            "+OK\r\n");  // step 12
}

TEST_F(ConfigSetTest, ConfigSetNotifyKeyspaceEvents) {
  EXPECT_EQ(Run({"config", "set", "notify-keyspace-events", "Q"}),
            "-ERR CONFIG SET failed (possibly related to argument 'notify-keyspace-events') -"
            " Invalid event class character. Use 'Ag$lshzxeKEtmdn'.\r\n");  // step 0
  EXPECT_EQ(Run({"config", "set", "notify-keyspace-events", "KEA"}),
            "+OK\r\n");  // step 1
  EXPECT_EQ(Run({"config", "get", "notify-keyspace-events"}),
            "*2\r\n$22\r\nnotify-keyspace-events\r\n$3\r\nAKE\r\n");  // step 2
  EXPECT_EQ(Run({"config", "set", "notify-keyspace-events", "Kg$lshzxet"}),
            "+OK\r\n");  // step 3
  EXPECT_EQ(Run({"config", "get", "notify-keyspace-events"}),
            "*2\r\n$22\r\nnotify-keyspace-events\r\n$10\r\ng$lshzxetK\r\n");  // step 4
  EXPECT_EQ(Run({"config", "set", "notify-keyspace-events", "gKEmn"}),
            "+OK\r\n");  // step 5
  EXPECT_EQ(Run({"config", "get", "notify-keyspace-events"}),
            "*2\r\n$22\r\nnotify-keyspace-events\r\n$5\r\ngnKEm\r\n");  // step 6
  EXPECT_EQ(Run({"config", "set", "notify-keyspace-events", "Ex"}),
            "+OK\r\n");  // step 7
  EXPECT_EQ(Run({"config", "get", "notify-keyspace-events"}),
            "*2\r\n$22\r\nnotify-keyspace-events\r\n$2\r\nxE\r\n");  // step 8
  EXPECT_EQ(Run({"config", "set", "notify-keyspace-events", "K\000Q"sv}),
            "+OK\r\n");  // step 9
  EXPECT_EQ(Run({"config", "get", "notify-keyspace-events"}),
            "*2\r\n$22\r\nnotify-keyspace-events\r\n$1\r\nK\r\n");  // step 10
  EXPECT_EQ(Run({"config", "set", "notify-keyspace-events", ""}),
            "+OK\r\n");  // step 11
  EXPECT_EQ(Run({"config", "get", "notify-keyspace-events"}),
            "*2\r\n$22\r\nnotify-keyspace-events\r\n$0\r\n\r\n");  // step 12
}

TEST_F(ConfigSetTest, ConfigSetStrings) {
  EXPECT_EQ(Run({"config", "set", "requirepass", ""}),
            "+OK\r\n");  // step 0
  EXPECT_EQ(Run({"config", "get", "requirepass"}),
            "*2\r\n$11\r\nrequirepass\r\n$0\r\n\r\n");  // step 1
  EXPECT_EQ(Run({"config", "set", "proc-title-template", "{title} x"}),
            "+OK\r\n");  // step 2
  EXPECT_EQ(Run({"config", "get", "proc-title-template"}),
            "*2\r\n$19\r\nproc-title-template\r\n$9\r\n{title} x\r\n");  // step 3
  EXPECT_EQ(Run({"config", "set", "proc-title-template", "{title} {listen-addr} {server-mode}"}),
            "+OK\r\n");  // step 4
  EXPECT_EQ(Run({"config", "set", "ignore-warnings", ""}),
            "+OK\r\n");  // step 5
}

TEST_F(ConfigSetTest, ConfigGetPatterns) {
  EXPECT_EQ(Run({"config", "get", "nosuch"}),
            "*0\r\n");  // step 0
  EXPECT_EQ(Run({"config", "get", "nosuch*"}),
            "*0\r\n");  // step 1
  EXPECT_EQ(Run({"config", "get", "lua-time-limit"}),
            "*2\r\n$14\r\nlua-time-limit\r\n$4\r\n5000\r\n");  // step 2
  EXPECT_EQ(Run({"config", "get", "hash-max-ziplist-value"}),
            "*2\r\n$22\r\nhash-max-ziplist-value\r\n$2\r\n64\r\n");  // step 3
  EXPECT_EQ(Run({"config", "get", "maxmemory", "maxmemory"}),
            "*2\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n");  // step 4
  EXPECT_EQ(Run({"config", "get", "ma?memory"}),
            "*2\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n");  // step 5
  EXPECT_EQ(Run({"config", "get", "[m]axmemory"}),
            "*2\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n");  // step 6
  EXPECT_EQ(Run({"config", "get", "MAXMEMORY"}),
            "*2\r\n$9\r\nMAXMEMORY\r\n$1\r\n0\r\n");  // step 7
  EXPECT_EQ(Run({"config", "get", "MAXMEMORY", "maxmemory"}),
            "*2\r\n$9\r\nMAXMEMORY\r\n$1\r\n0\r\n");  // step 8
  EXPECT_EQ(Run({"config", "get"}),
            "-ERR wrong number of arguments for 'config|get' command\r\n");  // step 14
}

TEST_F(ConfigSetTest, ConfigResetStatAndHelp) {
  EXPECT_EQ(Run({"config", "help"}),
            "*11\r\n+CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+GET "
            "<pattern>\r\n+    Return parameters matching the glob-like <pattern> and their v"
            "alues.\r\n+SET <directive> <value>\r\n+    Set the configuration <directive> to "
            "<value>.\r\n+RESETSTAT\r\n+    Reset statistics reported by the INFO command.\r\n"
            "+REWRITE\r\n+    Rewrite the configuration file.\r\n+HELP\r\n+    Prints this he"
            "lp.\r\n");  // step 0
  EXPECT_EQ(Run({"config", "help", "x"}),
            "-ERR wrong number of arguments for 'config|help' command\r\n");  // step 1
  EXPECT_EQ(Run({"config", "resetstat"}),
            "+OK\r\n");  // step 2
  EXPECT_EQ(Run({"config", "resetstat", "x"}),
            "-ERR wrong number of arguments for 'config|resetstat' command\r\n");  // step 3
  EXPECT_EQ(Run({"config", "rewrite", "x"}),
            "-ERR wrong number of arguments for 'config|rewrite' command\r\n");  // step 4
  EXPECT_EQ(Run({"config"}),
            "-ERR wrong number of arguments for 'config' command\r\n");  // step 5
  EXPECT_EQ(Run({"config", "foo"}),
            "-ERR unknown subcommand 'foo'. Try CONFIG HELP.\r\n");  // step 6
}

// ---------------------------------------------------------------- CONFIG REWRITE

TEST_F(ConfigSetTest, RewriteWithoutAConfigFile) {
  EXPECT_EQ(Run({"config", "rewrite"}), Err("The server is running without a config file"));
}

// What Redis 7.0.15 wrote for the same file and the same CONFIG SETs
// (apart from the lines for settings valkdb does not have, and its `dir`).
TEST_F(ConfigSetTest, RewriteKeepsCommentsReplacesValuesAndAppendsTheRest) {
  StartWithConfigFile(
      "# test config\n"
      "port 7792\n"
      "save \"\"\n"
      "\n"
      "hash-max-ziplist-entries 100\n"
      "maxmemory 5mb\n"
      "  loglevel   notice  \n"
      "requirepass \"a b\"\n"
      "save 100 10\n"
      "client-output-buffer-limit pubsub 32mb 8mb 60\n");
  EXPECT_EQ(Run({"config", "set", "maxmemory", "10mb", "hz", "20"}), kOk);
  EXPECT_EQ(Run({"config", "set", "notify-keyspace-events", "KEA"}), kOk);
  EXPECT_EQ(Run({"config", "set", "client-output-buffer-limit", "normal 1mb 0 0"}), kOk);
  EXPECT_EQ(Run({"config", "set", "slowlog-max-len", "200", "appendfsync", "always"}), kOk);
  EXPECT_EQ(Run({"config", "set", "proc-title-template", "{title} x"}), kOk);
  EXPECT_EQ(Run({"config", "rewrite"}), kOk);
  const std::string dir = config_.GetString("dir");
  EXPECT_EQ(FileText(),
            "# test config\n"
            "port 7792\n"
            "save 100 10\n"
            "\n"
            "hash-max-listpack-entries 100\n"
            "maxmemory 10mb\n"
            "loglevel notice\n"
            "requirepass \"a b\"\n"
            "\n"
            "client-output-buffer-limit normal 1mb 0 0\n"
            "\n"
            "# Generated by CONFIG REWRITE\n"
            "hz 20\n"
            "appendfsync always\n"
            "dir \"" +
                dir +
                "\"\n"
                "notify-keyspace-events \"AKE\"\n"
                "slowlog-max-len 200\n"
                "proc-title-template \"{title} x\"\n");
  // A second rewrite rewrites in place, defaults included, and appends nothing new.
  EXPECT_EQ(Run({"config", "set", "hz", "10", "maxmemory", "5mb"}), kOk);
  EXPECT_EQ(Run({"config", "rewrite"}), kOk);
  const std::string second = FileText();
  EXPECT_NE(second.find("\nhz 10\n"), std::string::npos) << second;
  EXPECT_NE(second.find("\nmaxmemory 5mb\n"), std::string::npos) << second;
  EXPECT_EQ(second.find("# Generated by CONFIG REWRITE"),
            second.rfind("# Generated by CONFIG REWRITE"));
  // The file loads back to the same settings.
  Config reloaded;
  ASSERT_TRUE(reloaded.LoadFile(path_).ok());
  for (const char* name : {"maxmemory", "hz", "notify-keyspace-events", "maxmemory-clients",
                           "client-output-buffer-limit", "save", "requirepass",
                           "hash-max-listpack-entries", "proc-title-template"}) {
    EXPECT_EQ(reloaded.Get(name), config_.Get(name)) << name;
  }
}

TEST_F(ConfigSetTest, RewriteFormatsMemoryAndQuotesStrings) {
  StartWithConfigFile("maxmemory 1000\n");
  EXPECT_EQ(Run({"config", "set", "maxmemory", "3gb"}), kOk);
  EXPECT_EQ(Run({"config", "set", "requirepass", "with \"quotes\"\nand\tcontrol\x01"}), kOk);
  EXPECT_EQ(Run({"config", "set", "proto-max-bulk-len", "1536kb"}), kOk);
  EXPECT_EQ(Run({"config", "set", "hll-sparse-max-bytes", "3001"}), kOk);
  EXPECT_EQ(Run({"config", "rewrite"}), kOk);
  const std::string text = FileText();
  EXPECT_EQ(text.substr(0, 14), "maxmemory 3gb\n");
  EXPECT_NE(text.find("\nrequirepass \"with \\\"quotes\\\"\\nand\\tcontrol\\x01\"\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("\nproto-max-bulk-len 1536kb\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\nhll-sparse-max-bytes 3001\n"), std::string::npos) << text;
  Config reloaded;
  ASSERT_TRUE(reloaded.LoadFile(path_).ok());
  EXPECT_EQ(reloaded.Get("requirepass"), config_.Get("requirepass"));
  EXPECT_EQ(reloaded.GetInt("proto-max-bulk-len"), 1536 * 1024);
}

TEST_F(ConfigSetTest, RewriteSaveAndDuplicateLines) {
  StartWithConfigFile("save 900 1\nsave 300 10\nsave 60 10000\nmaxmemory 1mb\nmaxmemory 2mb\n");
  EXPECT_EQ(Run({"config", "get", "save"}), "*2\r\n$4\r\nsave\r\n$21\r\n900 1 300 10 60 10000\r\n");
  EXPECT_EQ(Run({"config", "set", "save", "3600 1"}), kOk);
  EXPECT_EQ(Run({"config", "rewrite"}), kOk);
  const std::string text = FileText();
  EXPECT_EQ(text.substr(0, text.find("\n# Generated")), "save 3600 1\n\nmaxmemory 2mb\n");
  EXPECT_EQ(Run({"config", "set", "save", ""}), kOk);
  EXPECT_EQ(Run({"config", "rewrite"}), kOk);
  EXPECT_EQ(FileText().substr(0, 9), "save \"\"\n\n");
}

TEST_F(ConfigSetTest, RewriteAliasesUnderTheirNamesAndUnparsableLinesAsComments) {
  StartWithConfigFile("slave-read-only no\nlist-max-ziplist-size 5\n");
  // A line valkdb could not parse any more is kept, commented out.
  { std::ofstream(path_, std::ios::app) << "requirepass \"unbalanced\n"; }
  EXPECT_EQ(Run({"config", "rewrite"}), kOk);
  const std::string text = FileText();
  EXPECT_EQ(text.substr(0, text.find("\n# Generated") + 1),
            "replica-read-only no\nlist-max-listpack-size 5\n# ??? requirepass \"unbalanced\n\n");
}

TEST_F(ConfigSetTest, RewriteOfAMissingFileCreatesIt) {
  StartWithConfigFile("");
  std::remove(path_.c_str());
  EXPECT_EQ(Run({"config", "set", "maxmemory", "2mb"}), kOk);
  EXPECT_EQ(Run({"config", "rewrite"}), kOk);
  const std::string text = FileText();
  // The save points are always written, as Redis's rewriteConfigSaveOption does.
  EXPECT_EQ(text,
            "# Generated by CONFIG REWRITE\nmaxmemory 2mb\nsave 3600 1\nsave 300 100\n"
            "save 60 10000\ndir \"" +
                config_.GetString("dir") + "\"\n");
}

TEST_F(ConfigSetTest, RewriteFailureIsReported) {
  server_.config_file = "/nonexistent-dir/valkdb.conf";
  EXPECT_EQ(Run({"config", "rewrite"}), Err("Rewriting config file: No such file or directory"));
}

// ---------------------------------------------------------------- RESETSTAT

TEST_F(ConfigSetTest, ResetStatClearsTheCounters) {
  Run({"set", "k", "v", "px", "5"});
  Run({"get", "k"});
  Run({"get", "nokey"});
  AdvanceMs(10);
  Run({"get", "k"});
  std::string stats = ParseReply(Run({"info", "stats"})).str;
  EXPECT_NE(stats.find("\r\nkeyspace_hits:1\r\n"), std::string::npos) << stats;
  EXPECT_NE(stats.find("\r\nexpired_keys:1\r\n"), std::string::npos) << stats;
  EXPECT_EQ(Run({"config", "resetstat"}), kOk);
  stats = ParseReply(Run({"info", "stats"})).str;
  for (const char* line : {"keyspace_hits:0", "keyspace_misses:0", "expired_keys:0",
                           "total_commands_processed:0", "total_connections_received:0"}) {
    EXPECT_NE(stats.find(StrCat("\r\n", line, "\r\n")), std::string::npos) << line << stats;
  }
}

}  // namespace
}  // namespace valkdb::testing_util
