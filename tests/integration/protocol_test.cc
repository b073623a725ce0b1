// RESP framing over a real socket: pipelining, split and huge frames, inline
// commands, binary data and protocol errors.

#include <chrono>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "protocol/str_util.h"
#include "tests/support/server_fixture.h"

namespace valkdb::test {
namespace {

using std::chrono::milliseconds;

std::string RandomBytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string out(n, '\0');
  for (size_t i = 0; i < n; i += 4) {
    const uint32_t r = rng();
    for (size_t j = 0; j < 4 && i + j < n; ++j) out[i + j] = static_cast<char>(r >> (8 * j));
  }
  return out;
}

class ProtocolTest : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    if (HasFatalFailure()) return;
    c_ = Connect();
    ASSERT_NE(c_, nullptr);
  }

  // After a protocol error: the error, then the connection closes, while
  // every other client carries on and the data is intact.
  void ExpectProtocolError(std::string_view request, std::string_view error) {
    auto victim = Connect();
    ASSERT_NE(victim, nullptr);
    ASSERT_OK(victim->Send(request));
    auto reply = victim->ReadReply(milliseconds(5000));
    ASSERT_OK(reply) << "request: " << Visible(request);
    EXPECT_EQ(*reply, Err(std::string(error))) << "request: " << Visible(request);
    EXPECT_TRUE(victim->IsClosedByPeer(milliseconds(5000)))
        << "the connection must close after a protocol error; request: " << Visible(request);
    EXPECT_EQ(victim->buffered(), 0u) << Visible(victim->ReadRawUntilTimeout(milliseconds(0)));
    EXPECT_EQ(c_->Command({"GET", "survivor"}), Bulk("intact"));
    EXPECT_EQ(c_->Command({"PING"}), Simple("PONG"));
  }

  std::unique_ptr<RespClient> c_;
};
// Suite names carry "integration_" so that `ctest -R integration` selects them:
// tests/CMakeLists.txt registers the gtest names without a prefix.
using integration_Protocol = ProtocolTest;

TEST_F(integration_Protocol, PipelineOfAThousandCommandsInOneWrite) {
  constexpr int kCommands = 1000;
  std::string batch;
  for (int i = 0; i < kCommands; ++i) {
    switch (i % 4) {
      case 0:
        batch += Encode({"SET", StrCat("key:", i), StrCat("value:", i)});
        break;
      case 1:
        batch += Encode({"GET", StrCat("key:", i - 1)});
        break;
      case 2:
        batch += Encode({"ECHO", StrCat("echo:", i)});
        break;
      default:
        batch += StrCat("PING\r\n");  // inline and multibulk mixed
        break;
    }
  }
  ASSERT_OK(c_->Send(batch));
  for (int i = 0; i < kCommands; ++i) {
    auto reply = c_->ReadReply();
    ASSERT_OK(reply) << "reply " << i;
    switch (i % 4) {
      case 0:
        ASSERT_EQ(*reply, Ok()) << "reply " << i;
        break;
      case 1:
        ASSERT_EQ(*reply, Bulk(StrCat("value:", i - 1))) << "reply " << i;
        break;
      case 2:
        ASSERT_EQ(*reply, Bulk(StrCat("echo:", i))) << "reply " << i;
        break;
      default:
        ASSERT_EQ(*reply, Simple("PONG")) << "reply " << i;
        break;
    }
  }
  EXPECT_EQ(c_->ReadRawUntilTimeout(milliseconds(50)), "") << "more replies than commands";
  EXPECT_EQ(c_->Command({"DBSIZE"}), Int(kCommands / 4));
}

TEST_F(integration_Protocol, PipelineOfManySmallWritesWithoutReading) {
  // 20,000 GETs sent before any reply is read: replies queue in the server
  // and still arrive complete and in order.
  constexpr int kCommands = 20000;
  ASSERT_EQ(c_->Command({"SET", "k", std::string(100, 'x')}), Ok());
  std::string batch;
  for (int i = 0; i < kCommands; ++i) {
    batch += i % 2 == 0 ? Encode({"GET", "k"}) : Encode({"ECHO", std::to_string(i)});
  }
  std::thread writer([&] { EXPECT_OK(c_->Send(batch, milliseconds(60000))); });
  for (int i = 0; i < kCommands; ++i) {
    auto reply = c_->ReadReply();
    if (!reply.ok()) {
      ADD_FAILURE() << "reply " << i << ": " << reply.status();
      break;
    }
    if (i % 2 == 0 ? reply->str.size() != 100 : reply->str != std::to_string(i)) {
      ADD_FAILURE() << "reply " << i << " out of order: " << reply->DebugString();
      break;
    }
  }
  writer.join();
}

