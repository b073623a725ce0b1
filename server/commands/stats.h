#pragma once

// Per-command accounting, as Redis keeps it: INFO commandstats, errorstats
// and latencystats, the slow log and the latency monitor.
//
// The counters are per event loop and written only by their loop's thread,
// with plain relaxed stores (no locked add, no cache line shared between
// loops written per command); INFO and LATENCY sum the loops. The slow log
// and the latency monitor are global under a lock, taken only by a command
// slower than their thresholds.
#include <time.h>

#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "protocol/resp_writer.h"

namespace valkdb {

class Config;

inline int64_t MonotonicNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);  // a vDSO call, no syscall
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

// Written by one thread, read by any: a relaxed load and store, not a locked add.
class OwnedCounter {
 public:
  void Add(uint64_t n) { value_.store(value_.load(std::memory_order_relaxed) + n, kRelaxed); }
  uint64_t Get() const { return value_.load(kRelaxed); }
  void Reset() { value_.store(0, kRelaxed); }

 private:
  static constexpr std::memory_order kRelaxed = std::memory_order_relaxed;
  std::atomic<uint64_t> value_{0};
};

// Redis's per-command latency histogram: an HdrHistogram laid out as Redis
// creates it (1 ns to 1 s, 2 significant digits, fed whole microseconds in
// ns), so the percentiles and LATENCY HISTOGRAM's buckets are Redis's values.
class LatencyHistogram {
 public:
  static constexpr int64_t kMinNs = 1;
  static constexpr int64_t kMaxNs = 1000000000;
  static constexpr int kUnitMagnitude = 0;  // floor(log2(kMinNs))
  static constexpr int kSubBucketHalfCountMagnitude = 7;
  static constexpr int kSubBucketCount = 256;
  static constexpr int kSubBucketHalfCount = 128;
  static constexpr int kBucketCount = 23;  // buckets_needed_to_cover_value(kMaxNs, 256, 0)
  static constexpr int kCounts = (kBucketCount + 1) * kSubBucketHalfCount;

  // Owner thread only.
  void Record(int64_t ns) {
    ns = ns < kMinNs ? kMinNs : (ns > kMaxNs ? kMaxNs : ns);
    OwnedAdd(&counts_[CountsIndexFor(ns)], 1);
    OwnedAdd(&total_, 1);
  }
  void Reset();
  uint64_t total() const { return total_.load(std::memory_order_relaxed); }

  // A copy for a reader; Merge adds another loop's counts.
  struct Counts {
    std::vector<uint64_t> counts = std::vector<uint64_t>(kCounts);
    uint64_t total = 0;
    // hdr_value_at_percentile, in ns.
    int64_t ValueAtPercentile(double percentile) const;
    // LATENCY HISTOGRAM's histogram_usec: (usec, cumulative count) pairs of
    // hdr_iter_log_init(1024, 2), empty steps left out.
    std::vector<std::pair<int64_t, int64_t>> Cdf() const;
  };
  void AddTo(Counts* out) const;

  static int CountsIndexFor(int64_t value);
  static int64_t ValueAtIndex(int index);
  static int64_t LowestEquivalent(int64_t value);
  static int64_t HighestEquivalent(int64_t value);

