// valkdb-cachebench: a cache-aside load, the way a cache in front of a
// database is used: GET a key; on a miss, SET it (as if loaded from the
// database). Keys follow a zipf distribution, so a small hot set gets most
// reads and the server's eviction policy decides the hit rate. Works against
// valkdb and redis-server alike (plain RESP over one blocking connection).
//
//   valkdb-cachebench -p 6379 --keys 300000 --value 200 --zipf 0.99 -n 2000000
//
// Requests go in batches of --batch GETs (pipelined), then one batch of SETs
// for the misses; the same seed draws the same keys for every server. Output,
// one CSV line: requests,hits,hit_rate,second_half_hit_rate.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace {

struct Options {
  int port = 6379;
  int64_t keys = 300000;
  int64_t value_size = 200;
  double zipf = 0.99;
  int64_t requests = 2000000;
  int batch = 64;
  uint64_t seed = 42;
};

[[noreturn]] void Die(const char* what) {
  std::perror(what);
  std::exit(1);
}

// Zipf over [0, n): rank r drawn with probability proportional to 1/(r+1)^s,
// by inverting the cumulative distribution (a table of n doubles).
class Zipf {
 public:
  Zipf(int64_t n, double s) : cdf_(static_cast<size_t>(n)) {
    double sum = 0;
    for (int64_t i = 0; i < n; ++i) sum += 1.0 / std::pow(static_cast<double>(i + 1), s);
    double acc = 0;
    for (int64_t i = 0; i < n; ++i) {
      acc += 1.0 / std::pow(static_cast<double>(i + 1), s) / sum;
      cdf_[static_cast<size_t>(i)] = acc;
    }
  }
  int64_t Draw(std::mt19937_64& rng) const {
    const double u = std::uniform_real_distribution<double>(0, 1)(rng);
    return std::lower_bound(cdf_.begin(), cdf_.end(), u) - cdf_.begin();
  }

 private:
  std::vector<double> cdf_;
};

class Connection {
 public:
  explicit Connection(int port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) Die("socket");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) Die("connect");
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  ~Connection() { close(fd_); }

  void Write(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = write(fd_, bytes.data(), bytes.size());
      if (n <= 0) Die("write");
      bytes.remove_prefix(static_cast<size_t>(n));
    }
  }
  // The next reply: true for a bulk string (a hit), false for a null bulk;
  // any other reply (an error such as OOM) ends the run with its text.
  bool ReadBulkOrNull() {
    const std::string line = ReadLine();
    if (line == "$-1") return false;
    if (line.empty() || line[0] != '$') Fail(line);
    Skip(static_cast<size_t>(std::atoll(line.c_str() + 1)) + 2);
    return true;
  }
  void ReadOk() {
    const std::string line = ReadLine();
    if (line != "+OK") Fail(line);
  }

 private:
  [[noreturn]] static void Fail(const std::string& line) {
    std::fprintf(stderr, "valkdb-cachebench: unexpected reply: %s\n", line.c_str());
    std::exit(1);
  }
  void Fill() {
    if (pos_ == buf_.size()) {
      buf_.clear();
      pos_ = 0;
    }
    char chunk[65536];
    const ssize_t n = read(fd_, chunk, sizeof chunk);
    if (n <= 0) Die("read");
    buf_.append(chunk, static_cast<size_t>(n));
  }
  std::string ReadLine() {
    while (true) {
      const size_t end = buf_.find("\r\n", pos_);
      if (end != std::string::npos) {
        std::string line = buf_.substr(pos_, end - pos_);
        pos_ = end + 2;
        return line;
      }
      Fill();
    }
  }
  void Skip(size_t n) {
    while (buf_.size() - pos_ < n) Fill();
    pos_ += n;
  }

  int fd_;
  std::string buf_;
  size_t pos_ = 0;
};

void AppendCommand(std::string* out, std::initializer_list<std::string_view> args) {
  // Appended piece by piece: gcc 12 warns (-Wrestrict) on "lit" + to_string.
  out->push_back('*');
  out->append(std::to_string(args.size()));
  out->append("\r\n");
  for (std::string_view a : args) {
    out->push_back('$');
    out->append(std::to_string(a.size()));
    out->append("\r\n");
    out->append(a);
    out->append("\r\n");
  }
}

Options Parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view flag = argv[i];
    const char* value = argv[i + 1];
    if (flag == "-p") {
      o.port = std::atoi(value);
    } else if (flag == "--keys") {
      o.keys = std::atoll(value);
    } else if (flag == "--value") {
      o.value_size = std::atoll(value);
    } else if (flag == "--zipf") {
      o.zipf = std::atof(value);
    } else if (flag == "-n") {
      o.requests = std::atoll(value);
    } else if (flag == "--batch") {
      o.batch = std::max(1, std::atoi(value));
    } else if (flag == "--seed") {
      o.seed = std::strtoull(value, nullptr, 10);
    } else {
      std::fprintf(stderr, "valkdb-cachebench: unknown option %s\n", argv[i]);
      std::exit(2);
    }
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = Parse(argc, argv);
  const Zipf zipf(o.keys, o.zipf);
  std::mt19937_64 rng(o.seed);
  // Ranks map to keys through a fixed shuffle, so hot keys are spread over
  // the key space rather than being key:0, key:1, ...
  std::vector<int64_t> key_of(static_cast<size_t>(o.keys));
  for (int64_t i = 0; i < o.keys; ++i) key_of[static_cast<size_t>(i)] = i;
  std::shuffle(key_of.begin(), key_of.end(), rng);
  const std::string value(static_cast<size_t>(o.value_size), 'v');

  Connection conn(o.port);
  int64_t done = 0, hits = 0, late_requests = 0, late_hits = 0;
  std::vector<std::string> keys;
  std::string out;
  while (done < o.requests) {
    const int n = static_cast<int>(std::min<int64_t>(o.batch, o.requests - done));
    keys.clear();
    out.clear();
    for (int i = 0; i < n; ++i) {
      keys.emplace_back("key:");
      keys.back().append(std::to_string(key_of[static_cast<size_t>(zipf.Draw(rng))]));
      AppendCommand(&out, {"GET", keys.back()});
    }
    conn.Write(out);
    out.clear();
    int misses = 0;
    for (int i = 0; i < n; ++i) {
      const bool hit = conn.ReadBulkOrNull();
      const bool late = done + i >= o.requests / 2;
      hits += hit;
      late_requests += late;
      late_hits += hit && late;
      if (!hit) {
        AppendCommand(&out, {"SET", keys[static_cast<size_t>(i)], value});
        ++misses;
      }
    }
    if (misses > 0) {
      conn.Write(out);
      for (int i = 0; i < misses; ++i) conn.ReadOk();
    }
    done += n;
  }
  std::printf(
      "%lld,%lld,%.4f,%.4f\n", static_cast<long long>(done), static_cast<long long>(hits),
      static_cast<double>(hits) / static_cast<double>(done),
      late_requests ? static_cast<double>(late_hits) / static_cast<double>(late_requests) : 0.0);
  return 0;
}
