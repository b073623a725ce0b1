// SUBSCRIBE UNSUBSCRIBE PSUBSCRIBE PUNSUBSCRIBE PUBLISH PUBSUB. Expected
// replies are redis-server 7.0.15's, captured byte for byte with a
// subscriber and a publisher connection.
#include <algorithm>
#include <mutex>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "protocol/str_util.h"
#include "server/commands/pubsub.h"
#include "tests/unit/commands/command_fixture.h"

namespace valkdb::testing_util {
namespace {

// What a connection would receive: the encoding for its protocol.
class FakeSubscriber : public Subscriber {
 public:
  explicit FakeSubscriber(const ClientState* client) : client_(client) {}
  void Deliver(const PubSubMessage& message) override {
    std::lock_guard<std::mutex> lock(mu_);
    received_ += client_->protocol >= 3 ? message.resp3.str() : message.resp2.str();
  }
  std::string Take() {
    std::lock_guard<std::mutex> lock(mu_);
    return std::exchange(received_, std::string());
  }

 private:
  const ClientState* client_;
  std::mutex mu_;
  std::string received_;
};

class PubSubFamilyTest : public CommandTest {
 protected:
  PubSubFamilyTest() : subscriber_(&client_), other_subscriber_(&other_) {
    client_.subscriber = &subscriber_;
    other_.id = 43;
    other_.subscriber = &other_subscriber_;
  }
  ~PubSubFamilyTest() override {
    // The hub must not keep pointers to subscribers that are going away.
    Run({"reset"});
    RunAs(other_, {"reset"});
  }

  std::string Publish(std::string_view channel, std::string_view message) {
    return RunAs(publisher_, {"publish", channel, message});
  }

