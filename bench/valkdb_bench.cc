// valkdb-bench: a load generator for valkdb and any server that speaks plain
// RESP (redis-server). One libuv loop on one thread drives N connections, each
// keeping a batch of `pipeline` requests in flight (as redis-benchmark does):
// write the batch, wait for all its replies, write the next. A request's
// latency runs from its batch's write to its reply's arrival. Work per request
// is a few appends into a reused buffer and a byte scan of the reply; nothing
// is allocated per request, so the client stays cheap next to the server on a
// small machine.
//
//   valkdb-bench -p 6379 -c 50 -P 16 --ratio 1:1 -r 100000 --dist zipfian -d 32 -n 1000000
//   valkdb-bench -p 6379 --fill -r 1000000 -d 32 -P 32        (SET every key once)
//
// Output: a summary on stdout (or --json / --csv), a live progress line on
// stderr when it is a terminal (--progress / --no-progress), and optionally
// the latency percentile curve for plotting (--percentiles FILE).
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <unistd.h>
#include <uv.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "bench/bench_keys.h"

namespace valkdb::bench {
namespace {

// ---------------------------------------------------------------------------
// Options

enum class Distribution { kUniform, kZipfian, kSequential };
enum class Format { kText, kJson, kCsv };

struct Options {
  std::string host = "127.0.0.1";
  int port = 6379;
  int connections = 50;
  int pipeline = 1;
  uint64_t set_weight = 1;
  uint64_t get_weight = 1;
  uint64_t keyspace = 100000;
  Distribution dist = Distribution::kUniform;
  double zipf_theta = 0.99;
  size_t value_size = 3;
  uint64_t requests = 0;    // 0: bounded by duration only
  double duration_s = 0;    // 0: bounded by requests only
  double max_time_s = 600;  // hard limit on the whole run
  std::string auth;
  int db = 0;
  std::string label;
  Format format = Format::kText;
  std::string percentiles_file;
  int progress = -1;  // -1: when stderr is a terminal
  uint64_t seed = 42;
  bool allow_remote = false;
  bool fill = false;
};

void Usage(FILE* out) {
  std::fprintf(out,
               "Usage: valkdb-bench [options]\n"
               "  -h, --host HOST       server address (default 127.0.0.1; loopback only\n"
               "                        unless --allow-remote)\n"
               "  -p, --port PORT       server port (default 6379)\n"
               "  -a, --auth PASSWORD   AUTH before the run\n"
               "      --db N            SELECT N before the run\n"
               "  -c, --connections N   parallel connections (default 50)\n"
               "  -P, --pipeline N      requests in flight per connection (default 1)\n"
               "      --ratio S:G       SET:GET mix (default 1:1; 1:0 only SETs)\n"
               "  -r, --keyspace N      keys key:000000000000 .. key:N-1 (default 100000)\n"
               "      --dist D          uniform | zipfian | sequential (default uniform)\n"
               "      --zipf-theta T    zipfian exponent, 0 < T < 1 (default 0.99)\n"
               "  -d, --value-size N    SET value size in bytes (default 3)\n"
               "  -n, --requests N      stop after N requests (default 100000 unless\n"
               "                        --duration is given)\n"
               "      --duration SEC    stop issuing requests after SEC seconds\n"
               "      --max-time SEC    hard limit on the run; stops and reports (default 600)\n"
               "      --fill            SET every key of the keyspace once, in order\n"
               "                        (same as --ratio 1:0 --dist sequential -n KEYSPACE)\n"
               "      --label TEXT      name of the run in the output (e.g. the server)\n"
               "      --json | --csv    machine-readable summary on stdout\n"
               "      --percentiles F   write the latency percentile curve to file F\n"
               "      --progress | --no-progress | -q\n"
               "                        live progress line on stderr (default: if a tty)\n"
               "      --seed N          random seed (default 42)\n"
               "      --help\n");
}

bool ParseU64(const char* text, uint64_t* out) {
  if (text == nullptr || *text == '\0') return false;
  char* end = nullptr;
  errno = 0;
  unsigned long long v = std::strtoull(text, &end, 10);
  if (errno != 0 || *end != '\0' || text[0] == '-') return false;
  *out = v;
  return true;
}

bool ParseDouble(const char* text, double* out) {
  if (text == nullptr || *text == '\0') return false;
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(text, &end);
  if (errno != 0 || *end != '\0' || !std::isfinite(v) || v < 0) return false;
  *out = v;
  return true;
}

bool ParseArgs(int argc, char** argv, Options* o) {
  bool requests_given = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    const char* next = i + 1 < argc ? argv[i + 1] : nullptr;
    uint64_t u = 0;
    auto need_u64 = [&](uint64_t min, uint64_t max) {
      if (!ParseU64(next, &u) || u < min || u > max) {
        std::fprintf(stderr, "valkdb-bench: %s needs a number in [%" PRIu64 ", %" PRIu64 "]\n",
                     argv[i], min, max);
        return false;
      }
      ++i;
      return true;
    };
    if (a == "--help") {
      Usage(stdout);
      std::exit(0);
    } else if (a == "-h" || a == "--host") {
      if (next == nullptr) return false;
      o->host = next;
      ++i;
    } else if (a == "-p" || a == "--port") {
      if (!need_u64(1, 65535)) return false;
      o->port = static_cast<int>(u);
    } else if (a == "-a" || a == "--auth") {
      if (next == nullptr) return false;
      o->auth = next;
      ++i;
    } else if (a == "--db") {
      if (!need_u64(0, 1 << 20)) return false;
      o->db = static_cast<int>(u);
    } else if (a == "-c" || a == "--connections") {
      if (!need_u64(1, 10000)) return false;
      o->connections = static_cast<int>(u);
    } else if (a == "-P" || a == "--pipeline") {
      if (!need_u64(1, 100000)) return false;
      o->pipeline = static_cast<int>(u);
    } else if (a == "--ratio") {
      std::string_view r = next ? next : "";
      const size_t colon = r.find(':');
      uint64_t s = 0, g = 0;
      if (colon == std::string_view::npos ||
          !ParseU64(std::string(r.substr(0, colon)).c_str(), &s) ||
          !ParseU64(std::string(r.substr(colon + 1)).c_str(), &g) || s + g == 0) {
        std::fprintf(stderr, "valkdb-bench: --ratio takes SET:GET, e.g. 1:10\n");
        return false;
      }
      o->set_weight = s;
      o->get_weight = g;
      ++i;
    } else if (a == "-r" || a == "--keyspace") {
      if (!need_u64(1, 999999999999ULL)) return false;
      o->keyspace = u;
    } else if (a == "--dist") {
      std::string_view d = next ? next : "";
      if (d == "uniform") {
        o->dist = Distribution::kUniform;
      } else if (d == "zipfian" || d == "zipf") {
        o->dist = Distribution::kZipfian;
      } else if (d == "sequential") {
        o->dist = Distribution::kSequential;
      } else {
        std::fprintf(stderr, "valkdb-bench: --dist is uniform, zipfian or sequential\n");
        return false;
      }
      ++i;
    } else if (a == "--zipf-theta") {
      if (!ParseDouble(next, &o->zipf_theta) || o->zipf_theta <= 0 || o->zipf_theta >= 1) {
        std::fprintf(stderr, "valkdb-bench: --zipf-theta must be in (0, 1)\n");
        return false;
      }
      ++i;
    } else if (a == "-d" || a == "--value-size") {
      if (!need_u64(0, 512ULL << 20)) return false;
      o->value_size = u;
    } else if (a == "-n" || a == "--requests") {
      if (!need_u64(1, UINT64_MAX / 2)) return false;
      o->requests = u;
      requests_given = true;
    } else if (a == "--duration") {
      if (!ParseDouble(next, &o->duration_s) || o->duration_s <= 0) {
        std::fprintf(stderr, "valkdb-bench: --duration needs seconds > 0\n");
        return false;
      }
      ++i;
    } else if (a == "--max-time") {
      if (!ParseDouble(next, &o->max_time_s) || o->max_time_s <= 0) {
        std::fprintf(stderr, "valkdb-bench: --max-time needs seconds > 0\n");
        return false;
      }
      ++i;
    } else if (a == "--fill") {
      o->fill = true;
    } else if (a == "--label") {
      if (next == nullptr) return false;
      o->label = next;
      ++i;
    } else if (a == "--json") {
      o->format = Format::kJson;
    } else if (a == "--csv") {
      o->format = Format::kCsv;
    } else if (a == "--percentiles") {
      if (next == nullptr) return false;
      o->percentiles_file = next;
      ++i;
    } else if (a == "--progress") {
      o->progress = 1;
    } else if (a == "--no-progress" || a == "-q" || a == "--quiet") {
      o->progress = 0;
    } else if (a == "--seed") {
      if (!need_u64(0, UINT64_MAX)) return false;
      o->seed = u;
    } else if (a == "--allow-remote") {
      o->allow_remote = true;
    } else {
      std::fprintf(stderr, "valkdb-bench: unknown option '%s' (see --help)\n", argv[i]);
      return false;
    }
  }
  if (o->fill) {
    o->set_weight = 1;
    o->get_weight = 0;
    o->dist = Distribution::kSequential;
    if (!requests_given) o->requests = o->keyspace;
    requests_given = true;
  }
  if (!requests_given && o->duration_s == 0) o->requests = 100000;
  if (o->progress < 0) o->progress = isatty(2) ? 1 : 0;
  return true;
}

// ---------------------------------------------------------------------------
// Latency histogram: log-linear buckets, exact below 256 ns and within 1/128
// (0.8%) above, like HdrHistogram with two significant digits.

class Histogram {
 public:
  static constexpr int kSubBits = 8;
  static constexpr uint64_t kSub = uint64_t{1} << kSubBits;  // 256
  static constexpr size_t kBuckets = kSub + (64 - kSubBits) * (kSub / 2);

