// CLIENT LIST INFO KILL PAUSE UNPAUSE REPLY NO-EVICT. Expected replies are
// redis-server 7.0.15's, captured byte for byte; the client directory (the
// network layer's job) is faked.
#include <algorithm>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "protocol/str_util.h"
#include "tests/unit/commands/command_fixture.h"

namespace valkdb::testing_util {
namespace {

class FakeDirectory : public ClientDirectory {
 public:
  std::vector<ClientSnapshot> Snapshot() override { return clients; }
  bool Kill(uint64_t id) override {
    auto it =
        std::find_if(clients.begin(), clients.end(), [&](const auto& c) { return c.id == id; });
    if (it == clients.end()) return false;
    killed.push_back(id);
    clients.erase(it);
    return true;
  }
  void StopServer() override { ++shutdowns; }
  int shutdowns = 0;

  std::vector<ClientSnapshot> clients;
  std::vector<uint64_t> killed;
};

class ClientAdminTest : public CommandTest {
 protected:
  ClientAdminTest() {
    server_.clients = &directory_;
    client_.addr = "127.0.0.1:50000";
    client_.laddr = "127.0.0.1:6379";
    client_.fd = 8;
    client_.created_ms = kStartMs;
    directory_.clients.push_back(Snapshot(client_.id, client_.addr));
    directory_.clients.push_back(Snapshot(7, "127.0.0.1:50001"));
    ClientSnapshot subscriber = Snapshot(99, "127.0.0.1:50002");
    subscriber.pubsub = true;
    subscriber.sub = 1;
    directory_.clients.push_back(subscriber);
  }
  ~ClientAdminTest() override { server_.clients = nullptr; }

  static ClientSnapshot Snapshot(uint64_t id, std::string addr) {
    ClientSnapshot s;
    s.id = id;
    s.addr = std::move(addr);
    s.laddr = "127.0.0.1:6379";
    s.fd = static_cast<int>(id);
    s.created_ms = kStartMs;
    s.last_interaction_ms = kStartMs;
    return s;
  }

  // CLIENT LIST / INFO text, parsed into its lines' ids.
  std::vector<std::string> Ids(const std::string& raw) {
    std::vector<std::string> ids;
    const std::string text = ParseReply(raw).str;
    for (std::string_view line : Split(text, '\n')) {
      ids.emplace_back(line.substr(3, line.find(' ') - 3));
    }
    return ids;
  }

