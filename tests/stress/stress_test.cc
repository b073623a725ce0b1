// A bounded stress test of the real valkdb-server binary (started with
// --port 0): 1000 concurrent connections on non-blocking sockets driven by
// poll(2) from one thread.
//
//   - 50 of them SUBSCRIBE (two per channel) and must receive every message
//     published to their channel, each exactly once;
//   - the others send rounds of pipelined mixed commands (PING ECHO SET GET
//     DEL EXISTS EXPIRE TTL PUBLISH), some with 1 MB values, and check every
//     reply against the value it must have (keys are per connection, so
//     every reply is known in advance);
//   - nothing may hang: every request is answered before a deadline;
//   - after the clients leave, the server still answers, holds no keys, counts
//     one client, what it holds (INFO memory allocator_allocated: the bytes
//     its allocator has handed out and not had back) is back near what it was
//     at the start, and SIGTERM stops it with exit code 0. RSS is reported, not
//     judged: how much freed memory the allocator returns, and when, is not
//     the server's to decide.
//
// Sizes can be changed for manual runs: VALKDB_STRESS_CONNECTIONS,
// VALKDB_STRESS_ROUNDS, VALKDB_STRESS_SECONDS, VALKDB_STRESS_THREADS,
// VALKDB_STRESS_HELD_SLACK_MB (0 turns the memory verdict off, for sanitizer
// builds, whose allocator glibc's statistics do not see); VALKDB_SERVER
// overrides the binary.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_set>
#include <vector>

#include "protocol/resp_value.h"

#ifndef VALKDB_SERVER_PATH
#error "VALKDB_SERVER_PATH must be defined by the build"
#endif

namespace valkdb::stress {
namespace {

using Clock = std::chrono::steady_clock;
using Type = RespValue::Type;

int EnvInt(const char* name, int fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? std::atoi(value) : fallback;
}

struct Options {
  int connections = EnvInt("VALKDB_STRESS_CONNECTIONS", 1000);
  int subscribers = 50;  // of the connections; two per channel
  int rounds = EnvInt("VALKDB_STRESS_ROUNDS", 60);
  int big_every = 50;        // every 50th worker also moves 1 MB values,
  int big_round_every = 10;  // every 10th round
  int deep_every = 10;       // every 10th worker pipelines 8 rounds' worth at once
  size_t big_size = 1 << 20;
  int seconds = EnvInt("VALKDB_STRESS_SECONDS", 40);  // deadline for the load phase
  int threads = EnvInt("VALKDB_STRESS_THREADS", 2);   // server event loops
  // What tables keep of their peak size (they do not shrink), libuv's and the
  // allocator's own caches.
  int64_t held_slack_mb = EnvInt("VALKDB_STRESS_HELD_SLACK_MB", 16);
  int channels() const { return std::max(1, subscribers / 2); }
};

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// ---------------------------------------------------------------------------
// The server under test.

class Server {
 public:
  ~Server() {
    if (pid_ > 0 && !reaped_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (!log_path_.empty()) unlink(log_path_.c_str());
    if (stdout_fd_ >= 0) close(stdout_fd_);
  }

  bool Start(const std::string& binary, const std::vector<std::string>& args) {
    char log_template[] = "/tmp/valkdb-stress-XXXXXX";
    int log_fd = mkstemp(log_template);
    if (log_fd < 0) return false;
    log_path_ = log_template;
    int out[2];
    if (pipe(out) != 0) return false;
    pid_ = fork();
    if (pid_ < 0) return false;
    if (pid_ == 0) {
      dup2(out[1], STDOUT_FILENO);
      dup2(log_fd, STDERR_FILENO);
      close(out[0]);
      close(out[1]);
      close(log_fd);
      std::vector<char*> argv;
      argv.push_back(const_cast<char*>(binary.c_str()));
      for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      execv(binary.c_str(), argv.data());
      std::fprintf(stderr, "exec %s: %s\n", binary.c_str(), std::strerror(errno));
      _exit(127);
    }
    close(out[1]);
    close(log_fd);
    // The first line of stdout is the port (--port 0).
    std::string line;
    const auto deadline = Clock::now() + std::chrono::seconds(20);
    while (line.find('\n') == std::string::npos && Clock::now() < deadline) {
      pollfd p{out[0], POLLIN, 0};
      if (poll(&p, 1, 100) <= 0) continue;
      char buf[64];
      ssize_t n = read(out[0], buf, sizeof(buf));
      if (n <= 0) break;
      line.append(buf, static_cast<size_t>(n));
    }
    stdout_fd_ = out[0];
    port_ = std::atoi(line.c_str());
    return port_ > 0;
  }

  int port() const { return port_; }
  pid_t pid() const { return pid_; }

  // VmRSS in kB, or -1.
  int64_t RssKb() const {
    std::ifstream in("/proc/" + std::to_string(pid_) + "/status");
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("VmRSS:", 0) == 0) return std::atoll(line.c_str() + 6);
    }
    return -1;
  }