TEST_F(integration_Protocol, CommandSplitByteByByte) {
  const std::string request = Encode({"SET", "split-key", "split\r\nvalue"}) + "GET split-key\r\n";
  for (size_t i = 0; i < request.size(); ++i) {
    ASSERT_OK(c_->Send(request.substr(i, 1)));
    // Let each byte arrive as a read of its own.
    std::this_thread::sleep_for(milliseconds(1));
    if (i == request.size() / 3) {
      EXPECT_EQ(c_->ReadRawUntilTimeout(milliseconds(20)), "") << "a reply before the frame ended";
    }
  }
  EXPECT_EQ(c_->ReadReply(), Ok());
  auto reply = c_->ReadReply();
  ASSERT_OK(reply);
  EXPECT_EQ(*reply, Bulk("split\r\nvalue"));
}

TEST_F(integration_Protocol, BigArgumentSplitAcrossManyWrites) {
  const std::string value = RandomBytes(300 * 1000, 7);
  const std::string request = Encode({"SET", "chunked", value});
  for (size_t pos = 0; pos < request.size(); pos += 997) {
    ASSERT_OK(c_->Send(request.substr(pos, 997)));
  }
  EXPECT_EQ(c_->ReadReply(), Ok());
  auto reply = c_->ReadReply(milliseconds(1));
  EXPECT_FALSE(reply.ok()) << "one reply per command";
  EXPECT_EQ(c_->Command({"GET", "chunked"}), Bulk(value));
}

TEST_F(integration_Protocol, OneMegabyteValueRoundTrip) {
  const std::string value = RandomBytes(1024 * 1024, 1);
  EXPECT_EQ(c_->Command({"SET", "big", value}), Ok());
  RespValue got = c_->Command({"GET", "big"});
  ASSERT_EQ(got.type, RespValue::Type::kBulkString);
  EXPECT_EQ(got.str.size(), value.size());
  EXPECT_TRUE(got.str == value) << "the value came back changed";
  // Another client sees the same bytes.
  auto other = Connect();
  ASSERT_NE(other, nullptr);
  EXPECT_TRUE(other->Command({"GET", "big"}).str == value);
}

TEST_F(integration_Protocol, FiftyMegabyteValueRoundTrip) {
  const std::string value = RandomBytes(50 * 1024 * 1024, 2);
  EXPECT_EQ(c_->Command({"SET", "huge", value}, milliseconds(60000)), Ok());
  RespValue got = c_->Command({"GET", "huge"}, milliseconds(60000));
  ASSERT_EQ(got.type, RespValue::Type::kBulkString);
  EXPECT_EQ(got.str.size(), value.size());
  EXPECT_TRUE(got.str == value) << "the value came back changed";
  // Twice at once in one pipeline, behind a small command.
  ASSERT_OK(c_->Send(Encode({"GET", "huge"}) + "PING\r\n" + Encode({"GET", "huge"})));
  for (int i = 0; i < 3; ++i) {
    auto reply = c_->ReadReply(milliseconds(60000));
    ASSERT_OK(reply);
    if (i == 1) {
      EXPECT_EQ(*reply, Simple("PONG"));
    } else {
      EXPECT_TRUE(reply->str == value) << "reply " << i;
    }
  }
}

