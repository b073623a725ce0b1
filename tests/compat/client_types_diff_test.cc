// Client types as Sentinel meets them, against a real redis-server: the same
// scenario runs on several connections to each server and the transcripts
// must match. CLIENT LIST TYPE and CLIENT INFO agree on what each connection
// is (normal, pubsub; MONITOR counts as normal); the `__sentinel__:hello`
// channel carries Sentinel's hello messages through ordinary pub/sub; and
// Sentinel's failover transaction (MULTI, CLIENT KILL TYPE normal, CLIENT KILL
// TYPE pubsub, EXEC) closes the others' connections and keeps its own.

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "protocol/str_util.h"
#include "tests/support/server_fixture.h"
#include "tests/support/server_process.h"

namespace valkdb::test {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds kLiveness{10000};  // a generous bound on a kill taking effect

std::map<std::string, std::string> LineFields(std::string_view line) {
  std::map<std::string, std::string> fields;
  for (std::string_view word : Split(StripWhitespace(line), ' ')) {
    const size_t eq = word.find('=');
    if (eq == std::string_view::npos) continue;
    fields.emplace(word.substr(0, eq), word.substr(eq + 1));
  }
  return fields;
}

// What is compared of a CLIENT LIST/INFO reply: each line's name, flags and
// subscription counts (ids, addresses, ages and memory legitimately differ).
std::string Summary(const RespValue& reply) {
  if (reply.type != RespValue::Type::kBulkString && reply.type != RespValue::Type::kVerbatim) {
    return StrCat("<", reply.DebugString(), ">");
  }
  std::string out;
  for (std::string_view line : Split(reply.str, '\n')) {
    if (line.empty()) continue;
    auto f = LineFields(line);
    StrAppend(&out, "[", f["name"], " flags=", f["flags"], " sub=", f["sub"], " psub=", f["psub"],
              " multi=", f["multi"], "]");
  }
  return out.empty() ? "<none>" : out;
}

class ClientTypesTest : public ServerTest {
 protected:
  bool WithRedis() const override { return true; }

  // A connection with a name, after a round trip (so the server has it).
  static std::unique_ptr<RespClient> Named(int port, const std::string& name,
                                           std::string* transcript) {
    auto c = ConnectTo(port);
    if (c == nullptr) return nullptr;
    StrAppend(transcript, name, " setname: ", c->Command({"CLIENT", "SETNAME", name}).DebugString(),
              "\n");
    return c;
  }

  static std::string Raw(RespClient& c) {
    auto raw = c.ReadRawReply();
    return raw.ok() ? Visible(*raw) : StrCat("<", raw.status().ToString(), ">");
  }

  static std::string Closed(RespClient& c) {
    return c.IsClosedByPeer(kLiveness) ? "closed" : "still open";
  }