  Histogram() : counts_(kBuckets, 0) {}

  void Record(uint64_t ns) {
    ++counts_[Index(ns)];
    ++total_;
    sum_ += ns;
    max_ = std::max(max_, ns);
    min_ = std::min(min_, ns);
  }

  uint64_t total() const { return total_; }
  uint64_t max() const { return max_; }
  uint64_t min() const { return total_ ? min_ : 0; }
  double mean() const { return total_ ? static_cast<double>(sum_) / total_ : 0; }

  // The latency at percentile p (0..100), in ns.
  uint64_t Percentile(double p) const {
    if (total_ == 0) return 0;
    if (p >= 100) return max_;
    uint64_t rank = static_cast<uint64_t>(std::ceil(p / 100.0 * static_cast<double>(total_)));
    rank = std::max<uint64_t>(rank, 1);
    uint64_t seen = 0;
    for (size_t i = 0; i < kBuckets; ++i) {
      seen += counts_[i];
      if (seen >= rank) return std::min(std::max(Middle(i), min()), max_);
    }
    return max_;
  }

 private:
  static size_t Index(uint64_t v) {
    if (v < kSub) return static_cast<size_t>(v);
    const int msb = 63 - __builtin_clzll(v);
    const int shift = msb - (kSubBits - 1);
    const uint64_t mantissa = v >> shift;  // in [kSub/2, kSub)
    return static_cast<size_t>(kSub + static_cast<uint64_t>(msb - kSubBits) * (kSub / 2) +
                               (mantissa - kSub / 2));
  }
  static uint64_t Middle(size_t index) {
    if (index < kSub) return index;
    const uint64_t i = index - kSub;
    const int msb = static_cast<int>(i / (kSub / 2)) + kSubBits;
    const int shift = msb - (kSubBits - 1);
    const uint64_t mantissa = i % (kSub / 2) + kSub / 2;
    const uint64_t low = mantissa << shift;
    return low + ((uint64_t{1} << shift) >> 1);
  }

