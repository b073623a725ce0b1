// twemproxy (nutcracker) sharding over valkdb: three real valkdb-server nodes,
// a real nutcracker started by scripts/twemproxy.sh in front of them, and
// redis-benchmark SET/GET through the proxy. Every node ends up with keys, and
// what is read through the proxy is what was stored, on exactly one node.

#include <unistd.h>

#include <chrono>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "protocol/str_util.h"
#include "tests/support/resp_client.h"
#include "tests/support/server_process.h"
#include "tests/support/shell.h"
#include "tests/support/test_util.h"

namespace valkdb::test {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr int kNodes = 3;

std::string FindNutcracker() {
  for (const char* path : {"/usr/sbin/nutcracker", "/usr/bin/nutcracker"}) {
    if (access(path, X_OK) == 0) return path;
  }
  return "";
}

std::string TwemproxyScript() { return StrCat(VALKDB_SOURCE_DIR, "/scripts/twemproxy.sh"); }

int64_t DbSize(RespClient& client) {
  RespValue reply = client.Command({"DBSIZE"});
  return reply.type == RespValue::Type::kInteger ? reply.integer : -1;
}

// The nodes and the proxy are shared by the suite's tests and stop at its end.
class TwemproxyTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    for (int i = 0; i < kNodes; ++i) {
      auto node = ServerProcess::StartValkdb({"--save", ""});
      if (!node.ok()) {
        setup_error_ = StrCat("could not start valkdb-server: ", node.status().ToString());
        return;
      }
      nodes_.push_back(*std::move(node));
    }
    if (FindNutcracker().empty()) {
      setup_error_ =
          "nutcracker is required by this test and was not found: install the Debian package "
          "nutcracker (scripts/deps.sh --test)";
      return;
    }
    // The proxy's port is picked here, so it may be taken by the time
    // nutcracker binds it: then nutcracker exits and another port is tried.
    for (int attempt = 0; attempt < 5 && proxy_ == nullptr; ++attempt) {
      const int port = PickFreePort();
      const int stats_port = PickFreePort();
      std::vector<std::string> args = {"--listen", StrCat("127.0.0.1:", port),
                                       "--stats",  StrCat("127.0.0.1:", stats_port),
                                       "--dir",    "."};  // its own working directory
      for (const auto& node : nodes_) args.push_back(StrCat("127.0.0.1:", node->port()));
      auto started = ServerProcess::Start(TwemproxyScript(), args, /*read_port=*/false);
      if (!started.ok()) {
        setup_error_ = StrCat("could not run scripts/twemproxy.sh: ", started.status().ToString());
        return;
      }
      std::unique_ptr<ServerProcess> proxy = *std::move(started);
      // A generous liveness bound: PING through the proxy reaches a node.
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
      while (proxy->IsRunning() && std::chrono::steady_clock::now() < deadline) {
        if (AnswersPing(port, std::chrono::milliseconds(500))) {
          proxy_port_ = port;
          proxy_ = std::move(proxy);
          break;
        }
      }
      if (proxy_ == nullptr) {
        setup_error_ =
            StrCat("nutcracker on port ", port, " did not answer PING; log:\n", proxy->log());
        proxy->Stop();
      }
    }
    if (proxy_ != nullptr) setup_error_.clear();
  }

  static void TearDownTestSuite() {
    proxy_.reset();  // before the nodes, so it does not log their going away as errors
    for (auto& node : nodes_) {
      ExitStatus status = node->Stop();
      if (!status.ok()) {
        ADD_FAILURE() << "valkdb-server did not shut down cleanly: " << status.ToString()
                      << "\nlog:\n"
                      << node->log();
      }
    }
    nodes_.clear();
  }

  void SetUp() override {
    ASSERT_TRUE(setup_error_.empty()) << setup_error_;
    ASSERT_NE(proxy_, nullptr);
    ASSERT_TRUE(proxy_->IsRunning()) << "nutcracker exited: " << proxy_->log();
    for (auto& node : nodes_) {
      ASSERT_TRUE(node->IsRunning()) << "a node died: " << node->log();
      auto client = Node(*node);
      ASSERT_NE(client, nullptr);
      ASSERT_EQ(client->Command({"FLUSHALL"}), Ok());
    }
  }

  void TearDown() override {
    if (!HasFailure()) return;
    for (auto& node : nodes_) {
      std::cerr << "---- log of valkdb-server on port " << node->port() << " ----\n"
                << node->log() << "---- end of log ----\n";
    }
    if (proxy_ != nullptr) {
      std::cerr << "---- log of nutcracker on port " << proxy_port_ << " ----\n"
                << proxy_->log() << "---- end of log ----\n";
    }
  }

  static std::unique_ptr<RespClient> Connect(int port) {
    auto client = RespClient::Connect(port);
    if (!client.ok()) {
      ADD_FAILURE() << "connect to port " << port << ": " << client.status();
      return nullptr;
    }
    return *std::move(client);
  }
  static std::unique_ptr<RespClient> Proxy() { return Connect(proxy_port_); }
  static std::unique_ptr<RespClient> Node(ServerProcess& node) { return Connect(node.port()); }

  // redis-benchmark through the proxy; `extra` options after the common ones.
  static void RunBenchmark(const std::string& extra) {
    const std::string benchmark = FindRedisTool("redis-benchmark");
    ASSERT_FALSE(benchmark.empty()) << "redis-benchmark not found (Debian package redis-tools)";
    // nutcracker answers CONFIG (which redis-benchmark asks first) by closing
    // that connection: redis-benchmark warns and goes on. Only SET and GET are
    // run; -r spreads the keys over the nodes.
    const std::string line = StrCat(benchmark, " -h 127.0.0.1 -p ", proxy_port_,
                                    " -t set,get -r 100000 -q ", extra, " </dev/null");
    ToolResult result = RunShell(line, 600);  // a liveness bound
    SCOPED_TRACE(line);
    ASSERT_EQ(result.exit_code, 0) << result.output;
    std::vector<std::string> summaries;
    for (std::string_view piece : Split(result.output, '\n')) {
      for (std::string_view part : Split(piece, '\r')) {
        std::string lower = AsciiLower(part);
        if (lower.find("could not fetch server config") != std::string::npos) continue;
        EXPECT_THAT(lower, ::testing::Not(HasSubstr("err"))) << "error line: " << part;
        EXPECT_THAT(lower, ::testing::Not(HasSubstr("refused"))) << part;
        EXPECT_THAT(lower, ::testing::Not(HasSubstr("closed"))) << part;
        if (part.find("requests per second") != std::string_view::npos) {
          summaries.emplace_back(StripWhitespace(part));
        }
      }
    }
    ASSERT_EQ(summaries.size(), 2u) << result.output;
    EXPECT_THAT(summaries[0], StartsWith("SET: "));
    EXPECT_THAT(summaries[1], StartsWith("GET: "));
  }

  // Every node holds keys; a sample of each node's keys reads the same through
  // the proxy; the nodes hold no key twice (together, the benchmark's keys).
  static void ExpectKeysSpreadAndReadable() {
    auto proxy = Proxy();
    ASSERT_NE(proxy, nullptr);
    int64_t total = 0;
    for (auto& node : nodes_) {
      SCOPED_TRACE(StrCat("node on port ", node->port()));
      auto client = Node(*node);
      ASSERT_NE(client, nullptr);
      const int64_t keys = DbSize(*client);
      EXPECT_GT(keys, 0) << "nutcracker sent no key to this node";
      total += keys;
      for (int i = 0; i < 20; ++i) {
        RespValue key = client->Command({"RANDOMKEY"});
        ASSERT_EQ(key.type, RespValue::Type::kBulkString) << key.DebugString();
        ASSERT_THAT(key.str, ::testing::MatchesRegex("key:[0-9]{12}"));
        RespValue stored = client->Command({"GET", key.str});
        ASSERT_EQ(stored.type, RespValue::Type::kBulkString) << key.str;
        EXPECT_EQ(proxy->Command({"GET", key.str}), stored) << key.str;
        // The other nodes do not have it.
        for (auto& other : nodes_) {
          if (other == node) continue;
          auto other_client = Node(*other);
          ASSERT_NE(other_client, nullptr);
          EXPECT_EQ(other_client->Command({"EXISTS", key.str}), Int(0))
              << key.str << " is on the nodes on ports " << node->port() << " and "
              << other->port();
        }
      }
    }
    EXPECT_LE(total, 100000);  // -r 100000: no key on two nodes
  }

  static std::vector<std::unique_ptr<ServerProcess>> nodes_;
  static std::unique_ptr<ServerProcess> proxy_;
  static int proxy_port_;
  static std::string setup_error_;
};

