// Differential tests of the GEO commands against a real redis-server 7.0,
// RESP2 and RESP3, byte for byte (tests/support/diff_case.h): every command
// and option, the errors in Redis's order, the stored results of STORE,
// STOREDIST and GEOSEARCHSTORE (ZRANGE WITHSCORES, DEBUG DIGEST-VALUE), small
// and big sorted sets, the poles and the antimeridian. Then what a replica
// is sent: a redis-server replica of valkdb and one of redis-server must see
// the same commands (GEOADD as ZADD), read with MONITOR on the replicas.

#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "protocol/str_util.h"
#include "tests/support/diff_case.h"
#include "tests/support/server_fixture.h"
#include "tests/support/server_process.h"
#include "tests/support/transcript.h"

namespace valkdb::test {
namespace {

// GEOADD key lon lat name ... for `count` points on a grid around (lon, lat).
std::vector<std::string> GeoAddGrid(const std::string& key, double lon, double lat, int count,
                                    double spacing) {
  std::vector<std::string> args = {"GEOADD", key};
  for (int i = 0; i < count; ++i) {
    args.push_back(StrCat(lon + (i % 20) * spacing));
    args.push_back(StrCat(lat + (i / 20) * spacing));
    args.push_back(StrCat("p", i));
  }
  return args;
}

const char* kSicily =
    "GEOADD Sicily 13.361389 38.115556 Palermo 15.087269 37.502669 Catania 12.758489 38.788135 "
    "edge1 17.241510 38.788135 edge2";
const char* kPoints =
    "GEOADD pts -73.9454966 40.747533 lic -73.9733487 40.7648057 csq -73.9375699 40.7480973 "
    "q4 -73.9454966 40.747533 twin";

std::vector<DiffCase> Resp2Cases() {
  return {
      {"AddAndOptions",
       {C(kSicily),
        C("GEOADD Sicily 13.361389 38.115556 Palermo"),
        C("GEOADD Sicily CH 13.361389 38.115556 Palermo 13 38 Palermo2"),
        C("GEOADD Sicily CH XX 13.5 38.1 Palermo 1 1 nope"),
        C("GEOADD Sicily NX 1 1 Palermo 2 2 n"),
        C("GEOADD Sicily NX CH 1 1 Palermo 2 2 n2"),
        C("GEOADD Sicily XX NX 1 1 a"),
        C("GEOADD Sicily ch ch nx 3 3 c"),
        C("GEOADD Sicily 1 2"),
        C("GEOADD Sicily 1 2 a 3"),
        C("GEOADD Sicily GT 1 2 a"),
        C("GEOADD Sicily CH CH CH"),
        C("GEOADD Sicily 181 1 a"),
        C("GEOADD Sicily 1 85.06 a"),
        C("GEOADD Sicily -180.5 -86 a"),
        C("GEOADD Sicily x 1 a"),
        C("GEOADD Sicily 1 nan a"),
        C("GEOADD Sicily 1 inf a"),
        C("GEOADD Sicily 1 1 a 200 1 b"),
        C("GEOADD Sicily 180 85.05112878 top"),
        C("GEOADD Sicily -180 -85.05112878 bottom"),
        C("ZRANGE Sicily 0 -1 WITHSCORES"),
        C("TYPE Sicily"),
        C("OBJECT ENCODING Sicily"),
        C("GEOADD nokey XX 1 1 a"),
        C("EXISTS nokey"),
        C("GEOADD"),
        C("GEOADD k 1 2")}},
      {"PosHashDist",
       {C(kSicily),
        C("GEOADD Sicily 180 85.05112878 top -180 -85.05112878 bottom 0 0 zero"),
        C("GEOPOS Sicily Palermo Catania nope top bottom zero"),
        C("GEOPOS Sicily"),
        C("GEOPOS nokey a b"),
        C("GEOHASH Sicily Palermo Catania nope top bottom zero"),
        C("GEOHASH Sicily"),
        C("GEOHASH nokey a"),
        C("GEODIST Sicily Palermo Catania"),
        C("GEODIST Sicily Palermo Catania km"),
        C("GEODIST Sicily Palermo Catania MI"),
        C("GEODIST Sicily Palermo Catania ft"),
        C("GEODIST Sicily Palermo Catania M"),
        C("GEODIST Sicily Palermo Palermo"),
        C("GEODIST Sicily top bottom km"),
        C("GEODIST Sicily Palermo nope"),
        C("GEODIST nokey a b"),
        C("GEODIST nokey a b yd"),
        C("GEODIST Sicily Palermo Catania yd"),
        C("GEODIST Sicily Palermo Catania km x"),
        C("GEODIST Sicily a"),
        C("ZADD Sicily 9007199254740992 big -1 neg"),
        C("GEOPOS Sicily big neg"),
        C("GEOHASH Sicily big neg"),
        C("GEODIST Sicily big neg")}},
      {"Radius",
       {C(kSicily),
        C("GEORADIUS Sicily 15 37 200 km"),
        C("GEORADIUS Sicily 15 37 200 km ASC"),
        C("GEORADIUS Sicily 15 37 200 km DESC"),
        C("GEORADIUS Sicily 15 37 200 km WITHDIST WITHCOORD WITHHASH"),
        C("GEORADIUS Sicily 15 37 200 km withhash withdist"),
        C("GEORADIUS Sicily 15 37 400 km WITHCOORD COUNT 2"),
        C("GEORADIUS Sicily 15 37 400 km COUNT 2 DESC WITHDIST"),
        C("GEORADIUS Sicily 15 37 400 km COUNT 1 ANY"),
        C("GEORADIUS Sicily 15 37 400 km ANY"),
        C("GEORADIUS Sicily 15 37 400 km COUNT 0"),
        C("GEORADIUS Sicily 15 37 400 km COUNT -1"),
        C("GEORADIUS Sicily 15 37 400 km COUNT x"),
        C("GEORADIUS Sicily 15 37 400 km COUNT"),
        C("GEORADIUS Sicily 15 37 400 km FOO"),
        C("GEORADIUS Sicily 15 37 400 yd"),
        C("GEORADIUS Sicily 15 37 -1 km"),
        C("GEORADIUS Sicily 15 37 x km"),
        C("GEORADIUS Sicily 200 37 1 km"),
        C("GEORADIUS Sicily x 37 1 km"),
        C("GEORADIUS Sicily 15 37 1 m"),
        C("GEORADIUS Sicily 15 37 0 m"),
        C("GEORADIUS Sicily 15 37 200000 mi"),
        C("GEORADIUS Sicily 15 37 5000 km WITHDIST"),
        C("GEORADIUS Sicily 15 37 656168 FT WITHDIST"),
        C("GEORADIUS nokey 15 37 1 km"),
        C("GEORADIUS Sicily 15 37 200 km WITHDIST STORE d"),
        C("GEORADIUS Sicily 15"),
        C("GEORADIUS_RO Sicily 15 37 200 km WITHDIST ASC"),
        C("GEORADIUS_RO Sicily 15 37 200 km STORE d"),
        C("GEORADIUS_RO Sicily 15 37 200 km STOREDIST d")}},
      {"RadiusByMember",
       {C(kSicily), C(kPoints), C("GEORADIUSBYMEMBER Sicily Palermo 200 km WITHDIST"),
        C("GEORADIUSBYMEMBER Sicily Palermo 200 km WITHDIST WITHCOORD DESC COUNT 3"),
        C("GEORADIUSBYMEMBER Sicily nope 200 km"), C("GEORADIUSBYMEMBER nokey nope 200 km"),
        C("GEORADIUSBYMEMBER nokey nope 200 km STORE d"),
        C("GEORADIUSBYMEMBER nokey nope 200 km FOO"), C("GEORADIUSBYMEMBER Sicily Palermo -2 km"),
        C("GEORADIUSBYMEMBER Sicily Palermo 2 yd"),
        C("GEORADIUSBYMEMBER_RO Sicily Palermo 200 km WITHHASH"),
        C("GEORADIUSBYMEMBER_RO Sicily Palermo 200 km STORE d"),
        C("GEORADIUSBYMEMBER pts lic 3 km WITHDIST"), C("GEORADIUSBYMEMBER pts twin 0 m WITHDIST"),
        C("GEORADIUSBYMEMBER pts csq 2.5 km ASC"),
        C("GEORADIUSBYMEMBER pts csq 2.5 km DESC COUNT 2")}},
      {"Search",
       {C(kSicily),
        C(kPoints),
        C("GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km ASC"),
        C("GEOSEARCH Sicily FROMMEMBER Palermo BYRADIUS 200 km DESC WITHDIST"),
        C("GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 400 400 km ASC WITHCOORD WITHDIST WITHHASH"),
        C("GEOSEARCH Sicily FROMMEMBER Palermo BYBOX 600 100 km WITHDIST"),
        C("GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 400 km COUNT 2 ANY"),
        C("GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 400 km COUNT 2 ANY ASC"),
        C("GEOSEARCH pts FROMMEMBER lic BYBOX 5 5 km COUNT 2"),
        C("GEOSEARCH pts FROMLONLAT -73.9454966 40.747533 BYBOX 0 0 m WITHDIST"),
        C("GEOSEARCH Sicily FROMLONLAT 15 37"),
        C("GEOSEARCH Sicily BYRADIUS 1 km"),
        C("GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 1 km BYBOX 1 1 km"),
        C("GEOSEARCH Sicily FROMLONLAT 15 37 FROMMEMBER Palermo BYRADIUS 1 km"),
        C("GEOSEARCH Sicily FROMMEMBER Palermo FROMLONLAT 15 37 BYRADIUS 1 km"),
        C("GEOSEARCH Sicily FROMMEMBER nope BYRADIUS 1 km"),
        C("GEOSEARCH nokey FROMMEMBER nope BYRADIUS 1 km"),
        C("GEOSEARCH nokey FROMMEMBER nope BYRADIUS 1 km WITHDIST"),
        C("GEOSEARCH nokey FROMMEMBER nope"),
        C("GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX -1 1 km"),
        C("GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX x 1 km"),
        C("GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 1 x km"),
        C("GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 1 1 yd"),
        C("GEOSEARCH Sicily FROMLONLAT 15 91 BYBOX 1 1 km"),
        C("GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 1 km STORE d"),
        C("GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 1 km STOREDIST"),
        C("GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 1 km ANY"),
        C("geosearch Sicily frommember Palermo byradius 200 KM"),
        C("GEOSEARCH Sicily x y z")}},
      {"Store",
       {C(kSicily),
        C("GEORADIUS Sicily 15 37 200 km STORE r1"),
        C("ZRANGE r1 0 -1 WITHSCORES"),
        C("GEORADIUS Sicily 15 37 200 km STOREDIST r2"),
        C("ZRANGE r2 0 -1 WITHSCORES"),
        C("GEORADIUS Sicily 15 37 200 km STORE r3 STOREDIST r4"),
        C("EXISTS r3 r4"),
        C("GEORADIUS Sicily 15 37 200 km COUNT 1 STOREDIST r5"),
        C("ZRANGE r5 0 -1 WITHSCORES"),
        C("GEORADIUS Sicily 15 37 1 m STORE r1"),
        C("EXISTS r1"),
        C("GEORADIUS nokey 15 37 1 m STORE r2"),
        C("EXISTS r2"),
        C("GEORADIUSBYMEMBER Sicily Palermo 300 km STORE r6 ASC COUNT 2"),
        C("ZRANGE r6 0 -1 WITHSCORES"),
        C("GEOSEARCHSTORE s1 Sicily FROMLONLAT 15 37 BYRADIUS 200 km"),
        C("ZRANGE s1 0 -1 WITHSCORES"),
        C("GEOSEARCHSTORE s2 Sicily FROMMEMBER Palermo BYBOX 600 600 km STOREDIST"),
        C("ZRANGE s2 0 -1 WITHSCORES"),
        C("DEBUG DIGEST-VALUE r2 r5 r6 s1 s2"),
        C("GEOSEARCHSTORE s2 Sicily FROMLONLAT 0 0 BYRADIUS 1 m"),
        C("EXISTS s2"),
        C("GEOSEARCHSTORE s3 Sicily FROMLONLAT 15 37 BYRADIUS 200 km WITHDIST"),
        C("GEOSEARCHSTORE s3 Sicily FROMLONLAT 15 37 BYRADIUS 200 km STORE x"),
        C("GEOSEARCHSTORE s3 nokey FROMLONLAT 15 37 BYRADIUS 200 km"),
        C("GEOSEARCHSTORE s3 Sicily FROMLONLAT 15 37 BYRADIUS 200 km COUNT 1 ANY DESC"),
        C("ZRANGE s3 0 -1 WITHSCORES"),
        C("GEOSEARCHSTORE Sicily Sicily FROMLONLAT 15 37 BYRADIUS 200 km"),
        C("ZRANGE Sicily 0 -1 WITHSCORES"),
        C("SET str x"),
        C("GEOSEARCHSTORE str Sicily FROMLONLAT 15 37 BYRADIUS 200 km"),
        C("TYPE str"),
        C("GEORADIUS Sicily 15 37 200 km STORE str"),
        C("OBJECT ENCODING str"),
        C("GEOSEARCHSTORE s4 Sicily FROMLONLAT 15 37 BYRADIUS 200 km WITHCOORD"),
        C("GEORADIUS Sicily 15 37 200 km WITHHASH STOREDIST r7")}},
      {"WrongType",
       {C("SET s x"), C("GEOADD s 1 1 a"), C("GEOPOS s a"), C("GEOHASH s a"), C("GEODIST s a b"),
        C("GEODIST s a b yd"), C("GEORADIUS s 1 1 1 km"), C("GEORADIUS s 200 1 1 km"),
        C("GEORADIUSBYMEMBER s a 1 km"), C("GEOSEARCH s FROMLONLAT 1 1 BYRADIUS 1 km"),
        C("GEOSEARCHSTORE d s FROMLONLAT 1 1 BYRADIUS 1 km"), C("GEOADD g 1 1 a"),
        C("GEOSEARCHSTORE s g FROMLONLAT 1 1 BYRADIUS 1 km"), C("TYPE s")}},
      {"BigSets",
       {Args(GeoAddGrid("big", 13.0, 38.0, 300, 0.01)), C("OBJECT ENCODING big"), C("ZCARD big"),
        C("GEORADIUS big 13.05 38.05 3 km WITHDIST ASC"),
        C("GEORADIUS big 13.05 38.05 10 km COUNT 7 WITHDIST"),
        C("GEORADIUS big 13.05 38.05 10 km COUNT 7 DESC WITHCOORD"),
        C("GEOSEARCH big FROMMEMBER p55 BYBOX 5 3 km ASC WITHDIST"),
        C("GEOSEARCH big FROMMEMBER p55 BYRADIUS 2 km COUNT 3 ANY"),
        C("GEOSEARCHSTORE bs big FROMMEMBER p55 BYRADIUS 4 km STOREDIST"), C("OBJECT ENCODING bs"),
        C("ZRANGE bs 0 -1 WITHSCORES"), C("DEBUG DIGEST-VALUE bs"),
        C("GEOSEARCHSTORE bs2 big FROMMEMBER p55 BYRADIUS 100 km"), C("OBJECT ENCODING bs2"),
        C("DEBUG DIGEST-VALUE bs2"), C("GEOPOS big p0 p299"), C("GEOHASH big p0 p299"),
        C("GEODIST big p0 p299 km")}},
      {"EdgesOfTheMap",
       {C("GEOADD e 179.99 0 east -179.99 0 west 0 85.05 north 0 -85.05 south 179.5 80 ne "
          "-179.5 -80 sw 0.0001 0.0001 near"),
        C("GEORADIUS e 180 0 10 km WITHDIST"), C("GEORADIUS e -180 0 10 km WITHDIST"),
        C("GEORADIUS e 0 85 100 km WITHDIST"), C("GEORADIUS e 0 -85 100 km WITHDIST"),
        C("GEORADIUS e 179 81 300 km WITHDIST"), C("GEORADIUS e 0 0 20000 km WITHDIST"),
        C("GEORADIUS e 0 0 6000 km WITHDIST ASC"), C("GEORADIUS e 0 0 100 m WITHDIST"),
        C("GEOSEARCH e FROMLONLAT 180 0 BYBOX 100 100 km WITHDIST"),
        C("GEOSEARCH e FROMLONLAT 0 -85 BYBOX 5000 500 km WITHDIST"),
        C("GEOSEARCH e FROMLONLAT 0 0 BYBOX 40000 20000 km ASC"),
        C("GEOSEARCH e FROMLONLAT 0 0 BYRADIUS 0 m WITHDIST")}},
      {"FromScripts",
       {C(kSicily),
        Args({"EVAL", "return redis.call('geopos', KEYS[1], 'Palermo', 'nope')", "1", "Sicily"}),
        Args({"EVAL", "return redis.call('geodist', KEYS[1], 'Palermo', 'Catania', 'km')", "1",
              "Sicily"}),
        Args({"EVAL",
              "return redis.call('georadius', KEYS[1], 15, 37, 200, 'km', 'WITHDIST', "
              "'WITHCOORD', 'WITHHASH', 'ASC')",
              "1", "Sicily"}),
        Args({"EVAL", "return redis.call('geoadd', KEYS[1], 200, 1, 'bad')", "1", "Sicily"}),
        Args({"EVAL",
              "redis.call('geoadd', KEYS[1], 1, 1, 'sx') return redis.call('geosearchstore', "
              "KEYS[2], KEYS[1], 'FROMLONLAT', 1, 1, 'BYRADIUS', 10, 'km', 'STOREDIST')",
              "2", "Sicily", "dest"}),
        C("ZRANGE dest 0 -1 WITHSCORES")}},
      {"Arity",
       {C("GEOADD k 1 2"), C("GEODIST k a"), C("GEOHASH"), C("GEOPOS"), C("GEORADIUS k 1 2 3"),
        C("GEORADIUSBYMEMBER k a 1"), C("GEORADIUS_RO k 1 2 3"), C("GEORADIUSBYMEMBER_RO k a 1"),
        C("GEOSEARCH k FROMLONLAT 1 2 BYRADIUS 1"),
        C("GEOSEARCHSTORE d k FROMLONLAT 1 2 BYRADIUS 1")}},
  };
}

class GeoDiffTest : public ServerTest, public ::testing::WithParamInterface<DiffCase> {
 protected:
  bool WithRedis() const override { return true; }
};

TEST_P(GeoDiffTest, SameRepliesAsRedis) {
  const DiffCase& c = GetParam();
  const std::string expected = RunCase(redis().port(), c);
  const std::string actual = RunCase(valkdb().port(), c);
  if (!SameTranscriptsUpToClock(actual, expected)) {
    EXPECT_EQ(actual, expected) << "valkdb (actual) and redis-server (expected) differ";
  }
}

// Named "compat..." so that `ctest -R compat` selects them.
INSTANTIATE_TEST_SUITE_P(compat_geo, GeoDiffTest, ::testing::ValuesIn(WithResp3(Resp2Cases())),
                         [](const ::testing::TestParamInfo<DiffCase>& info) {
                           return info.param.name;
                         });

// The GEO writes, and reads that must not be propagated.
std::vector<std::vector<std::string>> Writes() {
  return {
      {"GEOADD", "g", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania"},
      {"GEOADD", "g", "NX", "CH", "1", "1", "Palermo", "2", "2", "x"},
      {"GEOADD", "g", "XX", "13.361389", "38.115556", "Palermo"},
      {"GEOADD", "g", "XX", "CH", "3", "3", "x"},
      {"GEOADD", "g", "200", "1", "bad"},
      {"GEORADIUS", "g", "15", "37", "200", "km"},
      {"GEORADIUS", "g", "15", "37", "200", "km", "STORE", "r1"},
      {"GEORADIUSBYMEMBER", "g", "Palermo", "300", "km", "STOREDIST", "r2"},
      {"GEORADIUS", "g", "15", "37", "1", "m", "STORE", "r1"},
      {"GEORADIUS", "g", "15", "37", "1", "m", "STORE", "nothere"},
      {"GEOSEARCH", "g", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km"},
      {"GEOSEARCHSTORE", "s1", "g", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "STOREDIST"},
      {"GEOSEARCHSTORE", "s1", "g", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "m"},
      {"EVAL",
       "redis.call('geoadd', KEYS[1], 1, 1, 'sx') return redis.call('georadius', KEYS[1], 1, 1, "
       "10, 'km', 'STORE', KEYS[2])",
       "2", "g", "s2"},
      {"ECHO", "end"},
  };
}

// What a redis-server replica of `master` is sent while Writes() run there.
std::string ReplicatedCommands(ServerProcess& master) {
  auto replica = ServerProcess::StartRedis();
  if (!replica.ok()) return "<no replica>";
  auto r = RespClient::Connect((*replica)->port());
  auto m = RespClient::Connect(master.port());
  if (!r.ok() || !m.ok()) return "<connect failed>";
  (*m)->Run({"FLUSHALL"});
  (*r)->Run({"REPLICAOF", "127.0.0.1", StrCat(master.port())});
  for (int i = 0; i < 200; ++i) {
    RespValue info = (*r)->Run({"INFO", "replication"});
    if (info.str.find("master_link_status:up") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  auto monitor = RespClient::Connect((*replica)->port());
  if (!monitor.ok() || (*monitor)->Run({"MONITOR"}) != Ok()) return "<MONITOR refused>";
  for (const auto& command : Writes()) (*m)->Run(command);
  (*m)->Run({"SET", "end", "1"});
  std::string out;
  const std::regex stamp(R"(^\d+\.\d{6} \[\d+ [^\]]*\] )");
  for (;;) {
    absl::StatusOr<RespValue> line = (*monitor)->ReadReply();
    if (!line.ok()) return out + "<no end marker>";
    const std::string text = std::regex_replace(line->str, stamp, "");
    if (text.find("\"PING\"") != std::string::npos) continue;  // the master's pings
    out += text + "\n";
    if (text.find("\"end\"") != std::string::npos) break;
  }
  // And the data arrived the same.
  out += StrCat("digest ", (*r)->Run({"DEBUG", "DIGEST"}).str, " master ",
                (*m)->Run({"DEBUG", "DIGEST"}).str, "\n");
  return out;
}

class GeoPropagationTest : public ServerTest {
 protected:
  bool WithRedis() const override { return true; }
};

TEST_F(GeoPropagationTest, ReplicasSeeWhatRedisSends) {
  const std::string from_valkdb = ReplicatedCommands(valkdb());
  const std::string from_redis = ReplicatedCommands(redis());
  EXPECT_EQ(from_valkdb, from_redis);
  EXPECT_NE(from_redis.find("\"zadd\" \"g\" \"3479099956230698\" \"Palermo\""), std::string::npos)
      << from_redis;
}

}  // namespace
}  // namespace valkdb::test