  std::vector<uint64_t> counts_;
  uint64_t total_ = 0;
  uint64_t sum_ = 0;
  uint64_t max_ = 0;
  uint64_t min_ = UINT64_MAX;
};

// ---------------------------------------------------------------------------
// Reply scanner: counts whole RESP2/RESP3 replies in a byte stream without
// building them. Resumable: bulk payloads are skipped by length across reads,
// so a big reply costs its bytes once.

class ReplyScanner {
 public:
  struct Event {
    bool error;  // a top-level error reply
    bool null;   // a top-level null ($-1, *-1, _)
  };

  // Scans data; calls on_reply(Event) for each complete top-level reply.
  // Returns false on bytes that are not RESP.
  template <typename OnReply>
  bool Feed(const char* data, size_t size, OnReply&& on_reply) {
    size_t i = 0;
    while (i < size) {
      if (skip_ > 0) {
        const size_t take = static_cast<size_t>(std::min<uint64_t>(skip_, size - i));
        i += take;
        skip_ -= take;
        if (skip_ == 0 && Complete()) on_reply(Event{top_error_, false});
        continue;
      }
      const char* nl = static_cast<const char*>(std::memchr(data + i, '\n', size - i));
      if (nl == nullptr) {
        if (line_.size() + (size - i) > kMaxLine) return false;
        line_.append(data + i, size - i);
        return true;
      }
      std::string_view line;
      const size_t end = static_cast<size_t>(nl - data) + 1;
      if (line_.empty()) {
        line = std::string_view(data + i, end - i);
      } else {
        line_.append(data + i, end - i);
        line = line_;
      }
      i = end;
      Event event{false, false};
      int status = Line(line, &event);
      line_.clear();
      if (status < 0) return false;
      if (status > 0) on_reply(event);
    }
    return true;
  }

 private:
  static constexpr size_t kMaxLine = 1 << 20;

  // 1: a top-level reply completed; 0: more to come; -1: not RESP.
  int Line(std::string_view line, Event* event) {
    if (line.size() < 3 || line[line.size() - 2] != '\r') return -1;
    const char type = line[0];
    const std::string_view body = line.substr(1, line.size() - 3);
    const bool top = stack_.empty();
    switch (type) {
      case '+':
      case ':':
      case ',':
      case '#':
      case '(':
        return Complete() ? 1 : 0;
      case '_':
        event->null = top;
        return Complete() ? 1 : 0;
      case '-':
        event->error = top;
        return Complete() ? 1 : 0;
      case '$':
      case '=':
      case '!': {
        int64_t len = 0;
        if (!Int(body, &len)) return -1;
        if (len < 0) {
          event->null = top;
          return Complete() ? 1 : 0;
        }
        top_error_ = top && type == '!';
        skip_ = static_cast<uint64_t>(len) + 2;
        return 0;
      }
      case '*':
      case '~':
      case '>':
      case '%': {
        int64_t count = 0;
        if (!Int(body, &count)) return -1;
        if (type == '%') count *= 2;
        if (count <= 0) {
          event->null = top && count < 0;
          return Complete() ? 1 : 0;
        }
        stack_.push_back(count);
        return 0;
      }
      default:
        return -1;  // attributes (|) are never sent to a client that did not ask
    }
  }