std::vector<std::unique_ptr<ServerProcess>> TwemproxyTest::nodes_;
std::unique_ptr<ServerProcess> TwemproxyTest::proxy_;
int TwemproxyTest::proxy_port_ = 0;
std::string TwemproxyTest::setup_error_;

using compat_Twemproxy = TwemproxyTest;

TEST_F(compat_Twemproxy, BenchmarkSetGetReachesEveryNode) {
  RunBenchmark("-n 20000 -c 20 -P 16");
  ExpectKeysSpreadAndReadable();
}

TEST_F(compat_Twemproxy, BenchmarkWithoutPipelining) {
  RunBenchmark("-n 3000 -c 10");
  ExpectKeysSpreadAndReadable();
}

TEST_F(compat_Twemproxy, GetReturnsWhatSetStored) {
  auto proxy = Proxy();
  ASSERT_NE(proxy, nullptr);
  constexpr int kKeys = 300;
  std::vector<std::string> values;
  // Pipelined: nutcracker keeps the replies of requests sent to different
  // nodes in request order.
  std::string batch;
  for (int i = 0; i < kKeys; ++i) {
    values.push_back(StrCat("value-", i, "-", std::string(i % 50, 'x')));
    StrAppend(&batch, Encode({"SET", StrCat("sample:", i), values.back()}));
  }
  ASSERT_OK(proxy->Send(batch));
  for (int i = 0; i < kKeys; ++i) ASSERT_EQ(proxy->ReadReply(), Ok()) << i;
  std::vector<int64_t> per_node(nodes_.size(), 0);
  for (int i = 0; i < kKeys; ++i) {
    const std::string key = StrCat("sample:", i);
    EXPECT_EQ(proxy->Command({"GET", key}), Bulk(values[i])) << key;
    // On exactly one node, with that value.
    int holders = 0;
    for (size_t n = 0; n < nodes_.size(); ++n) {
      auto node = Node(*nodes_[n]);
      ASSERT_NE(node, nullptr);
      RespValue value = node->Command({"GET", key});
      if (value.type == RespValue::Type::kBulkString) {
        EXPECT_EQ(value, Bulk(values[i])) << key << " on port " << nodes_[n]->port();
        ++holders;
        ++per_node[n];
      }
    }
    EXPECT_EQ(holders, 1) << key;
  }
  for (size_t n = 0; n < nodes_.size(); ++n) {
    EXPECT_GT(per_node[n], 0) << "no sample key on the node on port " << nodes_[n]->port();
  }
}

