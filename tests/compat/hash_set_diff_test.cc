// Differential tests of the hash and set commands (and of the keyspace
// commands on hashes and sets): the same commands go to valkdb and to a real
// redis-server 7.0 (RESP2, and again after HELLO 3), and the raw replies must
// be byte-identical.
//
// What Redis answers deterministically is compared byte for byte: errors,
// counts, the order of listpack hashes (insertion order) and of intsets
// (sorted), the encodings OBJECT ENCODING reports, and the reply types of
// RESP3 (map, set, array of pairs). Only what legitimately differs is
// normalised: the iteration order of hashtable-encoded hashes and sets (their
// contents are compared sorted), and SCAN/HSCAN/SSCAN over hashtables, which
// run to completion on both servers and are compared as the set of elements
// returned. Random replies (HRANDFIELD, SRANDMEMBER, SPOP) are compared by
// shape (RESP type markers and counts) and checked for their invariants on
// both servers. Each case starts from FLUSHALL and default settings.

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "protocol/str_util.h"
#include "tests/support/diff_case.h"
#include "tests/support/server_fixture.h"
#include "tests/support/transcript.h"

namespace valkdb::test {
namespace {

using std::chrono::milliseconds;
using namespace std::string_literals;  // NOLINT: arguments with NUL bytes

std::vector<DiffCase> Resp2Cases() {
  const std::string v64(64, 'v'), v65(65, 'v'), f64(64, 'f'), f65(65, 'f');
  return {
      // ------------------------------------------------------------------ hashes
      {"HashSetGet",
       {C("hset h f v"),
        C("hset h f v2 g w"),
        C("hget h f"),
        C("hget h g"),
        C("hget h nofield"),
        C("hget nokey f"),
        C("hset h f v g"),
        C("hset h f"),
        C("hset h"),
        C("hset"),
        C("hget h"),
        C("hget h a b"),
        C("hget"),
        C("hgetall h"),
        C("hlen h"),
        C("hlen nokey"),
        C("hlen"),
        C("hlen h x"),
        C("hset h a 1 a 2 a 3"),
        C("hget h a"),
        C("HSET h A upper"),
        C("hgetall h")}},
      {"HashSetNxMSet",
       {C("hsetnx h f v"), C("hsetnx h f w"), C("hget h f"), C("hsetnx h g w"), C("hsetnx h f"),
        C("hsetnx h f v x"), C("hsetnx"), C("hmset h a 1 b 2"), C("hmset h a 3"), C("hmset h a"),
        C("hmset h a 1 b"), C("hmset h"), C("hmset"), C("hgetall h"), C("hmset nokey2 x 1"),
        C("hgetall nokey2")}},
      {"HashMGet",
       {C("hset h a 1 b 2"), C("hmget h a b nofield a"), C("hmget nokey a b"), C("hmget h"),
        C("hmget"), C("hmget h a"), Args({"hmget", "h", ""})}},
      {"HashEmptyAndBinaryFields",
       {Args({"hset", "h", "", ""}), Args({"hget", "h", ""}), Args({"hstrlen", "h", ""}),
        Args({"hexists", "h", ""}), Args({"hset", "h", "a\0b"s, "\r\n\0"s}),
        Args({"hget", "h", "a\0b"s}), Args({"hget", "h", "a"}), C("hgetall h"), C("hkeys h"),
        C("hvals h"), C("hlen h"), Args({"hdel", "h", ""}), C("hgetall h")}},
      {"HashGetAllOrder",
       {C("hset h z 1 a 2 m 3"),
        C("hgetall h"),
        C("hkeys h"),
        C("hvals h"),
        C("hdel h a"),
        C("hgetall h"),
        C("hset h a 9"),
        C("hgetall h"),
        C("hset h z 0"),
        C("hgetall h"),
        C("hsetnx h b 5"),
        C("hincrby h c 7"),
        C("hincrbyfloat h d 1.5"),
        C("hmset h m x e y"),
        C("hgetall h"),
        C("hkeys h"),
        C("hvals h"),
        C("hscan h 0"),
        C("hscan h 0 count 1"),
        C("hscan h 0 match ?"),
        C("object encoding h")}},
      {"HashDel",
       {C("hset h a 1 b 2 c 3 d 4"), C("hdel h a"), C("hdel h a"), C("hdel h b c x b"),
        C("hgetall h"), C("hdel nokey a"), C("hdel h"), C("hdel"), C("hdel h d"), C("exists h"),
        C("hgetall h"), C("hlen h"), C("type h")}},
      {"HashStrlenExists",
       {C("hset h f hello n 12345 neg -5 e 1.5"), Args({"hset", "h", "empty", ""}),
        C("hstrlen h f"), C("hstrlen h n"), C("hstrlen h neg"), C("hstrlen h e"),
        C("hstrlen h empty"), C("hstrlen h nofield"), C("hstrlen nokey f"), C("hstrlen h"),
        C("hstrlen h f g"), C("hexists h f"), C("hexists h nofield"), C("hexists nokey f"),
        C("hexists h"), C("hexists h f g"), C("hexists")}},
      {"HashIncrBy",
       {C("hincrby h n 5"),
        C("hincrby h n -10"),
        C("hget h n"),
        C("hincrby nokey n 1"),
        C("hgetall nokey"),
        C("hincrby h n abc"),
        C("hincrby h n 1.5"),
        C("hincrby h n 9223372036854775808"),
        Args({"hincrby", "h", "n", ""}),
        Args({"hincrby", "h", "n", " 1"}),
        C("hset h s abc"),
        C("hincrby h s 1"),
        C("hset h big 9223372036854775807"),
        C("hincrby h big 1"),
        C("hincrby h big 0"),
        C("hincrby h big -9223372036854775808"),
        C("hset h small -9223372036854775808"),
        C("hincrby h small -1"),
        C("hincrby h small 9223372036854775807"),
        Args({"hset", "h", "sp", " 1"}),
        C("hincrby h sp 1"),
        C("hset h f 1.5"),
        C("hincrby h f 1"),
        Args({"hset", "h", "empty", ""}),
        C("hincrby h empty 1"),
        C("hset h lead 007"),
        C("hincrby h lead 1"),
        C("hset h plus +7"),
        C("hincrby h plus 1"),
        C("hset h long 12345678901234567890"),
        C("hincrby h long 1"),
        C("hincrby h"),
        C("hincrby h n"),
        C("hincrby h n 1 2"),
        C("hincrby"),
        C("hgetall h")}},
      {"HashIncrByFloat",
       {C("hincrbyfloat h f 1.5"),
        C("hincrbyfloat h f 0.1"),
        C("hincrbyfloat h f -1.6"),
        C("hincrbyfloat h f abc"),
        C("hincrbyfloat h f nan"),
        C("hincrbyfloat h f NaN"),
        C("hincrbyfloat h f inf"),
        C("hincrbyfloat h f -inf"),
        C("hincrbyfloat h f +inf"),
        C("hincrbyfloat h f 1e308"),
        C("hincrbyfloat h f 1e308"),
        C("hget h f"),
        Args({"hincrbyfloat", "h", "f", ""}),
        Args({"hincrbyfloat", "h", "f", " 1"}),
        C("hincrbyfloat h f 1e400"),
        C("hset h s abc"),
        C("hincrbyfloat h s 1"),
        C("hset h i 10"),
        C("hincrbyfloat h i 1"),
        C("hincrbyfloat h i 1e2"),
        C("hincrbyfloat h i 5.0e3"),
        C("hincrbyfloat h i 1.23456789012345678"),
        C("hincrbyfloat h i -5111.23456789012345678"),
        C("hset h n nan"),
        C("hincrbyfloat h n 1"),
        C("hset h inf inf"),
        C("hincrbyfloat h inf 1"),
        C("hset h x 0x10"),
        C("hincrbyfloat h x 1"),
        Args({"hset", "h", "e", ""}),
        C("hincrbyfloat h e 1"),
        C("hset h int 9223372036854775807"),
        C("hincrbyfloat h int 1"),
        C("hincrbyfloat h z 0"),
        C("hincrbyfloat h z -0.0"),
        C("hincrbyfloat h z 1e-20"),
        C("hincrbyfloat h z -1e-20"),
        C("hincrbyfloat h z 3.0000000000000000001"),
        C("hincrbyfloat h z 0x1p3"),
        C("hincrbyfloat h z 1.5e"),
        C("hincrbyfloat h z 10.50"),
        C("hset h d 5.0"),
        C("hincrbyfloat h d 0"),
        C("hset h w 1e3"),
        C("hincrbyfloat h w 1"),
        C("hset h t 1.5x"),
        C("hincrbyfloat h t 1"),
        C("hincrbyfloat nokey f 3"),
        C("hget nokey f"),
        C("hincrbyfloat h f"),
        C("hincrbyfloat h f 1 2"),
        C("hincrbyfloat"),
        Pairs("hgetall h"),
        C("object encoding h")}},
      {"HashRandFieldDeterministic",
       {C("hrandfield nokey"),
        C("hrandfield nokey 5"),
        C("hrandfield nokey -5"),
        C("hrandfield nokey 5 withvalues"),
        C("hrandfield nokey 5 WITHVALUES"),
        C("hrandfield nokey 0"),
        C("hset h f v"),
        C("hrandfield h"),
        C("hrandfield h 1"),
        C("hrandfield h 3"),
        C("hrandfield h -3"),
        C("hrandfield h 0"),
        C("hrandfield h 0 withvalues"),
        C("hrandfield h 1 withvalues"),
        C("hrandfield h 2 withvalues"),
        C("hrandfield h -3 withvalues"),
        C("hrandfield h -1 withvalues"),
        C("hrandfield h 9223372036854775807"),
        C("hrandfield h 4611686018427387903 withvalues"),
        C("hset h g w"),
        Pairs("hrandfield h 2 withvalues"),
        Pairs("hrandfield h 100 withvalues"),
        Sorted("hrandfield h 2"),
        Sorted("hrandfield h 100")}},
      {"HashRandFieldErrors",
       {C("hset h a 1 b 2 c 3"),
        C("hrandfield h -9223372036854775808"),
        C("hrandfield h -9223372036854775808 withvalues"),
        C("hrandfield nokey -9223372036854775808"),
        C("hrandfield nokey -9223372036854775808 withvalues"),
        C("hrandfield h -9223372036854775807 withvalues"),
        C("hrandfield h -9223372036854770000 withvalues"),
        C("hrandfield h -4611686018427387904 withvalues"),
        C("hrandfield h 4611686018427387904 withvalues"),
        C("hrandfield h 9223372036854775807 withvalues"),
        C("hrandfield h 9223372036854775808"),
        C("hrandfield h abc"),
        C("hrandfield h 1.5"),
        Args({"hrandfield", "h", ""}),
        C("hrandfield h withvalues"),
        C("hrandfield h 3 withvalue"),
        C("hrandfield h 3 values"),
        C("hrandfield h 3 withvalues x"),
        C("hrandfield h 1 2 3"),
        C("hrandfield nokey 3 withvalue"),
        C("hrandfield nokey abc"),
        C("hrandfield"),
        C("hlen h")}},
      {"HashArity", {C("hset"),       C("hset h"),          C("hset h f"),    C("hset h f v g"),
                     C("hsetnx h f"), C("hmset h f"),       C("hget h"),      C("hmget h"),
                     C("hgetall"),    C("hgetall h x"),     C("hkeys"),       C("hkeys h x"),
                     C("hvals"),      C("hvals h x"),       C("hdel h"),      C("hlen"),
                     C("hstrlen h"),  C("hexists h"),       C("hincrby h f"), C("hincrbyfloat h f"),
                     C("hrandfield"), C("hscan"),           C("hscan h"),     C("HSET"),
                     C("HGETALL"),    C("hscan h 0 count"), C("exists h")}},
      {"HashMissingKey",
       {C("hgetall nokey"), C("hkeys nokey"), C("hvals nokey"), C("hlen nokey"), C("hget nokey f"),
        C("hmget nokey a b"), C("hstrlen nokey f"), C("hexists nokey f"), C("hdel nokey f"),
        C("hrandfield nokey"), C("hrandfield nokey 3"), C("hrandfield nokey -3 withvalues"),
        C("hscan nokey 0"), C("hscan nokey 0 count 0"), C("hscan nokey abc"), C("type nokey"),
        C("object encoding nokey"), C("exists nokey")}},
      {"HashScan",
       {C("hset h a 1 b 2 c 3 ab 4"),
        C("hscan h 0"),
        C("hscan h 0 count 1"),
        C("hscan h 0 count 100"),
        C("hscan h 0 match a*"),
        C("hscan h 0 MATCH *b COUNT 2"),
        C("hscan h 0 match nothing"),
        C("hscan h 0 count 1 match * count 2"),
        C("hscan h 18446744073709551615"),
        C("hscan h -1"),
        C("hscan h abc"),
        Args({"hscan", "h", ""}),
        Args({"hscan", "h", " 0"}),
        C("hscan h 1.5"),
        C("hscan h 18446744073709551616"),
        C("hscan h 0 count 0"),
        C("hscan h 0 count -1"),
        C("hscan h 0 count abc"),
        C("hscan h 0 count"),
        C("hscan h 0 match"),
        C("hscan h 0 type hash"),
        C("hscan h 0 novalues"),
        C("hscan h 0 foo bar"),
        C("hscan nokey 0 count 0"),
        C("hscan nokey 0 match"),
        C("hscan nokey abc")}},
      {"HashEncodingDefaults",
       {Args(WithPairs({"hset", "h"}, "f", "v", 0, 512)),
        C("object encoding h"),
        C("hlen h"),
        C("hget h f511"),
        C("hscan h 0 count 1 match f51?"),
        C("hset h f511 again"),
        C("object encoding h"),
        C("hset h f512 v"),
        C("object encoding h"),
        C("hlen h"),
        C("hdel h f512 f511 f510"),
        C("object encoding h"),
        Pairs("hgetall h"),
        Sorted("hkeys h"),
        Sorted("hvals h"),
        ScanAll("hscan h match f1*"),
        ScanAll("hscan h count 1000"),
        Args({"hset", "v64", "f", v64}),
        C("object encoding v64"),
        Args({"hset", "v65", "f", v65}),
        C("object encoding v65"),
        Args({"hset", "f64", f64, "v"}),
        C("object encoding f64"),
        Args({"hset", "f65", f65, "v"}),
        C("object encoding f65"),
        Args({"hset", "later", "a", "1", "b", "2"}),
        Args({"hset", "later", "c", v65}),
        C("object encoding later"),
        Pairs("hgetall later"),
        Args({"hset", "nx", "a", "1"}),
        Args({"hsetnx", "nx", "b", v65}),
        C("object encoding nx"),
        Args({"hset", "nx2", "a", "1"}),
        Args({"hsetnx", "nx2", "a", v65}),
        C("object encoding nx2"),
        Args({"hmset", "m", "a", "1", f65, "2"}),
        C("object encoding m"),
        Args(WithPairs({"hset", "one"}, "f", "v", 0, 513)),
        C("object encoding one"),
        C("hlen one")}},
      {"HashEncodingConfig",
       {C("config set hash-max-listpack-entries 4 hash-max-ziplist-value 8"),
        C("config get hash-max-ziplist-entries"),
        C("hset h a 1 b 2 c 3 d 4"),
        C("object encoding h"),
        C("hgetall h"),
        C("hset h e 5"),
        C("object encoding h"),
        Pairs("hgetall h"),
        C("hdel h a b c d"),
        C("object encoding h"),
        C("hgetall h"),
        C("hset dup a 1 a 2 a 3 a 4 a 5"),
        C("object encoding dup"),
        C("hset five a 1 b 2 c 3 d 4 e 5"),
        C("object encoding five"),
        C("hset v8 f 12345678"),
        C("object encoding v8"),
        C("hset v9 f 123456789"),
        C("object encoding v9"),
        C("hset k9 123456789 v"),
        C("object encoding k9"),
        C("hset inc n 1"),
        C("hincrby inc n 12345678"),
        C("object encoding inc"),
        C("hset inc2 n 1"),
        C("hincrby inc2 n 123456789"),
        C("object encoding inc2"),
        C("hset flt n 1"),
        C("hincrbyfloat flt n 1.2345678"),
        C("object encoding flt"),
        C("hset flt2 n 1"),
        C("hincrbyfloat flt2 n 1.234567"),
        C("object encoding flt2"),
        C("config set hash-max-listpack-entries 0"),
        C("hset zero a 1"),
        C("object encoding zero"),
        C("hgetall zero"),
        C("config set hash-max-listpack-entries 512 hash-max-listpack-value 64"),
        C("hset after a 1"),
        C("object encoding after"),
        C("object encoding h")}},
      {"HashOrderAfterDeletesAndReAdds",
       {C("hset h 1 a 2 b 3 c 4 d 5 e"), C("hdel h 1 3 5"), C("hset h 5 E 1 A"), C("hgetall h"),
        C("hkeys h"), C("hvals h"), C("hscan h 0"), C("hdel h 2 4 5 1"), C("hgetall h"),
        C("hset h 9 x 8 y 3 z"), C("hgetall h"), C("hmget h 3 9 8 7"),
        Pairs("hrandfield h 10 withvalues"), C("object encoding h")}},

      // -------------------------------------------------------------------- sets
      {"SetAddRemMembers",
       {C("sadd s a b c a"),
        C("sadd s a"),
        C("sadd s"),
        C("sadd"),
        Sorted("smembers s"),
        C("scard s"),
        C("scard nokey"),
        C("scard"),
        C("scard s x"),
        C("sismember s a"),
        C("sismember s z"),
        C("sismember nokey a"),
        C("sismember s"),
        C("sismember s a b"),
        C("smismember s a z b a"),
        C("smismember nokey a b"),
        C("smismember s"),
        C("smismember"),
        C("srem s a z"),
        C("srem s a"),
        C("srem nokey a"),
        C("srem s"),
        C("srem"),
        C("srem s b c"),
        C("exists s"),
        C("smembers s"),
        C("object encoding s")}},
      {"SetEmptyAndBinaryMembers",
       {Args({"sadd", "s", ""}), Args({"sismember", "s", ""}), C("smembers s"),
        C("object encoding s"), Args({"sadd", "s", "a\0b"s, "\r\n"}),
        Args({"sismember", "s", "a\0b"s}), Args({"sismember", "s", "a"}), Sorted("smembers s"),
        C("scard s"), Args({"srem", "s", "", "\r\n"}), C("smembers s")}},
      {"SetIntsetOrder",
       {C("sadd s 5 3 -1 100 2 3"),
        C("smembers s"),
        C("object encoding s"),
        C("sadd s 9223372036854775807 -9223372036854775808 0"),
        C("smembers s"),
        C("sscan s 0"),
        C("sscan s 0 count 1 match 1*"),
        C("sismember s 100"),
        C("sismember s 0100"),
        C("sismember s +100"),
        C("sismember s 100.0"),
        C("smismember s 3 03 -1 -01 abc"),
        C("srem s 3 100 99"),
        C("smembers s"),
        C("object encoding s"),
        C("sadd s 9223372036854775808"),
        C("object encoding s"),
        Sorted("smembers s"),
        C("srem s 9223372036854775808"),
        C("object encoding s"),
        Sorted("smembers s"),
        C("sadd lead 007"),
        C("object encoding lead"),
        C("sadd plus +7"),
        C("object encoding plus"),
        C("sadd neg0 -0"),
        C("object encoding neg0"),
        Args({"sadd", "space", " 7"}),
        C("object encoding space"),
        C("sadd huge 123456789012345678901"),
        C("object encoding huge"),
        C("sadd mixed 1 2 x"),
        C("object encoding mixed"),
        Sorted("smembers mixed"),
        C("sadd ints 1 2 3"),
        C("sadd ints x"),
        C("object encoding ints"),
        Sorted("smembers ints"),
        C("srem ints x"),
        C("object encoding ints")}},
      {"SetEncodingConfig",
       {C("config set set-max-intset-entries 4"),
        C("sadd s 4 3 2 1"),
        C("object encoding s"),
        C("smembers s"),
        C("sadd s 1"),
        C("object encoding s"),
        C("sadd s 5"),
        C("object encoding s"),
        Sorted("smembers s"),
        C("srem s 1 2 3 4"),
        C("object encoding s"),
        C("smembers s"),
        C("sadd t 1 2 3 4 5 6"),
        C("object encoding t"),
        C("sadd t2 6 5 4"),
        C("sadd t2 3"),
        C("object encoding t2"),
        C("smembers t2"),
        C("config set set-max-intset-entries 0"),
        C("sadd z 1"),
        C("object encoding z"),
        C("config set set-max-intset-entries 512"),
        Args(WithMembers({"sadd", "big"}, "", 0, 512)),
        C("object encoding big"),
        C("scard big"),
        C("sadd big 512"),
        C("object encoding big"),
        C("scard big"),
        Args(WithMembers({"sadd", "big2"}, "", 1000, 513)),
        C("object encoding big2"),
        C("sismember big2 1512"),
        C("sismember big2 1513")}},
      {"SetOperations",
       {C("sadd a 4 1 3 2"), C("sadd b 5 4 3"),   C("sadd c x y 3"),    C("sinter a b"),
        C("sinter b a"),     C("sinter a c"),     C("sinter a"),        C("sinter a b c"),
        C("sinter a nokey"), C("sinter nokey a"), C("sinter nokey"),    C("sunion a b"),
        C("sunion a nokey"), C("sunion nokey"),   Sorted("sunion a c"), C("sdiff a b"),
        C("sdiff b a"),      C("sdiff a nokey"),  C("sdiff nokey a"),   C("sdiff a a"),
        Sorted("sdiff c a"), C("sdiff a b c"),    C("sinter"),          C("sunion"),
        C("sdiff"),          C("smembers a"),     C("smembers b")}},
      {"SetStoreOperations",
       {C("sadd a 4 1 3 2"),
        C("sadd b 5 4 3"),
        C("sadd c x y 3"),
        C("sinterstore d a b"),
        C("smembers d"),
        C("object encoding d"),
        C("sinterstore d a c"),
        C("smembers d"),
        C("object encoding d"),
        C("sunionstore d a b"),
        C("smembers d"),
        C("object encoding d"),
        C("sunionstore d a c"),
        Sorted("smembers d"),
        C("object encoding d"),
        C("sdiffstore d a b"),
        C("smembers d"),
        C("object encoding d"),
        C("sdiffstore d c a"),
        Sorted("smembers d"),
        C("object encoding d"),
        C("sinterstore d a nokey"),
        C("exists d"),
        C("sunionstore d nokey"),
        C("exists d"),
        C("sadd d 1"),
        C("sdiffstore d a a"),
        C("exists d"),
        C("sinterstore a a b"),
        C("smembers a"),
        C("sunionstore b b c"),
        Sorted("smembers b"),
        C("sdiffstore c c c"),
        C("exists c"),
        C("set str v"),
        C("sinterstore str b"),
        C("type str"),
        Sorted("smembers str"),
        C("hset h f v"),
        C("sunionstore h a"),
        C("type h"),
        C("smembers h"),
        C("set str2 v"),
        C("sdiffstore str2 nokey"),
        C("exists str2"),
        C("set e 1"),
        C("expire e 100"),
        C("sunionstore e a"),
        C("ttl e"),
        C("sinterstore"),
        C("sinterstore d"),
        C("sunionstore d"),
        C("sdiffstore d")}},
      {"SetStoreEncodingsWithConfig",
       {C("config set set-max-intset-entries 4"),
        C("sadd big 1 2 3 4 5 6"),
        C("object encoding big"),
        C("sadd small 2 4 6 8"),
        C("object encoding small"),
        C("sinterstore d big small"),
        C("object encoding d"),
        C("smembers d"),
        C("sdiffstore d big small"),
        C("object encoding d"),
        C("smembers d"),
        C("sunionstore d big small"),
        C("object encoding d"),
        Sorted("smembers d"),
        C("sinterstore d big big"),
        C("object encoding d"),
        Sorted("smembers d"),
        C("sadd strs a b 2"),
        C("sinterstore d strs big"),
        C("object encoding d"),
        C("smembers d"),
        C("sinter big small"),
        Sorted("sinter small big"),
        Sorted("sunion small small"),
        Sorted("sdiff big small"),
        C("config set set-max-intset-entries 512")}},
      {"SetInterCard",
       {C("sadd a 1 2 3 4"),
        C("sadd b 3 4 5"),
        C("sadd c x 3 4"),
        C("sintercard 2 a b"),
        C("sintercard 3 a b c"),
        C("sintercard 1 a"),
        C("sintercard 2 a b limit 1"),
        C("sintercard 2 a b LIMIT 0"),
        C("sintercard 2 a b limit 100"),
        C("sintercard 2 a nokey"),
        C("sintercard 1 nokey"),
        C("sintercard 0 a"),
        C("sintercard -1 a"),
        C("sintercard 3 a b"),
        C("sintercard 1 a b"),
        C("sintercard 2 a b limit -1"),
        C("sintercard 2 a b limit abc"),
        C("sintercard 2 a b limit"),
        C("sintercard 2 a b foo 1"),
        C("sintercard 2 a b limit 1 limit 2"),
        C("sintercard 2 a b limit 1 x"),
        C("sintercard abc a"),
        C("sintercard 9223372036854775808 a"),
        C("sintercard 2147483648 a"),
        C("sintercard 1.5 a"),
        Args({"sintercard", "", "a"}),
        C("sintercard"),
        C("sintercard 1"),
        C("set str v"),
        C("sintercard 1 str"),
        C("sintercard 2 nokey str"),
        C("sintercard 2 a str"),
        C("hset h f v"),
        C("sintercard 2 h a")}},
      {"SetMove", {C("sadd a 1 2 3"),       C("sadd b 4"),
                   C("smove a b 1"),        C("smembers a"),
                   C("smembers b"),         C("smove a b 99"),
                   C("smove nokey b 1"),    C("smove a newkey 2"),
                   C("smembers newkey"),    C("object encoding newkey"),
                   C("smove a newkey2 3"),  C("exists a"),
                   C("smove b b 4"),        C("smove b b 99"),
                   C("smembers b"),         C("sadd strs x y"),
                   C("smove strs b x"),     C("object encoding b"),
                   Sorted("smembers b"),    C("smove b strs 1"),
                   Sorted("smembers strs"), C("set str v"),
                   C("hset h f v"),         C("smove b str 1"),
                   C("smove b h 1"),        C("smove str b 1"),
                   C("smove h b 1"),        C("smove nokey str 1"),
                   C("smove nokey h 1"),    C("smove str str x"),
                   C("smove b nokey 99"),   C("exists nokey"),
                   C("sismember b 1"),      C("smove"),
                   C("smove a b"),          C("smove a b c d")}},
      {"SetPopRandDeterministic",
       {C("spop nokey"),
        C("spop nokey 5"),
        C("spop nokey 0"),
        C("spop nokey -1"),
        C("srandmember nokey"),
        C("srandmember nokey 5"),
        C("srandmember nokey -5"),
        C("srandmember nokey 0"),
        C("sadd s one"),
        C("srandmember s"),
        C("srandmember s 1"),
        C("srandmember s 3"),
        C("srandmember s -3"),
        C("srandmember s 0"),
        C("srandmember s 9223372036854775807"),
        C("spop s 0"),
        C("scard s"),
        C("spop s 5"),
        C("exists s"),
        C("sadd s one"),
        C("spop s"),
        C("spop s"),
        C("exists s"),
        C("sadd s one"),
        C("spop s 1"),
        C("sadd i 3 1 2"),
        C("srandmember i 3"),
        C("srandmember i 100"),
        C("spop i 3"),
        C("exists i"),
        C("sadd i 3 1 2"),
        C("spop i 100"),
        C("sadd t b a c"),
        Sorted("srandmember t 3"),
        Sorted("srandmember t 100"),
        Sorted("spop t 3"),
        C("exists t")}},
      {"SetPopRandErrors",
       {C("sadd s a b c"),
        C("spop s -1"),
        C("spop s abc"),
        C("spop s 1.5"),
        C("spop s 9223372036854775808"),
        C("spop s -9223372036854775808"),
        C("spop s 1 2"),
        C("spop nokey -1"),
        C("spop nokey abc"),
        C("spop"),
        C("srandmember s -9223372036854775808"),
        C("srandmember nokey -9223372036854775808"),
        C("srandmember s 9223372036854775808"),
        C("srandmember s abc"),
        C("srandmember nokey abc"),
        Args({"srandmember", "s", ""}),
        C("srandmember s 1 2"),
        C("srandmember s 1 withvalues"),
        C("srandmember"),
        C("scard s")}},
      {"SetArity",
       {C("sadd s"),       C("srem s"),          C("smembers"),       C("smembers s x"),
        C("sismember s"),  C("smismember s"),    C("scard"),          C("spop"),
        C("srandmember"),  C("smove a b"),       C("sinter"),         C("sintercard"),
        C("sintercard 1"), C("sinterstore d"),   C("sunion"),         C("sunionstore d"),
        C("sdiff"),        C("sdiffstore d"),    C("sscan"),          C("sscan s"),
        C("SADD"),         C("sscan s 0 count"), C("sscan s 0 match")}},
      {"SetMissingKey",
       {C("smembers nokey"), C("scard nokey"), C("sismember nokey a"), C("smismember nokey a b"),
        C("srem nokey a"), C("spop nokey"), C("spop nokey 3"), C("srandmember nokey"),
        C("srandmember nokey 3"), C("srandmember nokey -3"), C("sinter nokey"),
        C("sunion nokey nokey2"), C("sdiff nokey"), C("sintercard 1 nokey"),
        C("sinterstore d nokey"), C("sscan nokey 0"), C("sscan nokey abc"), C("type nokey")}},
      {"SetScan",
       {C("sadd s 5 1 3 10 11"),
        C("sscan s 0"),
        C("sscan s 0 count 1"),
        C("sscan s 0 match 1*"),
        C("sscan s 0 MATCH ? COUNT 2"),
        C("sscan s 12345"),
        C("sscan s -1"),
        C("sscan s abc"),
        Args({"sscan", "s", ""}),
        C("sscan s 18446744073709551616"),
        C("sscan s 0 count 0"),
        C("sscan s 0 count -5"),
        C("sscan s 0 count abc"),
        C("sscan s 0 count"),
        C("sscan s 0 match"),
        C("sscan s 0 type set"),
        C("sscan s 0 foo"),
        C("sadd t a b c"),
        ScanAll("sscan t"),
        ScanAll("sscan t count 1"),
        ScanAll("sscan t match [ab]"),
        Args(WithMembers({"sadd", "big"}, "m", 0, 700)),
        ScanAll("sscan big"),
        ScanAll("sscan big count 7 match m1*"),
        ScanAll("sscan big match nothing"),
        C("sscan nokey 0 count 0"),
        C("sscan nokey 0 match")}},
      {"BigHashtableContents",
       {Args(WithPairs({"hset", "h"}, "field:", "value:", 0, 600)),
        C("object encoding h"),
        C("hlen h"),
        Pairs("hgetall h"),
        Sorted("hkeys h"),
        Sorted("hvals h"),
        C("hmget h field:0 field:599 field:600"),
        C("hdel h field:0 field:1 nofield"),
        C("hincrby h field:2 1"),
        C("hset h field:3 5"),
        C("hincrby h field:3 10"),
        C("hincrbyfloat h field:3 0.5"),
        C("hstrlen h field:4"),
        C("hexists h field:0"),
        C("hlen h"),
        Pairs("hgetall h"),
        ScanAll("hscan h"),
        ScanAll("hscan h count 3 match field:5*"),
        Args(WithMembers({"sadd", "s"}, "member:", 0, 600)),
        Args(WithMembers({"sadd", "t"}, "member:", 300, 600)),
        C("object encoding s"),
        Sorted("smembers s"),
        Sorted("sinter s t"),
        Sorted("sunion s t"),
        Sorted("sdiff s t"),
        Sorted("sdiff t s"),
        C("sintercard 2 s t"),
        C("sintercard 2 s t limit 10"),
        C("sinterstore d s t"),
        C("object encoding d"),
        C("sunionstore d s t"),
        C("scard d"),
        C("sdiffstore d s t"),
        Sorted("smembers d"),
        C("smismember s member:0 member:600 member:599"),
        C("srem s member:0 member:1 nomember"),
        C("scard s"),
        C("smove s t member:2"),
        C("smove s t member:500"),
        C("scard s"),
        C("scard t")}},

      // -------------------------------------------------------------- wrong type
      {"WrongTypeHashCommandsOnOtherTypes",
       {C("set str v"),
        C("sadd set a"),
        C("hset str f v"),
        C("hset set f v"),
        C("hsetnx str f v"),
        C("hmset set f v"),
        C("hget str f"),
        C("hget set f"),
        C("hmget str f"),
        C("hgetall str"),
        C("hgetall set"),
        C("hkeys str"),
        C("hvals set"),
        C("hdel str f"),
        C("hlen set"),
        C("hstrlen str f"),
        C("hexists set f"),
        C("hincrby str f 1"),
        C("hincrbyfloat set f 1"),
        C("hrandfield str"),
        C("hrandfield set 3 withvalues"),
        C("hrandfield set -9223372036854775808"),
        C("hrandfield str abc"),
        C("hscan str 0"),
        C("hscan set 0"),
        C("hscan str abc"),
        C("hincrby str f abc"),
        C("get str"),
        C("smembers set")}},
      {"WrongTypeSetCommandsOnOtherTypes",
       {C("set str v"),       C("hset h f v"),           C("sadd str a"),
        C("sadd h a"),        C("srem str a"),           C("smembers h"),
        C("sismember str a"), C("smismember h a"),       C("scard str"),
        C("spop h"),          C("spop str 2"),           C("spop h -1"),
        C("srandmember str"), C("srandmember h 2"),      C("srandmember h -9223372036854775808"),
        C("sinter str"),      C("sinter nokey str"),     C("sinter str nokey"),
        C("sinter h"),        C("sunion nokey h"),       C("sdiff nokey str"),
        C("sdiff str nokey"), C("sinterstore d str"),    C("sinterstore d nokey str"),
        C("sunionstore d h"), C("sdiffstore d nokey h"), C("exists d"),
        C("sintercard 1 h"),  C("sscan str 0"),          C("sscan h 0"),
        C("sscan h abc"),     C("smove str h a"),        C("get str"),
        C("hgetall h")}},
      {"WrongTypeStringCommandsOnHash",
       {C("hset h f v"),
        C("get h"),
        C("append h x"),
        C("incr h"),
        C("decr h"),
        C("incrby h 2"),
        C("decrby h 2"),
        C("incrbyfloat h 1.5"),
        C("strlen h"),
        C("getrange h 0 -1"),
        C("substr h 0 -1"),
        C("setrange h 0 x"),
        C("getset h x"),
        C("getdel h"),
        C("getex h"),
        C("getex h ex 100"),
        C("set h v get"),
        C("setnx h v"),
        C("msetnx h v other w"),
        C("exists other"),
        C("lcs h h"),
        C("mget h nokey h"),
        C("type h"),
        C("hgetall h"),
        C("set h v"),
        C("type h"),
        C("get h"),
        C("hgetall h")}},
      {"WrongTypeStringCommandsOnSet",
       {C("sadd s a"),        C("get s"),      C("append s x"),     C("incr s"),
        C("incrbyfloat s 1"), C("decrby s 1"), C("strlen s"),       C("setrange s 0 x"),
        C("getrange s 0 1"),  C("getset s x"), C("getdel s"),       C("getex s persist"),
        C("set s v get"),     C("set s v nx"), C("set s v nx get"), C("set s v xx get"),
        C("setnx s v"),       C("msetnx s v"), C("mget nokey s"),   C("mget s s"),
        C("lcs s nokey"),     C("smembers s"), C("sadd s2 a"),      C("psetex s2 100000 v"),
        C("type s2"),         C("get s2"),     C("sadd s3 a"),      C("set s3 v xx"),
        C("type s3"),         C("mset s v"),   C("type s"),         C("get s"),
        C("sadd s a")}},

      // ---------------------------------------------------------------- keyspace
      {"TypeAndEncoding",
       {C("hset h a 1"), C("sadd s x"), C("sadd i 1"), C("set str v"), C("type h"), C("type s"),
        C("type i"), C("type str"), C("type nokey"), C("object encoding h"), C("object encoding s"),
        C("object encoding i"), C("object encoding nokey"), C("object refcount h"),
        C("object refcount s"), C("object freq h"), C("object encoding h x"), C("object nosuch h"),
        C("object help x")}},
      {"ScanType",
       {C("hset h1 a 1"), C("hset h2 a 1"), C("sadd s1 a"), C("sadd s2 1"), C("set str v"),
        ScanAll("scan type hash"), ScanAll("scan type set"), ScanAll("scan type HASH"),
        ScanAll("scan type string"), ScanAll("scan type list"), ScanAll("scan type zset"),
        ScanAll("scan type stream"), ScanAll("scan type nosuchtype"), ScanAll("scan"),
        ScanAll("scan match h* type set"), ScanAll("scan match *1 count 1 type hash"),
        C("scan 0 type")}},
      {"RenameHashAndSet",
       {C("hset h a 1 b 2 c 3"),
        C("sadd s 3 1 2"),
        C("sadd t x"),
        C("rename h h2"),
        C("exists h"),
        C("type h2"),
        C("hgetall h2"),
        C("object encoding h2"),
        C("rename s s2"),
        C("smembers s2"),
        C("object encoding s2"),
        C("rename h2 s2"),
        C("type s2"),
        C("hgetall s2"),
        C("exists h2"),
        C("renamenx s2 t"),
        C("renamenx s2 u"),
        C("hgetall u"),
        C("rename u u"),
        C("hgetall u"),
        C("rename nokey x"),
        C("set str v"),
        C("rename t str"),
        C("type str"),
        C("smembers str"),
        C("hset e f v"),
        C("expire e 100"),
        C("rename e e2"),
        C("ttl e2"),
        C("hgetall e2")}},
      {"CopyHashAndSet",
       {C("hset h a 1 b 2 c 3"),
        C("sadd s 3 1 2"),
        C("copy h h2"),
        C("hgetall h2"),
        C("object encoding h2"),
        C("hset h2 d 4"),
        C("hdel h2 a"),
        C("hgetall h"),
        C("hgetall h2"),
        C("copy s s2"),
        C("sadd s2 0 x"),
        C("smembers s"),
        Sorted("smembers s2"),
        C("object encoding s"),
        C("object encoding s2"),
        C("copy h s"),
        C("copy h s replace"),
        C("type s"),
        C("hgetall s"),
        C("copy h h"),
        C("copy nokey x"),
        C("copy h h3 db 1"),
        C("copy s2 s3 db 1"),
        C("select 1"),
        C("hgetall h3"),
        Sorted("smembers s3"),
        C("type s3"),
        C("object encoding s3"),
        C("select 0"),
        C("copy h h3 db 1"),
        C("copy h h3 db 1 replace"),
        C("copy h h3 db 16"),
        C("copy h h3 foo"),
        C("hset e f v"),
        C("expire e 100"),
        C("copy e e2"),
        C("ttl e2"),
        Args(WithPairs({"hset", "big"}, "f", "v", 0, 600)),
        C("copy big big2"),
        C("object encoding big2"),
        C("hlen big2"),
        Pairs("hgetall big2"),
        C("hdel big f1"),
        C("hexists big2 f1")}},
      {"MoveHashAndSet",
       {C("hset h a 1 b 2"), C("sadd s 2 1"),   C("move h 1"),          C("exists h"),
        C("move s 1"),       C("move nokey 1"), C("select 1"),          C("hgetall h"),
        C("smembers s"),     C("type h"),       C("object encoding s"), C("hset h c 3"),
        C("select 0"),       C("hset h x 1"),   C("select 1"),          C("move h 0"),
        C("hgetall h"),      C("select 0"),     C("hgetall h"),         C("move h 0"),
        C("move h 16"),      C("move h abc"),   C("set str v"),         C("move str 1"),
        C("select 1"),       C("get str")}},
      {"DelExistsExpire", {C("hset h a 1"),     C("sadd s a"),      C("exists h s nokey h"),
                           C("expire h 100"),   C("ttl h"),         C("hset h b 2"),
                           C("ttl h"),          C("hdel h a"),      C("ttl h"),
                           C("expire s 100"),   C("sadd s b"),      C("srem s a"),
                           C("ttl s"),          C("persist s"),     C("ttl s"),
                           C("hdel h b"),       C("ttl h"),         C("exists h"),
                           C("hset h a 1"),     C("ttl h"),         C("pexpire h 100000"),
                           C("set h v"),        C("ttl h"),         C("type h"),
                           C("hset h2 a 1"),    C("sadd s2 a"),     C("del h2 s2 s nokey"),
                           C("exists h2 s2 s"), C("hset h3 a 1"),   C("sadd s3 1"),
                           C("unlink h3 s3"),   C("touch h3 s3"),   C("hset h4 a 1"),
                           C("expire h4 0"),    C("exists h4"),     C("sadd s4 1"),
                           C("pexpireat s4 1"), C("smembers s4"),   C("type s4"),
                           C("hset h5 a 1"),    C("expire h5 100"), C("ttl h5"),
                           C("dbsize")}},
      {"SetOverwritesHashAndSet",
       {C("hset h a 1"),       C("set h v"),        C("type h"),      C("get h"),
        C("sadd s a"),         C("set s v ex 100"), C("type s"),      C("get s"),
        C("hset h2 a 1"),      C("setex h2 100 v"), C("type h2"),     C("sadd s2 a"),
        C("getex s2"),         C("mset h2 x s2 y"), C("mget h2 s2"),  C("hset h3 a 1"),
        C("set h3 v xx"),      C("get h3"),         C("sadd s3 a"),   C("set s3 v nx"),
        C("type s3"),          C("incr h3"),        C("hset h3 a 1"), C("sadd h3 a"),
        C("set h3 v keepttl"), C("type h3")}},
      {"MultiExecOnHashesAndSets",
       {C("multi"), C("hset h a 1"), C("sadd h x"), C("hget h a"), C("sadd s 1 2"), C("smembers s"),
        C("hgetall h"), C("exec"), C("hgetall h"), C("smembers s")}},
  };
}

class HashSetDiffTest : public ServerTest, public ::testing::WithParamInterface<DiffCase> {
 protected:
  bool WithRedis() const override { return true; }
};

TEST_P(HashSetDiffTest, SameRepliesAsRedis) {
  const DiffCase& c = GetParam();
  const std::string expected = RunCase(redis().port(), c);
  const std::string actual = RunCase(valkdb().port(), c);
  if (!SameTranscriptsUpToClock(actual, expected)) {
    EXPECT_EQ(actual, expected) << "valkdb (actual) and redis-server (expected) differ";
  }
}

// Named "compat..." so that `ctest -R compat` selects them.
INSTANTIATE_TEST_SUITE_P(compat_hash_set, HashSetDiffTest,
                         ::testing::ValuesIn(WithResp3(Resp2Cases())),
                         [](const ::testing::TestParamInfo<DiffCase>& info) {
                           return info.param.name;
                         });

// ------------------------------------------------------------ random replies
//
// HRANDFIELD, SRANDMEMBER and SPOP: the same commands on both servers, whose
// replies must have the same shape (RESP type markers and counts) and keep
// the invariants (members of the set, distinct when the count is positive,
// the right value for each field, the set shrinks by what was popped). Redis
// is checked too, which keeps the checks honest.

// Sends `commands` pipelined and returns the replies.
std::vector<RespValue> Pipeline(RespClient& conn,
                                const std::vector<std::vector<std::string>>& commands) {
  std::string bytes;
  for (const auto& command : commands) bytes += Encode(command);
  std::vector<RespValue> replies;
  if (!conn.Send(bytes).ok()) return replies;
  for (size_t i = 0; i < commands.size(); ++i) {
    auto reply = conn.ReadReply();
    if (!reply.ok()) break;
    replies.push_back(*std::move(reply));
  }
  return replies;
}

char Marker(const RespValue& v) {
  switch (v.type) {
    case RespValue::Type::kSimpleString:
      return '+';
    case RespValue::Type::kError:
      return '-';
    case RespValue::Type::kInteger:
      return ':';
    case RespValue::Type::kBulkString:
      return '$';
    case RespValue::Type::kNull:
      return '_';
    case RespValue::Type::kArray:
      return '*';
    case RespValue::Type::kMap:
      return '%';
    case RespValue::Type::kSet:
      return '~';
    case RespValue::Type::kPush:
      return '>';
    case RespValue::Type::kDouble:
      return ',';
    case RespValue::Type::kBoolean:
      return '#';
    case RespValue::Type::kVerbatim:
      return '=';
    case RespValue::Type::kBigNumber:
      return '(';
  }
  return '?';
}

// "~3<$>" for a set of three bulk strings, "*2[*2<$>,$]" for mixed elements;
// errors keep their text.
std::string Shape(const RespValue& v) {
  if (v.is_error()) return StrCat("-", v.str);
  if (!v.is_aggregate()) return std::string(1, Marker(v));
  std::string out = StrCat(std::string(1, Marker(v)), v.elements.size());
  if (v.elements.empty()) return out;
  std::vector<std::string> shapes;
  for (const RespValue& e : v.elements) shapes.push_back(Shape(e));
  if (std::all_of(shapes.begin(), shapes.end(),
                  [&](const std::string& s) { return s == shapes[0]; })) {
    return StrCat(out, "<", shapes[0], ">");
  }
  out += "[";
  for (size_t i = 0; i < shapes.size(); ++i) StrAppend(&out, i ? "," : "", shapes[i]);
  return out + "]";
}

// One server's run of the random commands: the shapes of its replies, with
// the invariants checked along the way (failures name the server).
class RandomRun {
 public:
  RandomRun(RespClient& conn, std::string server, bool resp3)
      : conn_(conn), server_(std::move(server)), resp3_(resp3) {}