  // One value finished; true when that finished a top-level reply.
  bool Complete() {
    while (!stack_.empty()) {
      if (--stack_.back() > 0) return false;
      stack_.pop_back();
    }
    return true;
  }

  static bool Int(std::string_view s, int64_t* out) {
    if (s.empty()) return false;
    bool neg = s[0] == '-';
    size_t i = neg ? 1 : 0;
    if (i == s.size()) return false;
    int64_t v = 0;
    for (; i < s.size(); ++i) {
      if (s[i] < '0' || s[i] > '9' || v > (INT64_MAX - 9) / 10) return false;
      v = v * 10 + (s[i] - '0');
    }
    *out = neg ? -v : v;
    return true;
  }

  std::vector<int64_t> stack_;  // elements left in each open aggregate
  std::string line_;            // a header line split across reads
  uint64_t skip_ = 0;           // bulk payload + CRLF bytes still to skip
  bool top_error_ = false;
};

// ---------------------------------------------------------------------------
// The run

class Bench;

struct Conn {
  Bench* bench = nullptr;
  int index = 0;
  uv_tcp_t tcp;
  uv_connect_t connect_req;
  uv_write_t write_req;
  std::string out;  // the batch being written; untouched until its write completes
  ReplyScanner scanner;
  int setup_left = 0;    // AUTH/SELECT replies still expected
  int outstanding = 0;   // replies of the current batch still expected
  uint64_t sent_ns = 0;  // when the current batch was written
  bool writing = false;  // a uv_write is in flight
  bool send_pending = false;
  bool closed = false;
  Rng rng{0};
};

class Bench {
 public:
  explicit Bench(const Options& options) : o_(options) {
    if (o_.dist == Distribution::kZipfian)
      zipf_ = std::make_unique<Zipfian>(o_.keyspace, o_.zipf_theta);
    value_.assign(o_.value_size, 'x');
    set_head_ = "*3\r\n$3\r\nSET\r\n$16\r\n";
    set_tail_ = "\r\n$" + std::to_string(o_.value_size) + "\r\n" + value_ + "\r\n";
    get_head_ = "*2\r\n$3\r\nGET\r\n$16\r\n";
    if (!o_.auth.empty()) {
      setup_ +=
          "*2\r\n$4\r\nAUTH\r\n$" + std::to_string(o_.auth.size()) + "\r\n" + o_.auth + "\r\n";
      ++setup_replies_;
    }
    if (o_.db != 0) {
      const std::string db = std::to_string(o_.db);
      setup_ += "*2\r\n$6\r\nSELECT\r\n$" + std::to_string(db.size()) + "\r\n" + db + "\r\n";
      ++setup_replies_;
    }
  }

  int Run();

 private:
  static void OnConnect(uv_connect_t* req, int status);
  static void OnAlloc(uv_handle_t* handle, size_t suggested, uv_buf_t* buf);
  static void OnRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf);
  static void OnWrite(uv_write_t* req, int status);
  static void OnClose(uv_handle_t* handle);
  static void OnTick(uv_timer_t* timer);
  static void OnHardLimit(uv_timer_t* timer);

  void Start();
  void SendBatch(Conn* c);
  void Write(Conn* c);
  void HandleReplies(Conn* c, const char* data, size_t size);
  void Fail(Conn* c, const std::string& why);
  void CloseConn(Conn* c);
  void MaybeFinish();
  void Finish();
  void CloseTimers();
  bool MayIssue() const;
  uint64_t NextKey(Conn* c);
  void PrintProgress(bool final_line);
  void Report();
  void WritePercentiles();

  Options o_;
  uv_loop_t loop_;
  uv_timer_t tick_;
  uv_timer_t hard_limit_;
  sockaddr_storage addr_;
  std::vector<std::unique_ptr<Conn>> conns_;
  std::unique_ptr<Zipfian> zipf_;
  std::string value_, set_head_, set_tail_, get_head_, setup_;
  int setup_replies_ = 0;
  char read_buffer_[64 * 1024];

  int connecting_ = 0;
  int ready_ = 0;
  int active_ = 0;  // connections still open
  bool started_ = false;
  bool finished_ = false;
  bool timers_closed_ = false;
  bool timed_out_ = false;
  int exit_code_ = 0;
  std::string failure_;

  uint64_t start_ns_ = 0;
  uint64_t end_ns_ = 0;
  uint64_t last_reply_ns_ = 0;
  uint64_t issued_ = 0;
  uint64_t completed_ = 0;
  uint64_t errors_ = 0;
  uint64_t nulls_ = 0;
  uint64_t sets_ = 0;
  uint64_t gets_ = 0;
  uint64_t next_sequential_ = 0;
  uint64_t last_tick_ns_ = 0;
  uint64_t last_tick_completed_ = 0;
  std::string first_error_;
  Histogram hist_;
  rusage usage_start_;
};

