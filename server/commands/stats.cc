#include "server/commands/stats.h"

#include <strings.h>

#include <algorithm>
#include <bit>
#include <cctype>
#include <cstdlib>
#include <ctime>

#include "server/commands/config.h"

namespace valkdb {
namespace {

constexpr int64_t kSubBucketMask = int64_t{LatencyHistogram::kSubBucketCount - 1}
                                   << LatencyHistogram::kUnitMagnitude;

int BucketIndex(int64_t value) {
  const int pow2ceiling = 64 - std::countl_zero(static_cast<uint64_t>(value | kSubBucketMask));
  return pow2ceiling - LatencyHistogram::kUnitMagnitude -
         (LatencyHistogram::kSubBucketHalfCountMagnitude + 1);
}

int SubBucketIndex(int64_t value, int bucket) {
  return static_cast<int>(value >> (bucket + LatencyHistogram::kUnitMagnitude));
}

int64_t ValueFromIndex(int bucket, int sub_bucket) {
  return int64_t{sub_bucket} << (bucket + LatencyHistogram::kUnitMagnitude);
}

int64_t SizeOfEquivalentRange(int bucket, int sub_bucket) {
  const int adjusted = sub_bucket >= LatencyHistogram::kSubBucketCount ? bucket + 1 : bucket;
  return int64_t{1} << (LatencyHistogram::kUnitMagnitude + adjusted);
}

// Redis's SLOWLOG_ENTRY_MAX_ARGC and SLOWLOG_ENTRY_MAX_STRING.
constexpr size_t kSlowLogMaxArgc = 32;
constexpr size_t kSlowLogMaxString = 128;

}  // namespace

int LatencyHistogram::CountsIndexFor(int64_t value) {
  const int bucket = BucketIndex(value);
  const int sub_bucket = SubBucketIndex(value, bucket);
  return ((bucket + 1) << kSubBucketHalfCountMagnitude) + (sub_bucket - kSubBucketHalfCount);
}

int64_t LatencyHistogram::ValueAtIndex(int index) {
  int bucket = (index >> kSubBucketHalfCountMagnitude) - 1;
  int sub_bucket = (index & (kSubBucketHalfCount - 1)) + kSubBucketHalfCount;
  if (bucket < 0) {
    sub_bucket -= kSubBucketHalfCount;
    bucket = 0;
  }
  return ValueFromIndex(bucket, sub_bucket);
}

int64_t LatencyHistogram::LowestEquivalent(int64_t value) {
  const int bucket = BucketIndex(value);
  return ValueFromIndex(bucket, SubBucketIndex(value, bucket));
}

int64_t LatencyHistogram::HighestEquivalent(int64_t value) {
  const int bucket = BucketIndex(value);
  const int sub_bucket = SubBucketIndex(value, bucket);
  return ValueFromIndex(bucket, sub_bucket) + SizeOfEquivalentRange(bucket, sub_bucket) - 1;
}

void LatencyHistogram::Reset() {
  for (auto& c : counts_) c.store(0, std::memory_order_relaxed);
  total_.store(0, std::memory_order_relaxed);
}

void LatencyHistogram::AddTo(Counts* out) const {
  for (int i = 0; i < kCounts; ++i) out->counts[i] += counts_[i].load(std::memory_order_relaxed);
  out->total += total();
}

int64_t LatencyHistogram::Counts::ValueAtPercentile(double percentile) const {
  const double requested = percentile < 100.0 ? percentile : 100.0;
  int64_t at = static_cast<int64_t>(requested / 100 * static_cast<double>(total) + 0.5);
  if (at < 1) at = 1;
  int64_t value = 0;
  uint64_t sum = 0;
  for (int i = 0; i < kCounts; ++i) {
    sum += counts[i];
    if (sum >= static_cast<uint64_t>(at)) {
      value = ValueAtIndex(i);
      break;
    }
  }
  return percentile == 0.0 ? LowestEquivalent(value) : HighestEquivalent(value);
}

// hdr_iter_log_init(h, 1024, 2) walked as Redis's fillCommandCDF walks it.
std::vector<std::pair<int64_t, int64_t>> LatencyHistogram::Counts::Cdf() const {
  std::vector<std::pair<int64_t, int64_t>> out;
  int index = -1;
  int64_t cumulative = 0, value = 0, highest = 0;
  int64_t level = 1024;
  int64_t level_lowest = LowestEquivalent(level);
  auto move_next = [&] {
    ++index;
    if (index >= kCounts) return false;
    cumulative += static_cast<int64_t>(counts[index]);
    value = ValueAtIndex(index);
    highest = HighestEquivalent(value);
    return true;
  };
  auto next = [&] {
    const bool more = cumulative < static_cast<int64_t>(total) ||
                      (index < kCounts && ValueAtIndex(index + 1) > level_lowest);
    if (!more) return false;
    while (true) {
      if (value >= level_lowest) {
        level *= 2;
        level_lowest = LowestEquivalent(level);
        return true;
      }
      if (!move_next()) return true;
    }
  };
  int64_t previous = 0;
  while (next()) {
    if (cumulative > previous) out.emplace_back(highest / 1000, cumulative);
    previous = cumulative;
  }
  return out;
}

LoopStats::LoopStats(StatsRegistry* registry, size_t commands)
    : clock_ns(MonotonicNs()), registry_(registry), commands_(commands) {
  epoch_.store(registry->epoch(), std::memory_order_relaxed);
}

LoopStats::~LoopStats() {
  for (CommandCounters& c : commands_) delete c.histogram.load(std::memory_order_relaxed);
}

void LoopStats::CatchUpReset() {
  const uint64_t epoch = registry_->epoch();
  if (epoch_.load(std::memory_order_relaxed) == epoch) return;
  for (CommandCounters& c : commands_) {
    c.calls.Reset();
    c.usec.Reset();
    c.rejected.Reset();
    c.failed.Reset();
    if (LatencyHistogram* h = c.histogram.load(std::memory_order_relaxed)) h->Reset();
  }
  total_errors_.Reset();
  keyspace_hits.Reset();
  keyspace_misses.Reset();
  reads_processed.Reset();
  writes_processed.Reset();
  prev_errors = 0;
  {
    absl::MutexLock lock(&errors_mu_);
    errors_.clear();
  }
  epoch_.store(epoch, std::memory_order_release);
}

bool LoopStats::current() const {
  return epoch_.load(std::memory_order_acquire) == registry_->epoch();
}

void LoopStats::CatchUpConfig(const Config& config) {
  const uint64_t generation = config.generation();
  if (generation == config_generation) return;
  config_generation = generation;
  slowlog_slower_than = config.GetInt("slowlog-log-slower-than");
  slowlog_max_len = config.GetInt("slowlog-max-len");
  latency_threshold_ms = config.GetInt("latency-monitor-threshold");
  latency_tracking = config.GetBool("latency-tracking");
}

LatencyHistogram& LoopStats::histogram(size_t id) {
  LatencyHistogram* h = commands_[id].histogram.load(std::memory_order_relaxed);
  if (h == nullptr) {
    h = new LatencyHistogram();
    commands_[id].histogram.store(h, std::memory_order_release);
  }
  return *h;
}

void LoopStats::OnError(std::string_view text) {
  CatchUpReset();
  total_errors_.Add(1);
  // Redis's afterErrorReply: the code after '-' up to a space within the
  // first 32 bytes, else ERR.
  std::string_view code = "ERR";
  if (!text.empty() && text[0] == '-') {
    size_t space = text.substr(0, 32).find(' ');
    if (space != std::string_view::npos) code = text.substr(1, space - 1);
  }
  absl::MutexLock lock(&errors_mu_);
  ++errors_[std::string(code)];
}

void LoopStats::AddErrorsTo(std::map<std::string, uint64_t>* out) const {
  absl::MutexLock lock(&errors_mu_);
  for (const auto& [code, count] : errors_) (*out)[code] += count;
}

LoopStats* StatsRegistry::ForLoop(int loop, size_t commands) {
  absl::MutexLock lock(&mu_);
  const size_t index = static_cast<size_t>(loop);
  if (loops_.size() <= index) loops_.resize(index + 1);
  if (loops_[index] == nullptr) loops_[index] = std::make_unique<LoopStats>(this, commands);
  return loops_[index].get();
}

void SlowLog::Push(absl::Span<const std::string_view> argv, int64_t duration_us,
                   std::string_view addr, std::string_view name, int64_t max_len) {
  SlowLogEntry entry;
  const size_t argc = std::min(argv.size(), kSlowLogMaxArgc);
  entry.argv.reserve(argc);
  for (size_t i = 0; i < argc; ++i) {
    if (argc != argv.size() && i == argc - 1) {
      entry.argv.push_back("... (" + std::to_string(argv.size() - argc + 1) + " more arguments)");
    } else if (argv[i].size() > kSlowLogMaxString) {
      entry.argv.push_back(std::string(argv[i].substr(0, kSlowLogMaxString)) + "... (" +
                           std::to_string(argv[i].size() - kSlowLogMaxString) + " more bytes)");
    } else {
      entry.argv.emplace_back(argv[i]);
    }
  }
  entry.time = static_cast<int64_t>(std::time(nullptr));
  entry.duration_us = duration_us;
  entry.addr = addr;
  entry.name = name;
  absl::MutexLock lock(&mu_);
  entry.id = next_id_++;
  entries_.push_front(std::move(entry));
  while (static_cast<int64_t>(entries_.size()) > max_len) entries_.pop_back();
}

void SlowLog::Reset() {
  absl::MutexLock lock(&mu_);
  entries_.clear();
}

size_t SlowLog::Len() const {
  absl::MutexLock lock(&mu_);
  return entries_.size();
}

std::vector<SlowLogEntry> SlowLog::Get(size_t count) const {
  absl::MutexLock lock(&mu_);
  count = std::min(count, entries_.size());
  return std::vector<SlowLogEntry>(entries_.begin(), entries_.begin() + static_cast<long>(count));
}

void LatencyMonitor::AddSample(std::string_view event, int64_t latency_ms) {
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  absl::MutexLock lock(&mu_);
  Series& ts = events_[std::string(event)];
  if (latency_ms > ts.max) ts.max = latency_ms;
  // One sample per second: the highest.
  Sample& prev = ts.samples[(ts.idx + kSamples - 1) % kSamples];
  if (prev.time == now) {
    if (latency_ms > prev.latency) prev.latency = latency_ms;
    return;
  }
  ts.samples[ts.idx] = {now, latency_ms};
  ts.idx = (ts.idx + 1) % kSamples;
}

int LatencyMonitor::Reset(std::string_view event, bool all) {
  absl::MutexLock lock(&mu_);
  int resets = 0;
  for (auto it = events_.begin(); it != events_.end();) {
    if (all || (it->first.size() == event.size() &&
                strncasecmp(it->first.data(), event.data(), event.size()) == 0)) {
      it = events_.erase(it);
      ++resets;
    } else {
      ++it;
    }
  }
  return resets;
}

std::map<std::string, LatencyMonitor::Series> LatencyMonitor::Copy() const {
  absl::MutexLock lock(&mu_);
  return events_;
}

bool ParsePercentiles(std::string_view text, std::vector<double>* out) {
  out->clear();
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find(' ', pos);
    if (end == std::string_view::npos) end = text.size();
    if (end > pos) {
      std::string word(text.substr(pos, end - pos));
      char* parse_end = nullptr;
      const double value = std::strtod(word.c_str(), &parse_end);
      if (parse_end != word.c_str() + word.size() || word.empty() || std::isspace(word[0])) {
        return false;
      }
      out->push_back(value);
    }
    pos = end + 1;
  }
  return true;
}

void InstantaneousMetric::Sample(int64_t now_ms, const std::atomic<uint64_t>& counter) {
  absl::MutexLock lock(&mu_);
  if (last_ms_ != 0 && now_ms - last_ms_ < 100) return;
  const uint64_t total = counter.load(std::memory_order_relaxed);
  const int64_t elapsed = now_ms - last_ms_;
  // A counter reset since the last sample (CONFIG RESETSTAT) counts from 0.
  const uint64_t delta = total >= last_total_ ? total - last_total_ : total;
  samples_[next_] = last_ms_ != 0 && elapsed > 0 ? static_cast<double>(delta) * 1000 / elapsed : 0;
  next_ = (next_ + 1) % kSamples;
  last_ms_ = now_ms;
  last_total_ = total;
}

double InstantaneousMetric::PerSecond() const {
  absl::MutexLock lock(&mu_);
  double sum = 0;
  for (double sample : samples_) sum += sample;
  return sum / kSamples;
}

void InstantaneousMetric::Reset() {
  absl::MutexLock lock(&mu_);
  for (double& sample : samples_) sample = 0;
  last_total_ = 0;
}

}  // namespace valkdb