  bool Running() {
    if (reaped_) return false;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      reaped_ = true;
      status_ = status;
      return false;
    }
    return true;
  }

  // SIGTERM, then waits; true when it exited with code 0 in time.
  bool Stop(std::chrono::seconds timeout, std::string* how) {
    if (Running()) kill(pid_, SIGTERM);
    const auto deadline = Clock::now() + timeout;
    while (Running() && Clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (Running()) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status_, 0);
      reaped_ = true;
      *how = "did not exit within the wait after SIGTERM";
      return false;
    }
    if (WIFEXITED(status_)) {
      *how = "exited with code " + std::to_string(WEXITSTATUS(status_));
      return WEXITSTATUS(status_) == 0;
    }
    *how = "killed by signal " + std::to_string(WTERMSIG(status_));
    return false;
  }

  std::string Log() const {
    std::ifstream in(log_path_);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  int stdout_fd_ = -1;  // kept open: the server may print more after the port
  bool reaped_ = false;
  int status_ = 0;
  std::string log_path_;
};

int ConnectNonBlocking(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 && errno != EINPROGRESS) {
    close(fd);
    return -1;
  }
  return fd;
}

// One request/reply on a fresh blocking-style connection (checks after the load).
bool Call(int port, const std::vector<std::string_view>& args, RespValue* reply) {
  int fd = ConnectNonBlocking(port);
  if (fd < 0) return false;
  std::string request = EncodeCommand(args);
  size_t sent = 0;
  ReplyParser parser;
  std::string in;
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  bool ok = false;
  while (Clock::now() < deadline) {
    pollfd p{fd, static_cast<short>(POLLIN | (sent < request.size() ? POLLOUT : 0)), 0};
    if (poll(&p, 1, 100) <= 0) continue;
    if ((p.revents & POLLOUT) && sent < request.size()) {
      ssize_t n = send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
      if (n > 0) sent += static_cast<size_t>(n);
    }
    if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
      char buf[16384];
      ssize_t n = recv(fd, buf, sizeof(buf), 0);
      if (n <= 0) break;
      size_t consumed = 0;
      ReplyParser::Status status =
          parser.Parse(std::string_view(buf, static_cast<size_t>(n)), &consumed, reply);
      if (status == ReplyParser::Status::kValue) {
        ok = true;
        break;
      }
      if (status == ReplyParser::Status::kError) break;
    }
  }
  close(fd);
  return ok;
}

// INFO memory allocator_allocated, or -1.
int64_t AllocatedBytes(int port) {
  RespValue reply;
  if (!Call(port, {"INFO", "memory"}, &reply)) return -1;
  const size_t at = reply.str.find("allocator_allocated:");
  if (at == std::string::npos) return -1;
  return std::atoll(reply.str.c_str() + at + 20);
}

