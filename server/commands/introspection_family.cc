// SLOWLOG LATENCY (Redis's slowlog.c and latency.c; the data lives in stats.h)
#include <strings.h>
#include <sys/resource.h>

#include <cmath>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <string>

#include "protocol/str_util.h"
#include "server/commands/command_table.h"

namespace valkdb {
namespace {

// Redis's addReplySubcommandSyntaxError.
void ReplySubcommandSyntax(CommandContext& ctx) {
  std::string sub(ctx.arg(1).substr(0, 128));
  ctx.out.Error(StrCat("unknown subcommand or wrong number of arguments for '", sub, "'. Try ",
                       AsciiUpper(ctx.arg(0)), " HELP."));
}

// One handler for every SLOWLOG subcommand, as Redis's slowlogCommand.
void CmdSlowlog(CommandContext& ctx) {
  SlowLog& log = ctx.server.stats.slowlog;
  std::string_view sub = ctx.arg(1);
  if (ctx.argc() == 2 && EqualsIgnoreCase(sub, "help")) {
    ReplyHelp(ctx, "SLOWLOG",
              {"GET [<count>]",
               "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
               "    Entries are made of:",
               "    id, timestamp, time in microseconds, arguments array, client IP and port,",
               "    client name", "LEN", "    Return the length of the slowlog.", "RESET",
               "    Reset the slowlog."});
  } else if (ctx.argc() == 2 && EqualsIgnoreCase(sub, "reset")) {
    log.Reset();
    ctx.out.Ok();
  } else if (ctx.argc() == 2 && EqualsIgnoreCase(sub, "len")) {
    ctx.out.Integer(static_cast<int64_t>(log.Len()));
  } else if ((ctx.argc() == 2 || ctx.argc() == 3) && EqualsIgnoreCase(sub, "get")) {
    int64_t count = 10;
    if (ctx.argc() == 3) {
      constexpr std::string_view kCountError = "count should be greater than or equal to -1";
      // As Redis's getRangeLongFromObjectOrReply: one text for both.
      if (!ParseInt64(ctx.arg(2), &count) || count < -1) {
        ctx.out.Error(kCountError);
        return;
      }
    }
    const size_t n = count == -1 ? log.Len() : static_cast<size_t>(count);
    std::vector<SlowLogEntry> entries = log.Get(n);
    ctx.out.Array(entries.size());
    for (const SlowLogEntry& e : entries) {
      ctx.out.Array(6);
      ctx.out.Integer(e.id);
      ctx.out.Integer(e.time);
      ctx.out.Integer(e.duration_us);
      ctx.out.Array(e.argv.size());
      for (const std::string& arg : e.argv) ctx.out.Bulk(arg);
      ctx.out.Bulk(e.addr);
      ctx.out.Bulk(e.name);
    }
  } else {
    ReplySubcommandSyntax(ctx);
  }
}

// --- LATENCY ---------------------------------------------------------------

struct EventStats {
  int64_t all_time_high = 0, avg = 0, min = 0, max = 0, mad = 0, samples = 0, period = 0;
};

// Redis's analyzeLatencyForEvent.
EventStats Analyze(const LatencyMonitor::Series& ts, int64_t now) {
  EventStats ls;
  ls.all_time_high = ts.max;
  uint64_t sum = 0;
  for (const LatencyMonitor::Sample& s : ts.samples) {
    if (s.time == 0) continue;
    ls.samples++;
    if (ls.samples == 1) {
      ls.min = ls.max = s.latency;
    } else {
      ls.min = std::min(ls.min, s.latency);
      ls.max = std::max(ls.max, s.latency);
    }
    sum += static_cast<uint64_t>(s.latency);
    if (ls.period == 0 || s.time < ls.period) ls.period = s.time;
  }
  if (ls.samples > 0) {
    ls.avg = static_cast<int64_t>(sum / static_cast<uint64_t>(ls.samples));
    ls.period = now - ls.period;
    if (ls.period == 0) ls.period = 1;
  }
  sum = 0;
  for (const LatencyMonitor::Sample& s : ts.samples) {
    if (s.time == 0) continue;
    sum += static_cast<uint64_t>(std::llabs(ls.avg - s.latency));
  }
  if (ls.samples > 0) ls.mad = static_cast<int64_t>(sum / static_cast<uint64_t>(ls.samples));
  return ls;
}

bool AnonHugePages() {
  std::ifstream smaps("/proc/self/smaps");
  std::string line;
  while (std::getline(smaps, line)) {
    if (line.rfind("AnonHugePages:", 0) == 0 && std::strtoll(line.c_str() + 14, nullptr, 10) > 0) {
      return true;
    }
  }
  return false;
}

// Redis's createLatencyReport, with the advice that applies to valkdb's events.
std::string LatencyReport(CommandContext& ctx) {
  const auto events = ctx.server.stats.latency.Copy();
  const Config& config = *ctx.server.config;
  const int64_t threshold = config.GetInt("latency-monitor-threshold");
  if (events.empty() && threshold == 0) {
    return "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis "
           "instance. You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in "
           "order to enable it. If we weren't in a deep space mission I'd suggest to take a look "
           "at https://redis.io/topics/latency-monitor.\n";
  }
  const int64_t slower_than = config.GetInt("slowlog-log-slower-than");
  bool slowlog_enabled = false, slowlog_tuning = false, slowlog_inspect = false;
  bool scheduler = false, large_objects = false, hz = false, disable_thp = false;
  int advices = 0, eventnum = 0;
  std::string report;
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  for (const auto& [event, ts] : events) {
    ++eventnum;
    if (eventnum == 1) {
      report +=
          "Dave, I have observed latency spikes in this Redis instance. You don't mind talking "
          "about it, do you Dave?\n\n";
    }
    const EventStats ls = Analyze(ts, now);
    char line[512];
    std::snprintf(line, sizeof(line),
                  "%d. %s: %d latency spikes (average %lums, mean deviation %lums, period %.2f "
                  "sec). Worst all time event %lums.",
                  eventnum, event.c_str(), static_cast<int>(ls.samples),
                  static_cast<unsigned long>(ls.avg), static_cast<unsigned long>(ls.mad),
                  static_cast<double>(ls.period) / static_cast<double>(ls.samples),
                  static_cast<unsigned long>(ts.max));
    report += line;
    if (strcasecmp(event.c_str(), "command") == 0) {
      if (slower_than < 0) {
        slowlog_enabled = true;
        advices++;
      } else if (slower_than / 1000 > threshold) {
        slowlog_tuning = true;
        advices++;
      }
      slowlog_inspect = large_objects = true;
      advices += 2;
    }
    if (strcasecmp(event.c_str(), "fast-command") == 0) {
      scheduler = true;
      advices++;
    }
    if (strcasecmp(event.c_str(), "expire-cycle") == 0) {
      hz = large_objects = true;
      advices += 2;
    }
    report += "\n";
  }
  if (AnonHugePages()) {
    disable_thp = true;
    advices++;
  }
  if (eventnum == 0 && advices == 0) {
    report +=
        "Dave, no latency spike was observed during the lifetime of this Redis instance, not in "
        "the slightest bit. I honestly think you ought to sit down calmly, take a stress pill, "
        "and think things over.\n";
    return report;
  }
  if (eventnum > 0 && advices == 0) {
    report +=
        "\nWhile there are latency events logged, I'm not able to suggest any easy fix. Please "
        "use the Redis community to get some help, providing this report in your help request.\n";
    return report;
  }
  report += "\nI have a few advices for you:\n\n";
  const std::string threshold_us =
      std::to_string(static_cast<unsigned long long>(threshold) * 1000);
  if (slowlog_enabled) {
    report +=
        "- There are latency issues with potentially slow commands you are using. Try to enable "
        "the Slow Log Redis feature using the command 'CONFIG SET slowlog-log-slower-than " +
        threshold_us +
        "'. If the Slow log is disabled Redis is not able to log slow commands execution for "
        "you.\n";
  }
  if (slowlog_tuning) {
    report +=
        "- Your current Slow Log configuration only logs events that are slower than your "
        "configured latency monitor threshold. Please use 'CONFIG SET slowlog-log-slower-than " +
        threshold_us + "'.\n";
  }
  if (slowlog_inspect) {
    report +=
        "- Check your Slow Log to understand what are the commands you are running which are too "
        "slow to execute. Please check https://redis.io/commands/slowlog for more information.\n";
  }
  if (scheduler) {
    report +=
        "- The system is slow to execute Redis code paths not containing system calls. This "
        "usually means the system does not provide Redis CPU time to run for long periods. You "
        "should try to:\n"
        "  1) Lower the system load.\n"
        "  2) Use a computer / VM just for Redis if you are running other software in the same "
        "system.\n"
        "  3) Check if you have a \"noisy neighbour\" problem.\n"
        "  4) Check with 'redis-cli --intrinsic-latency 100' what is the intrinsic latency in "
        "your system.\n"
        "  5) Check if the problem is allocator-related by recompiling Redis with MALLOC=libc, if "
        "you are using Jemalloc. However this may create fragmentation problems.\n";
  }
  if (hz && config.GetInt("hz") < 100) {
    report +=
        "- In order to make the Redis keys expiring process more incremental, try to set the 'hz' "
        "configuration parameter to 100 using 'CONFIG SET hz 100'.\n";
  }
  if (large_objects) {
    report +=
        "- Deleting, expiring or evicting (because of maxmemory policy) large objects is a "
        "blocking operation. If you have very large objects that are often deleted, expired, or "
        "evicted, try to fragment those objects into multiple smaller objects.\n";
  }
  if (disable_thp) {
    report +=
        "- I detected a non zero amount of anonymous huge pages used by your process. This "
        "creates very serious latency events in different conditions, especially when Redis is "
        "persisting on disk. To disable THP support use the command 'echo never > "
        "/sys/kernel/mm/transparent_hugepage/enabled', make sure to also add it into "
        "/etc/rc.local so that the command will be executed again after a reboot. Note that even "
        "if you have already disabled THP, you still need to restart the Redis process to get rid "
        "of the huge pages already created.\n";
  }
  return report;
}

// Redis's sparkline.c, as LATENCY GRAPH uses it (4 rows, filled).
struct SparkSample {
  double value;
  std::string label;
};

void RenderSparkRange(std::string* out, const std::vector<SparkSample>& seq, double min, double max,
                      int rows, size_t offset, size_t len) {
  static constexpr char kFill[] = "_o#";
  constexpr int kCharsetLen = 3;
  constexpr int kLabelMarginTop = 1;
  double relmax = max - min;
  if (relmax == 0) relmax = 1;
  const int steps = kCharsetLen * rows;
  int row = 0;
  bool has_labels = false;
  for (const SparkSample& s : seq) has_labels |= !s.label.empty();
  std::string chars(len, ' ');
  bool loop = true;
  while (loop) {
    loop = false;
    chars.assign(len, ' ');
    for (size_t j = 0; j < len; ++j) {
      const SparkSample& s = seq[j + offset];
      const double relval = s.value - min;
      int step = static_cast<int>((relval * steps) / relmax);
      if (step < 0) step = 0;
      if (step >= steps) step = steps - 1;
      if (row < rows) {
        const int charidx = step - ((rows - row - 1) * kCharsetLen);
        loop = true;
        if (charidx >= 0 && charidx < kCharsetLen) {
          chars[j] = kFill[charidx];
        } else if (charidx >= kCharsetLen) {
          chars[j] = '|';
        }
      } else {
        if (has_labels && row - rows < kLabelMarginTop) {
          loop = true;
          break;
        }
        const int label_char = row - rows - kLabelMarginTop;
        if (static_cast<int>(s.label.size()) > label_char) {
          loop = true;
          chars[j] = s.label[static_cast<size_t>(label_char)];
        }
      }
    }
    if (loop) {
      ++row;
      *out += chars;
      *out += '\n';
    }
  }
}

std::string LatencyGraph(const std::string& event, const LatencyMonitor::Series& ts) {
  std::vector<SparkSample> seq;
  int64_t min = 0, max = 0;
  double smin = 0, smax = 0;
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  for (int j = 0; j < LatencyMonitor::kSamples; ++j) {
    const LatencyMonitor::Sample& s = ts.samples[(ts.idx + j) % LatencyMonitor::kSamples];
    if (s.time == 0) continue;
    if (seq.empty()) {
      min = max = s.latency;
      smin = smax = static_cast<double>(s.latency);
    } else {
      max = std::max(max, s.latency);
      min = std::min(min, s.latency);
      smin = std::min(smin, static_cast<double>(s.latency));
      smax = std::max(smax, static_cast<double>(s.latency));
    }
    const int64_t elapsed = now - s.time;
    std::string label;
    if (elapsed < 60) {
      label = std::to_string(elapsed) + "s";
    } else if (elapsed < 3600) {
      label = std::to_string(elapsed / 60) + "m";
    } else if (elapsed < 3600 * 24) {
      label = std::to_string(elapsed / 3600) + "h";
    } else {
      label = std::to_string(elapsed / (3600 * 24)) + "d";
    }
    seq.push_back({static_cast<double>(s.latency), std::move(label)});
  }
  std::string graph = StrCat(event, " - high ", max, " ms, low ", min, " ms (all time high ",
                             ts.max, " ms)\n", std::string(80, '-'), "\n");
  constexpr size_t kColumns = 80;
  for (size_t j = 0; j < seq.size(); j += kColumns) {
    if (j != 0) graph += "\n";
    RenderSparkRange(&graph, seq, smin, smax, 4, j, std::min(kColumns, seq.size() - j));
  }
  return graph;
}

// Sums a command's latency histogram over the event loops; false if it has none.
bool CommandHistogram(CommandContext& ctx, const CommandSpec& spec, LatencyHistogram::Counts* out) {
  ctx.server.stats.ForEachLoop([&](const LoopStats& loop) {
    if (const LatencyHistogram* h =
            loop.command(spec.id).histogram.load(std::memory_order_acquire)) {
      h->AddTo(out);
    }
  });
  return out->total > 0;
}

// Redis's fillCommandCDF.
void WriteCdf(CommandContext& ctx, const CommandSpec& spec, const LatencyHistogram::Counts& h) {
  ctx.out.Bulk(spec.name);
  ctx.out.Map(2);
  ctx.out.Bulk("calls");
  ctx.out.Integer(static_cast<int64_t>(h.total));
  ctx.out.Bulk("histogram_usec");
  const auto cdf = h.Cdf();
  ctx.out.Map(cdf.size());
  for (const auto& [usec, cumulative] : cdf) {
    ctx.out.Integer(usec);
    ctx.out.Integer(cumulative);
  }
}

void LatencyHistogramReply(CommandContext& ctx) {
  const CommandTable& table = CommandTable::Get();
  std::vector<std::pair<const CommandSpec*, LatencyHistogram::Counts>> found;
  auto add = [&](const CommandSpec& spec) {
    LatencyHistogram::Counts h;
    if (CommandHistogram(ctx, spec, &h)) found.emplace_back(&spec, std::move(h));
  };
  if (ctx.argc() == 2) {
    for (const CommandSpec& spec : table.commands()) {
      add(spec);
      for (const CommandSpec& sub : spec.subcommands) add(sub);
    }
  } else {
    for (size_t i = 2; i < ctx.argc(); ++i) {
      const CommandSpec* spec = table.FindFullName(ctx.arg(i));
      if (spec == nullptr) continue;
      add(*spec);
      for (const CommandSpec& sub : spec->subcommands) add(sub);
    }
  }
  ctx.out.Map(found.size());
  for (const auto& [spec, h] : found) WriteCdf(ctx, *spec, h);
}

void CmdLatency(CommandContext& ctx) {
  LatencyMonitor& monitor = ctx.server.stats.latency;
  std::string_view sub = ctx.arg(1);
  const size_t argc = ctx.argc();
  if (EqualsIgnoreCase(sub, "history") && argc == 3) {
    const auto events = monitor.Copy();
    auto it = events.find(std::string(ctx.arg(2)));
    if (it == events.end()) {
      ctx.out.Array(0);
      return;
    }
    const LatencyMonitor::Series& ts = it->second;
    std::vector<LatencyMonitor::Sample> samples;
    for (int j = 0; j < LatencyMonitor::kSamples; ++j) {
      const LatencyMonitor::Sample& s = ts.samples[(ts.idx + j) % LatencyMonitor::kSamples];
      if (s.time != 0) samples.push_back(s);
    }
    ctx.out.Array(samples.size());
    for (const LatencyMonitor::Sample& s : samples) {
      ctx.out.Array(2);
      ctx.out.Integer(s.time);
      ctx.out.Integer(s.latency);
    }
  } else if (EqualsIgnoreCase(sub, "graph") && argc == 3) {
    const auto events = monitor.Copy();
    auto it = events.find(std::string(ctx.arg(2)));
    if (it == events.end()) {
      ctx.out.Error(StrCat("No samples available for event '", ctx.arg(2), "'"));
      return;
    }
    ctx.out.Verbatim("txt", LatencyGraph(it->first, it->second));
  } else if (EqualsIgnoreCase(sub, "latest") && argc == 2) {
    const auto events = monitor.Copy();
    ctx.out.Array(events.size());
    for (const auto& [event, ts] : events) {
      const LatencyMonitor::Sample& last =
          ts.samples[(ts.idx + LatencyMonitor::kSamples - 1) % LatencyMonitor::kSamples];
      ctx.out.Array(4);
      ctx.out.Bulk(event);
      ctx.out.Integer(last.time);
      ctx.out.Integer(last.latency);
      ctx.out.Integer(ts.max);
    }
  } else if (EqualsIgnoreCase(sub, "doctor") && argc == 2) {
    ctx.out.Verbatim("txt", LatencyReport(ctx));
  } else if (EqualsIgnoreCase(sub, "reset") && argc >= 2) {
    int resets = 0;
    if (argc == 2) {
      resets = monitor.Reset("", true);
    } else {
      for (size_t j = 2; j < argc; ++j) resets += monitor.Reset(ctx.arg(j), false);
    }
    ctx.out.Integer(resets);
  } else if (EqualsIgnoreCase(sub, "histogram") && argc >= 2) {
    LatencyHistogramReply(ctx);
  } else if (EqualsIgnoreCase(sub, "help") && argc == 2) {
    ReplyHelp(ctx, "LATENCY",
              {"DOCTOR", "    Return a human readable latency analysis report.", "GRAPH <event>",
               "    Return an ASCII latency graph for the <event> class.", "HISTORY <event>",
               "    Return time-latency samples for the <event> class.", "LATEST",
               "    Return the latest latency samples for all events.", "RESET [<event> ...]",
               "    Reset latency data of one or more <event> classes.",
               "    (default: reset all data for all event classes)", "HISTOGRAM [COMMAND ...]",
               "    Return a cumulative distribution of latencies in the format of a histogram for "
               "the specified command names.",
               "    If no commands are specified then all histograms are replied."});
  } else {
    ReplySubcommandSyntax(ctx);
  }
}

}  // namespace

void RegisterIntrospectionFamily(CommandTable* table) {
  constexpr uint32_t kAdmin = kCmdAdmin | kCmdLoading | kCmdStale;
  constexpr uint32_t kAdminNoScript = kAdmin | kCmdNoScript;
  constexpr uint32_t kHelp = kCmdLoading | kCmdStale;
  constexpr std::string_view kAdminAcl = "@admin @slow @dangerous";
  std::vector<CommandSpec> slowlog = {
      {"slowlog|get", -2, kAdmin, 0, 0, 0, CmdSlowlog, "server", "Get the slow log's entries",
       "2.2.12", kAdminAcl, "", "O(N) where N is the number of entries returned"},
      {"slowlog|reset", 2, kAdmin, 0, 0, 0, CmdSlowlog, "server",
       "Clear all entries from the slow log", "2.2.12", kAdminAcl, "",
       "O(N) where N is the number of entries in the slowlog"},
      {"slowlog|len", 2, kAdmin, 0, 0, 0, CmdSlowlog, "server", "Get the slow log's length",
       "2.2.12", kAdminAcl},
      {"slowlog|help", 2, kHelp, 0, 0, 0, CmdSlowlog, "server",
       "Show helpful text about the different subcommands", "6.2.0", "@slow"},
  };
  table->Register({"slowlog", -2, 0, 0, 0, 0, CmdContainer, "server",
                   "A container for slow log commands", "2.2.12", "@slow", "",
                   "Depends on subcommand.", std::move(slowlog)});
  std::vector<CommandSpec> latency = {
      {"latency|histogram", -2, kAdminNoScript, 0, 0, 0, CmdLatency, "server",
       "Return the cumulative distribution of latencies of a subset of commands or all.", "7.0.0",
       kAdminAcl, "",
       "O(N) where N is the number of commands with latency information being retrieved."},
      {"latency|help", 2, kHelp, 0, 0, 0, CmdLatency, "server",
       "Show helpful text about the different subcommands.", "2.8.13", "@slow"},
      {"latency|reset", -2, kAdminNoScript, 0, 0, 0, CmdLatency, "server",
       "Reset latency data for one or more events.", "2.8.13", kAdminAcl},
      {"latency|graph", 3, kAdminNoScript, 0, 0, 0, CmdLatency, "server",
       "Return a latency graph for the event.", "2.8.13", kAdminAcl},
      {"latency|doctor", 2, kAdminNoScript, 0, 0, 0, CmdLatency, "server",
       "Return a human readable latency analysis report.", "2.8.13", kAdminAcl},
      {"latency|history", 3, kAdminNoScript, 0, 0, 0, CmdLatency, "server",
       "Return timestamp-latency samples for the event.", "2.8.13", kAdminAcl},
      {"latency|latest", 2, kAdminNoScript, 0, 0, 0, CmdLatency, "server",
       "Return the latest latency samples for all events.", "2.8.13", kAdminAcl},
  };
  table->Register({"latency", -2, 0, 0, 0, 0, CmdContainer, "server",
                   "A container for latency diagnostics commands", "2.8.13", "@slow", "",
                   "Depends on subcommand.", std::move(latency)});
}

}  // namespace valkdb
