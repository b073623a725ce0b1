// INFO commandstats / errorstats / latencystats, SLOWLOG and LATENCY against a
// real redis-server 7.0: the same commands go to both. Times differ, so the
// stats lines are compared with their usec figures masked, SLOWLOG entries by
// their arguments and shape, LATENCY HISTOGRAM by its commands and calls;
// everything else (errors, help, empty replies, config) byte for byte.

#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "protocol/str_util.h"
#include "tests/support/server_fixture.h"

namespace valkdb::test {
namespace {

class StatsDiffTest : public ServerTest {
 protected:
  bool WithRedis() const override { return true; }
  void SetUp() override {
    ServerTest::SetUp();
    if (HasFatalFailure()) return;
    valkdb_ = Connect();
    redis_ = ConnectTo(redis().port());
    ASSERT_NE(valkdb_, nullptr);
    ASSERT_NE(redis_, nullptr);
    Both({"CONFIG", "SET", "slowlog-log-slower-than", "-1"});
    Both({"SLOWLOG", "RESET"});
    Both({"LATENCY", "RESET"});
    Both({"CONFIG", "SET", "latency-tracking-info-percentiles", "50 99 99.9"});
    Both({"CONFIG", "SET", "latency-tracking", "yes"});
  }
  void TearDown() override {
    if (valkdb_ != nullptr && redis_ != nullptr) {
      Both({"CONFIG", "SET", "slowlog-log-slower-than", "10000"});
    }
    ServerTest::TearDown();
  }

  static std::string Raw(RespClient& c, const std::vector<std::string>& args) {
    std::string request = StrCat("*", args.size(), "\r\n");
    for (const std::string& a : args) StrAppend(&request, "$", a.size(), "\r\n", a, "\r\n");
    EXPECT_TRUE(c.Send(request).ok());
    auto reply = c.ReadRawReply();
    EXPECT_TRUE(reply.ok()) << reply.status();
    return reply.ok() ? *reply : "";
  }
  // Runs on both; the raw replies must be the same.
  void Same(const std::vector<std::string>& args) {
    EXPECT_EQ(Raw(*valkdb_, args), Raw(*redis_, args)) << Join(args, " ");
  }
  void Both(const std::vector<std::string>& args) {
    Raw(*valkdb_, args);
    Raw(*redis_, args);
  }
  // The lines of an INFO section that start with `prefix`, times masked.
  static std::set<std::string> Lines(RespClient& c, const std::string& section,
                                     const std::string& prefix) {
    const std::string info = c.Command({"INFO", section}).str;
    static const std::regex kUsec("(usec|usec_per_call|p[0-9.]+)=[0-9.]+");
    std::set<std::string> out;
    for (std::string_view line : Split(info, '\n')) {
      std::string l(line.substr(0, line.find('\r')));
      if (l.rfind(prefix, 0) == 0) out.insert(std::regex_replace(l, kUsec, "$1=T"));
    }
    return out;
  }

