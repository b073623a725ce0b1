// Step-by-step transcripts of redis-server 7.0.15 for the string and
// keyspace commands beyond GET/SET/DEL/EXPIRE: each step's expected reply is
// the exact bytes Redis sent for the same command on a fresh database (the
// transcripts avoid replies that depend on the wall clock or on hash order).
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "protocol/str_util.h"
#include "tests/unit/commands/command_fixture.h"

namespace valkdb::testing_util {
namespace {

using namespace std::string_literals;  // expected replies may hold NUL bytes

struct Step {
  std::vector<std::string> args;
  std::string expected;
};

class GeneratedTest : public CommandTest {
 protected:
  void RunSteps(const std::vector<Step>& steps) {
    for (size_t i = 0; i < steps.size(); ++i) {
      std::string command;
      for (const std::string& arg : steps[i].args) StrAppend(&command, "'", arg, "' ");
      EXPECT_EQ(Run(steps[i].args), steps[i].expected) << "step " << i << ": " << command;
    }
  }
};

// ---------------------------------------------------------------- strings

TEST_F(GeneratedTest, Incr) {
  const std::vector<Step> steps = {
      {{"incr", "n"}, ":1\r\n"s},
      {{"incr", "n"}, ":2\r\n"s},
      {{"incrby", "n", "10"}, ":12\r\n"s},
      {{"decr", "n"}, ":11\r\n"s},
      {{"decrby", "n", "5"}, ":6\r\n"s},
      {{"incrby", "n", "-3"}, ":3\r\n"s},
      {{"get", "n"}, "$1\r\n3\r\n"s},
      {{"incr", "n", "x"}, "-ERR wrong number of arguments for 'incr' command\r\n"s},
      {{"incr"}, "-ERR wrong number of arguments for 'incr' command\r\n"s},
      {{"incrby", "n"}, "-ERR wrong number of arguments for 'incrby' command\r\n"s},
      {{"incrby", "n", "abc"}, "-ERR value is not an integer or out of range\r\n"s},
      {{"incrby", "n", "1.5"}, "-ERR value is not an integer or out of range\r\n"s},
      {{"set", "s", "abc"}, "+OK\r\n"s},
      {{"incr", "s"}, "-ERR value is not an integer or out of range\r\n"s},
      {{"set", "big", "9223372036854775807"}, "+OK\r\n"s},
      {{"incr", "big"}, "-ERR increment or decrement would overflow\r\n"s},
      {{"incrby", "big", "1"}, "-ERR increment or decrement would overflow\r\n"s},
      {{"set", "small", "-9223372036854775808"}, "+OK\r\n"s},
      {{"decr", "small"}, "-ERR increment or decrement would overflow\r\n"s},
      {{"decrby", "small", "1"}, "-ERR increment or decrement would overflow\r\n"s},
      {{"decrby", "n", "-9223372036854775808"}, "-ERR decrement would overflow\r\n"s},
      {{"set", "sp", "  1"}, "+OK\r\n"s},
      {{"incr", "sp"}, "-ERR value is not an integer or out of range\r\n"s},
      {{"set", "lead", "01"}, "+OK\r\n"s},
      {{"incr", "lead"}, "-ERR value is not an integer or out of range\r\n"s},
      {{"set", "plus", "+1"}, "+OK\r\n"s},
      {{"incr", "plus"}, "-ERR value is not an integer or out of range\r\n"s},
      {{"set", "e", "1e3"}, "+OK\r\n"s},
      {{"incr", "e"}, "-ERR value is not an integer or out of range\r\n"s},
      {{"set", "neg", "-0"}, "+OK\r\n"s},
      {{"incr", "neg"}, "-ERR value is not an integer or out of range\r\n"s},
      {{"set", "z", "0"}, "+OK\r\n"s},
      {{"decrby", "z", "9223372036854775807"}, ":-9223372036854775807\r\n"s},
      {{"incrby", "z", "9223372036854775807"}, ":0\r\n"s},
  };
  RunSteps(steps);
}

TEST_F(GeneratedTest, IncrByFloat) {
  const std::vector<Step> steps = {
      {{"incrbyfloat", "f", "1.5"}, "$3\r\n1.5\r\n"s},
      {{"incrbyfloat", "f", "0.1"}, "$3\r\n1.6\r\n"s},
      {{"incrbyfloat", "f", "-1.6"}, "$1\r\n0\r\n"s},
      {{"get", "f"}, "$1\r\n0\r\n"s},
      {{"incrbyfloat", "f", "abc"}, "-ERR value is not a valid float\r\n"s},
      {{"incrbyfloat", "f", "1e3"}, "$4\r\n1000\r\n"s},
      {{"incrbyfloat", "f", "5.0e-1"}, "$6\r\n1000.5\r\n"s},
      {{"incrbyfloat", "f", "inf"}, "-ERR increment would produce NaN or Infinity\r\n"s},
      {{"incrbyfloat", "f", "nan"}, "-ERR value is not a valid float\r\n"s},
      {{"set", "s", "abc"}, "+OK\r\n"s},
      {{"incrbyfloat", "s", "1"}, "-ERR value is not a valid float\r\n"s},
      {{"set", "i", "10"}, "+OK\r\n"s},
      {{"incrbyfloat", "i", "0.25"}, "$5\r\n10.25\r\n"s},
      {{"incrbyfloat", "i", "-10.25"}, "$1\r\n0\r\n"s},
      {{"incrbyfloat", "i", "3"}, "$1\r\n3\r\n"s},
      {{"incrbyfloat", "f"}, "-ERR wrong number of arguments for 'incrbyfloat' command\r\n"s},
      {{"incrbyfloat", "g", "1.7976931348623157e308"},
       "$309\r\n179769313486231569995921046774104434048386446944329178485314420765176628523124396354701868608387085564428793419425520689308708363451136055357897278026477617073498977686288394835618163294045594434929537447290627480669417384648879122776218333598953852832103282504751611691208117720159985926376802466863339536384\r\n"s},
      {{"incrbyfloat", "g", "1.7976931348623157e308"},
       "$309\r\n359538626972463139991842093548208868096772893888658356970628841530353257046248792709403737216774171128857586838851041378617416726902272110715794556052955234146997955372576789671236326588091188869859074894581254961338834769297758245552436667197907705664206565009503223382416235440319971852753604933726679072768\r\n"s},
      {{"incrbyfloat", "h", "0x10"}, "$2\r\n16\r\n"s},
      {{"incrbyfloat", "h", "1."}, "$2\r\n17\r\n"s},
      {{"incrbyfloat", "h", ".5"}, "$4\r\n17.5\r\n"s},
      {{"incrbyfloat", "h", " 1"}, "-ERR value is not a valid float\r\n"s},
  };
  RunSteps(steps);
}

TEST_F(GeneratedTest, Append) {
  const std::vector<Step> steps = {
      {{"append", "a", "hello"}, ":5\r\n"s},
      {{"append", "a", " world"}, ":11\r\n"s},
      {{"get", "a"}, "$11\r\nhello world\r\n"s},
      {{"strlen", "a"}, ":11\r\n"s},
      {{"strlen", "missing"}, ":0\r\n"s},
      {{"append", "a"}, "-ERR wrong number of arguments for 'append' command\r\n"s},
      {{"append"}, "-ERR wrong number of arguments for 'append' command\r\n"s},
      {{"strlen"}, "-ERR wrong number of arguments for 'strlen' command\r\n"s},
      {{"strlen", "a", "b"}, "-ERR wrong number of arguments for 'strlen' command\r\n"s},
      {{"set", "n", "10"}, "+OK\r\n"s},
      {{"append", "n", "5"}, ":3\r\n"s},
      {{"get", "n"}, "$3\r\n105\r\n"s},
      {{"incr", "n"}, ":106\r\n"s},
      {{"append", "e", ""}, ":0\r\n"s},
      {{"exists", "e"}, ":1\r\n"s},
      {{"strlen", "e"}, ":0\r\n"s},
  };
  RunSteps(steps);
}

TEST_F(GeneratedTest, GetRangeSetRange) {
  const std::vector<Step> steps = {
      {{"set", "s", "Hello World"}, "+OK\r\n"s},
      {{"getrange", "s", "0", "4"}, "$5\r\nHello\r\n"s},
      {{"getrange", "s", "-5", "-1"}, "$5\r\nWorld\r\n"s},
      {{"getrange", "s", "6", "100"}, "$5\r\nWorld\r\n"s},
      {{"getrange", "s", "100", "200"}, "$0\r\n\r\n"s},
      {{"getrange", "s", "5", "2"}, "$0\r\n\r\n"s},
      {{"getrange", "s", "-100", "2"}, "$3\r\nHel\r\n"s},
      {{"getrange", "s", "0", "-100"}, "$1\r\nH\r\n"s},
      {{"getrange", "s", "-1", "-5"}, "$0\r\n\r\n"s},
      {{"getrange", "missing", "0", "5"}, "$0\r\n\r\n"s},
      {{"getrange", "s", "a", "5"}, "-ERR value is not an integer or out of range\r\n"s},
      {{"getrange", "s", "0"}, "-ERR wrong number of arguments for 'getrange' command\r\n"s},
      {{"substr", "s", "0", "4"}, "$5\r\nHello\r\n"s},
      {{"setrange", "s", "6", "Redis"}, ":11\r\n"s},
      {{"get", "s"}, "$11\r\nHello Redis\r\n"s},
      {{"setrange", "s", "20", "!"}, ":21\r\n"s},
      {{"get", "s"},
       "$21\r\nHello Redis\x00"
       "\x00"
       "\x00"
       "\x00"
       "\x00"
       "\x00"
       "\x00"
       "\x00"
       "\x00"
       "!\r\n"s},
      {{"strlen", "s"}, ":21\r\n"s},
      {{"setrange", "new", "3", "abc"}, ":6\r\n"s},
      {{"get", "new"},
       "$6\r\n\x00"
       "\x00"
       "\x00"
       "abc\r\n"s},
      {{"setrange", "new2", "0", ""}, ":0\r\n"s},
      {{"exists", "new2"}, ":0\r\n"s},
      {{"setrange", "new3", "5", ""}, ":0\r\n"s},
      {{"exists", "new3"}, ":0\r\n"s},
      {{"setrange", "s", "-1", "x"}, "-ERR offset is out of range\r\n"s},
      {{"setrange", "s", "536870912", "x"},
       "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n"s},
      {{"setrange", "s", "536870911", ""}, ":21\r\n"s},
      {{"setrange", "s", "abc", "x"}, "-ERR value is not an integer or out of range\r\n"s},
      {{"setrange", "s", "0"}, "-ERR wrong number of arguments for 'setrange' command\r\n"s},
  };
  RunSteps(steps);
}

TEST_F(GeneratedTest, MgetMset) {
  const std::vector<Step> steps = {
      {{"mset", "a", "1", "b", "2"}, "+OK\r\n"s},
      {{"mget", "a", "b", "c"}, "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$-1\r\n"s},
      {{"mset", "a"}, "-ERR wrong number of arguments for 'mset' command\r\n"s},
      {{"mset", "a", "1", "b"}, "-ERR wrong number of arguments for 'mset' command\r\n"s},
      {{"mset"}, "-ERR wrong number of arguments for 'mset' command\r\n"s},
      {{"mget"}, "-ERR wrong number of arguments for 'mget' command\r\n"s},
      {{"msetnx", "a", "9", "x", "1"}, ":0\r\n"s},
      {{"mget", "a", "x"}, "*2\r\n$1\r\n1\r\n$-1\r\n"s},
      {{"msetnx", "x", "1", "y", "2"}, ":1\r\n"s},
      {{"mget", "x", "y"}, "*2\r\n$1\r\n1\r\n$1\r\n2\r\n"s},
      {{"msetnx", "x"}, "-ERR wrong number of arguments for 'msetnx' command\r\n"s},
      {{"msetnx", "z", "1", "z", "2"}, ":1\r\n"s},
      {{"get", "z"}, "$1\r\n2\r\n"s},
      {{"mset", "k", "1", "k", "2"}, "+OK\r\n"s},
      {{"get", "k"}, "$1\r\n2\r\n"s},
  };
  RunSteps(steps);
}

TEST_F(GeneratedTest, SetVariants) {
  const std::vector<Step> steps = {
      {{"setnx", "k", "v"}, ":1\r\n"s},
      {{"setnx", "k", "v2"}, ":0\r\n"s},
      {{"get", "k"}, "$1\r\nv\r\n"s},
      {{"setnx", "k"}, "-ERR wrong number of arguments for 'setnx' command\r\n"s},
      {{"setex", "k", "10", "v"}, "+OK\r\n"s},
      {{"ttl", "k"}, ":10\r\n"s},
      {{"setex", "k", "0", "v"}, "-ERR invalid expire time in 'setex' command\r\n"s},
      {{"setex", "k", "-1", "v"}, "-ERR invalid expire time in 'setex' command\r\n"s},
      {{"setex", "k", "abc", "v"}, "-ERR value is not an integer or out of range\r\n"s},
      {{"setex", "k", "10"}, "-ERR wrong number of arguments for 'setex' command\r\n"s},
      {{"psetex", "k", "1500", "v"}, "+OK\r\n"s},
      {{"ttl", "k"}, ":2\r\n"s},
      {{"psetex", "k", "0", "v"}, "-ERR invalid expire time in 'psetex' command\r\n"s},
      {{"psetex", "k", "abc", "v"}, "-ERR value is not an integer or out of range\r\n"s},
      {{"getset", "k", "new"}, "$1\r\nv\r\n"s},
      {{"getset", "nokey", "v"}, "$-1\r\n"s},
      {{"get", "nokey"}, "$1\r\nv\r\n"s},
      {{"ttl", "k"}, ":-1\r\n"s},
      {{"getset", "k"}, "-ERR wrong number of arguments for 'getset' command\r\n"s},
      {{"getdel", "k"}, "$3\r\nnew\r\n"s},
      {{"getdel", "k"}, "$-1\r\n"s},
      {{"getdel"}, "-ERR wrong number of arguments for 'getdel' command\r\n"s},
      {{"getdel", "a", "b"}, "-ERR wrong number of arguments for 'getdel' command\r\n"s},
  };
  RunSteps(steps);
}

TEST_F(GeneratedTest, GetEx) {
  const std::vector<Step> steps = {
      {{"set", "k", "v"}, "+OK\r\n"s},
      {{"getex", "k"}, "$1\r\nv\r\n"s},
      {{"ttl", "k"}, ":-1\r\n"s},
      {{"getex", "k", "ex", "100"}, "$1\r\nv\r\n"s},
      {{"ttl", "k"}, ":100\r\n"s},
      {{"getex", "k", "px", "1500"}, "$1\r\nv\r\n"s},
      {{"ttl", "k"}, ":2\r\n"s},
      {{"getex", "k", "persist"}, "$1\r\nv\r\n"s},
      {{"ttl", "k"}, ":-1\r\n"s},
      {{"getex", "k", "ex", "0"}, "-ERR invalid expire time in 'getex' command\r\n"s},
      {{"getex", "k", "ex", "-1"}, "-ERR invalid expire time in 'getex' command\r\n"s},
      {{"getex", "k", "ex", "abc"}, "-ERR value is not an integer or out of range\r\n"s},
      {{"getex", "k", "foo"}, "-ERR syntax error\r\n"s},
      {{"getex", "k", "ex"}, "-ERR syntax error\r\n"s},
      {{"getex", "k", "ex", "10", "px", "10"}, "-ERR syntax error\r\n"s},
      {{"getex", "k", "persist", "ex", "10"}, "-ERR syntax error\r\n"s},
      {{"getex", "k", "ex", "10", "persist"}, "-ERR syntax error\r\n"s},
      {{"getex", "k", "exat", "1"}, "$1\r\nv\r\n"s},
      {{"exists", "k"}, ":0\r\n"s},
      {{"getex", "nokey", "ex", "10"}, "$-1\r\n"s},
      {{"getex"}, "-ERR wrong number of arguments for 'getex' command\r\n"s},
      {{"getex", "k", "pxat", "9223372036854775807"}, "$-1\r\n"s},
      {{"getex", "k", "ex", "9223372036854775"}, "$-1\r\n"s},
  };
  RunSteps(steps);
}

TEST_F(GeneratedTest, Lcs) {
  const std::vector<Step> steps = {
      {{"set", "a", "ohmytext"}, "+OK\r\n"s},
      {{"set", "b", "mynewtext"}, "+OK\r\n"s},
      {{"lcs", "a", "b"}, "$6\r\nmytext\r\n"s},
      {{"lcs", "a", "b", "len"}, ":6\r\n"s},
      {{"lcs", "a", "b", "idx"},
       "*4\r\n$7\r\nmatches\r\n*2\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n*2\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n$3\r\nlen\r\n:6\r\n"s},
      {{"lcs", "a", "b", "idx", "minmatchlen", "4"},
       "*4\r\n$7\r\nmatches\r\n*1\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n$3\r\nlen\r\n:6\r\n"s},
      {{"lcs", "a", "b", "idx", "withmatchlen"},
       "*4\r\n$7\r\nmatches\r\n*2\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n*3\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n:2\r\n$3\r\nlen\r\n:6\r\n"s},
      {{"lcs", "a", "b", "idx", "minmatchlen", "4", "withmatchlen"},
       "*4\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n$3\r\nlen\r\n:6\r\n"s},
      {{"lcs", "a", "b", "len", "idx"},
       "-ERR If you want both the length and indexes, please just use IDX.\r\n"s},
      {{"lcs", "a", "b", "foo"}, "-ERR syntax error\r\n"s},
      {{"lcs", "a", "b", "minmatchlen"}, "-ERR syntax error\r\n"s},
      {{"lcs", "a", "b", "minmatchlen", "abc"},
       "-ERR value is not an integer or out of range\r\n"s},
      {{"lcs", "a", "nokey"}, "$0\r\n\r\n"s},
      {{"lcs", "nokey", "nokey2", "len"}, ":0\r\n"s},
      {{"lcs", "a"}, "-ERR wrong number of arguments for 'lcs' command\r\n"s},
      {{"set", "n", "123"}, "+OK\r\n"s},
      {{"lcs", "a", "n"}, "$0\r\n\r\n"s},
  };
  RunSteps(steps);
}

// ---------------------------------------------------------------- keyspace

TEST_F(GeneratedTest, UnlinkTouch) {
  const std::vector<Step> steps = {
      {{"mset", "a", "1", "b", "2"}, "+OK\r\n"s},
      {{"unlink", "a", "b", "c", "a"}, ":2\r\n"s},
      {{"unlink"}, "-ERR wrong number of arguments for 'unlink' command\r\n"s},
      {{"exists", "a"}, ":0\r\n"s},
      {{"set", "a", "1"}, "+OK\r\n"s},
      {{"touch", "a", "b", "a"}, ":2\r\n"s},
      {{"touch"}, "-ERR wrong number of arguments for 'touch' command\r\n"s},
  };
  RunSteps(steps);
}

TEST_F(GeneratedTest, Type) {
  const std::vector<Step> steps = {
      {{"set", "s", "v"}, "+OK\r\n"s},
      {{"type", "s"}, "+string\r\n"s},
      {{"type", "missing"}, "+none\r\n"s},
      {{"type"}, "-ERR wrong number of arguments for 'type' command\r\n"s},
      {{"type", "a", "b"}, "-ERR wrong number of arguments for 'type' command\r\n"s},
  };
  RunSteps(steps);
}

TEST_F(GeneratedTest, Keys) {
  const std::vector<Step> steps = {
      {{"mset", "hello", "1", "hallo", "2", "other", "3"}, "+OK\r\n"s},
      {{"keys", "nomatch*"}, "*0\r\n"s},
      {{"keys", "other"}, "*1\r\n$5\r\nother\r\n"s},
      {{"keys", "o*"}, "*1\r\n$5\r\nother\r\n"s},
      {{"keys", "h[^e]llo"}, "*1\r\n$5\r\nhallo\r\n"s},
      {{"keys"}, "-ERR wrong number of arguments for 'keys' command\r\n"s},
      {{"keys", "a", "b"}, "-ERR wrong number of arguments for 'keys' command\r\n"s},
  };
  RunSteps(steps);
}

TEST_F(GeneratedTest, RandomKey) {
  const std::vector<Step> steps = {
      {{"randomkey"}, "$-1\r\n"s},
      {{"set", "only", "1"}, "+OK\r\n"s},
      {{"randomkey"}, "$4\r\nonly\r\n"s},
      {{"randomkey", "x"}, "-ERR wrong number of arguments for 'randomkey' command\r\n"s},
  };
  RunSteps(steps);
}

TEST_F(GeneratedTest, Rename) {
  const std::vector<Step> steps = {
      {{"set", "a", "1"}, "+OK\r\n"s},
      {{"rename", "a", "b"}, "+OK\r\n"s},
      {{"get", "b"}, "$1\r\n1\r\n"s},
      {{"exists", "a"}, ":0\r\n"s},
      {{"rename", "missing", "x"}, "-ERR no such key\r\n"s},
      {{"rename", "b", "b"}, "+OK\r\n"s},
      {{"get", "b"}, "$1\r\n1\r\n"s},
      {{"set", "c", "3"}, "+OK\r\n"s},
      {{"rename", "b", "c"}, "+OK\r\n"s},
      {{"get", "c"}, "$1\r\n1\r\n"s},
      {{"rename", "c"}, "-ERR wrong number of arguments for 'rename' command\r\n"s},
      {{"renamenx", "c", "d"}, ":1\r\n"s},
      {{"renamenx", "c", "c"}, "-ERR no such key\r\n"s},
      {{"set", "e", "5"}, "+OK\r\n"s},
      {{"renamenx", "d", "e"}, ":0\r\n"s},
      {{"renamenx", "missing", "z"}, "-ERR no such key\r\n"s},
      {{"set", "t", "v", "ex", "100"}, "+OK\r\n"s},
      {{"rename", "t", "t2"}, "+OK\r\n"s},
      {{"pexpiretime", "t"}, ":-2\r\n"s},
      {{"exists", "t2"}, ":1\r\n"s},
  };
  RunSteps(steps);
}

TEST_F(GeneratedTest, Copy) {
  const std::vector<Step> steps = {
      {{"set", "a", "1"}, "+OK\r\n"s},
      {{"copy", "a", "b"}, ":1\r\n"s},
      {{"get", "b"}, "$1\r\n1\r\n"s},
      {{"copy", "a", "b"}, ":0\r\n"s},
      {{"copy", "a", "b", "replace"}, ":1\r\n"s},
      {{"copy", "missing", "b"}, ":0\r\n"s},
      {{"copy", "a", "a"}, "-ERR source and destination objects are the same\r\n"s},
      {{"copy", "a", "c", "db", "1"}, ":1\r\n"s},
      {{"select", "1"}, "+OK\r\n"s},
      {{"get", "c"}, "$1\r\n1\r\n"s},
      {{"select", "0"}, "+OK\r\n"s},
      {{"copy", "a", "c", "db", "16"}, "-ERR DB index is out of range\r\n"s},
      {{"copy", "a", "c", "db", "-1"}, "-ERR DB index is out of range\r\n"s},
      {{"copy", "a", "c", "db", "abc"}, "-ERR value is not an integer or out of range\r\n"s},
      {{"copy", "a", "c", "foo"}, "-ERR syntax error\r\n"s},
      {{"copy", "a", "c", "db"}, "-ERR syntax error\r\n"s},
      {{"copy", "a", "c", "replace", "replace"}, ":1\r\n"s},
      {{"copy", "a"}, "-ERR wrong number of arguments for 'copy' command\r\n"s},
  };
  RunSteps(steps);
}

TEST_F(GeneratedTest, Move) {
  const std::vector<Step> steps = {
      {{"set", "a", "1"}, "+OK\r\n"s},
      {{"move", "a", "1"}, ":1\r\n"s},
      {{"exists", "a"}, ":0\r\n"s},
      {{"select", "1"}, "+OK\r\n"s},
      {{"get", "a"}, "$1\r\n1\r\n"s},
      {{"move", "a", "1"}, "-ERR source and destination objects are the same\r\n"s},
      {{"move", "a", "0"}, ":1\r\n"s},
      {{"set", "a", "2"}, "+OK\r\n"s},
      {{"move", "a", "0"}, ":0\r\n"s},
      {{"select", "0"}, "+OK\r\n"s},
      {{"get", "a"}, "$1\r\n1\r\n"s},
      {{"move", "missing", "1"}, ":0\r\n"s},
      {{"move", "a", "16"}, "-ERR DB index is out of range\r\n"s},
      {{"move", "a", "-1"}, "-ERR DB index is out of range\r\n"s},
      {{"move", "a", "abc"}, "-ERR value is not an integer or out of range\r\n"s},
      {{"move", "a"}, "-ERR wrong number of arguments for 'move' command\r\n"s},
  };
  RunSteps(steps);
}

TEST_F(GeneratedTest, SwapDb) {
  const std::vector<Step> steps = {
      {{"set", "a", "0"}, "+OK\r\n"s},
      {{"select", "1"}, "+OK\r\n"s},
      {{"set", "a", "1"}, "+OK\r\n"s},
      {{"swapdb", "0", "1"}, "+OK\r\n"s},
      {{"get", "a"}, "$1\r\n0\r\n"s},
      {{"select", "0"}, "+OK\r\n"s},
      {{"get", "a"}, "$1\r\n1\r\n"s},
      {{"swapdb", "0", "0"}, "+OK\r\n"s},
      {{"swapdb", "0", "16"}, "-ERR DB index is out of range\r\n"s},
      {{"swapdb", "-1", "0"}, "-ERR DB index is out of range\r\n"s},
      {{"swapdb", "a", "0"}, "-ERR invalid first DB index\r\n"s},
      {{"swapdb", "0", "b"}, "-ERR invalid second DB index\r\n"s},
      {{"swapdb", "0"}, "-ERR wrong number of arguments for 'swapdb' command\r\n"s},
  };
  RunSteps(steps);
}

TEST_F(GeneratedTest, ExpireAt) {
  const std::vector<Step> steps = {
      {{"set", "a", "1"}, "+OK\r\n"s},
      {{"expireat", "a", "4102444800"}, ":1\r\n"s},
      {{"expiretime", "a"}, ":4102444800\r\n"s},
      {{"pexpiretime", "a"}, ":4102444800000\r\n"s},
      {{"pexpireat", "a", "4102444800123"}, ":1\r\n"s},
      {{"pexpiretime", "a"}, ":4102444800123\r\n"s},
      {{"expiretime", "a"}, ":4102444800\r\n"s},
      {{"expiretime", "missing"}, ":-2\r\n"s},
      {{"pexpiretime", "missing"}, ":-2\r\n"s},
      {{"set", "b", "1"}, "+OK\r\n"s},
      {{"expiretime", "b"}, ":-1\r\n"s},
      {{"pexpiretime", "b"}, ":-1\r\n"s},
      {{"expireat", "a", "1"}, ":1\r\n"s},
      {{"exists", "a"}, ":0\r\n"s},
      {{"set", "a", "1"}, "+OK\r\n"s},
      {{"pexpireat", "a", "0"}, ":1\r\n"s},
      {{"exists", "a"}, ":0\r\n"s},
      {{"set", "a", "1"}, "+OK\r\n"s},
      {{"expireat", "a", "4102444800", "nx"}, ":1\r\n"s},
      {{"expireat", "a", "4102444801", "nx"}, ":0\r\n"s},
      {{"expireat", "a", "4102444801", "gt"}, ":1\r\n"s},
      {{"expireat", "a", "4102444700", "gt"}, ":0\r\n"s},
      {{"expireat", "a", "4102444700", "lt"}, ":1\r\n"s},
      {{"expiretime", "a"}, ":4102444700\r\n"s},
      {{"expireat", "a", "4102444800", "xx", "nx"},
       "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n"s},
      {{"expireat", "a", "4102444800", "gt", "lt"},
       "-ERR GT and LT options at the same time are not compatible\r\n"s},
      {{"expireat", "a", "abc"}, "-ERR value is not an integer or out of range\r\n"s},
      {{"expireat", "a", "9223372036854775807"},
       "-ERR invalid expire time in 'expireat' command\r\n"s},
      {{"pexpireat", "a", "9223372036854775807"}, ":1\r\n"s},
      {{"expireat", "missing", "4102444800"}, ":0\r\n"s},
      {{"expireat", "a", "4102444800", "foo"}, "-ERR Unsupported option foo\r\n"s},
      {{"expireat", "a"}, "-ERR wrong number of arguments for 'expireat' command\r\n"s},
      {{"expiretime"}, "-ERR wrong number of arguments for 'expiretime' command\r\n"s},
  };
  RunSteps(steps);
}

}  // namespace
}  // namespace valkdb::testing_util