TEST_F(integration_Protocol, BinaryKeysAndValues) {
  const std::string key("bin\0key\r\n$3\r\n*1", 16);
  const std::string value("\0\r\n\xff\xfe-ERR x\r\n+OK\r\n\0", 20);
  EXPECT_EQ(c_->Command({"SET", key, value}), Ok());
  EXPECT_EQ(c_->Command({"GET", key}), Bulk(value));
  EXPECT_EQ(c_->Command({"GET", std::string("bin", 3)}), Nil());  // the NUL is part of the key
  EXPECT_EQ(c_->Command({"EXISTS", key}), Int(1));
  EXPECT_EQ(c_->Command({"ECHO", value}), Bulk(value));
  // The exact bytes of the reply.
  ASSERT_OK(c_->Send(Encode({"GET", key})));
  auto raw = c_->ReadRawReply();
  ASSERT_OK(raw);
  EXPECT_EQ(*raw, StrCat("$20\r\n", value, "\r\n"));
  EXPECT_EQ(c_->Command({"DEL", key}), Int(1));
  EXPECT_EQ(c_->Command({"DBSIZE"}), Int(0));
  // Every byte value survives.
  std::string all_bytes;
  for (int b = 0; b < 256; ++b) all_bytes.push_back(static_cast<char>(b));
  EXPECT_EQ(c_->Command({"SET", all_bytes, all_bytes}), Ok());
  EXPECT_EQ(c_->Command({"GET", all_bytes}), Bulk(all_bytes));
}

TEST_F(integration_Protocol, InlineCommands) {
  ASSERT_OK(c_->Send("SET inline-key inline-value\r\nGET inline-key\r\nPING\r\n"));
  EXPECT_EQ(c_->ReadReply(), Ok());
  EXPECT_EQ(c_->ReadReply(), Bulk("inline-value"));
  EXPECT_EQ(c_->ReadReply(), Simple("PONG"));
  // Quotes and escapes as in redis-cli, a bare \n ending, blank lines skipped.
  ASSERT_OK(c_->Send("SET \"a key\" 'it\\'s'\n\r\n\n  GET   \"a key\"  \r\nECHO \"\\x41\\n\"\r\n"));
  EXPECT_EQ(c_->ReadReply(), Ok());
  EXPECT_EQ(c_->ReadReply(), Bulk("it's"));
  EXPECT_EQ(c_->ReadReply(), Bulk("A\n"));
  // Inline and multibulk on one connection.
  ASSERT_OK(c_->Send(Encode({"SET", "m", "1"}) + "GET m\r\n" + Encode({"GET", "m"})));
  EXPECT_EQ(c_->ReadReply(), Ok());
  EXPECT_EQ(c_->ReadReply(), Bulk("1"));
  EXPECT_EQ(c_->ReadReply(), Bulk("1"));
  ASSERT_OK(c_->Send("FOO bar\r\n"));
  EXPECT_EQ(c_->ReadReply(), Err("ERR unknown command 'FOO', with args beginning with: 'bar' "));
  EXPECT_EQ(c_->ReadRawUntilTimeout(milliseconds(30)), "");
}

TEST_F(integration_Protocol, EmptyMultibulkIsSkipped) {
  ASSERT_OK(c_->Send("*0\r\n*-1\r\nPING\r\n"));
  EXPECT_EQ(Visible(c_->ReadRaw(7, milliseconds(5000))), "+PONG\\r\\n");
  EXPECT_EQ(c_->ReadRawUntilTimeout(milliseconds(30)), "");
}

TEST_F(integration_Protocol, ProtocolErrorsCloseOnlyThatConnection) {
  ASSERT_EQ(c_->Command({"SET", "survivor", "intact"}), Ok());
  ExpectProtocolError("*1\r\n+4\r\n", "ERR Protocol error: expected '$', got '+'");
  ExpectProtocolError("*abc\r\n", "ERR Protocol error: invalid multibulk length");
  ExpectProtocolError("*3000000000\r\n", "ERR Protocol error: invalid multibulk length");
  ExpectProtocolError("*1\r\n$abc\r\n", "ERR Protocol error: invalid bulk length");
  ExpectProtocolError("*1\r\n$-1\r\n", "ERR Protocol error: invalid bulk length");
  ExpectProtocolError("*1\r\n$536870913\r\n", "ERR Protocol error: invalid bulk length");
  ExpectProtocolError("ECHO \"unbalanced\r\n", "ERR Protocol error: unbalanced quotes in request");
  ExpectProtocolError(std::string(70 * 1024, 'a'), "ERR Protocol error: too big inline request");
  ExpectProtocolError(StrCat("*", std::string(70 * 1024, '1')),
                      "ERR Protocol error: too big mbulk count string");
  ExpectProtocolError(StrCat("*1\r\n", std::string(70 * 1024, '1')),
                      "ERR Protocol error: too big bulk count string");
  ExpectProtocolError(StrCat("*1\r\n$", std::string(70 * 1024, '1')),
                      "ERR Protocol error: too big bulk count string");
}