 private:
  static void OwnedAdd(std::atomic<uint64_t>* v, uint64_t n) {
    v->store(v->load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  std::atomic<uint64_t> counts_[kCounts] = {};
  std::atomic<uint64_t> total_{0};
};

struct CommandCounters {
  OwnedCounter calls, usec, rejected, failed;
  // Made by the owner at the first sample; never freed before the loop's stats.
  std::atomic<LatencyHistogram*> histogram{nullptr};
};

class StatsRegistry;

// Redis's instantaneous_* INFO figures: a counter's rate per second, sampled
// every 100 ms (by loop 0's cron) and averaged over the last 16 samples.
class InstantaneousMetric {
 public:
  // Reads `counter` under the lock Reset takes: a reset (the counter zeroed,
  // then Reset) never meets a value read before it, which would count the
  // whole pre-reset total as one sample's traffic.
  void Sample(int64_t now_ms, const std::atomic<uint64_t>& counter) ABSL_LOCKS_EXCLUDED(mu_);
  double PerSecond() const ABSL_LOCKS_EXCLUDED(mu_);
  void Reset() ABSL_LOCKS_EXCLUDED(mu_);  // CONFIG RESETSTAT, after zeroing the counter

 private:
  static constexpr int kSamples = 16;  // Redis's STATS_METRIC_SAMPLES
  mutable absl::Mutex mu_;
  int64_t last_ms_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t last_total_ ABSL_GUARDED_BY(mu_) = 0;
  double samples_[kSamples] ABSL_GUARDED_BY(mu_) = {};
  int next_ ABSL_GUARDED_BY(mu_) = 0;
};

// One event loop's counters. Also the loop's writers' ErrorObserver.
class LoopStats final : public ErrorObserver {
 public:
  LoopStats(StatsRegistry* registry, size_t commands);
  ~LoopStats();
  LoopStats(const LoopStats&) = delete;
  LoopStats& operator=(const LoopStats&) = delete;

  // Owner thread: zeroes the counters if CONFIG RESETSTAT ran since they were
  // last zeroed (anywhere); call before counting.
  void CatchUpReset();
  // Owner thread: re-reads the settings after a CONFIG SET.
  void CatchUpConfig(const Config& config);

  CommandCounters& command(size_t id) { return commands_[id]; }
  const CommandCounters& command(size_t id) const { return commands_[id]; }
  LatencyHistogram& histogram(size_t id);  // owner: made on first use
  uint64_t errors() const { return total_errors_.Get(); }
  void OnError(std::string_view text) override;
  // Under the errors lock: adds this loop's errorstats to `out`.
  void AddErrorsTo(std::map<std::string, uint64_t>* out) const;
  // Whether a reader may count this loop (not reset since RESETSTAT).
  bool current() const;

  // INFO keyspace_hits / keyspace_misses: this loop's read lookups.
  OwnedCounter keyspace_hits, keyspace_misses;
  // INFO total_reads_processed / total_writes_processed: socket reads and
  // writes of this loop's clients.
  OwnedCounter reads_processed, writes_processed;

  // Owner-only state of the accounting in dispatch.
  int64_t clock_ns = 0;      // when the last command ended, or the batch began
  uint64_t prev_errors = 0;  // Redis's prev_err_count: errors before the running command
  int64_t last_duration_ns = 0;
  int64_t slowlog_slower_than = 10000;  // us; -1: off
  int64_t slowlog_max_len = 128;
  int64_t latency_threshold_ms = 0;
  bool latency_tracking = true;
  uint64_t config_generation = ~uint64_t{0};

 private:
  StatsRegistry* registry_;
  std::vector<CommandCounters> commands_;
  OwnedCounter total_errors_;
  std::atomic<uint64_t> epoch_{0};
  mutable absl::Mutex errors_mu_;
  absl::flat_hash_map<std::string, uint64_t> errors_ ABSL_GUARDED_BY(errors_mu_);
};

// SLOWLOG's entries, newest first.
struct SlowLogEntry {
  int64_t id = 0;
  int64_t time = 0;  // unix seconds
  int64_t duration_us = 0;
  std::vector<std::string> argv;
  std::string addr, name;
};

class SlowLog {
 public:
  // Redis's slowlogCreateEntry: up to 32 arguments, each up to 128 bytes.
  void Push(absl::Span<const std::string_view> argv, int64_t duration_us, std::string_view addr,
            std::string_view name, int64_t max_len) ABSL_LOCKS_EXCLUDED(mu_);
  void Reset() ABSL_LOCKS_EXCLUDED(mu_);
  size_t Len() const ABSL_LOCKS_EXCLUDED(mu_);
  std::vector<SlowLogEntry> Get(size_t count) const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  mutable absl::Mutex mu_;
  std::deque<SlowLogEntry> entries_ ABSL_GUARDED_BY(mu_);
  int64_t next_id_ ABSL_GUARDED_BY(mu_) = 0;
};

// The latency monitor's time series of events (Redis's latency.c).
class LatencyMonitor {
 public:
  static constexpr int kSamples = 160;  // LATENCY_TS_LEN
  struct Sample {
    int64_t time = 0;  // unix seconds
    int64_t latency = 0;
  };
  struct Series {
    int idx = 0;
    int64_t max = 0;
    Sample samples[kSamples];
  };

  void AddSample(std::string_view event, int64_t latency_ms) ABSL_LOCKS_EXCLUDED(mu_);
  // Resets one event (nullptr-like empty view with all=true: every event); how many went.
  int Reset(std::string_view event, bool all) ABSL_LOCKS_EXCLUDED(mu_);
  std::map<std::string, Series> Copy() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  mutable absl::Mutex mu_;
  std::map<std::string, Series> events_ ABSL_GUARDED_BY(mu_);
};

class StatsRegistry {
 public:
  // The stats of event loop `loop` (made on first use); lives as long as the registry.
  LoopStats* ForLoop(int loop, size_t commands) ABSL_LOCKS_EXCLUDED(mu_);
  // CONFIG RESETSTAT: every loop zeroes its counters before it counts again,
  // and readers skip a loop until it has.
  void ResetAll() { epoch_.fetch_add(1, std::memory_order_acq_rel); }
  uint64_t epoch() const { return epoch_.load(std::memory_order_acquire); }
  // Calls fn(const LoopStats&) for every loop that counted since the last reset.
  template <typename Fn>
  void ForEachLoop(Fn fn) const ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    for (const auto& loop : loops_) {
      if (loop != nullptr && loop->current()) fn(*loop);
    }
  }

  SlowLog slowlog;
  LatencyMonitor latency;

 private:
  std::atomic<uint64_t> epoch_{1};
  mutable absl::Mutex mu_;
  std::vector<std::unique_ptr<LoopStats>> loops_ ABSL_GUARDED_BY(mu_);
};

// "50 99 99.9": latency-tracking-info-percentiles, parsed (Redis's rules: each in 0..100).
bool ParsePercentiles(std::string_view text, std::vector<double>* out);

}  // namespace valkdb