// ---------------------------------------------------------------------------
// The clients.

// The reply a request must get.
struct Expect {
  enum class Kind { kExact, kIntRange } kind = Kind::kExact;
  RespValue value;
  int64_t lo = 0, hi = 0;
  std::shared_ptr<const std::string> big;  // a big bulk reply, compared without copies
  std::string request;                     // for failure messages
};

std::string Describe(const RespValue& v) {
  if (v.type == Type::kBulkString && v.str.size() > 80) {
    return "bulk of " + std::to_string(v.str.size()) + " bytes";
  }
  return v.DebugString();
}

// A big value whose bytes depend on its owner and round, so mix-ups show.
std::shared_ptr<const std::string> BigValue(int conn, int round, size_t size) {
  auto value = std::make_shared<std::string>(size, '\0');
  uint64_t x = static_cast<uint64_t>(conn) * 1000003u + static_cast<uint64_t>(round) * 7919u + 1;
  for (size_t i = 0; i < size; ++i) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    (*value)[i] = static_cast<char>('a' + ((x >> 33) % 26));
  }
  return value;
}

struct Stats {
  uint64_t commands_sent = 0;
  uint64_t replies_checked = 0;
  uint64_t messages_received = 0;
  uint64_t bytes_sent = 0;
  uint64_t bytes_received = 0;
  uint64_t failures = 0;
  std::vector<std::string> first_failures;

  void Fail(const std::string& what) {
    ++failures;
    if (first_failures.size() < 20) first_failures.push_back(what);
  }
};

class Client {
 public:
  Client(int id, int fd, bool subscriber, int channel)
      : id_(id), fd_(fd), subscriber_(subscriber), channel_(channel) {}
  ~Client() { Close(); }

  int fd() const { return fd_; }
  int id() const { return id_; }
  bool subscriber() const { return subscriber_; }
  int channel() const { return channel_; }
  bool open() const { return fd_ >= 0; }
  bool idle() const { return expected_.empty() && out_offset_ == out_.size(); }
  size_t pending() const { return expected_.size(); }
  int round() const { return round_; }
  void set_round(int round) { round_ = round; }
  bool wants_write() const { return out_offset_ < out_.size(); }
  size_t messages() const { return payloads_.size(); }
  const std::unordered_set<std::string>& payloads() const { return payloads_; }
  std::vector<std::string>& keys() { return keys_; }

  void Send(std::vector<std::string_view> args, Expect expect, Stats* stats) {
    expect.request.clear();
    for (size_t i = 0; i < args.size() && i < 4; ++i) {
      expect.request += std::string(args[i].substr(0, 40)) + " ";
    }
    AppendCommand(args, &out_);
    expected_.push_back(std::move(expect));
    ++stats->commands_sent;
  }