TEST_F(integration_Protocol, CommandsBeforeAProtocolErrorAreAnswered) {
  ASSERT_OK(c_->Send(Encode({"SET", "before", "1"}) + "PING\r\n*1\r\n+4\r\n" +
                     Encode({"SET", "after", "1"})));
  EXPECT_EQ(c_->ReadReply(), Ok());
  EXPECT_EQ(c_->ReadReply(), Simple("PONG"));
  EXPECT_EQ(c_->ReadReply(), Err("ERR Protocol error: expected '$', got '+'"));
  EXPECT_TRUE(c_->IsClosedByPeer(milliseconds(5000)));
  auto check = Connect();
  ASSERT_NE(check, nullptr);
  EXPECT_EQ(check->Command({"EXISTS", "before", "after"}), Int(1));
}

TEST_F(integration_Protocol, ManyConnectionsAtOnce) {
  constexpr int kClients = 32;
  constexpr int kKeysEach = 200;
  std::vector<std::unique_ptr<RespClient>> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.push_back(Connect());
    ASSERT_NE(clients.back(), nullptr);
  }
  std::vector<std::thread> threads;
  for (int t = 0; t < kClients; ++t) {
    threads.emplace_back([&, t] {
      RespClient& c = *clients[t];
      std::string batch;
      for (int k = 0; k < kKeysEach; ++k) {
        batch += Encode({"SET", StrCat("c", t, ":", k), StrCat("v", t, ":", k)});
      }
      EXPECT_OK(c.Send(batch));
      for (int k = 0; k < kKeysEach; ++k) {
        auto reply = c.ReadReply();
        if (!reply.ok() || !(*reply == Ok())) {
          ADD_FAILURE() << "client " << t << " reply " << k << ": "
                        << (reply.ok() ? reply->DebugString() : reply.status().ToString());
          return;
        }
      }
      // Read another client's keys: writes are visible across connections.
      const int peer = (t + 1) % kClients;
      for (int k = 0; k < kKeysEach; k += 50) {
        RespValue got = c.Command({"GET", StrCat("c", peer, ":", k)});
        if (!got.is_null()) {
          EXPECT_EQ(got, Bulk(StrCat("v", peer, ":", k)));
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(c_->Command({"DBSIZE"}), Int(kClients * kKeysEach));
  EXPECT_EQ(c_->Command({"GET", "c7:123"}), Bulk("v7:123"));
  // Connections closed by the fixture may take a moment to be counted out.
  const std::string expected = StrCat("connected_clients:", kClients + 1, "\r\n");
  std::string info;
  for (int attempt = 0; attempt < 500; ++attempt) {  // up to 10 s: liveness only
    info = c_->Command({"INFO", "clients"}).str;
    if (info.find(expected) != std::string::npos) break;
    std::this_thread::sleep_for(milliseconds(20));
  }
  EXPECT_THAT(info, ::testing::HasSubstr(expected));
}

TEST_F(integration_Protocol, ClientClosingMidFrameDoesNotDisturbOthers) {
  ASSERT_EQ(c_->Command({"SET", "survivor", "intact"}), Ok());
  for (int i = 0; i < 20; ++i) {
    auto quitter = Connect();
    ASSERT_NE(quitter, nullptr);
    ASSERT_OK(
        quitter->Send(StrCat("*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$100000\r\n", std::string(500, 'y'))));
    quitter->Close();
  }
  EXPECT_EQ(c_->Command({"GET", "survivor"}), Bulk("intact"));
  EXPECT_EQ(c_->Command({"EXISTS", "x"}), Int(0));
}

}  // namespace
}  // namespace valkdb::test