  std::unique_ptr<RespClient> valkdb_, redis_;
};
using compat_Stats = StatsDiffTest;

TEST_F(compat_Stats, CommandAndErrorStats) {
  Same({"CONFIG", "RESETSTAT"});
  Same({"SET", "k"});
  Same({"SET", "k", "v"});
  Same({"INCR", "k"});
  Same({"LPUSH", "k", "x"});
  Same({"GET", "k"});
  Same({"NOSUCH", "a"});
  Same({"CLIENT", "NOSUCH"});
  Same({"CONFIG", "GET", "latency-tracking"});
  Same({"MULTI"});
  Same({"SET"});
  Same({"INCR", "k"});
  Same({"EXEC"});
  Same({"MULTI"});
  Same({"INCR", "k"});
  Same({"EXEC"});
  Same({"EXEC"});
  Same({"SLOWLOG", "LEN", "x"});
  Same({"LATENCY", "HELP", "xxx"});
  EXPECT_EQ(Lines(*valkdb_, "commandstats", "cmdstat_"),
            Lines(*redis_, "commandstats", "cmdstat_"));
  EXPECT_EQ(Lines(*valkdb_, "errorstats", "errorstat_"),
            Lines(*redis_, "errorstats", "errorstat_"));
  EXPECT_EQ(Lines(*valkdb_, "stats", "total_error_replies"),
            Lines(*redis_, "stats", "total_error_replies"));
  EXPECT_EQ(Lines(*valkdb_, "latencystats", "latency_percentiles_usec_"),
            Lines(*redis_, "latencystats", "latency_percentiles_usec_"));
  // Percentile labels as Redis prints them.
  Same({"CONFIG", "SET", "latency-tracking-info-percentiles", "0.0 50.0 99.990 100"});
  Same({"CONFIG", "GET", "latency-tracking-info-percentiles"});
  EXPECT_EQ(Lines(*valkdb_, "latencystats", "latency_percentiles_usec_set"),
            Lines(*redis_, "latencystats", "latency_percentiles_usec_set"));
  Same({"CONFIG", "SET", "latency-tracking-info-percentiles", "1 a"});
  Same({"CONFIG", "SET", "latency-tracking-info-percentiles", "-1"});
  Same({"CONFIG", "SET", "latency-tracking-info-percentiles", ""});
  Same({"CONFIG", "GET", "latency-tracking-info-percentiles"});
  EXPECT_EQ(Lines(*valkdb_, "latencystats", "latency_percentiles_usec_set"),
            Lines(*redis_, "latencystats", "latency_percentiles_usec_set"));
  Same({"CONFIG", "SET", "latency-tracking", "no"});
  EXPECT_EQ(Lines(*valkdb_, "latencystats", "latency_"), std::set<std::string>{});
  EXPECT_EQ(Lines(*redis_, "latencystats", "latency_"), std::set<std::string>{});
  Same({"CONFIG", "RESETSTAT"});
  EXPECT_EQ(Lines(*valkdb_, "errorstats", "errorstat_"), std::set<std::string>{});
  EXPECT_EQ(Lines(*redis_, "errorstats", "errorstat_"), std::set<std::string>{});
  EXPECT_EQ(Lines(*valkdb_, "commandstats", "cmdstat_"),
            Lines(*redis_, "commandstats", "cmdstat_"));
}

TEST_F(compat_Stats, SlowLog) {
  Same({"SLOWLOG", "GET", "-2"});
  Same({"SLOWLOG", "GET", "x"});
  Same({"SLOWLOG", "GET", "1", "2"});
  Same({"SLOWLOG", "HELP"});
  Same({"SLOWLOG", "NOSUCH"});
  Same({"SLOWLOG", "LEN"});
  Same({"SLOWLOG", "GET"});
  Same({"CONFIG", "SET", "slowlog-log-slower-than", "0"});
  Same({"CONFIG", "SET", "slowlog-max-len", "5"});
  std::vector<std::string> many = {"SADD", "s"};
  for (int i = 0; i < 40; ++i) many.push_back(std::to_string(i));
  Same(many);
  Same({"SET", "big", std::string(300, 'x')});
  Same({"MULTI"});
  Same({"GET", "big"});
  Same({"EXEC"});
  Same({"CLIENT", "SETNAME", "slow"});
  Same({"PING"});
  Same({"CONFIG", "SET", "slowlog-log-slower-than", "-1"});
  Same({"SLOWLOG", "LEN"});
  const RespValue ours = valkdb_->Command({"SLOWLOG", "GET", "-1"});
  const RespValue theirs = redis_->Command({"SLOWLOG", "GET", "-1"});
  ASSERT_EQ(ours.elements.size(), theirs.elements.size());
  for (size_t i = 0; i < ours.elements.size(); ++i) {
    const RespValue& a = ours.elements[i];
    const RespValue& b = theirs.elements[i];
    ASSERT_EQ(a.elements.size(), 6u);
    ASSERT_EQ(b.elements.size(), 6u);
    EXPECT_EQ(a.elements[3].DebugString(), b.elements[3].DebugString()) << i;  // argv
    EXPECT_EQ(a.elements[5].str, b.elements[5].str) << i;                      // name
    EXPECT_EQ(a.elements[4].str.empty(), b.elements[4].str.empty()) << i;      // addr
    EXPECT_GE(a.elements[1].integer, b.elements[1].integer - 60) << i;         // unix time
  }
  Same({"SLOWLOG", "RESET"});
  Same({"SLOWLOG", "LEN"});
  Same({"CONFIG", "SET", "slowlog-max-len", "128"});
}

TEST_F(compat_Stats, Latency) {
  Same({"CONFIG", "SET", "latency-monitor-threshold", "0"});
  Same({"LATENCY", "HELP"});
  Same({"LATENCY", "NOSUCH"});
  Same({"LATENCY", "LATEST"});
  Same({"LATENCY", "HISTORY", "command"});
  Same({"LATENCY", "GRAPH", "command"});
  Same({"LATENCY", "RESET", "command", "other"});
  Same({"LATENCY", "HISTORY"});
  Same({"LATENCY", "GRAPH", "a", "b"});
  Same({"CONFIG", "RESETSTAT"});
  Same({"SET", "a", "b"});
  Same({"ECHO", "x"});
  Same({"LATENCY", "HISTOGRAM", "nosuch"});
  // Commands and calls; the buckets depend on the time taken.
  auto shape = [](const RespValue& reply) {
    std::map<std::string, int64_t> calls;
    for (size_t i = 0; i + 1 < reply.elements.size(); i += 2) {
      calls[reply.elements[i].str] = reply.elements[i + 1].elements.at(1).integer;
    }
    return calls;
  };
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"LATENCY", "HISTOGRAM"},
                                             {"LATENCY", "HISTOGRAM", "set", "CONFIG", "x"},
                                             {"LATENCY", "HISTOGRAM", "config|resetstat"}}) {
    const RespValue ours = valkdb_->Run(args);
    const RespValue theirs = redis_->Run(args);
    EXPECT_EQ(shape(ours), shape(theirs)) << Join(args, " ");
  }
}

}  // namespace
}  // namespace valkdb::test