  // Writes what the socket takes; false on a connection error.
  bool Write(Stats* stats) {
    while (out_offset_ < out_.size()) {
      ssize_t n = send(fd_, out_.data() + out_offset_, out_.size() - out_offset_, MSG_NOSIGNAL);
      if (n > 0) {
        out_offset_ += static_cast<size_t>(n);
        stats->bytes_sent += static_cast<uint64_t>(n);
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      if (n < 0 && errno == EINTR) continue;
      return false;
    }
    if (out_offset_ == out_.size()) {
      out_.clear();
      out_offset_ = 0;
    }
    return true;
  }

  // Reads and checks replies; false when the server closed the connection.
  bool Read(Stats* stats, const std::vector<std::unordered_set<std::string>>& published) {
    char buf[64 * 1024];
    while (true) {
      ssize_t n = recv(fd_, buf, sizeof(buf), 0);
      if (n == 0) return false;
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) return true;
        if (errno == EINTR) continue;
        return false;
      }
      stats->bytes_received += static_cast<uint64_t>(n);
      std::string_view data(buf, static_cast<size_t>(n));
      size_t consumed = 0;
      while (consumed < data.size()) {
        RespValue value;
        ReplyParser::Status status = parser_.Parse(data.substr(consumed), &consumed, &value);
        if (status == ReplyParser::Status::kNeedMore) break;
        if (status == ReplyParser::Status::kError) {
          stats->Fail(Name() + ": unparsable reply: " + parser_.error());
          return false;
        }
        OnReply(std::move(value), stats, published);
      }
    }
  }

  void Close() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

  std::string Name() const {
    return (subscriber_ ? "subscriber " : "client ") + std::to_string(id_);
  }

 private:
  void OnReply(RespValue value, Stats* stats,
               const std::vector<std::unordered_set<std::string>>& published) {
    // A published message (RESP2 pub/sub messages are 3-element arrays).
    if (subscriber_ && expected_.empty() && value.type == Type::kArray &&
        value.elements.size() == 3 && value.elements[0].str == "message") {
      const std::string channel = "ch" + std::to_string(channel_);
      const std::string& payload = value.elements[2].str;
      if (value.elements[1].str != channel) {
        stats->Fail(Name() + ": message on " + value.elements[1].str + ", subscribed to " +
                    channel);
      } else if (!published[static_cast<size_t>(channel_)].count(payload)) {
        stats->Fail(Name() + ": message '" + payload + "' that nobody published");
      } else if (!payloads_.insert(payload).second) {
        stats->Fail(Name() + ": message '" + payload + "' delivered twice");
      }
      ++stats->messages_received;
      return;
    }
    if (expected_.empty()) {
      stats->Fail(Name() + ": reply nobody asked for: " + Describe(value));
      return;
    }
    Expect expect = std::move(expected_.front());
    expected_.pop_front();
    ++stats->replies_checked;
    bool ok = false;
    if (expect.big) {
      ok = value.type == Type::kBulkString && value.str == *expect.big;
    } else if (expect.kind == Expect::Kind::kIntRange) {
      ok = value.type == Type::kInteger && value.integer >= expect.lo && value.integer <= expect.hi;
    } else {
      ok = value == expect.value;
    }
    if (!ok) {
      std::string want =
          expect.big ? "bulk of " + std::to_string(expect.big->size()) + " bytes"
          : expect.kind == Expect::Kind::kIntRange
              ? "integer in [" + std::to_string(expect.lo) + ", " + std::to_string(expect.hi) + "]"
              : Describe(expect.value);
      stats->Fail(Name() + ": " + expect.request + "-> " + Describe(value) + ", expected " + want);
    }
  }

  int id_;
  int fd_;
  bool subscriber_;
  int channel_;
  int round_ = 0;
  std::string out_;
  size_t out_offset_ = 0;
  ReplyParser parser_;
  std::deque<Expect> expected_;
  std::vector<std::string> keys_;             // keys this client still holds
  std::unordered_set<std::string> payloads_;  // messages received (subscribers)
};

Expect Exact(RespValue value) {
  Expect e;
  e.value = std::move(value);
  return e;
}
Expect IntRange(int64_t lo, int64_t hi) {
  Expect e;
  e.kind = Expect::Kind::kIntRange;
  e.lo = lo;
  e.hi = hi;
  return e;
}
Expect Big(std::shared_ptr<const std::string> value) {
  Expect e;
  e.big = std::move(value);
  return e;
}

class Load {
 public:
  Load(const Options& options, int port) : options_(options), port_(port) {
    published_.resize(static_cast<size_t>(options.channels()));
  }

  Stats& stats() { return stats_; }