bool IsLoopback(const sockaddr* sa) {
  if (sa->sa_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(sa);
    return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
  }
  if (sa->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(sa);
    return IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
  }
  return false;
}

int Bench::Run() {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* resolved = nullptr;
  const std::string port = std::to_string(o_.port);
  int rc = getaddrinfo(o_.host.c_str(), port.c_str(), &hints, &resolved);
  if (rc != 0 || resolved == nullptr) {
    std::fprintf(stderr, "valkdb-bench: cannot resolve %s: %s\n", o_.host.c_str(),
                 gai_strerror(rc));
    return 1;
  }
  std::memcpy(&addr_, resolved->ai_addr, resolved->ai_addrlen);
  freeaddrinfo(resolved);
  if (!o_.allow_remote && !IsLoopback(reinterpret_cast<sockaddr*>(&addr_))) {
    std::fprintf(stderr,
                 "valkdb-bench: %s is not a loopback address; pass --allow-remote to load a "
                 "remote server\n",
                 o_.host.c_str());
    return 1;
  }

  uv_loop_init(&loop_);
  uv_timer_init(&loop_, &tick_);
  uv_timer_init(&loop_, &hard_limit_);
  tick_.data = hard_limit_.data = this;
  uv_timer_start(&hard_limit_, OnHardLimit, static_cast<uint64_t>(o_.max_time_s * 1000), 0);

  for (int i = 0; i < o_.connections; ++i) {
    auto c = std::make_unique<Conn>();
    c->bench = this;
    c->index = i;
    c->rng = Rng(o_.seed * 0x100000001b3ULL + static_cast<uint64_t>(i));
    uv_tcp_init(&loop_, &c->tcp);
    c->tcp.data = c.get();
    c->connect_req.data = c.get();
    c->write_req.data = c.get();
    ++active_;
    ++connecting_;
    rc = uv_tcp_connect(&c->connect_req, &c->tcp, reinterpret_cast<sockaddr*>(&addr_), OnConnect);
    Conn* raw = c.get();
    conns_.push_back(std::move(c));
    if (rc != 0) {
      --connecting_;
      Fail(raw, std::string("connect: ") + uv_strerror(rc));
      break;
    }
  }
  getrusage(RUSAGE_SELF, &usage_start_);
  uv_run(&loop_, UV_RUN_DEFAULT);
  if (end_ns_ == 0) end_ns_ = uv_hrtime();
  if (o_.progress) PrintProgress(true);
  Report();
  if (!o_.percentiles_file.empty()) WritePercentiles();
  uv_loop_close(&loop_);
  if (timed_out_) return 3;
  return exit_code_;
}

void Bench::OnConnect(uv_connect_t* req, int status) {
  Conn* c = static_cast<Conn*>(req->data);
  Bench* b = c->bench;
  --b->connecting_;
  if (b->finished_) {
    b->CloseConn(c);  // the run ended (or failed) while this one was connecting
    return;
  }
  if (status != 0) {
    b->Fail(c, std::string("connect: ") + uv_strerror(status));
    return;
  }
  uv_tcp_nodelay(&c->tcp, 1);
  uv_read_start(reinterpret_cast<uv_stream_t*>(&c->tcp), OnAlloc, OnRead);
  if (b->setup_replies_ > 0) {
    c->setup_left = b->setup_replies_;
    c->out = b->setup_;
    b->Write(c);
  } else {
    ++b->ready_;
    if (b->ready_ == b->o_.connections) b->Start();
  }
}

void Bench::Start() {
  started_ = true;
  start_ns_ = last_tick_ns_ = uv_hrtime();
  getrusage(RUSAGE_SELF, &usage_start_);
  if (o_.progress) uv_timer_start(&tick_, OnTick, 250, 250);
  for (auto& c : conns_) {
    if (!c->closed) SendBatch(c.get());
  }
  MaybeFinish();
}

bool Bench::MayIssue() const {
  if (finished_) return false;
  if (o_.requests != 0 && issued_ >= o_.requests) return false;
  if (o_.duration_s > 0 && static_cast<double>(uv_hrtime() - start_ns_) >= o_.duration_s * 1e9) {
    return false;
  }
  return true;
}

uint64_t Bench::NextKey(Conn* c) {
  switch (o_.dist) {
    case Distribution::kUniform:
      return c->rng.Below(o_.keyspace);
    case Distribution::kZipfian:
      return zipf_->Next(c->rng);
    case Distribution::kSequential:
      return next_sequential_++ % o_.keyspace;
  }
  return 0;
}