  const std::string& shapes() const { return shapes_; }

  // Runs `args`; its reply's shape is recorded under `label`, or under the
  // command itself (which must then not hold random members).
  RespValue Run(const std::vector<std::string>& args, std::string label = "") {
    RespValue reply = conn_.Run(args);
    if (label.empty()) {
      for (const std::string& a : args) StrAppend(&label, label.empty() ? "" : " ", a);
    }
    StrAppend(&shapes_, label, " -> ", Shape(reply), "\n");
    return reply;
  }

  // Runs `args` (a deterministic command) and records its whole reply.
  void Note(const std::vector<std::string>& args) {
    RespValue reply = conn_.Run(args);
    std::string line;
    for (const std::string& a : args) StrAppend(&line, line.empty() ? "" : " ", a);
    StrAppend(&shapes_, line, " -> ", reply.DebugString(), "\n");
  }

  // Members returned by SRANDMEMBER/SPOP with a count, or HRANDFIELD without values.
  std::vector<std::string> Strings(const RespValue& reply, const std::string& what) {
    std::vector<std::string> out;
    if (!reply.is_aggregate()) {
      ADD_FAILURE() << server_ << ": " << what << ": not an aggregate: " << reply.DebugString();
      return out;
    }
    for (const RespValue& e : reply.elements) {
      EXPECT_EQ(e.type, RespValue::Type::kBulkString) << server_ << ": " << what;
      out.push_back(e.str);
    }
    return out;
  }

