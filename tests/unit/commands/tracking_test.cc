// CLIENT TRACKING through the real dispatcher, with clients whose messages
// are collected as a connection would write them. Expected bytes are
// redis-server 7.0.15's (see also tests/compat/tracking_diff_test.cc).
#include "server/commands/tracking.h"

#include <map>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "protocol/str_util.h"
#include "tests/unit/commands/command_fixture.h"

namespace valkdb::testing_util {
namespace {

// Delivers as Connection::DeliverLocal does: by the receiver's protocol,
// a redirected message to a RESP2 client only while it is subscribed.
class FakeDirectory : public ClientDirectory {
 public:
  std::vector<ClientSnapshot> Snapshot() override { return {}; }
  bool Kill(uint64_t) override { return false; }
  void StopServer() override {}
  bool Exists(uint64_t id) override { return clients.contains(id); }
  bool Send(uint64_t id, const PubSubMessage& message) override {
    auto it = clients.find(id);
    if (it == clients.end()) return false;
    received[id] += Encode(*it->second, message);
    return true;
  }
  static std::string Encode(const ClientState& client, const PubSubMessage& message) {
    if (client.protocol >= 3) return message.resp3.str();
    if (message.resp2_if_subscribed && client.subscriptions() == 0) return "";
    return message.resp2.str();
  }
  std::string Take(uint64_t id) { return std::exchange(received[id], std::string()); }

  std::map<uint64_t, ClientState*> clients;
  std::map<uint64_t, std::string> received;
};

class TrackingTest : public CommandTest {
 protected:
  TrackingTest() {
    writer_client_.id = 7;
    redirect_.id = 9;
    store_.feed().SetTrackingSink(&server_.tracking);
    server_.tracking.set_directory(&directory_);
    server_.clients = &directory_;
    for (ClientState* c : {&client_, &writer_client_, &redirect_}) directory_.clients[c->id] = c;
  }
  ~TrackingTest() override {
    for (ClientState* c : {&client_, &writer_client_, &redirect_}) {
      if (c->tracking & kTrackingOn) server_.tracking.Disable(c->id);
    }
  }

  // Runs a command as the connection does (Connection::Execute): the client
  // is the current one, and its own invalidations follow its reply.
  std::string RunTracked(ClientState& client, std::initializer_list<std::string_view> args) {
    Tracking::Scope scope(client.id);
    scope.set_in_command(true);
    std::string reply = &client == &client_ ? Run(args) : RunAs(client, args);
    scope.set_in_command(false);
    server_.tracking.FlushPending(
        client.id, [&](const PubSubMessage& m) { reply += FakeDirectory::Encode(client, m); });
    std::vector<std::string_view> argv(args);
    EndTrackedCommand(client, CommandTable::Get().Lookup(argv));
    return reply;
  }
  std::string W(std::initializer_list<std::string_view> args) {
    return RunTracked(writer_client_, args);
  }
  std::string R(std::initializer_list<std::string_view> args) { return RunTracked(client_, args); }