  static std::string Scenario(int port) {
    std::string t;
    auto admin = Named(port, "admin", &t);
    auto n1 = Named(port, "n1", &t);
    auto n2 = Named(port, "n2", &t);
    auto p1 = Named(port, "p1", &t);
    auto p2 = Named(port, "p2", &t);
    auto p3 = Named(port, "p3", &t);
    auto mon = Named(port, "mon", &t);
    if (!admin || !n1 || !n2 || !p1 || !p2 || !p3 || !mon) return t + "<connect failed>";

    // What Sentinel's pub/sub link does, and a pattern and a RESP3 subscriber.
    NoteIfFailed(p1->Send(Encode({"SUBSCRIBE", "__sentinel__:hello"})), &t);
    StrAppend(&t, "p1 subscribe: ", Raw(*p1), "\n");
    NoteIfFailed(p2->Send(Encode({"PSUBSCRIBE", "__sentinel__:*"})), &t);
    StrAppend(&t, "p2 psubscribe: ", Raw(*p2), "\n");
    StrAppend(&t, "p3 hello 3: ", p3->Command({"HELLO", "3"}).type == RespValue::Type::kMap, "\n");
    NoteIfFailed(p3->Send(Encode({"SUBSCRIBE", "__sentinel__:hello", "other"})), &t);
    StrAppend(&t, "p3 subscribe: ", Raw(*p3));  // a reply per channel, in order
    StrAppend(&t, Raw(*p3), "\n");
    StrAppend(&t, "p3 info: ", Summary(p3->Command({"CLIENT", "INFO"})), "\n");
    StrAppend(&t, "mon monitor: ", mon->Command({"MONITOR"}).DebugString(), "\n");
    StrAppend(&t, "n1 multi: ", n1->Command({"MULTI"}).DebugString(), "\n");
    StrAppend(&t, "n2 watch: ", n2->Command({"WATCH", "k"}).DebugString(), "\n");
    StrAppend(&t, "admin set: ", admin->Command({"SET", "k", "v"}).DebugString(), "\n");
    StrAppend(&t, "n2 info: ", Summary(n2->Command({"CLIENT", "INFO"})), "\n");
    StrAppend(&t, "admin info: ", Summary(admin->Command({"CLIENT", "INFO"})), "\n");

    for (const char* type : {"normal", "pubsub", "master", "replica", "slave", "PUBSUB"}) {
      StrAppend(&t, "list type ", type, ": ",
                Summary(admin->Command({"CLIENT", "LIST", "TYPE", type})), "\n");
    }

    // A hello message as Sentinel publishes it: ip,port,runid,epoch of the
    // sentinel, then name,ip,port,epoch of the master.
    const std::string hello =
        StrCat("127.0.0.1,26379,", std::string(40, 'a'), ",0,mymaster,127.0.0.1,6379,0");
    StrAppend(&t,
              "publish: ", admin->Command({"PUBLISH", "__sentinel__:hello", hello}).DebugString(),
              "\n");
    StrAppend(&t, "p1 got: ", Raw(*p1), "\n");
    StrAppend(&t, "p2 got: ", Raw(*p2), "\n");
    StrAppend(&t, "p3 got: ", Raw(*p3), "\n");

    // Sentinel reconfiguring an instance: its own connection survives.
    StrAppend(&t, "admin multi: ", admin->Command({"MULTI"}).DebugString(), "\n");
    StrAppend(&t,
              "admin queue: ", admin->Command({"CLIENT", "KILL", "TYPE", "normal"}).DebugString());
    StrAppend(&t, " ", admin->Command({"CLIENT", "KILL", "TYPE", "pubsub"}).DebugString(), "\n");
    StrAppend(&t, "admin exec: ", admin->Command({"EXEC"}).DebugString(), "\n");
    StrAppend(&t, "n1: ", Closed(*n1), ", n2: ", Closed(*n2), ", mon: ", Closed(*mon),
              ", p1: ", Closed(*p1), ", p2: ", Closed(*p2), ", p3: ", Closed(*p3), "\n");
    StrAppend(&t, "list after: ", Summary(admin->Command({"CLIENT", "LIST"})), "\n");
    StrAppend(&t, "kill none: ", admin->Command({"CLIENT", "KILL", "TYPE", "normal"}).DebugString(),
              "\n");
    StrAppend(&t, "kill me: ",
              admin->Command({"CLIENT", "KILL", "TYPE", "normal", "SKIPME", "no"}).DebugString(),
              "\n");
    StrAppend(&t, "admin: ", Closed(*admin), "\n");
    return t;
  }

  static void NoteIfFailed(const absl::Status& status, std::string* transcript) {
    if (!status.ok()) StrAppend(transcript, "<send failed: ", status.ToString(), ">\n");
  }
};

using compat_ClientTypes = ClientTypesTest;

TEST_F(compat_ClientTypes, SentinelsViewOfClientsMatchesRedis) {
  const std::string expected = Scenario(redis().port());
  const std::string actual = Scenario(valkdb().port());
  EXPECT_EQ(actual, expected);
  // The scenario means what it says (on the oracle).
  EXPECT_NE(expected.find("list type pubsub: [p1 flags=P sub=1 psub=0 multi=-1]"
                          "[p2 flags=P sub=0 psub=1 multi=-1][p3 flags=P sub=2 psub=0 multi=-1]"),
            std::string::npos)
      << expected;
  EXPECT_NE(expected.find("admin exec: [:3, :3]"), std::string::npos) << expected;
  EXPECT_NE(
      expected.find("n1: closed, n2: closed, mon: closed, p1: closed, p2: closed, p3: closed"),
      std::string::npos)
      << expected;
}

bool WaitFor(const std::function<bool()>& done, milliseconds timeout = milliseconds(60000)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(milliseconds(50));
  }
  return done();
}