  void ExpectMembers(const std::vector<std::string>& got, const std::set<std::string>& of,
                     bool distinct, const std::string& what) {
    std::set<std::string> seen;
    for (const std::string& m : got) {
      EXPECT_TRUE(of.count(m)) << server_ << ": " << what << ": '" << m << "' is not a member";
      if (distinct) {
        EXPECT_TRUE(seen.insert(m).second) << server_ << ": " << what << ": '" << m << "' twice";
      }
    }
  }

  // SRANDMEMBER on `key` holding `members`, which it must not change.
  void SRandMember(const std::string& key, const std::set<std::string>& members) {
    const int64_t size = static_cast<int64_t>(members.size());
    RespValue one = Run({"SRANDMEMBER", key});
    EXPECT_EQ(one.type, RespValue::Type::kBulkString) << server_;
    EXPECT_TRUE(members.count(one.str)) << server_ << ": SRANDMEMBER " << key << " -> " << one.str;
    for (int64_t count : {int64_t{1}, int64_t{3}, size / 2, size - 1, size, size + 5, int64_t{-1},
                          int64_t{-25}, -size, -(size * 3)}) {
      const std::string what = StrCat("SRANDMEMBER ", key, " ", count);
      RespValue reply = Run({"SRANDMEMBER", key, StrCat(count)});
      std::vector<std::string> got = Strings(reply, what);
      const size_t want =
          count >= 0 ? static_cast<size_t>(std::min(count, size)) : static_cast<size_t>(-count);
      EXPECT_EQ(got.size(), want) << server_ << ": " << what;
      ExpectMembers(got, members, count > 0, what);
      if (count >= size) {
        EXPECT_EQ(std::set<std::string>(got.begin(), got.end()), members)
            << server_ << ": " << what;
      }
    }
    EXPECT_EQ(Run({"SCARD", key}), Int(size)) << server_ << ": SRANDMEMBER changed " << key;
  }

