// INFO commandstats / errorstats / latencystats, SLOWLOG, LATENCY, through
// the real dispatcher. Expected texts and numbers are redis-server 7.0.15's.
#include "server/commands/stats.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "protocol/str_util.h"
#include "tests/unit/commands/command_fixture.h"

namespace valkdb::testing_util {
namespace {

// HdrHistogram as Redis sets it up: values Redis 7.0.15 reported for the same durations.
TEST(LatencyHistogramTest, PercentilesAreRedisValues) {
  LatencyHistogram h;
  h.Record(3207 * 1000);  // DEBUG SLEEP 0.003 that took 3207 us
  LatencyHistogram::Counts counts;
  h.AddTo(&counts);
  EXPECT_EQ(counts.total, 1u);
  EXPECT_EQ(counts.ValueAtPercentile(50), 3211263);
  EXPECT_EQ(counts.ValueAtPercentile(99.9), 3211263);
  const std::vector<std::pair<int64_t, int64_t>> cdf = counts.Cdf();
  ASSERT_EQ(cdf.size(), 1u);
  EXPECT_EQ(cdf[0], std::make_pair(int64_t{4227}, int64_t{1}));

  LatencyHistogram fast;
  fast.Record(1000);  // 1 us: p50=1.003
  fast.Record(0);     // 0 us is kept as 1 ns: p0=0.001
  LatencyHistogram::Counts fast_counts;
  fast.AddTo(&fast_counts);
  EXPECT_EQ(fast_counts.ValueAtPercentile(100), 1003);
  EXPECT_EQ(fast_counts.ValueAtPercentile(0), 1);
}

TEST(LatencyHistogramTest, MergesLoopsAndResets) {
  LatencyHistogram a, b;
  for (int i = 0; i < 99; ++i) a.Record(10 * 1000);
  b.Record(500 * 1000);
  LatencyHistogram::Counts sum;
  a.AddTo(&sum);
  b.AddTo(&sum);
  EXPECT_EQ(sum.total, 100u);
  EXPECT_EQ(sum.ValueAtPercentile(50), 10047);  // 10 us
  EXPECT_EQ(sum.ValueAtPercentile(100), 501759);
  a.Reset();
  EXPECT_EQ(a.total(), 0u);
}

TEST(SlowLogTest, TrimsAsRedis) {
  SlowLog log;
  std::vector<std::string> args = {"sadd", "set"};
  for (int i = 3; i <= 33; ++i) args.push_back(std::to_string(i));
  std::vector<std::string_view> views(args.begin(), args.end());
  log.Push(views, 5, "1.2.3.4:5", "name", 128);
  const std::string big(129, 'A');
  log.Push({"sadd", "set", "foo", big}, 7, "1.2.3.4:5", "", 128);
  ASSERT_EQ(log.Len(), 2u);
  std::vector<SlowLogEntry> entries = log.Get(10);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].id, 1);  // newest first
  EXPECT_EQ(entries[0].argv[3], std::string(128, 'A') + "... (1 more bytes)");
  ASSERT_EQ(entries[1].argv.size(), 32u);
  EXPECT_EQ(entries[1].argv[30], "31");
  EXPECT_EQ(entries[1].argv[31], "... (2 more arguments)");
  EXPECT_EQ(entries[1].duration_us, 5);
  EXPECT_EQ(entries[1].addr, "1.2.3.4:5");
  EXPECT_EQ(entries[1].name, "name");
  log.Push({"ping"}, 1, "", "", 1);  // the max length applies at the next push
  EXPECT_EQ(log.Len(), 1u);
  EXPECT_EQ(log.Get(10)[0].id, 2);
}

class StatsTest : public CommandTest {
 protected:
  StatsTest() {
    client_.stats = server_.stats.ForLoop(0, CommandTable::Get().spec_count());
    writer_.set_error_observer(client_.stats);
  }

  std::string Info(std::string_view section) { return ParseReply(Run({"info", section})).str; }
  // The value of `name:` in an INFO text, "" if absent.
  static std::string Field(const std::string& info, std::string_view name) {
    const std::string key = StrCat("\r\n", name, ":");
    size_t at = info.find(key);
    if (at == std::string::npos) return "";
    at += key.size();
    return info.substr(at, info.find("\r\n", at) - at);
  }
};