  ClientState writer_client_;
  ClientState redirect_;
  FakeDirectory directory_;
};

std::string Push(std::string_view key) {
  return StrCat(">2\r\n$10\r\ninvalidate\r\n*1\r\n", Bulk(key));
}

TEST_F(TrackingTest, NothingTrackedCostsNoCall) {
  EXPECT_FALSE(server_.tracking.active());
  R({"client", "tracking", "on"});
  EXPECT_FALSE(server_.tracking.active());  // tracking alone: the table is empty
  R({"get", "k"});
  EXPECT_TRUE(server_.tracking.active());
  W({"set", "k", "1"});
  EXPECT_FALSE(server_.tracking.active());  // the key was forgotten when invalidated
}

TEST_F(TrackingTest, Resp3InvalidationOfAReadKey) {
  Run({"hello", "3"});
  EXPECT_EQ(R({"client", "tracking", "on"}), kOk);
  EXPECT_EQ(R({"mget", "a", "b"}), "*2\r\n_\r\n_\r\n");
  EXPECT_EQ(W({"set", "a", "1"}), kOk);
  EXPECT_EQ(directory_.Take(client_.id), Push("a"));
  W({"set", "a", "2"});  // no longer tracked
  EXPECT_EQ(directory_.Take(client_.id), "");
  // Its own write: after its reply.
  EXPECT_EQ(R({"del", "b"}), ":0\r\n");  // nothing deleted: no change
  EXPECT_EQ(R({"set", "b", "1"}), kOk + Push("b"));
  // In a transaction: after EXEC's whole reply.
  R({"get", "m"});
  R({"multi"});
  R({"incr", "m"});
  EXPECT_EQ(R({"exec"}), "*1\r\n:1\r\n" + Push("m"));
}

TEST_F(TrackingTest, Resp2GetsNothingWithoutRedirection) {
  R({"client", "tracking", "on"});
  R({"get", "a"});
  W({"set", "a", "1"});
  EXPECT_EQ(directory_.Take(client_.id), "");
  EXPECT_EQ(server_.tracking.total_keys(), 0u);
}

TEST_F(TrackingTest, RedirectionToASubscribedResp2Client) {
  redirect_.channels.insert("__redis__:invalidate");
  EXPECT_EQ(R({"client", "tracking", "on", "redirect", "9"}), kOk);
  EXPECT_EQ(R({"client", "getredir"}), Int(9));
  R({"get", "a"});
  W({"set", "a", "1"});
  EXPECT_EQ(directory_.Take(9),
            StrCat("*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n*1\r\n", Bulk("a")));
  // FLUSHALL: the null of the tracking client's protocol.
  W({"flushall"});
  EXPECT_EQ(directory_.Take(9), "*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n$-1\r\n");
}

TEST_F(TrackingTest, BrokenRedirection) {
  Run({"hello", "3"});
  R({"client", "tracking", "on", "redirect", "9"});
  R({"get", "a"});
  directory_.clients.erase(9);  // the target disconnected
  W({"set", "a", "1"});
  EXPECT_EQ(directory_.Take(client_.id), ">2\r\n$21\r\ntracking-redir-broken\r\n:9\r\n");
  const RespValue info = ParseReply(R({"client", "trackinginfo"}));
  ASSERT_EQ(info.elements.size(), 6u);
  std::vector<std::string> flags;
  for (const RespValue& f : info.elements[1].elements) flags.push_back(f.str);
  EXPECT_EQ(flags, (std::vector<std::string>{"on", "broken_redirect"}));
}

TEST_F(TrackingTest, OptinOptoutAndCaching) {
  Run({"hello", "3"});
  R({"client", "tracking", "on", "optin"});
  R({"get", "a"});
  W({"set", "a", "1"});
  EXPECT_EQ(directory_.Take(client_.id), "");
  EXPECT_EQ(R({"client", "caching", "yes"}), kOk);
  R({"get", "a"});
  R({"get", "b"});  // CACHING applied to one command only
  W({"mset", "a", "2", "b", "2"});
  EXPECT_EQ(directory_.Take(client_.id), Push("a"));
  EXPECT_EQ(R({"client", "caching", "no"}),
            Err("CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode."));
  EXPECT_EQ(R({"client", "tracking", "on", "optout"}),
            Err("You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, "
                "and then re-enabling it with a different mode."));
}

TEST_F(TrackingTest, NoLoop) {
  Run({"hello", "3"});
  R({"client", "tracking", "on", "noloop"});
  R({"get", "a"});
  EXPECT_EQ(R({"set", "a", "1"}), kOk);
  R({"get", "a"});
  W({"set", "a", "2"});
  EXPECT_EQ(directory_.Take(client_.id), Push("a"));
}

TEST_F(TrackingTest, BcastPrefixesOneMessagePerPrefix) {
  Run({"hello", "3"});
  EXPECT_EQ(R({"client", "tracking", "on", "bcast", "prefix", "a:", "prefix", "b:", "noloop"}),
            kOk);
  EXPECT_EQ(R({"client", "tracking", "on", "bcast", "prefix", "a"}),
            Err("Prefix 'a' overlaps with an existing prefix 'a:'. Prefixes for a single client "
                "must not overlap."));
  W({"mset", "a:1", "x", "b:1", "x", "c:1", "x", "a:2", "x"});
  R({"set", "a:3", "x"});  // its own change (NOLOOP)
  EXPECT_TRUE(server_.tracking.broadcast_pending());
  server_.tracking.BroadcastPending();
  EXPECT_EQ(directory_.Take(client_.id),
            StrCat(">2\r\n$10\r\ninvalidate\r\n*2\r\n", Bulk("a:1"), Bulk("a:2"),
                   ">2\r\n$10\r\ninvalidate\r\n*1\r\n", Bulk("b:1")));
  EXPECT_EQ(server_.tracking.total_prefixes(), 2u);
  R({"client", "tracking", "off"});
  EXPECT_EQ(server_.tracking.total_prefixes(), 0u);
}

TEST_F(TrackingTest, Errors) {
  EXPECT_EQ(R({"client", "tracking", "on", "prefix", "a"}),
            Err("PREFIX option requires BCAST mode to be enabled"));
  EXPECT_EQ(R({"client", "tracking", "on", "redirect", "12345"}),
            Err("The client ID you want redirect to does not exist"));
  EXPECT_EQ(R({"client", "tracking", "on", "redirect", "9", "redirect", "9"}),
            Err("A client can only redirect to a single other client"));
  EXPECT_EQ(R({"client", "tracking", "on", "bcast", "optin"}),
            Err("OPTIN and OPTOUT are not compatible with BCAST"));
  EXPECT_EQ(R({"client", "tracking", "on", "optin", "optout"}),
            Err("You can't specify both OPTIN mode and OPTOUT mode"));
  EXPECT_EQ(R({"client", "tracking", "yes"}), kSyntaxError);
  EXPECT_EQ(R({"client", "caching", "yes"}),
            Err("CLIENT CACHING can be called only when the client is in tracking mode with "
                "OPTIN or OPTOUT mode enabled"));
  EXPECT_EQ(R({"client", "getredir"}), Int(-1));
  // Redis 7.0 replies an overlap among new prefixes past the first one and
  // enables tracking anyway (two replies).
  EXPECT_EQ(R({"client", "tracking", "on", "bcast", "prefix", "a", "prefix", "b", "prefix", "bc"}),
            Err("Prefix 'b' overlaps with another provided prefix 'bc'. Prefixes for a single "
                "client must not overlap.") +
                kOk);
}

TEST_F(TrackingTest, TableLimitEvictsAndInvalidates) {
  Run({"hello", "3"});
  R({"client", "tracking", "on"});
  R({"mget", "a", "b", "c"});
  EXPECT_EQ(server_.tracking.total_keys(), 3u);
  EXPECT_EQ(Run({"config", "set", "tracking-table-max-keys", "1"}), kOk);
  server_.tracking.LimitUsedSlots(config_);  // the cron applies a lowered limit
  EXPECT_EQ(server_.tracking.total_keys(), 1u);
  const std::string pushes = directory_.Take(client_.id);
  size_t count = 0;
  for (size_t at = pushes.find("invalidate"); at != std::string::npos;
       at = pushes.find("invalidate", at + 1)) {
    ++count;
  }
  EXPECT_EQ(count, 2u) << pushes;
  // A read that grows the table past the limit evicts at once; the push
  // for the reader's own key follows its reply.
  const std::string reply = R({"get", "d"});
  EXPECT_EQ(server_.tracking.total_keys(), 1u);
  EXPECT_TRUE(reply.starts_with("_\r\n>2\r\n$10\r\ninvalidate\r\n")) << reply;
}

TEST_F(TrackingTest, InfoCountsAndReset) {
  R({"client", "tracking", "on"});
  R({"mget", "a", "b"});
  W({"client", "tracking", "on"});
  W({"get", "a"});
  const std::string info = Run({"info"});
  EXPECT_NE(info.find("tracking_clients:2\r\n"), std::string::npos);
  EXPECT_NE(info.find("tracking_total_keys:2\r\n"), std::string::npos);
  EXPECT_NE(info.find("tracking_total_items:3\r\n"), std::string::npos);
  EXPECT_NE(info.find("tracking_total_prefixes:0\r\n"), std::string::npos);
  Run({"reset"});
  EXPECT_EQ(server_.tracking.clients(), 1);
  EXPECT_EQ(client_.tracking, 0u);
}

}  // namespace
}  // namespace valkdb::testing_util