void Bench::SendBatch(Conn* c) {
  if (c->closed) return;
  if (c->writing) {
    // Every reply of the last batch arrived before its write callback ran.
    c->send_pending = true;
    return;
  }
  if (!MayIssue()) {
    MaybeFinish();
    return;
  }
  uint64_t n = static_cast<uint64_t>(o_.pipeline);
  if (o_.requests != 0) n = std::min(n, o_.requests - issued_);
  issued_ += n;
  c->out.clear();
  const uint64_t total_weight = o_.set_weight + o_.get_weight;
  char key[kKeyLen];
  for (uint64_t i = 0; i < n; ++i) {
    FormatKey(NextKey(c), key);
    const bool is_set =
        o_.get_weight == 0 || (o_.set_weight != 0 && c->rng.Below(total_weight) < o_.set_weight);
    if (is_set) {
      c->out.append(set_head_).append(key, kKeyLen).append(set_tail_);
      ++sets_;
    } else {
      c->out.append(get_head_).append(key, kKeyLen).append("\r\n", 2);
      ++gets_;
    }
  }
  c->outstanding = static_cast<int>(n);
  c->sent_ns = uv_hrtime();
  Write(c);
}

void Bench::Write(Conn* c) {
  uv_stream_t* stream = reinterpret_cast<uv_stream_t*>(&c->tcp);
  uv_buf_t buf = uv_buf_init(c->out.data(), static_cast<unsigned int>(c->out.size()));
  const int written = uv_try_write(stream, &buf, 1);
  size_t done = 0;
  if (written > 0) {
    done = static_cast<size_t>(written);
  } else if (written != UV_EAGAIN) {
    Fail(c, std::string("write: ") + uv_strerror(written));
    return;
  }
  if (done == c->out.size()) return;
  buf = uv_buf_init(c->out.data() + done, static_cast<unsigned int>(c->out.size() - done));
  const int rc = uv_write(&c->write_req, stream, &buf, 1, OnWrite);
  if (rc != 0) {
    Fail(c, std::string("write: ") + uv_strerror(rc));
    return;
  }
  c->writing = true;
}

void Bench::OnWrite(uv_write_t* req, int status) {
  Conn* c = static_cast<Conn*>(req->data);
  Bench* b = c->bench;
  c->writing = false;
  if (status != 0) {
    if (status != UV_ECANCELED) b->Fail(c, std::string("write: ") + uv_strerror(status));
    return;
  }
  if (c->send_pending) {
    c->send_pending = false;
    b->SendBatch(c);
  }
}

void Bench::OnAlloc(uv_handle_t* handle, size_t, uv_buf_t* buf) {
  // One buffer for every connection: each read is scanned before the next.
  Bench* b = static_cast<Conn*>(handle->data)->bench;
  buf->base = b->read_buffer_;
  buf->len = sizeof(b->read_buffer_);
}

void Bench::OnRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
  Conn* c = static_cast<Conn*>(stream->data);
  Bench* b = c->bench;
  if (nread < 0) {
    if (c->outstanding > 0 || c->setup_left > 0 || !b->finished_) {
      b->Fail(c, nread == UV_EOF ? "connection closed by the server"
                                 : std::string("read: ") + uv_strerror(static_cast<int>(nread)));
    } else {
      b->CloseConn(c);
    }
    return;
  }
  if (nread == 0) return;
  b->HandleReplies(c, buf->base, static_cast<size_t>(nread));
}

void Bench::HandleReplies(Conn* c, const char* data, size_t size) {
  const uint64_t now = uv_hrtime();
  bool unexpected = false;
  const bool ok = c->scanner.Feed(data, size, [&](const ReplyScanner::Event& event) {
    if (c->setup_left > 0) {
      --c->setup_left;
      if (event.error && first_error_.empty()) first_error_ = "AUTH/SELECT refused";
      if (event.error) unexpected = true;
      return;
    }
    if (c->outstanding <= 0) {
      unexpected = true;
      return;
    }
    --c->outstanding;
    ++completed_;
    if (event.error) ++errors_;
    if (event.null) ++nulls_;
    hist_.Record(now - c->sent_ns);
  });
  last_reply_ns_ = now;
  if (!ok) {
    Fail(c, "the server's reply is not RESP");
    return;
  }
  if (unexpected) {
    Fail(c, first_error_.empty() ? "a reply nobody asked for" : first_error_);
    return;
  }
  if (!started_) {
    if (c->setup_left == 0) {
      ++ready_;
      if (ready_ == o_.connections) Start();
    }
    return;
  }
  if (c->outstanding == 0) SendBatch(c);
}

void Bench::Fail(Conn* c, const std::string& why) {
  if (failure_.empty()) failure_ = why;
  exit_code_ = 1;
  CloseConn(c);
  // One lost connection spoils the run's figures: stop everything.
  Finish();
}

void Bench::CloseConn(Conn* c) {
  if (c->closed) return;
  c->closed = true;
  uv_close(reinterpret_cast<uv_handle_t*>(&c->tcp), OnClose);
}