  bool ConnectAll() {
    // In waves, so the listen backlog never overflows into SYN retries.
    constexpr int kWave = 200;
    for (int first = 0; first < options_.connections; first += kWave) {
      std::vector<pollfd> waiting;
      for (int id = first; id < std::min(options_.connections, first + kWave); ++id) {
        int fd = ConnectNonBlocking(port_);
        if (fd < 0) {
          stats_.Fail("connect: " + std::string(std::strerror(errno)));
          return false;
        }
        const bool subscriber = id < options_.subscribers;
        clients_.push_back(std::make_unique<Client>(id, fd, subscriber,
                                                    subscriber ? id % options_.channels() : -1));
        waiting.push_back(pollfd{fd, POLLOUT, 0});
      }
      const auto deadline = Clock::now() + std::chrono::seconds(20);
      size_t done = 0;
      while (done < waiting.size() && Clock::now() < deadline) {
        if (poll(waiting.data(), waiting.size(), 100) <= 0) continue;
        for (pollfd& p : waiting) {
          if (p.fd < 0 || p.revents == 0) continue;
          int error = 0;
          socklen_t len = sizeof(error);
          getsockopt(p.fd, SOL_SOCKET, SO_ERROR, &error, &len);
          if (error != 0) {
            stats_.Fail("connect: " + std::string(std::strerror(error)));
            return false;
          }
          p.fd = -1;
          ++done;
        }
      }
      if (done < waiting.size()) {
        stats_.Fail("connections not established within 20 s");
        return false;
      }
    }
    return true;
  }

  // Subscribers subscribe and wait for the confirmations, so every later
  // PUBLISH knows how many receivers it must report.
  bool Subscribe() {
    for (auto& c : clients_) {
      if (!c->subscriber()) continue;
      const std::string channel = "ch" + std::to_string(c->channel());
      c->Send({"SUBSCRIBE", channel},
              Exact(RespValue::Arr({RespValue::BulkStr("subscribe"), RespValue::BulkStr(channel),
                                    RespValue::Int(1)})),
              &stats_);
    }
    return Pump(Clock::now() + std::chrono::seconds(20), [&] {
      for (auto& c : clients_) {
        if (c->subscriber() && !c->idle()) return false;
      }
      return true;
    });
  }

  // Rounds of pipelined commands on every worker; true when all were answered.
  bool Run(Clock::time_point deadline) {
    for (auto& c : clients_) {
      if (!c->subscriber()) SendRound(*c);
    }
    // Each worker starts its next round as soon as its last one is answered.
    return Pump(deadline, [&] {
      bool all_done = true;
      for (auto& c : clients_) {
        if (c->subscriber()) {
          if (c->messages() < published_[static_cast<size_t>(c->channel())].size()) {
            all_done = false;
          }
          continue;
        }
        if (c->open() && c->idle() && c->round() <= options_.rounds) SendRound(*c);
        if (!c->idle()) all_done = false;
      }
      return all_done;
    });
  }

  void CloseAll() { clients_.clear(); }

  // Requests that never got their reply.
  size_t Unanswered() const {
    size_t n = 0;
    for (const auto& c : clients_) n += c->pending();
    return n;
  }
  size_t MissingMessages() const {
    size_t n = 0;
    for (const auto& c : clients_) {
      if (!c->subscriber()) continue;
      n += published_[static_cast<size_t>(c->channel())].size() - c->messages();
    }
    return n;
  }
  size_t Published() const {
    size_t n = 0;
    for (const auto& p : published_) n += p.size();
    return n;
  }
  int64_t peak_rss_kb = 0;
  std::function<int64_t()> rss;