  ClientState other_;
  ClientState publisher_;
  FakeSubscriber subscriber_;
  FakeSubscriber other_subscriber_;
};

std::string Sub(std::string_view kind, std::string_view name, int64_t count) {
  return StrCat("*3\r\n", Bulk(kind), Bulk(name), Int(count));
}

std::string NotAllowed(std::string_view name) {
  return StrCat("-ERR Can't execute '", name,
                "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in "
                "this context\r\n");
}

TEST_F(PubSubFamilyTest, SubscribeRepliesOncePerChannel) {
  EXPECT_EQ(Run({"subscribe", "a", "b"}), Sub("subscribe", "a", 1) + Sub("subscribe", "b", 2));
  EXPECT_EQ(Run({"subscribe", "a"}), Sub("subscribe", "a", 2)) << "already subscribed";
  EXPECT_EQ(client_.subscriptions(), 2u);
}

TEST_F(PubSubFamilyTest, PublishDeliversMessages) {
  EXPECT_EQ(Publish("a", "nobody"), Int(0));
  Run({"subscribe", "a", "b"});
  EXPECT_EQ(Publish("a", "hello"), Int(1));
  EXPECT_EQ(subscriber_.Take(), "*3\r\n$7\r\nmessage\r\n$1\r\na\r\n$5\r\nhello\r\n");
  EXPECT_EQ(Publish("zz", "x"), Int(0));
  EXPECT_EQ(subscriber_.Take(), "");
}

TEST_F(PubSubFamilyTest, PatternSubscriptions) {
  Run({"subscribe", "a", "b"});
  EXPECT_EQ(Run({"psubscribe", "p*", "a*"}),
            Sub("psubscribe", "p*", 3) + Sub("psubscribe", "a*", 4));
  EXPECT_EQ(Publish("a", "hello"), Int(2)) << "the channel and the matching pattern";
  EXPECT_EQ(subscriber_.Take(),
            "*3\r\n$7\r\nmessage\r\n$1\r\na\r\n$5\r\nhello\r\n"
            "*4\r\n$8\r\npmessage\r\n$2\r\na*\r\n$1\r\na\r\n$5\r\nhello\r\n");
  EXPECT_EQ(Publish("pq", "m2"), Int(1));
  EXPECT_EQ(subscriber_.Take(), "*4\r\n$8\r\npmessage\r\n$2\r\np*\r\n$2\r\npq\r\n$2\r\nm2\r\n");
}

TEST_F(PubSubFamilyTest, SeveralSubscribers) {
  Run({"subscribe", "ch"});
  RunAs(other_, {"subscribe", "ch"});
  RunAs(other_, {"psubscribe", "c*"});
  EXPECT_EQ(Publish("ch", "m"), Int(3));
  EXPECT_EQ(subscriber_.Take(), "*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$1\r\nm\r\n");
  EXPECT_EQ(other_subscriber_.Take(),
            "*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$1\r\nm\r\n"
            "*4\r\n$8\r\npmessage\r\n$2\r\nc*\r\n$2\r\nch\r\n$1\r\nm\r\n");
}

TEST_F(PubSubFamilyTest, Unsubscribe) {
  Run({"subscribe", "a", "b"});
  Run({"psubscribe", "p*", "a*"});
  EXPECT_EQ(Run({"unsubscribe", "a", "nosuch"}),
            Sub("unsubscribe", "a", 3) + Sub("unsubscribe", "nosuch", 3));
  // Without arguments every pattern goes, in no particular order (Redis walks a hash table).
  const std::string all_patterns = Run({"punsubscribe"});
  EXPECT_TRUE(all_patterns == Sub("punsubscribe", "p*", 2) + Sub("punsubscribe", "a*", 1) ||
              all_patterns == Sub("punsubscribe", "a*", 2) + Sub("punsubscribe", "p*", 1))
      << all_patterns;
  EXPECT_EQ(Run({"unsubscribe"}), Sub("unsubscribe", "b", 0));
  EXPECT_EQ(Run({"unsubscribe"}), "*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n");
  EXPECT_EQ(Run({"punsubscribe"}), "*3\r\n$12\r\npunsubscribe\r\n$-1\r\n:0\r\n");
  EXPECT_EQ(Run({"ping"}), "+PONG\r\n") << "back to normal";
  EXPECT_EQ(Publish("b", "x"), Int(0));
  EXPECT_EQ(subscriber_.Take(), "");
}

TEST_F(PubSubFamilyTest, SubscribedResp2ClientsAreRestricted) {
  Run({"subscribe", "a"});
  EXPECT_EQ(Run({"ping"}), "*2\r\n$4\r\npong\r\n$0\r\n\r\n");
  EXPECT_EQ(Run({"ping", "x"}), "*2\r\n$4\r\npong\r\n$1\r\nx\r\n");
  EXPECT_EQ(Run({"get", "x"}), NotAllowed("get"));
  EXPECT_EQ(Run({"client", "id"}), NotAllowed("client|id"));
  EXPECT_EQ(Run({"multi"}), NotAllowed("multi"));
  EXPECT_EQ(Run({"hello", "2"}), NotAllowed("hello"));
  EXPECT_EQ(Run({"psubscribe", "x*"}), Sub("psubscribe", "x*", 2));
}

TEST_F(PubSubFamilyTest, Resp3ClientsMayRunAnythingWhileSubscribed) {
  Run({"hello", "3"});
  EXPECT_EQ(Run({"subscribe", "c"}), ">3\r\n$9\r\nsubscribe\r\n$1\r\nc\r\n:1\r\n");
  EXPECT_EQ(Run({"get", "x"}), "_\r\n");
  EXPECT_EQ(Run({"ping"}), "+PONG\r\n");
  EXPECT_EQ(Publish("c", "r3"), Int(1));
  EXPECT_EQ(subscriber_.Take(), ">3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$2\r\nr3\r\n");
  EXPECT_EQ(Run({"unsubscribe"}), ">3\r\n$11\r\nunsubscribe\r\n$1\r\nc\r\n:0\r\n");
  EXPECT_EQ(Run({"unsubscribe"}), ">3\r\n$11\r\nunsubscribe\r\n_\r\n:0\r\n");
}

TEST_F(PubSubFamilyTest, ResetDropsSubscriptions) {
  Run({"subscribe", "d"});
  EXPECT_EQ(Run({"reset"}), "+RESET\r\n");
  EXPECT_EQ(client_.subscriptions(), 0u);
  EXPECT_EQ(RunAs(publisher_, {"pubsub", "numsub", "d"}), "*2\r\n$1\r\nd\r\n:0\r\n");
  EXPECT_EQ(Publish("d", "x"), Int(0));
}

TEST_F(PubSubFamilyTest, PubsubIntrospection) {
  EXPECT_EQ(RunAs(publisher_, {"pubsub", "channels"}), "*0\r\n");
  Run({"subscribe", "a", "b"});
  Run({"psubscribe", "p*", "a*"});
  std::vector<std::string> channels = Strings(RunAs(publisher_, {"pubsub", "channels"}));
  std::sort(channels.begin(), channels.end());
  EXPECT_EQ(channels, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(RunAs(publisher_, {"pubsub", "channels", "a*"}), "*1\r\n$1\r\na\r\n");
  EXPECT_EQ(RunAs(publisher_, {"pubsub", "numsub", "a", "zz"}),
            "*4\r\n$1\r\na\r\n:1\r\n$2\r\nzz\r\n:0\r\n");
  EXPECT_EQ(RunAs(publisher_, {"pubsub", "numsub"}), "*0\r\n");
  EXPECT_EQ(RunAs(publisher_, {"pubsub", "numpat"}), Int(2));
}

TEST_F(PubSubFamilyTest, Errors) {
  EXPECT_EQ(Run({"subscribe"}), WrongArity("subscribe"));
  EXPECT_EQ(Run({"psubscribe"}), WrongArity("psubscribe"));
  EXPECT_EQ(Run({"publish", "ch"}), WrongArity("publish"));
  EXPECT_EQ(Run({"pubsub"}), WrongArity("pubsub"));
  EXPECT_EQ(Run({"pubsub", "foo"}), "-ERR unknown subcommand 'foo'. Try PUBSUB HELP.\r\n");
  EXPECT_EQ(Run({"pubsub", "numpat", "x"}), WrongArity("pubsub|numpat"));
  EXPECT_EQ(Run({"pubsub", "help", "x"}), WrongArity("pubsub|help"));
}

TEST_F(PubSubFamilyTest, PubsubChannelsWithTooManyArguments) {
  EXPECT_EQ(Run({"pubsub", "channels", "a", "b"}),
            "-ERR unknown subcommand or wrong number of arguments for 'channels'. Try PUBSUB "
            "HELP.\r\n");
}

TEST_F(PubSubFamilyTest, UnsubscribeWithoutSubscriptionsOutsideSubscribedMode) {
  EXPECT_EQ(Run({"unsubscribe"}), "*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n");
  EXPECT_EQ(Run({"punsubscribe"}), "*3\r\n$12\r\npunsubscribe\r\n$-1\r\n:0\r\n");
}

}  // namespace
}  // namespace valkdb::testing_util