  // SPOPs until `key` is empty, checking what is left after each.
  void SPop(const std::string& key, std::set<std::string> members) {
    auto pop = [&](const std::vector<std::string>& popped, bool distinct, const std::string& what) {
      ExpectMembers(popped, members, distinct, what);
      for (const std::string& m : popped) members.erase(m);
      EXPECT_EQ(Run({"SCARD", key}), Int(static_cast<int64_t>(members.size())))
          << server_ << ": " << what;
      if (!popped.empty()) {
        std::vector<std::string> args = {"SMISMEMBER", key};
        args.insert(args.end(), popped.begin(), popped.end());
        RespValue present = Run(args, StrCat("SMISMEMBER ", key, " <", popped.size(), " popped>"));
        for (const RespValue& p : present.elements) {
          EXPECT_EQ(p, Int(0)) << server_ << ": " << what << ": a popped member is still there";
        }
      }
    };
    RespValue one = Run({"SPOP", key});
    EXPECT_EQ(one.type, RespValue::Type::kBulkString) << server_ << ": SPOP " << key;
    pop({one.str}, true, StrCat("SPOP ", key));
    for (int round = 0; round < 5; ++round) {
      // 1, 3, an eighth of what is left, all but two, then more than the two left.
      const int64_t left = static_cast<int64_t>(members.size());
      const int64_t count = round == 0   ? 1
                            : round == 1 ? 3
                            : round == 2 ? left / 8
                            : round == 3 ? left - 2
                                         : 10;
      const std::string what = StrCat("SPOP ", key, " ", count);
      const size_t before = members.size();
      RespValue reply = Run({"SPOP", key, StrCat(count)});
      EXPECT_EQ(Marker(reply), resp3_ ? '~' : '*') << server_ << ": " << what;
      std::vector<std::string> got = Strings(reply, what);
      EXPECT_EQ(got.size(), std::min(before, static_cast<size_t>(count)))
          << server_ << ": " << what;
      pop(got, true, what);
      if (members.size() <= 20) {
        RespValue rest = Run({"SMEMBERS", key});
        std::vector<std::string> left = Strings(rest, "SMEMBERS");
        EXPECT_EQ(std::set<std::string>(left.begin(), left.end()), members)
            << server_ << ": after " << what;
      }
    }
    EXPECT_TRUE(members.empty()) << server_;
    EXPECT_EQ(Run({"EXISTS", key}), Int(0)) << server_ << ": the emptied set still exists";
    EXPECT_TRUE(Run({"SPOP", key}).is_null()) << server_;
  }