 private:
  // One round's pipeline. Round `rounds` is the clean-up: DEL of every key kept.
  void SendRound(Client& c) {
    const int r = c.round();
    c.set_round(r + 1);
    const std::string prefix = "s:" + std::to_string(c.id()) + ":" + std::to_string(r) + ":";
    if (r == options_.rounds) {
      if (c.keys().empty()) return;
      std::vector<std::string_view> args{"DEL"};
      for (const std::string& k : c.keys()) args.push_back(k);
      c.Send(args, Exact(RespValue::Int(static_cast<int64_t>(c.keys().size()))), &stats_);
      c.keys().clear();
      return;
    }
    // Deep pipelines: some workers send several rounds in one go.
    if (c.id() % options_.deep_every == 1 && r + 1 < options_.rounds && r % 8 != 7) SendRound(c);
    const std::string k1 = prefix + "a", k2 = prefix + "b", missing = prefix + "missing";
    std::string v1 =
        "value:" + prefix + std::string(static_cast<size_t>((c.id() * 7 + r) % 300), 'x');
    const std::string v2 = "v2:" + prefix;
    c.Send({"PING"}, Exact(RespValue::Simple("PONG")), &stats_);
    c.Send({"SET", k1, v1}, Exact(RespValue::Simple("OK")), &stats_);
    c.Send({"GET", k1}, Exact(RespValue::BulkStr(v1)), &stats_);
    c.Send({"SET", k2, v2, "EX", "1000"}, Exact(RespValue::Simple("OK")), &stats_);
    c.Send({"EXISTS", k1, k2, missing, k1}, Exact(RespValue::Int(3)), &stats_);
    c.Send({"TTL", k1}, Exact(RespValue::Int(-1)), &stats_);
    c.Send({"EXPIRE", k1, "500"}, Exact(RespValue::Int(1)), &stats_);
    c.Send({"TTL", k1}, IntRange(498, 500), &stats_);
    c.Send({"TTL", k2}, IntRange(998, 1000), &stats_);
    c.Send({"EXPIRE", missing, "10"}, Exact(RespValue::Int(0)), &stats_);
    c.Send({"TTL", missing}, Exact(RespValue::Int(-2)), &stats_);
    const std::string echo = "echo:" + prefix;
    c.Send({"ECHO", echo}, Exact(RespValue::BulkStr(echo)), &stats_);
    c.Send({"DEL", k1, missing}, Exact(RespValue::Int(1)), &stats_);
    c.Send({"GET", k1}, Exact(RespValue::Nil()), &stats_);
    c.Send({"GET", k2}, Exact(RespValue::BulkStr(v2)), &stats_);
    c.keys().push_back(k2);
    if ((c.id() + r) % 3 == 0) {
      // Two subscribers per channel hear every message.
      const int channel = (c.id() + r) % options_.channels();
      const std::string payload = "m:" + prefix;
      published_[static_cast<size_t>(channel)].insert(payload);
      c.Send({"PUBLISH", "ch" + std::to_string(channel), payload},
             Exact(RespValue::Int(SubscribersOf(channel))), &stats_);
    }
    if (c.id() % options_.big_every == options_.subscribers % options_.big_every &&
        r % options_.big_round_every == 0) {
      const std::string big_key = "big:" + std::to_string(c.id()) + ":" + std::to_string(r);
      std::shared_ptr<const std::string> big = BigValue(c.id(), r, options_.big_size);
      c.Send({"SET", big_key, *big}, Exact(RespValue::Simple("OK")), &stats_);
      c.Send({"GET", big_key}, Big(big), &stats_);
      c.Send({"EXISTS", big_key}, Exact(RespValue::Int(1)), &stats_);
      c.keys().push_back(big_key);
    }
  }

  int64_t SubscribersOf(int channel) const {
    int64_t n = 0;
    for (int id = 0; id < options_.subscribers; ++id) n += id % options_.channels() == channel;
    return n;
  }