TEST_F(StatsTest, RejectedAndFailedCalls) {
  EXPECT_EQ(Run({"set", "k"}), WrongArity("set"));
  EXPECT_EQ(Run({"set", "k1", "v1"}), kOk);
  EXPECT_EQ(Run({"set", "k2", "v2"}), kOk);
  std::string info = Info("commandstats");
  EXPECT_TRUE(Field(info, "cmdstat_set").starts_with("calls=2,usec="));
  EXPECT_TRUE(Field(info, "cmdstat_set").ends_with(",rejected_calls=1,failed_calls=0"));
  EXPECT_EQ(Run({"incr", "k1"}), kNotInteger);
  EXPECT_EQ(Run({"lpush", "k1", "x"}),
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
  EXPECT_TRUE(Run({"nosuchcommand"}).starts_with("-ERR unknown command 'nosuchcommand'"));
  info = Info("everything");
  EXPECT_TRUE(Field(info, "cmdstat_incr").ends_with(",rejected_calls=0,failed_calls=1"));
  EXPECT_TRUE(Field(info, "cmdstat_lpush").starts_with("calls=1,"));
  EXPECT_EQ(Field(info, "errorstat_ERR"), "count=3");
  EXPECT_EQ(Field(info, "errorstat_WRONGTYPE"), "count=1");
  EXPECT_EQ(Field(info, "total_error_replies"), "4");
  EXPECT_NE(info.find("# Commandstats\r\n"), std::string::npos);
  // The default sections have errorstats, not commandstats or latencystats.
  info = ParseReply(Run({"info"})).str;
  EXPECT_EQ(info.find("cmdstat_"), std::string::npos);
  EXPECT_EQ(info.find("latency_percentiles"), std::string::npos);
  EXPECT_NE(info.find("errorstat_WRONGTYPE:count=1"), std::string::npos);
  EXPECT_EQ(ParseReply(Run({"info", "default"})).str.find("cmdstat_"), std::string::npos);
}

TEST_F(StatsTest, TransactionsAsRedis) {
  // From Redis's unit/info "errorstats: rejected call within MULTI/EXEC".
  EXPECT_EQ(Run({"multi"}), kOk);
  EXPECT_EQ(Run({"set"}), WrongArity("set"));
  EXPECT_EQ(Run({"exec"}), "-EXECABORT Transaction discarded because of previous errors.\r\n");
  std::string info = Info("everything");
  EXPECT_EQ(Field(info, "errorstat_ERR"), "count=1");
  EXPECT_EQ(Field(info, "errorstat_EXECABORT"), "count=1");
  EXPECT_TRUE(Field(info, "cmdstat_set").starts_with("calls=0,"));
  EXPECT_TRUE(Field(info, "cmdstat_set").ends_with(",rejected_calls=1,failed_calls=0"));
  EXPECT_TRUE(Field(info, "cmdstat_exec").ends_with(",rejected_calls=0,failed_calls=1"));
  EXPECT_TRUE(Field(info, "cmdstat_multi").starts_with("calls=1,"));

  // A queued command's error is its own, not EXEC's.
  EXPECT_EQ(Run({"config", "resetstat"}), kOk);
  EXPECT_EQ(Run({"set", "s", "x"}), kOk);
  EXPECT_EQ(Run({"multi"}), kOk);
  EXPECT_EQ(Run({"incr", "s"}), "+QUEUED\r\n");
  EXPECT_EQ(Run({"exec"}), StrCat(Arr(1), kNotInteger));
  info = Info("everything");
  EXPECT_TRUE(Field(info, "cmdstat_incr").ends_with(",rejected_calls=0,failed_calls=1"));
  EXPECT_TRUE(Field(info, "cmdstat_exec").ends_with(",rejected_calls=0,failed_calls=0"));
  EXPECT_EQ(Run({"exec"}), Err("EXEC without MULTI"));
  info = Info("everything");
  EXPECT_TRUE(Field(info, "cmdstat_exec").starts_with("calls=2,"));
  EXPECT_TRUE(Field(info, "cmdstat_exec").ends_with(",failed_calls=1"));
  EXPECT_EQ(Field(info, "total_error_replies"), "2");
}

TEST_F(StatsTest, ResetStat) {
  EXPECT_EQ(Run({"get", "a"}), kNil);
  EXPECT_EQ(Run({"set", "a"}), WrongArity("set"));
  EXPECT_EQ(Run({"config", "resetstat"}), kOk);
  const std::string info = Info("everything");
  EXPECT_EQ(Field(info, "cmdstat_get"), "");
  EXPECT_EQ(Field(info, "cmdstat_set"), "");
  EXPECT_EQ(Field(info, "errorstat_ERR"), "");
  EXPECT_EQ(Field(info, "total_error_replies"), "0");
  // CONFIG RESETSTAT itself is counted once it ran, as in Redis.
  EXPECT_TRUE(Field(info, "cmdstat_config|resetstat").starts_with("calls=1,"));
  EXPECT_EQ(Field(info, "latency_percentiles_usec_get"), "");
  EXPECT_NE(Field(info, "latency_percentiles_usec_config|resetstat"), "");
}

TEST_F(StatsTest, LatencyStatsAndPercentilesConfig) {
  EXPECT_EQ(Run({"config", "set", "latency-tracking", "no"}), kOk);
  EXPECT_EQ(Run({"set", "a", "b"}), kOk);
  EXPECT_EQ(Field(Info("latencystats"), "latency_percentiles_usec_set"), "");
  EXPECT_EQ(Run({"config", "set", "latency-tracking", "yes"}), kOk);
  EXPECT_EQ(Run({"set", "a", "b"}), kOk);
  std::string line = Field(Info("latencystats"), "latency_percentiles_usec_set");
  EXPECT_TRUE(line.starts_with("p50=")) << line;
  EXPECT_NE(line.find(",p99="), std::string::npos);
  EXPECT_NE(line.find(",p99.9="), std::string::npos);
  EXPECT_EQ(Run({"config", "set", "latency-tracking-info-percentiles", "0.0 50.0 100.0"}), kOk);
  EXPECT_EQ(Run({"config", "get", "latency-tracking-info-percentiles"}),
            StrCat(Arr(2), Bulk("latency-tracking-info-percentiles"), Bulk("0 50 100")));
  line = Field(Info("latencystats"), "latency_percentiles_usec_set");
  EXPECT_TRUE(line.starts_with("p0=")) << line;
  EXPECT_NE(line.find(",p50="), std::string::npos);
  EXPECT_NE(line.find(",p100="), std::string::npos);
  EXPECT_EQ(Run({"config", "set", "latency-tracking-info-percentiles", "10.0 50.0 a"}),
            Err("CONFIG SET failed (possibly related to argument "
                "'latency-tracking-info-percentiles') - Invalid latency-tracking-info-percentiles "
                "parameters"));
  EXPECT_EQ(Run({"config", "set", "latency-tracking-info-percentiles", "10.0 50.0 101.0"}),
            Err("CONFIG SET failed (possibly related to argument "
                "'latency-tracking-info-percentiles') - latency-tracking-info-percentiles "
                "parameters should sit between [0.0,100.0]"));
  EXPECT_EQ(Run({"config", "get", "latency-tracking-info-percentiles"}),
            StrCat(Arr(2), Bulk("latency-tracking-info-percentiles"), Bulk("0 50 100")));
}

TEST_F(StatsTest, SlowLog) {
  // Nothing before the first CONFIG SET is logged, however slow the machine.
  EXPECT_EQ(Run({"config", "set", "slowlog-log-slower-than", "-1"}), kOk);
  EXPECT_EQ(Run({"slowlog", "reset"}), kOk);
  EXPECT_EQ(Run({"config", "set", "slowlog-log-slower-than", "0"}), kOk);
  client_.addr = "127.0.0.1:1234";
  client_.name = "me";
  EXPECT_EQ(Run({"set", "key", "value"}), kOk);
  EXPECT_EQ(Run({"exec"}), Err("EXEC without MULTI"));  // skip_slowlog
  RespValue entries = ParseReply(Run({"slowlog", "get"}));
  // CONFIG SET (logged under its new setting, as Redis), then SET.
  ASSERT_EQ(entries.elements.size(), 2u);
  const RespValue& e = entries.elements[0];
  ASSERT_EQ(e.elements.size(), 6u);
  EXPECT_EQ(e.elements[0].integer, 1);  // ids go on across SLOWLOG RESET, as Redis's
  EXPECT_GT(e.elements[1].integer, 1'600'000'000);
  ASSERT_EQ(e.elements[3].elements.size(), 3u);
  EXPECT_EQ(e.elements[3].elements[0].str, "set");
  EXPECT_EQ(e.elements[4].str, "127.0.0.1:1234");
  EXPECT_EQ(e.elements[5].str, "me");
  EXPECT_EQ(Run({"slowlog", "len"}), Int(3));  // and SLOWLOG GET
  EXPECT_EQ(ParseReply(Run({"slowlog", "get", "1"})).elements.size(), 1u);
  EXPECT_EQ(ParseReply(Run({"slowlog", "get", "0"})).elements.size(), 0u);
  EXPECT_EQ(Run({"slowlog", "get", "-2"}), Err("count should be greater than or equal to -1"));
  EXPECT_EQ(Run({"slowlog", "get", "x"}), Err("count should be greater than or equal to -1"));
  EXPECT_EQ(Run({"slowlog", "get", "1", "2"}),
            Err("unknown subcommand or wrong number of arguments for 'get'. Try SLOWLOG HELP."));
  EXPECT_EQ(Run({"slowlog", "len", "1"}), WrongArity("slowlog|len"));
  EXPECT_EQ(Run({"config", "set", "slowlog-log-slower-than", "-1"}), kOk);
  EXPECT_EQ(Run({"slowlog", "reset"}), kOk);
  EXPECT_EQ(Run({"ping"}), "+PONG\r\n");
  EXPECT_EQ(Run({"slowlog", "len"}), Int(0));
  const std::vector<std::string> help = Strings(Run({"slowlog", "help"}));
  ASSERT_EQ(help.size(), 12u);
  EXPECT_EQ(help[0], "SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
  EXPECT_EQ(help[11], "    Prints this help.");
}

TEST_F(StatsTest, LatencyHistogramCommand) {
  EXPECT_EQ(Run({"config", "resetstat"}), kOk);
  EXPECT_EQ(Run({"client", "id"}), Int(42));
  EXPECT_EQ(Run({"set", "a", "b"}), kOk);
  EXPECT_EQ(Run({"set", "c", "d"}), kOk);
  RespValue all = ParseReply(Run({"latency", "histogram", "client", "blabla", "set"}));
  // RESP2: the map is flat: name, {calls, n, histogram_usec, {...}}.
  // In the order asked, a container's subcommands in its place.
  ASSERT_EQ(all.elements.size(), 4u);
  EXPECT_EQ(all.elements[0].str, "client|id");
  EXPECT_EQ(all.elements[1].elements[1].integer, 1);
  EXPECT_EQ(all.elements[2].str, "set");
  EXPECT_EQ(all.elements[3].elements[0].str, "calls");
  EXPECT_EQ(all.elements[3].elements[1].integer, 2);
  EXPECT_EQ(all.elements[3].elements[2].str, "histogram_usec");
  EXPECT_EQ(ParseReply(Run({"latency", "histogram", "blabla"})).elements.size(), 0u);
  EXPECT_EQ(Run({"latency", "help", "xxx"}), WrongArity("latency|help"));
  EXPECT_EQ(Run({"latency", "latest"}), Arr(0));
  EXPECT_EQ(Run({"latency", "history", "command"}), Arr(0));
  EXPECT_EQ(Run({"latency", "reset"}), Int(0));
  EXPECT_EQ(Run({"latency", "graph", "command"}), Err("No samples available for event 'command'"));
  EXPECT_NE(ParseReply(Run({"latency", "doctor"})).str.find("Latency monitoring is disabled"),
            std::string::npos);
}

TEST(LatencyMonitorTest, KeepsOneSamplePerSecondAndTheMax) {
  LatencyMonitor monitor;
  monitor.AddSample("command", 300);
  monitor.AddSample("command", 250);  // same second: the higher stays
  monitor.AddSample("fast-command", 5);
  auto events = monitor.Copy();
  ASSERT_EQ(events.size(), 2u);
  const LatencyMonitor::Series& ts = events["command"];
  EXPECT_EQ(ts.max, 300);
  EXPECT_EQ(ts.idx, 1);
  EXPECT_EQ(ts.samples[0].latency, 300);
  EXPECT_EQ(monitor.Reset("COMMAND", false), 1);
  EXPECT_EQ(monitor.Reset("", true), 1);
  EXPECT_TRUE(monitor.Copy().empty());
}

}  // namespace
}  // namespace valkdb::testing_util