  // HRANDFIELD on `key` holding `fields`.
  void HRandField(const std::string& key, const std::map<std::string, std::string>& fields) {
    const int64_t size = static_cast<int64_t>(fields.size());
    std::set<std::string> names;
    for (const auto& [f, v] : fields) names.insert(f);
    RespValue one = Run({"HRANDFIELD", key});
    EXPECT_EQ(one.type, RespValue::Type::kBulkString) << server_;
    EXPECT_TRUE(names.count(one.str)) << server_ << ": HRANDFIELD " << key << " -> " << one.str;
    for (int64_t count : {int64_t{1}, int64_t{3}, size / 2, size - 1, size, size + 5, int64_t{-1},
                          int64_t{-25}, -size, -(size * 3)}) {
      const size_t want =
          count >= 0 ? static_cast<size_t>(std::min(count, size)) : static_cast<size_t>(-count);
      std::string what = StrCat("HRANDFIELD ", key, " ", count);
      std::vector<std::string> got = Strings(Run({"HRANDFIELD", key, StrCat(count)}), what);
      EXPECT_EQ(got.size(), want) << server_ << ": " << what;
      ExpectMembers(got, names, count > 0, what);
      what += " WITHVALUES";
      RespValue reply = Run({"HRANDFIELD", key, StrCat(count), "WITHVALUES"});
      ASSERT_EQ(reply.type, RespValue::Type::kArray) << server_ << ": " << what;
      std::vector<std::pair<std::string, std::string>> pairs;
      if (resp3_) {
        // An array of [field, value] arrays.
        EXPECT_EQ(reply.elements.size(), want) << server_ << ": " << what;
        for (const RespValue& pair : reply.elements) {
          EXPECT_EQ(pair.type, RespValue::Type::kArray) << server_ << ": " << what;
          EXPECT_EQ(pair.elements.size(), 2u) << server_ << ": " << what;
          if (pair.elements.size() == 2)
            pairs.emplace_back(pair.elements[0].str, pair.elements[1].str);
        }
      } else {
        // Flat: field, value, field, value, ...
        EXPECT_EQ(reply.elements.size(), 2 * want) << server_ << ": " << what;
        for (size_t i = 0; i + 1 < reply.elements.size(); i += 2) {
          pairs.emplace_back(reply.elements[i].str, reply.elements[i + 1].str);
        }
      }
      std::vector<std::string> got_fields;
      for (const auto& [f, v] : pairs) {
        got_fields.push_back(f);
        auto it = fields.find(f);
        if (it != fields.end()) {
          EXPECT_EQ(v, it->second) << server_ << ": " << what << ": the value of " << f;
        }
      }
      ExpectMembers(got_fields, names, count > 0, what);
      if (count >= size) {
        EXPECT_EQ(std::set<std::string>(got_fields.begin(), got_fields.end()), names)
            << server_ << ": " << what;
      }
    }
    EXPECT_EQ(Run({"HLEN", key}), Int(size)) << server_;
  }