  // Runs the poll loop until done() or the deadline; false on the deadline.
  template <typename Done>
  bool Pump(Clock::time_point deadline, Done done) {
    std::vector<pollfd> fds;
    std::vector<Client*> owners;
    auto last_sample = Clock::now();
    while (true) {
      if (done()) return true;
      if (Clock::now() >= deadline) return false;
      fds.clear();
      owners.clear();
      for (auto& c : clients_) {
        if (!c->open()) continue;
        fds.push_back(
            pollfd{c->fd(), static_cast<short>(POLLIN | (c->wants_write() ? POLLOUT : 0)), 0});
        owners.push_back(c.get());
      }
      if (fds.empty()) return false;
      int ready = poll(fds.data(), fds.size(), 50);
      if (ready < 0 && errno != EINTR) return false;
      for (size_t i = 0; i < fds.size() && ready > 0; ++i) {
        if (fds[i].revents == 0) continue;
        Client& c = *owners[i];
        bool ok = true;
        if (fds[i].revents & POLLOUT) ok = c.Write(&stats_);
        if (ok && (fds[i].revents & (POLLIN | POLLHUP | POLLERR))) ok = c.Read(&stats_, published_);
        if (!ok) {
          stats_.Fail(c.Name() + ": connection closed by the server or failed (" +
                      std::to_string(c.pending()) + " requests unanswered)");
          c.Close();
        }
      }
      // Sends queued by done() go out on the next POLLOUT; try at once too.
      for (auto& c : clients_) {
        if (c->open() && c->wants_write() && !c->Write(&stats_)) c->Close();
      }
      if (rss && Clock::now() - last_sample > std::chrono::milliseconds(200)) {
        peak_rss_kb = std::max(peak_rss_kb, rss());
        last_sample = Clock::now();
      }
    }
  }

  const Options& options_;
  int port_;
  Stats stats_;
  std::vector<std::unique_ptr<Client>> clients_;
  std::vector<std::unordered_set<std::string>> published_;  // payloads per channel
};

void RaiseFdLimit(int needed) {
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
    getrlimit(RLIMIT_NOFILE, &limit);
  }
  if (limit.rlim_cur < static_cast<rlim_t>(needed)) {
    std::fprintf(stderr, "stress: the fd limit is %llu, %d needed\n",
                 static_cast<unsigned long long>(limit.rlim_cur), needed);
  }
}

