// Sharded pub/sub (SSUBSCRIBE, SUNSUBSCRIBE, SPUBLISH, PUBSUB SHARDCHANNELS
// and SHARDNUMSUB) against a real redis-server 7.0, RESP2 and RESP3: the same
// steps on both, every reply and message byte for byte. Shard channels are a
// namespace of their own: PUBLISH does not reach them, patterns do not match
// them, and their count is apart from the channels' and patterns'.

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "protocol/str_util.h"
#include "tests/support/server_fixture.h"

namespace valkdb::test {
namespace {

class PubSubShardDiffTest : public ServerTest {
 protected:
  bool WithRedis() const override { return true; }

  // Runs the steps on one server and returns every reply and message read.
  std::vector<std::string> Transcript(int port, int protocol) {
    std::vector<std::string> out;
    auto sub = ConnectTo(port);
    auto pub = ConnectTo(port);
    if (sub == nullptr || pub == nullptr) return {"<no connection>"};
    auto read = [&](RespClient& c) {
      auto reply = c.ReadRawReply();
      out.push_back(reply.ok() ? *reply : StrCat("<", reply.status().ToString(), ">"));
    };
    auto send = [&](RespClient& c, std::vector<std::string> args) {
      EXPECT_TRUE(c.Send(Encode(args)).ok());
      read(c);
    };
    const std::string proto = StrCat(protocol);
    for (RespClient* c : {sub.get(), pub.get()}) {
      EXPECT_FALSE(c->Run({"HELLO", proto}).is_error());  // (its reply holds the client id)
    }
    send(*sub, {"SUNSUBSCRIBE"});  // none yet: a null name, count 0
    send(*sub, {"SSUBSCRIBE", "x", "y"});
    read(*sub);
    send(*sub, {"PSUBSCRIBE", "*"});  // counts channels and patterns only
    send(*sub, {"SUBSCRIBE", "x"});
    send(*sub, {"SSUBSCRIBE", "x"});  // again: still one
    send(*pub, {"SPUBLISH", "x", "to the shard channel"});
    read(*sub);  // smessage only: the pattern does not see it
    send(*pub, {"PUBLISH", "y", "to the plain channel"});
    read(*sub);  // pmessage only: the shard subscriber of y does not see it
    // (A list of several comes in Redis's dict order, which its hash seed sets.)
    send(*pub, {"PUBSUB", "SHARDCHANNELS", "x*"});
    send(*pub, {"PUBSUB", "SHARDCHANNELS", "y"});
    send(*pub, {"PUBSUB", "SHARDCHANNELS", "nothing*"});
    send(*pub, {"PUBSUB", "SHARDNUMSUB", "x", "y", "none"});
    send(*pub, {"PUBSUB", "SHARDNUMSUB"});
    send(*pub, {"PUBSUB", "CHANNELS"});
    send(*pub, {"PUBSUB", "NUMSUB", "x", "y"});  // an array in RESP3 too
    send(*pub, {"SPUBLISH", "none", "m"});
    send(*pub, {"SPUBLISH", "x"});
    send(*pub, {"SSUBSCRIBE"});
    send(*pub, {"PUBSUB", "SHARDCHANNELS", "a", "b"});
    send(*pub, {"MULTI"});
    send(*pub, {"SSUBSCRIBE", "m"});
    send(*pub, {"EXEC"});
    send(*sub, {"SUNSUBSCRIBE", "x"});
    send(*sub, {"SUNSUBSCRIBE"});  // all: y
    send(*sub, {"PUNSUBSCRIBE"});
    send(*sub, {"UNSUBSCRIBE"});
    send(*sub, {"PING"});  // out of subscribed mode
    send(*sub, {"SSUBSCRIBE", "z"});
    send(*sub, {"RESET"});  // drops the shard subscription
    send(*pub, {"SPUBLISH", "z", "m"});
    return out;
  }
};

TEST_F(PubSubShardDiffTest, SameRepliesAndMessagesAsRedis) {
  for (int protocol : {2, 3}) {
    SCOPED_TRACE(StrCat("RESP", protocol));
    const std::vector<std::string> ours = Transcript(valkdb().port(), protocol);
    const std::vector<std::string> theirs = Transcript(redis().port(), protocol);
    ASSERT_EQ(ours.size(), theirs.size());
    for (size_t i = 0; i < ours.size(); ++i) {
      EXPECT_EQ(Visible(ours[i]), Visible(theirs[i])) << "step " << i;
    }
  }
}

}  // namespace
}  // namespace valkdb::test