 private:
  RespClient& conn_;
  std::string server_;
  bool resp3_;
  std::string shapes_;
};

class compat_HashSetRandom : public ServerTest, public ::testing::WithParamInterface<bool> {
 protected:
  bool WithRedis() const override { return true; }

  // The whole random workload on one server; returns the reply shapes.
  static std::string Workload(int port, const std::string& server, bool resp3) {
    auto conn = RespClient::Connect(port);
    if (!conn.ok()) {
      ADD_FAILURE() << server << ": " << conn.status();
      return "";
    }
    RespClient& c = **conn;
    if (resp3) {
      EXPECT_FALSE(c.Run({"HELLO", "3"}).is_error()) << server;
    }
    EXPECT_EQ(c.Run({"FLUSHALL"}), Ok()) << server;
    RandomRun run(c, server, resp3);

    // Sets: an intset, a small hashtable, a big hashtable.
    std::set<std::string> ints, strs, big;
    for (int i = 1; i <= 12; ++i) ints.insert(StrCat(i * 7 - 20));
    for (char ch = 'a'; ch <= 'l'; ++ch) strs.insert(std::string(3, ch));
    for (int i = 0; i < 700; ++i) big.insert(StrCat("m:", i));
    for (const auto& [key, members] :
         {std::pair<std::string, const std::set<std::string>*>{"ints", &ints},
          {"strs", &strs},
          {"big", &big}}) {
      std::vector<std::string> args = {"SADD", key};
      args.insert(args.end(), members->begin(), members->end());
      EXPECT_EQ(c.Run(args), Int(static_cast<int64_t>(members->size()))) << server;
    }
    run.Note({"OBJECT", "ENCODING", "ints"});
    run.Note({"OBJECT", "ENCODING", "strs"});
    run.Note({"OBJECT", "ENCODING", "big"});
    run.SRandMember("ints", ints);
    run.SRandMember("strs", strs);
    run.SRandMember("big", big);
    run.SPop("ints", ints);
    run.SPop("strs", strs);
    run.SPop("big", big);

    // Hashes: a listpack and a hashtable.
    std::map<std::string, std::string> small, large;
    for (int i = 0; i < 12; ++i) small[StrCat("f", i)] = StrCat("v", i * i);
    for (int i = 0; i < 700; ++i) large[StrCat("field:", i)] = StrCat("value:", i);
    for (const auto& [key, fields] :
         {std::pair<std::string, const std::map<std::string, std::string>*>{"small", &small},
          {"large", &large}}) {
      std::vector<std::string> args = {"HSET", key};
      for (const auto& [f, v] : *fields) {
        args.push_back(f);
        args.push_back(v);
      }
      EXPECT_EQ(c.Run(args), Int(static_cast<int64_t>(fields->size()))) << server;
    }
    run.Note({"OBJECT", "ENCODING", "small"});
    run.Note({"OBJECT", "ENCODING", "large"});
    run.HRandField("small", small);
    run.HRandField("large", large);
    return run.shapes();
  }
};

TEST_P(compat_HashSetRandom, ShapesAndInvariantsAsRedis) {
  const bool resp3 = GetParam();
  const std::string expected = Workload(redis().port(), "redis-server", resp3);
  const std::string actual = Workload(valkdb().port(), "valkdb", resp3);
  EXPECT_EQ(actual, expected) << "reply shapes of valkdb (actual) and redis-server (expected)";
}

INSTANTIATE_TEST_SUITE_P(compat_hash_set, compat_HashSetRandom, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "Resp3" : "Resp2";
                         });

// ---------------------------------------------------------- pipelined lookups
//
// A long pipeline of member and field lookups and changes in big (hashtable
// and skiplist encoded) sets, hashes and sorted sets, sent in one write, so
// valkdb prefetches the buckets of queued commands before they run (see
// MemberPrefetcher). In the middle the keys change under the queued commands:
// another database is selected, a big set is deleted, replaced by a string
// and recreated small, a member moves out. The replies must be Redis's byte
// for byte, and the structures' contents the same afterwards.

class compat_PipelinedLookups : public ServerTest, public ::testing::WithParamInterface<bool> {
 protected:
  bool WithRedis() const override { return true; }