int Main() {
  signal(SIGPIPE, SIG_IGN);
  Options options;
  // The server inherits the limit: it needs one fd per client too.
  RaiseFdLimit(options.connections + 200);
  const char* override_path = std::getenv("VALKDB_SERVER");
  const std::string binary =
      override_path != nullptr && *override_path != '\0' ? override_path : VALKDB_SERVER_PATH;

  Server server;
  if (!server.Start(binary, {"--port", "0", "--save", "", "--threads",
                             std::to_string(options.threads), "--maxclients", "10000"})) {
    std::fprintf(stderr, "stress: could not start %s\n%s\n", binary.c_str(), server.Log().c_str());
    return 1;
  }
  const auto start = Clock::now();
  RespValue reply;
  bool ok = Call(server.port(), {"PING"}, &reply) && reply == RespValue::Simple("PONG");
  const int64_t rss_start = server.RssKb();
  const int64_t held_start = AllocatedBytes(server.port());

  Load load(options, server.port());
  load.rss = [&] { return server.RssKb(); };
  bool connected = ok && load.ConnectAll();
  const double connect_s = SecondsSince(start);
  bool subscribed = connected && load.Subscribe();
  const auto load_start = Clock::now();
  bool finished = subscribed && load.Run(load_start + std::chrono::seconds(options.seconds));
  const double load_s = SecondsSince(load_start);
  const int64_t rss_loaded = server.RssKb();
  load.peak_rss_kb = std::max(load.peak_rss_kb, rss_loaded);
  const size_t unanswered = load.Unanswered();
  const size_t missing_messages = load.MissingMessages();
  const size_t published = load.Published();
  Stats stats = load.stats();
  load.CloseAll();

  // After the clients leave: still serving, nothing left behind.
  std::vector<std::string> problems;
  if (!ok) problems.push_back("the server did not answer PING at the start");
  if (!connected) problems.push_back("not every client could connect");
  if (connected && !subscribed) problems.push_back("subscriptions were not all confirmed in time");
  if (subscribed && !finished) {
    problems.push_back("the load did not finish within " + std::to_string(options.seconds) + " s");
  }
  if (unanswered > 0)
    problems.push_back(std::to_string(unanswered) + " requests hung (never answered)");
  if (missing_messages > 0) {
    problems.push_back(std::to_string(missing_messages) + " published messages never delivered");
  }
  if (stats.failures > 0)
    problems.push_back(std::to_string(stats.failures) + " wrong or missing replies");

  int64_t clients = -1;
  const auto settle_deadline = Clock::now() + std::chrono::seconds(10);
  while (Clock::now() < settle_deadline) {
    if (Call(server.port(), {"INFO", "clients"}, &reply)) {
      size_t at = reply.str.find("connected_clients:");
      if (at != std::string::npos) clients = std::atoll(reply.str.c_str() + at + 18);
    }
    if (clients == 1) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (clients != 1) {
    problems.push_back("connected_clients is " + std::to_string(clients) +
                       " after the clients left (expected 1: the checker)");
  }
  if (!Call(server.port(), {"DBSIZE"}, &reply) || !(reply == RespValue::Int(0))) {
    problems.push_back("DBSIZE after the clean-up is " + reply.DebugString() + ", expected 0");
  }
  // Everything the load allocated is given back: client buffers, values, connections.
  const int64_t held_end = AllocatedBytes(server.port());
  const int64_t rss_end = server.RssKb();
  if (options.held_slack_mb > 0) {
    if (held_start <= 0 || held_end <= 0) {
      problems.push_back(
          "INFO memory has no allocator_allocated (a sanitizer build? set "
          "VALKDB_STRESS_HELD_SLACK_MB=0)");
    } else if (held_end > held_start + options.held_slack_mb * 1048576) {
      problems.push_back("the server holds " + std::to_string(held_end >> 20) +
                         " MB after the clients left, more than at the start (" +
                         std::to_string(held_start >> 20) + " MB) + " +
                         std::to_string(options.held_slack_mb) + " MB");
    }
  }
  std::string how;
  if (!server.Stop(std::chrono::seconds(15), &how)) problems.push_back("shutdown: " + how);
  const double total_s = SecondsSince(start);

  std::printf(
      "stress: %d connections (%d subscribers), %d rounds, %" PRIu64 " commands, %" PRIu64
      " replies checked, %zu messages published, %" PRIu64
      " delivered\n"
      "stress: %.1f MB sent, %.1f MB received; connect %.1f s, load %.1f s (%.0f commands/s), "
      "total %.1f s\n"
      "stress: server RSS start %.1f MB, peak %.1f MB, after the load %.1f MB, after the "
      "clients left %.1f MB; allocated at the start %.1f MB, after the clients left %.1f MB\n"
      "stress: %zu hung requests, %" PRIu64 " failures\n",
      options.connections, options.subscribers, options.rounds, stats.commands_sent,
      stats.replies_checked, published, stats.messages_received, stats.bytes_sent / 1048576.0,
      stats.bytes_received / 1048576.0, connect_s, load_s,
      stats.commands_sent / std::max(load_s, 1e-3), total_s, rss_start / 1024.0,
      load.peak_rss_kb / 1024.0, rss_loaded / 1024.0, rss_end / 1024.0, held_start / 1048576.0,
      held_end / 1048576.0, unanswered, stats.failures);
  for (const std::string& f : stats.first_failures) std::printf("  failure: %s\n", f.c_str());
  if (problems.empty()) {
    std::printf("stress: PASS\n");
    return 0;
  }
  for (const std::string& p : problems) std::printf("stress: FAIL: %s\n", p.c_str());
  const std::string log = server.Log();
  std::printf("---- server log (last 4 KB) ----\n%s\n",
              log.substr(log.size() > 4096 ? log.size() - 4096 : 0).c_str());
  return 1;
}

}  // namespace
}  // namespace valkdb::stress

int main() { return valkdb::stress::Main(); }