// A replica attached to a master, and the replica's link to its master, are
// of types slave and master: CLIENT KILL TYPE closes them, and the replica
// reconnects by itself (a partial resynchronisation). A valkdb pair and a
// redis-server pair answer alike.
std::string ReplicationScenario(bool valkdb) {
  auto start = [valkdb]() {
    // No wait for more replicas before a full sync's transfer starts.
    return valkdb ? ServerProcess::StartValkdb({"--save", "", "--repl-diskless-sync-delay", "0"})
                  : ServerProcess::StartRedis({"--repl-diskless-sync-delay", "0"});
  };
  auto master = start();
  auto replica = start();
  if (!master.ok() || !replica.ok()) return "<could not start the servers>";
  auto m = RespClient::Connect((*master)->port());
  auto r = RespClient::Connect((*replica)->port());
  if (!m.ok() || !r.ok()) return "<could not connect>";
  RespClient& mc = **m;
  RespClient& rc = **r;
  std::string t;
  // Synchronisations the master served (full and partial), then the link up
  // again: a kill was followed by a new link, not merely not noticed yet.
  auto syncs = [&] {
    return StrCat("full=", InfoField(mc, "stats", "sync_full"),
                  " partial=", InfoField(mc, "stats", "sync_partial_ok"));
  };
  auto relinked = [&](const std::string& expected_syncs) {
    const bool up = WaitFor([&] {
      return syncs() == expected_syncs &&
             InfoField(rc, "replication", "master_link_status") == "up" &&
             InfoField(mc, "replication", "connected_slaves") == "1";
    });
    return up ? StrCat("linked, ", expected_syncs) : StrCat("not linked: ", syncs());
  };
  StrAppend(&t, "replicaof: ",
            rc.Command({"REPLICAOF", "127.0.0.1", std::to_string((*master)->port())}).DebugString(),
            "\n");
  StrAppend(&t, relinked("full=1 partial=0"), "\n");
  StrAppend(&t,
            "master kill slave: ", mc.Command({"CLIENT", "KILL", "TYPE", "slave"}).DebugString(),
            "\n");
  StrAppend(&t, relinked("full=1 partial=1"), "\n");
  StrAppend(&t,
            "replica kill master: ", rc.Command({"CLIENT", "KILL", "TYPE", "master"}).DebugString(),
            "\n");
  StrAppend(&t, relinked("full=1 partial=2"), "\n");
  StrAppend(&t, "master kill replica: ",
            mc.Command({"CLIENT", "KILL", "TYPE", "replica"}).DebugString(), "\n");
  StrAppend(&t, relinked("full=1 partial=3"), "\n");
  // Nothing of those types on the other side.
  StrAppend(&t,
            "master kill master: ", mc.Command({"CLIENT", "KILL", "TYPE", "master"}).DebugString(),
            "\n");
  StrAppend(&t,
            "replica kill slave: ", rc.Command({"CLIENT", "KILL", "TYPE", "slave"}).DebugString(),
            "\n");
  StrAppend(&t, "set: ", mc.Command({"SET", "k", "v"}).DebugString(), "\n");
  StrAppend(&t, "replicated: ", WaitFor([&] {
    return rc.Command({"GET", "k"}) == Bulk("v");
  }),
            "\n");
  return t;
}

TEST(compat_ClientTypesReplication, KillByTypeReachesReplicationLinks) {
  ASSERT_FALSE(FindRedisServer().empty()) << "redis-server is required by this test";
  const std::string expected = ReplicationScenario(/*valkdb=*/false);
  const std::string actual = ReplicationScenario(/*valkdb=*/true);
  EXPECT_EQ(actual, expected);
  EXPECT_NE(
      expected.find("master kill slave: :1\nlinked, full=1 partial=1\nreplica kill master: :1"),
      std::string::npos)
      << expected;
}

}  // namespace
}  // namespace valkdb::test