  static std::vector<std::vector<std::string>> Load() {
    std::vector<std::string> sadd = {"SADD", "bigset"}, hset = {"HSET", "bighash"},
                             zadd = {"ZADD", "bigz"};
    for (int i = 0; i < 700; ++i) {
      sadd.push_back(StrCat("m:", i));
      hset.insert(hset.end(), {StrCat("f:", i), StrCat("v", i)});
    }
    for (int i = 0; i < 300; ++i) zadd.insert(zadd.end(), {StrCat(i % 37), StrCat("m:", i)});
    return {{"FLUSHALL"},
            sadd,
            hset,
            zadd,
            {"SADD", "smallset", "a", "b"},
            {"SELECT", "1"},
            {"SADD", "bigset", "x"},
            {"SELECT", "0"}};
  }

  static std::vector<std::vector<std::string>> Commands() {
    std::vector<std::vector<std::string>> c;
    for (int i = 0; i < 40; ++i) {
      const std::string m = StrCat("m:", i);
      c.push_back({"SISMEMBER", "bigset", StrCat("m:", i * 17 % 800)});
      c.push_back({"SADD", "bigset", StrCat("m:", i * 31 % 900), StrCat("n:", i)});
      c.push_back({"SREM", "bigset", StrCat("m:", i * 13 % 700)});
      c.push_back({"SMISMEMBER", "bigset", "m:1", "m:2", "zz", m});
      c.push_back({"SMOVE", "bigset", "smallset", StrCat("m:", i * 3)});
      c.push_back({"HGET", "bighash", StrCat("f:", i * 7 % 800)});
      c.push_back(
          {"HSET", "bighash", StrCat("f:", i * 11 % 900), StrCat("w", i), StrCat("g:", i), "x"});
      c.push_back({"HDEL", "bighash", StrCat("f:", i * 3 % 700)});
      c.push_back({"HEXISTS", "bighash", StrCat("f:", i)});
      c.push_back({"HSTRLEN", "bighash", StrCat("f:", i + 1)});
      c.push_back({"HINCRBY", "bighash", "count", "1"});
      c.push_back({"HMGET", "bighash", "f:1", StrCat("f:", i), "nope"});
      c.push_back({"ZSCORE", "bigz", StrCat("m:", i * 5 % 400)});
      c.push_back({"ZADD", "bigz", StrCat(i), StrCat("m:", i * 9 % 400)});
      c.push_back({"ZRANK", "bigz", m});
      c.push_back({"ZINCRBY", "bigz", "1.5", StrCat("m:", i * 2)});
      c.push_back({"ZREM", "bigz", StrCat("m:", i * 7 % 300)});
      c.push_back({"ZMSCORE", "bigz", "m:1", "nope", m});
      if (i % 10 == 5) {
        c.push_back({"SELECT", "1"});
        c.push_back({"SISMEMBER", "bigset", "m:1"});
        c.push_back({"SADD", "bigset", m});
        c.push_back({"HGET", "bighash", "f:1"});
        c.push_back({"SELECT", "0"});
      }
      if (i == 20) {
        c.push_back({"DEL", "bigset"});
        c.push_back({"SISMEMBER", "bigset", "m:1"});
        c.push_back({"SET", "bigset", "now a string"});
        c.push_back({"SADD", "bigset", "m:1"});
        c.push_back({"HGET", "bigset", "m:1"});
        c.push_back({"DEL", "bigset"});
        c.push_back({"SADD", "bigset", "m:1", "m:2"});
      }
    }
    c.push_back({"SCARD", "bigset"});
    c.push_back({"HLEN", "bighash"});
    c.push_back({"ZCARD", "bigz"});
    c.push_back({"OBJECT", "ENCODING", "bighash"});
    c.push_back({"OBJECT", "ENCODING", "bigz"});
    c.push_back({"SORT", "bigset", "ALPHA"});
    c.push_back({"ZRANGE", "bigz", "0", "-1", "WITHSCORES"});
    return c;
  }