void Bench::OnClose(uv_handle_t* handle) {
  Conn* c = static_cast<Conn*>(handle->data);
  Bench* b = c->bench;
  --b->active_;
  if (b->active_ == 0 && b->finished_) b->CloseTimers();
}

void Bench::CloseTimers() {
  if (timers_closed_) return;
  timers_closed_ = true;
  uv_close(reinterpret_cast<uv_handle_t*>(&tick_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&hard_limit_), nullptr);
}

void Bench::MaybeFinish() {
  if (finished_ || MayIssue()) return;
  for (auto& c : conns_) {
    if (!c->closed && (c->outstanding > 0 || c->writing)) return;
  }
  Finish();
}

void Bench::Finish() {
  if (finished_) return;
  finished_ = true;
  end_ns_ = last_reply_ns_ > start_ns_ ? last_reply_ns_ : uv_hrtime();
  // Closing a connection that is still connecting cancels its connect.
  for (auto& c : conns_) CloseConn(c.get());
  if (active_ == 0) CloseTimers();
}

void Bench::OnHardLimit(uv_timer_t* timer) {
  Bench* b = static_cast<Bench*>(timer->data);
  b->timed_out_ = true;
  if (b->failure_.empty()) {
    b->failure_ = "--max-time reached before the run finished";
  }
  b->Finish();
}

void Bench::OnTick(uv_timer_t* timer) {
  Bench* b = static_cast<Bench*>(timer->data);
  b->PrintProgress(false);
  // A --duration run may be idle-waiting on nothing: re-check the end.
  b->MaybeFinish();
}

double Ms(uint64_t ns) { return static_cast<double>(ns) / 1e6; }

void Bench::PrintProgress(bool final_line) {
  const uint64_t now = uv_hrtime();
  if (final_line) {
    std::fprintf(stderr, "\r\033[K");
    return;
  }
  const double dt = static_cast<double>(now - last_tick_ns_) / 1e9;
  const double rps = dt > 0 ? static_cast<double>(completed_ - last_tick_completed_) / dt : 0;
  last_tick_ns_ = now;
  last_tick_completed_ = completed_;
  const double elapsed = static_cast<double>(now - start_ns_) / 1e9;
  char share[32] = "";
  if (o_.requests != 0) {
    std::snprintf(share, sizeof(share), " (%.0f%%)",
                  100.0 * static_cast<double>(completed_) / static_cast<double>(o_.requests));
  }
  std::fprintf(stderr,
               "\r\033[K%s%s%.1fs %" PRIu64
               " req%s %.0f rps  p50 %.3f p99 %.3f max %.3f ms"
               "  errors %" PRIu64,
               o_.label.c_str(), o_.label.empty() ? "" : ": ", elapsed, completed_, share, rps,
               Ms(hist_.Percentile(50)), Ms(hist_.Percentile(99)), Ms(hist_.max()), errors_);
  std::fflush(stderr);
}

const char* DistName(Distribution d) {
  switch (d) {
    case Distribution::kUniform:
      return "uniform";
    case Distribution::kZipfian:
      return "zipfian";
    case Distribution::kSequential:
      return "sequential";
  }
  return "?";
}

// Escapes a label for a JSON string.
std::string JsonString(std::string_view s) {
  std::string out = "\"";
  for (char ch : s) {
    if (ch == '"' || ch == '\\') {
      out += '\\';
      out += ch;
    } else if (static_cast<unsigned char>(ch) < 0x20) {
      char esc[8];
      std::snprintf(esc, sizeof(esc), "\\u%04x", ch);
      out += esc;
    } else {
      out += ch;
    }
  }
  return out + "\"";
}