TEST_F(compat_Twemproxy, MultiKeyCommandsAreSplitAcrossNodes) {
  auto proxy = Proxy();
  ASSERT_NE(proxy, nullptr);
  // MSET, MGET and DEL over keys on different nodes: nutcracker sends each
  // node its part and puts the replies back together.
  std::vector<std::string> mset = {"MSET"};
  std::vector<std::string> mget = {"MGET"};
  std::vector<std::string> del = {"DEL"};
  for (int i = 0; i < 40; ++i) {
    mset.push_back(StrCat("multi:", i));
    mset.push_back(StrCat("v", i));
    mget.push_back(StrCat("multi:", i));
    del.push_back(StrCat("multi:", i));
  }
  mget.push_back("multi:missing");
  ASSERT_EQ(proxy->Run(mset), Ok());
  RespValue got = proxy->Run(mget);
  ASSERT_EQ(got.type, RespValue::Type::kArray) << got.DebugString();
  ASSERT_EQ(got.elements.size(), 41u);
  for (int i = 0; i < 40; ++i) EXPECT_EQ(got.elements[i], Bulk(StrCat("v", i))) << i;
  EXPECT_EQ(got.elements[40], Nil());
  int64_t on_nodes = 0;
  int nodes_with_keys = 0;
  for (auto& node : nodes_) {
    auto client = Node(*node);
    ASSERT_NE(client, nullptr);
    const int64_t keys = DbSize(*client);
    on_nodes += keys;
    if (keys > 0) ++nodes_with_keys;
  }
  EXPECT_EQ(on_nodes, 40);
  EXPECT_GT(nodes_with_keys, 1);
  EXPECT_EQ(proxy->Run(del), Int(40));
  for (auto& node : nodes_) {
    auto client = Node(*node);
    ASSERT_NE(client, nullptr);
    EXPECT_EQ(DbSize(*client), 0);
  }
}

TEST_F(compat_Twemproxy, HashTagsKeepKeysTogether) {
  auto proxy = Proxy();
  ASSERT_NE(proxy, nullptr);
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(proxy->Command({"SET", StrCat("{user:7}:field", i), "x"}), Ok());
  }
  ASSERT_EQ(proxy->Command({"HSET", "{user:7}:profile", "name", "ann"}), Int(1));
  int nodes_with_keys = 0;
  for (auto& node : nodes_) {
    auto client = Node(*node);
    ASSERT_NE(client, nullptr);
    const int64_t keys = DbSize(*client);
    if (keys > 0) {
      EXPECT_EQ(keys, 21) << "the tagged keys are split";
      ++nodes_with_keys;
    }
  }
  EXPECT_EQ(nodes_with_keys, 1);
  EXPECT_EQ(proxy->Command({"HGET", "{user:7}:profile", "name"}), Bulk("ann"));
}

TEST_F(compat_Twemproxy, DeployExampleIsAValidConfig) {
  const std::string nutcracker = FindNutcracker();
  ASSERT_FALSE(nutcracker.empty());
  ToolResult result =
      RunShell(StrCat(nutcracker, " --test-conf --conf-file ",
                      ShellQuote(StrCat(VALKDB_SOURCE_DIR, "/deploy/nutcracker.yml"))));
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_THAT(result.output, HasSubstr("syntax is ok"));
}

}  // namespace
}  // namespace valkdb::test