  // The replies to the pipeline, one line each, then the big hash's fields
  // and values (sorted: a hashtable's order is its own), on one server.
  static std::vector<std::string> Transcript(int port, bool resp3) {
    auto client = RespClient::Connect(port);
    if (!client.ok()) return {StrCat("<connect failed: ", client.status().ToString(), ">")};
    RespClient& conn = **client;
    if (resp3 && conn.Run({"HELLO", "3"}).is_error()) return {"<HELLO 3 failed>"};
    for (const auto& command : Load()) {
      if (conn.Run(command).is_error()) return {StrCat("<load failed: ", command[0], ">")};
    }
    const auto commands = Commands();
    std::string bytes;
    for (const auto& command : commands) bytes += Encode(command);
    if (!conn.Send(bytes).ok()) return {"<send failed>"};
    std::vector<std::string> lines;
    for (const auto& command : commands) {
      auto raw = conn.ReadRawReply();
      if (!raw.ok()) {
        lines.push_back(StrCat("<no reply: ", raw.status().message(), ">"));
        return lines;
      }
      lines.push_back(StrCat(command[0], " ", command[1], " -> ", Visible(*raw, 100000)));
    }
    const RespValue all = conn.Run({"HGETALL", "bighash"});
    std::vector<std::string> fields;
    for (size_t i = 0; i + 1 < all.elements.size(); i += 2) {
      fields.push_back(StrCat(all.elements[i].str, "=", all.elements[i + 1].str));
    }
    std::sort(fields.begin(), fields.end());
    lines.push_back(StrCat("HGETALL bighash -> ", Join(fields, " ")));
    return lines;
  }
};

TEST_P(compat_PipelinedLookups, SameRepliesAndContentsAsRedis) {
  const std::vector<std::string> expected = Transcript(redis().port(), GetParam());
  const std::vector<std::string> actual = Transcript(valkdb().port(), GetParam());
  for (size_t i = 0; i < std::min(actual.size(), expected.size()); ++i) {
    if (actual[i] != expected[i]) {
      ADD_FAILURE() << "reply " << i << " differs\nvalkdb:       " << actual[i]
                    << "\nredis-server: " << expected[i];
      break;
    }
  }
  EXPECT_EQ(actual.size(), expected.size());
}

INSTANTIATE_TEST_SUITE_P(compat_hash_set, compat_PipelinedLookups, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "Resp3" : "Resp2";
                         });

// ------------------------------------------------------------------ scanning
//
// SSCAN and HSCAN with COUNT 5 over 2000 elements return every element present
// throughout, while another client adds and removes other elements between
// the calls (growing and shrinking the table). Deterministic: the writes are
// interleaved with the scan calls, not raced.

class compat_HashSetScan : public ServerTest {
 protected:
  bool WithRedis() const override { return true; }

  static void FullScan(int port, const std::string& server, bool hash, const std::string& match) {
    SCOPED_TRACE(StrCat(server, hash ? " HSCAN" : " SSCAN", match.empty() ? "" : " MATCH ", match));
    auto reader = RespClient::Connect(port);
    auto writer = RespClient::Connect(port);
    ASSERT_OK(reader);
    ASSERT_OK(writer);
    RespClient& r = **reader;
    RespClient& w = **writer;
    ASSERT_EQ(r.Run({"FLUSHALL"}), Ok());
    const std::string key = hash ? "hbig" : "sbig";
    constexpr int kStable = 2000;
    std::vector<std::vector<std::string>> load;
    for (int first = 0; first < kStable; first += 250) {
      load.push_back(hash ? WithPairs({"HSET", key}, "f:", "v:", first, 250)
                          : WithMembers({"SADD", key}, "f:", first, 250));
    }
    ASSERT_EQ(Pipeline(w, load).size(), load.size());
    ASSERT_EQ(r.Run({hash ? "HLEN" : "SCARD", key}), Int(kStable));

    std::set<std::string> expected;
    for (int i = 0; i < kStable; ++i) {
      const std::string name = StrCat("f:", i);
      if (match.empty() || name.rfind(match.substr(0, match.size() - 1), 0) == 0) {
        expected.insert(name);
      }
    }
    std::set<std::string> seen;
    std::string cursor = "0";
    int calls = 0, added = 0, removed = 0;
    do {
      std::vector<std::string> args = {hash ? "HSCAN" : "SSCAN", key, cursor, "COUNT", "5"};
      if (!match.empty()) {
        args.push_back("MATCH");
        args.push_back(match);
      }
      RespValue reply = r.Run(args);
      ASSERT_EQ(reply.type, RespValue::Type::kArray) << reply.DebugString();
      ASSERT_EQ(reply.elements.size(), 2u) << reply.DebugString();
      cursor = reply.elements[0].str;
      const std::vector<RespValue>& items = reply.elements[1].elements;
      const size_t step = hash ? 2 : 1;
      ASSERT_EQ(items.size() % step, 0u);
      for (size_t i = 0; i < items.size(); i += step) {
        const std::string& name = items[i].str;
        if (name.rfind("f:", 0) == 0) {
          seen.insert(name);
          EXPECT_TRUE(expected.count(name)) << "'" << name << "' does not match";
          if (hash) {
            EXPECT_EQ(items[i + 1].str, "v:" + name.substr(2)) << name;
          }
        } else {
          EXPECT_EQ(name.rfind("x:", 0), 0u) << "'" << name << "' was never added";
          if (hash) {
            EXPECT_EQ(items[i + 1].str, "xv") << name;
          }
        }
      }
      // Churn other elements: a few each call, and bursts that grow the
      // table well past its size and then shrink it back.
      std::vector<std::vector<std::string>> churn;
      const int burst = calls % 60 == 10 ? 3000 : 10;
      std::vector<std::string> add = {hash ? "HSET" : "SADD", key};
      for (int j = 0; j < burst; ++j, ++added) {
        add.push_back(StrCat("x:", added));
        if (hash) add.push_back("xv");
      }
      churn.push_back(add);
      // The burst stays for 30 calls (the table grows), then goes at once
      // (the table may shrink); otherwise the newest 50 extras stay.
      const int phase = calls % 60;
      const int keep = phase >= 10 && phase < 40 ? 3050 : phase == 40 ? 0 : 50;
      if (added - removed > keep) {
        std::vector<std::string> del = {hash ? "HDEL" : "SREM", key};
        for (; added - removed > keep; ++removed) del.push_back(StrCat("x:", removed));
        churn.push_back(del);
      }
      ASSERT_EQ(Pipeline(w, churn).size(), churn.size());
      ++calls;
      ASSERT_LT(calls, 200000) << "the scan does not finish";
    } while (cursor != "0");
    std::vector<std::string> missing;
    for (const std::string& name : expected) {
      if (!seen.count(name)) missing.push_back(name);
    }
    EXPECT_TRUE(missing.empty()) << missing.size() << " elements never returned, first "
                                 << (missing.empty() ? "" : missing[0]) << " (" << calls
                                 << " calls)";
    EXPECT_EQ(seen.size(), expected.size());
    EXPECT_EQ(r.Run({hash ? "HLEN" : "SCARD", key}), Int(kStable + added - removed));
    // COUNT 5 over 2000 elements takes hundreds of calls; fewer would mean the
    // churn above never ran in the middle of the scan.
    EXPECT_GE(calls, 100) << "the scan did not page";
  }
};

TEST_F(compat_HashSetScan, SscanReturnsEveryMemberPresentThroughout) {
  FullScan(redis().port(), "redis-server", /*hash=*/false, "");
  FullScan(valkdb().port(), "valkdb", /*hash=*/false, "");
}

TEST_F(compat_HashSetScan, HscanReturnsEveryFieldPresentThroughout) {
  FullScan(redis().port(), "redis-server", /*hash=*/true, "");
  FullScan(valkdb().port(), "valkdb", /*hash=*/true, "");
}

TEST_F(compat_HashSetScan, ScansWithMatchReturnEveryMatchingElement) {
  for (bool hash : {false, true}) {
    FullScan(redis().port(), "redis-server", hash, "f:1*");
    FullScan(valkdb().port(), "valkdb", hash, "f:1*");
  }
}

// Without churn: the union of a full scan is exactly the contents, on a
// 2000-member set and 2000-field hash, in RESP3 too.
TEST_F(compat_HashSetScan, QuietFullScanIsExactlyTheContents) {
  for (int port : {redis().port(), valkdb().port()}) {
    SCOPED_TRACE(port == redis().port() ? "redis-server" : "valkdb");
    auto conn = ConnectTo(port);
    ASSERT_NE(conn, nullptr);
    ASSERT_FALSE(conn->Run({"HELLO", "3"}).is_error());
    ASSERT_EQ(conn->Run({"FLUSHALL"}), Ok());
    ASSERT_EQ(conn->Run(WithMembers({"SADD", "s"}, "", 0, 2000)), Int(2000));
    ASSERT_EQ(conn->Run(WithPairs({"HSET", "h"}, "k", "", 0, 2000)), Int(2000));
    for (bool hash : {false, true}) {
      std::map<std::string, std::string> seen;
      std::string cursor = "0";
      int calls = 0;
      do {
        RespValue reply =
            conn->Run({hash ? "HSCAN" : "SSCAN", hash ? "h" : "s", cursor, "COUNT", "5"});
        ASSERT_EQ(reply.type, RespValue::Type::kArray) << reply.DebugString();
        ASSERT_EQ(reply.elements.size(), 2u);
        cursor = reply.elements[0].str;
        const auto& items = reply.elements[1].elements;
        for (size_t i = 0; i < items.size(); i += hash ? 2 : 1) {
          seen[items[i].str] = hash && i + 1 < items.size() ? items[i + 1].str : "";
        }
        ASSERT_LT(++calls, 100000);
      } while (cursor != "0");
      ASSERT_EQ(seen.size(), 2000u) << (hash ? "HSCAN" : "SSCAN");
      for (int i = 0; i < 2000; ++i) {
        auto it = seen.find(hash ? StrCat("k", i) : StrCat(i));
        ASSERT_NE(it, seen.end()) << i;
        if (hash) {
          EXPECT_EQ(it->second, StrCat(i));
        }
      }
    }
  }
}

}  // namespace
}  // namespace valkdb::test