void Bench::Report() {
  rusage usage_end;
  getrusage(RUSAGE_SELF, &usage_end);
  auto seconds = [](const timeval& tv) { return tv.tv_sec + tv.tv_usec / 1e6; };
  const double client_cpu = seconds(usage_end.ru_utime) - seconds(usage_start_.ru_utime) +
                            seconds(usage_end.ru_stime) - seconds(usage_start_.ru_stime);
  const double elapsed = started_ ? static_cast<double>(end_ns_ - start_ns_) / 1e9 : 0;
  const double rps = elapsed > 0 ? static_cast<double>(completed_) / elapsed : 0;
  const char* status = !failure_.empty() ? "failed" : "ok";

  struct Field {
    const char* name;
    std::string value;
    bool quoted;
  };
  char ratio[64];
  std::snprintf(ratio, sizeof(ratio), "%" PRIu64 ":%" PRIu64, o_.set_weight, o_.get_weight);
  auto num = [](double v, int digits) {
    char s[64];
    std::snprintf(s, sizeof(s), "%.*f", digits, v);
    return std::string(s);
  };
  const std::vector<Field> fields = {
      {"label", o_.label, true},
      {"status", status, true},
      {"connections", std::to_string(o_.connections), false},
      {"pipeline", std::to_string(o_.pipeline), false},
      {"ratio", ratio, true},
      {"keyspace", std::to_string(o_.keyspace), false},
      {"distribution", DistName(o_.dist), true},
      {"value_size", std::to_string(o_.value_size), false},
      {"requests", std::to_string(completed_), false},
      {"sets", std::to_string(sets_), false},
      {"gets", std::to_string(gets_), false},
      {"errors", std::to_string(errors_), false},
      {"nulls", std::to_string(nulls_), false},
      {"seconds", num(elapsed, 3), false},
      {"rps", num(rps, 2), false},
      {"avg_ms", num(hist_.mean() / 1e6, 3), false},
      {"min_ms", num(Ms(hist_.min()), 3), false},
      {"p50_ms", num(Ms(hist_.Percentile(50)), 3), false},
      {"p90_ms", num(Ms(hist_.Percentile(90)), 3), false},
      {"p99_ms", num(Ms(hist_.Percentile(99)), 3), false},
      {"p99_9_ms", num(Ms(hist_.Percentile(99.9)), 3), false},
      {"max_ms", num(Ms(hist_.max()), 3), false},
      {"client_cpu_s", num(client_cpu, 3), false},
      {"error", failure_, true},
  };
  switch (o_.format) {
    case Format::kJson: {
      std::string out = "{";
      for (size_t i = 0; i < fields.size(); ++i) {
        if (i > 0) out += ", ";
        out += JsonString(fields[i].name);
        out += ": ";
        out += fields[i].quoted ? JsonString(fields[i].value) : fields[i].value;
      }
      std::printf("%s}\n", out.c_str());
      break;
    }
    case Format::kCsv: {
      std::string header, row;
      for (size_t i = 0; i < fields.size(); ++i) {
        if (i > 0) header += ',';
        header += fields[i].name;
        std::string v = fields[i].value;
        if (fields[i].quoted) {
          std::string q = "\"";
          for (char ch : v) {
            if (ch == '"') q += '"';
            q += ch;
          }
          q += '"';
          v = q;
        }
        if (i > 0) row += ',';
        row += v;
      }
      std::printf("%s\n%s\n", header.c_str(), row.c_str());
      break;
    }
    case Format::kText: {
      std::printf("%s%s%" PRIu64 " requests in %.3f s: %.2f requests/s (%" PRIu64 " SET, %" PRIu64
                  " GET, %" PRIu64 " errors, %" PRIu64 " nulls)\n",
                  o_.label.c_str(), o_.label.empty() ? "" : ": ", completed_, elapsed, rps, sets_,
                  gets_, errors_, nulls_);
      std::printf(
          "  %d connections, pipeline %d, SET:GET %s, %" PRIu64 " keys %s, %zu-byte values\n",
          o_.connections, o_.pipeline, ratio, o_.keyspace, DistName(o_.dist), o_.value_size);
      std::printf(
          "  latency ms: min %.3f avg %.3f p50 %.3f p90 %.3f p99 %.3f p99.9 %.3f max %.3f\n",
          Ms(hist_.min()), hist_.mean() / 1e6, Ms(hist_.Percentile(50)), Ms(hist_.Percentile(90)),
          Ms(hist_.Percentile(99)), Ms(hist_.Percentile(99.9)), Ms(hist_.max()));
      std::printf("  client CPU %.3f s\n", client_cpu);
      break;
    }
  }
  std::fflush(stdout);
  if (!failure_.empty()) std::fprintf(stderr, "valkdb-bench: %s\n", failure_.c_str());
}

// The percentile curve, HdrHistogram style: x = -log10(1 - p/100), so 90,
// 99, 99.9 and 99.99 are evenly spaced. Columns: percentile, x, latency ms.
void Bench::WritePercentiles() {
  FILE* f = std::fopen(o_.percentiles_file.c_str(), "w");
  if (f == nullptr) {
    std::fprintf(stderr, "valkdb-bench: cannot write %s: %s\n", o_.percentiles_file.c_str(),
                 std::strerror(errno));
    exit_code_ = 1;
    return;
  }
  std::fprintf(f, "# percentile x=-log10(1-p) latency_ms  (%s, %" PRIu64 " requests)\n",
               o_.label.c_str(), hist_.total());
  const double max_x = hist_.total() > 0 ? std::log10(static_cast<double>(hist_.total())) : 0;
  for (double x = 0; x <= max_x + 1e-9; x += 0.05) {
    const double p = 100.0 * (1.0 - std::pow(10.0, -x));
    std::fprintf(f, "%.6f %.3f %.4f\n", p, x, Ms(hist_.Percentile(p)));
  }
  std::fprintf(f, "100 %.3f %.4f\n", max_x, Ms(hist_.max()));
  std::fclose(f);
}

}  // namespace
}  // namespace valkdb::bench

int main(int argc, char** argv) {
  valkdb::bench::Options options;
  if (!valkdb::bench::ParseArgs(argc, argv, &options)) {
    valkdb::bench::Usage(stderr);
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  valkdb::bench::Bench bench(options);
  return bench.Run();
}