  FakeDirectory directory_;
};

// The field names of Redis 7.0.15's CLIENT INFO line, in order.
const std::vector<std::string> kRedisFields = {
    "id",        "addr",     "laddr",     "fd",   "name", "age",   "idle",
    "flags",     "db",       "sub",       "psub", "ssub", "multi", "qbuf",
    "qbuf-free", "argv-mem", "multi-mem", "rbs",  "rbp",  "obl",   "oll",
    "omem",      "tot-mem",  "events",    "cmd",  "user", "redir", "resp"};

std::vector<std::pair<std::string, std::string>> Fields(std::string_view line) {
  std::vector<std::pair<std::string, std::string>> fields;
  for (std::string_view word : Split(StripWhitespace(line), ' ')) {
    size_t eq = word.find('=');
    fields.emplace_back(word.substr(0, eq), word.substr(eq + 1));
  }
  return fields;
}

std::string Field(std::string_view line, std::string_view name) {
  for (const auto& [k, v] : Fields(line)) {
    if (k == name) return v;
  }
  return "<missing>";
}

TEST_F(ClientAdminTest, InfoDescribesThisConnection) {
  Run({"client", "setname", "foo"});
  Run({"select", "3"});
  AdvanceMs(2500);
  const std::string raw = Run({"client", "info"});
  RespValue reply = ParseReply(raw);
  ASSERT_EQ(reply.type, RespValue::Type::kBulkString);
  const std::string& line = reply.str;
  ASSERT_FALSE(line.empty());
  EXPECT_EQ(line.back(), '\n');
  std::vector<std::string> names;
  for (const auto& [k, v] : Fields(line)) names.push_back(k);
  EXPECT_EQ(names, kRedisFields);
  EXPECT_EQ(Field(line, "id"), "42");
  EXPECT_EQ(Field(line, "addr"), "127.0.0.1:50000");
  EXPECT_EQ(Field(line, "laddr"), "127.0.0.1:6379");
  EXPECT_EQ(Field(line, "fd"), "8");
  EXPECT_EQ(Field(line, "name"), "foo");
  EXPECT_EQ(Field(line, "age"), "2");
  EXPECT_EQ(Field(line, "idle"), "0");
  EXPECT_EQ(Field(line, "flags"), "N");
  EXPECT_EQ(Field(line, "db"), "3");
  EXPECT_EQ(Field(line, "multi"), "-1");
  EXPECT_EQ(Field(line, "cmd"), "client|info");
  EXPECT_EQ(Field(line, "user"), "default");
  EXPECT_EQ(Field(line, "resp"), "2");
}

TEST_F(ClientAdminTest, InfoFlagsAndResp3) {
  Run({"client", "no-evict", "on"});
  Run({"hello", "3"});
  const std::string raw = Run({"client", "info"});
  EXPECT_EQ(raw.substr(0, 1), "=") << "verbatim text in RESP3";
  RespValue reply = ParseReply(raw);
  EXPECT_EQ(reply.format, "txt");
  EXPECT_EQ(Field(reply.str, "flags"), "e");
  EXPECT_EQ(Field(reply.str, "resp"), "3");
}

TEST_F(ClientAdminTest, ListShowsEveryClientInIdOrder) {
  EXPECT_EQ(Ids(Run({"client", "list"})), (std::vector<std::string>{"7", "42", "99"}));
  const std::string text = ParseReply(Run({"client", "list"})).str;
  for (std::string_view line : Split(text, '\n')) {
    std::vector<std::string> names;
    for (const auto& [k, v] : Fields(line)) names.push_back(k);
    EXPECT_EQ(names, kRedisFields) << line;
  }
}

TEST_F(ClientAdminTest, ListFilters) {
  EXPECT_EQ(Ids(Run({"client", "list", "type", "pubsub"})), (std::vector<std::string>{"99"}));
  EXPECT_EQ(Ids(Run({"client", "list", "TYPE", "normal"})), (std::vector<std::string>{"7", "42"}));
  EXPECT_EQ(Run({"client", "list", "type", "master"}), "$0\r\n\r\n");
  EXPECT_EQ(Run({"client", "list", "type", "replica"}), "$0\r\n\r\n");
  // Redis answers ID's ids in the order asked, a line per id asked.
  EXPECT_EQ(Ids(Run({"client", "list", "id", "99", "7", "12345", "99"})),
            (std::vector<std::string>{"99", "7", "99"}));
}

// A replica attached to us and the link to our master (set by replication).
TEST_F(ClientAdminTest, ReplicaAndMasterLinksHaveTheirTypes) {
  ClientSnapshot replica = Snapshot(100, "127.0.0.1:50100");
  replica.link = ClientType::kReplica;
  ClientSnapshot master = Snapshot(101, "127.0.0.1:50101");
  master.link = ClientType::kMaster;
  master.pubsub = true;  // the link's type wins over subscriptions
  directory_.clients.push_back(replica);
  directory_.clients.push_back(master);
  EXPECT_EQ(Ids(Run({"client", "list", "type", "replica"})), (std::vector<std::string>{"100"}));
  EXPECT_EQ(Ids(Run({"client", "list", "type", "slave"})), (std::vector<std::string>{"100"}));
  EXPECT_EQ(Ids(Run({"client", "list", "type", "master"})), (std::vector<std::string>{"101"}));
  EXPECT_EQ(Ids(Run({"client", "list", "type", "pubsub"})), (std::vector<std::string>{"99"}));
  EXPECT_EQ(Ids(Run({"client", "list", "type", "normal"})), (std::vector<std::string>{"7", "42"}));
  const std::string text = ParseReply(Run({"client", "list", "id", "100", "101"})).str;
  std::vector<std::string_view> lines = Split(text, '\n');
  ASSERT_GE(lines.size(), 2u);
  EXPECT_EQ(Field(lines[0], "flags"), "S");
  EXPECT_EQ(Field(lines[1], "flags"), "MP");
  EXPECT_EQ(Run({"client", "kill", "type", "slave"}), Int(1));
  EXPECT_EQ(Run({"client", "kill", "type", "master"}), Int(1));
  EXPECT_EQ(directory_.killed, (std::vector<uint64_t>{100, 101}));
}

TEST_F(ClientAdminTest, ClassifyClient) {
  EXPECT_EQ(ClassifyClient(ClientType::kNormal, false), ClientType::kNormal);
  EXPECT_EQ(ClassifyClient(ClientType::kNormal, true), ClientType::kPubSub);
  EXPECT_EQ(ClassifyClient(ClientType::kReplica, true), ClientType::kReplica);
  EXPECT_EQ(ClassifyClient(ClientType::kMaster, false), ClientType::kMaster);
  EXPECT_EQ(ParseClientType("SLAVE"), ClientType::kReplica);
  EXPECT_EQ(ParseClientType("Replica"), ClientType::kReplica);
  EXPECT_EQ(ParseClientType("pubsub"), ClientType::kPubSub);
  EXPECT_EQ(ParseClientType("normal"), ClientType::kNormal);
  EXPECT_EQ(ParseClientType("master"), ClientType::kMaster);
  EXPECT_EQ(ParseClientType("monitor"), std::nullopt);
}

// WATCHed key changed: flags=d until UNWATCH (Redis's CLIENT_DIRTY_CAS).
TEST_F(ClientAdminTest, InfoShowsADirtyWatch) {
  Run({"watch", "k"});
  EXPECT_EQ(Field(ParseReply(Run({"client", "info"})).str, "flags"), "N");
  Run({"set", "k", "v"});
  EXPECT_EQ(Field(ParseReply(Run({"client", "info"})).str, "flags"), "d");
  Run({"unwatch"});
  EXPECT_EQ(Field(ParseReply(Run({"client", "info"})).str, "flags"), "N");
}

TEST_F(ClientAdminTest, ListErrors) {
  EXPECT_EQ(Run({"client", "list", "type", "foo"}), "-ERR Unknown client type 'foo'\r\n");
  EXPECT_EQ(Run({"client", "list", "id", "abc"}), "-ERR Invalid client ID\r\n");
  EXPECT_EQ(Run({"client", "list", "foo"}), kSyntaxError);
  EXPECT_EQ(Run({"client", "list", "type"}), kSyntaxError);
  EXPECT_EQ(Run({"client", "list", "id"}), kSyntaxError);
  EXPECT_EQ(Run({"client", "list", "type", "normal", "extra"}), kSyntaxError);
  EXPECT_EQ(Run({"client", "list", "id", "1", "type"}), "-ERR Invalid client ID\r\n");
}

// Redis parses CLIENT LIST ID with a plain integer parse: 0 and negative ids
// are valid, they just match nobody.
TEST_F(ClientAdminTest, ListIdZeroMatchesNobody) {
  EXPECT_EQ(Run({"client", "list", "id", "0"}), "$0\r\n\r\n");
}

// Redis takes either TYPE or ID, not both.
TEST_F(ClientAdminTest, ListTypeAndIdTogetherIsASyntaxError) {
  EXPECT_EQ(Run({"client", "list", "type", "normal", "id", "7"}), kSyntaxError);
}

TEST_F(ClientAdminTest, KillById) {
  EXPECT_EQ(Run({"client", "kill", "id", "7"}), Int(1));
  EXPECT_EQ(directory_.killed, (std::vector<uint64_t>{7}));
  EXPECT_EQ(Run({"client", "kill", "id", "7"}), Int(0));
  EXPECT_EQ(Run({"client", "kill", "id", "999999"}), Int(0));
}

TEST_F(ClientAdminTest, KillSkipsItselfUnlessAsked) {
  EXPECT_EQ(Run({"client", "kill", "id", "42"}), Int(0));
  EXPECT_FALSE(client_.close_after_reply);
  EXPECT_EQ(Run({"client", "kill", "id", "42", "skipme", "no"}), Int(1));
  EXPECT_TRUE(client_.close_after_reply);
}

TEST_F(ClientAdminTest, KillByTypeAndAddr) {
  EXPECT_EQ(Run({"client", "kill", "type", "pubsub"}), Int(1));
  EXPECT_EQ(directory_.killed, (std::vector<uint64_t>{99}));
  EXPECT_EQ(Run({"client", "kill", "addr", "127.0.0.1:50001"}), Int(1));
  EXPECT_EQ(Run({"client", "kill", "127.0.0.1:50001"}), "-ERR No such client\r\n");
}

TEST_F(ClientAdminTest, KillOldFormByAddress) {
  EXPECT_EQ(Run({"client", "kill", "127.0.0.1:50001"}), kOk);
  EXPECT_EQ(directory_.killed, (std::vector<uint64_t>{7}));
  EXPECT_EQ(Run({"client", "kill", "1.2.3.4:5"}), "-ERR No such client\r\n");
  EXPECT_EQ(Run({"client", "kill", "id"}), "-ERR No such client\r\n");
}

TEST_F(ClientAdminTest, KillErrors) {
  EXPECT_EQ(Run({"client", "kill"}), WrongArity("client|kill"));
  EXPECT_EQ(Run({"client", "kill", "id", "abc"}), "-ERR client-id should be greater than 0\r\n");
  EXPECT_EQ(Run({"client", "kill", "id", "0"}), "-ERR client-id should be greater than 0\r\n");
  EXPECT_EQ(Run({"client", "kill", "type", "foo"}), "-ERR Unknown client type 'foo'\r\n");
  EXPECT_EQ(Run({"client", "kill", "user", "bob"}), "-ERR No such user 'bob'\r\n");
  EXPECT_EQ(Run({"client", "kill", "skipme", "maybe"}), kSyntaxError);
  EXPECT_EQ(Run({"client", "kill", "foo", "bar"}), kSyntaxError);
  // Options are read in order: the first bad one answers.
  EXPECT_EQ(Run({"client", "kill", "id", "abc", "type"}),
            "-ERR client-id should be greater than 0\r\n");
  EXPECT_EQ(Run({"client", "kill", "id", "5", "skipme"}), kSyntaxError);
  EXPECT_EQ(Run({"client", "kill", "user", "bob", "type", "foo"}), "-ERR No such user 'bob'\r\n");
  EXPECT_EQ(Run({"client", "kill", "type", "foo", "user", "bob"}),
            "-ERR Unknown client type 'foo'\r\n");
  EXPECT_EQ(Run({"client", "kill", "maxage", "abc"}),
            "-ERR maxage is not an integer or out of range\r\n");
  EXPECT_EQ(Run({"client", "kill", "maxage", "0"}), "-ERR maxage should be greater than 0\r\n");
  EXPECT_TRUE(directory_.killed.empty());
}

// MAXAGE (Redis 7.4's): clients connected at least that many seconds ago.
TEST_F(ClientAdminTest, KillByMaxAge) {
  ClientSnapshot young = Snapshot(8, "127.0.0.1:50008");
  young.created_ms = kStartMs + 9000;
  directory_.clients.push_back(young);
  AdvanceMs(10500);  // the others are 10 s old, the young one 1 s
  EXPECT_EQ(Run({"client", "kill", "maxage", "11"}), Int(0));
  EXPECT_EQ(Run({"client", "kill", "maxage", "10", "type", "normal"}), Int(1));
  EXPECT_EQ(directory_.killed, (std::vector<uint64_t>{7}));
  EXPECT_EQ(Run({"client", "kill", "maxage", "1"}), Int(2));
  EXPECT_EQ(directory_.killed, (std::vector<uint64_t>{7, 8, 99}));
  EXPECT_FALSE(client_.close_after_reply);
}

// The old form may kill the caller (after its reply), as Redis's.
TEST_F(ClientAdminTest, KillOldFormMayKillItself) {
  EXPECT_EQ(Run({"client", "kill", "127.0.0.1:50000"}), kOk);
  EXPECT_TRUE(client_.close_after_reply);
  EXPECT_TRUE(directory_.killed.empty());
}

TEST_F(ClientAdminTest, PauseAndUnpause) {
  EXPECT_EQ(Run({"client", "pause", "100"}), kOk);
  EXPECT_EQ(server_.pause_until_ms.load(), kStartMs + 100);
  EXPECT_TRUE(server_.pause_all.load());
  EXPECT_EQ(Run({"client", "pause", "200", "write"}), kOk);
  EXPECT_EQ(server_.pause_until_ms.load(), kStartMs + 200);
  EXPECT_FALSE(server_.pause_all.load());
  EXPECT_EQ(Run({"client", "pause", "50", "ALL"}), kOk);
  EXPECT_TRUE(server_.pause_all.load());
  EXPECT_EQ(Run({"client", "unpause"}), kOk);
  EXPECT_EQ(server_.pause_until_ms.load(), 0);
}

// What a CLIENT PAUSE in force holds, as Redis's processCommand decides: the
// refusals it checks first are answered, under ALL too; WRITE holds writes
// and may-replicate commands, scripts by their declared flags, EXEC by what
// MULTI queued.
TEST_F(ClientAdminTest, PauseHoldsAsRedisDecides) {
  auto holds = [&](std::vector<std::string_view> args, bool all) {
    return PauseHolds(server_, client_, CommandTable::Get().Lookup(args), args, all);
  };
  const std::string_view no_writes = "#!lua flags=no-writes\nreturn 1";
  EXPECT_FALSE(holds({"nosuchcmd"}, true));
  EXPECT_FALSE(holds({"set", "k"}, true));
  EXPECT_TRUE(holds({"get", "k"}, true));
  EXPECT_TRUE(holds({"client", "unpause"}, true));
  EXPECT_FALSE(holds({"get", "k"}, false));
  EXPECT_FALSE(holds({"set", "k"}, false));
  EXPECT_TRUE(holds({"set", "k", "v"}, false));
  EXPECT_TRUE(holds({"publish", "c", "m"}, false));
  EXPECT_TRUE(holds({"eval", "return 1", "0"}, false));
  EXPECT_FALSE(holds({"eval", no_writes, "0"}, false));

  EXPECT_EQ(Run({"multi"}), kOk);
  EXPECT_EQ(Run({"eval", no_writes, "0"}), "+QUEUED\r\n");
  EXPECT_FALSE(holds({"exec"}, false));
  EXPECT_EQ(Run({"set", "k", "v"}), "+QUEUED\r\n");
  EXPECT_TRUE(holds({"exec"}, false));
  EXPECT_FALSE(holds({"save"}, true)) << "a command MULTI refuses is refused first";
  EXPECT_EQ(Run({"discard"}), kOk);

  client_.authenticated = false;
  EXPECT_FALSE(holds({"get", "k"}, true)) << "NOAUTH is answered first";
  EXPECT_TRUE(holds({"auth", "pw"}, true));
  client_.authenticated = true;
}

TEST_F(ClientAdminTest, PauseErrors) {
  EXPECT_EQ(Run({"client", "pause"}), WrongArity("client|pause"));
  EXPECT_EQ(Run({"client", "pause", "abc"}), "-ERR timeout is not an integer or out of range\r\n");
  EXPECT_EQ(Run({"client", "pause", "-1"}), "-ERR timeout is negative\r\n");
  EXPECT_EQ(Run({"client", "pause", "100", "foo"}),
            "-ERR CLIENT PAUSE mode must be WRITE or ALL\r\n");
  EXPECT_EQ(Run({"client", "unpause", "x"}), WrongArity("client|unpause"));
  EXPECT_EQ(server_.pause_until_ms.load(), 0);
}

TEST_F(ClientAdminTest, Reply) {
  EXPECT_EQ(Run({"client", "reply", "off"}), "") << "OFF is not acknowledged";
  EXPECT_EQ(client_.reply_mode, ClientState::ReplyMode::kOff);
  EXPECT_EQ(Run({"client", "reply", "on"}), kOk);
  EXPECT_EQ(client_.reply_mode, ClientState::ReplyMode::kOn);
  EXPECT_EQ(Run({"client", "reply", "skip"}), "");
  EXPECT_EQ(client_.reply_mode, ClientState::ReplyMode::kSkip);
  Run({"client", "reply", "on"});
  EXPECT_EQ(Run({"client", "reply", "maybe"}), kSyntaxError);
  EXPECT_EQ(Run({"client", "reply"}), WrongArity("client|reply"));
}

TEST_F(ClientAdminTest, NoEvict) {
  EXPECT_EQ(Run({"client", "no-evict", "on"}), kOk);
  EXPECT_TRUE(client_.no_evict);
  EXPECT_EQ(Run({"client", "no-evict", "OFF"}), kOk);
  EXPECT_FALSE(client_.no_evict);
  EXPECT_EQ(Run({"client", "no-evict", "maybe"}), kSyntaxError);
  EXPECT_EQ(Run({"client", "no-evict"}), WrongArity("client|no-evict"));
}

TEST_F(ClientAdminTest, WithoutADirectoryListShowsNothing) {
  server_.clients = nullptr;
  EXPECT_EQ(Run({"client", "list"}), "$0\r\n\r\n");
  EXPECT_EQ(Run({"client", "kill", "id", "7"}), Int(0));
}

}  // namespace
}  // namespace valkdb::testing_util
