// Graceful shutdown under load: 500 clients pipeline SET/GET (some values of
// 10-100 KB) when the server gets SIGTERM. Every reply a client received must
// be well formed and the right one for its request, in order; every client
// must see its connection closed within a bounded time; the server must exit
// 0 within its bounded wait (applier stop 2 s + grace 3 s).
//
// The clients are non-blocking sockets driven by one epoll loop in the test
// thread; nothing here asserts on speed, only on bounds that a slow, loaded
// (or sanitizer) build keeps with a wide margin.

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <deque>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "protocol/resp_value.h"
#include "protocol/str_util.h"
#include "tests/support/resp_client.h"
#include "tests/support/server_process.h"
#include "tests/support/test_util.h"

namespace valkdb::test {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

constexpr int kClients = 500;
constexpr int kStalled = 5;
constexpr int kSmallKeys = 4;  // per client; plus one key for big values
constexpr size_t kMaxOutstanding = 48;
constexpr size_t kPipelineMin = 1, kPipelineMax = 24;

// One request's expected reply.
struct Expected {
  bool is_set = false;
  bool nil = false;   // GET of a key never set
  std::string value;  // GET: the value of the last SET of the key before it
};

// A value that says who wrote it and when, so a wrong reply is recognisable.
std::string MakeValue(int client, uint64_t seq, size_t size) {
  std::string value = StrCat("c", client, "-s", seq, "-");
  const char fill = static_cast<char>('a' + (client + seq) % 26);
  if (value.size() < size) value.append(size - value.size(), fill);
  return value;
}

struct LoadClient {
  int index = 0;
  int fd = -1;
  std::mt19937 rng;
  std::string out;  // encoded requests not yet sent
  size_t out_sent = 0;
  ReplyParser parser;
  std::string in;
  std::deque<Expected> expected;  // requests sent or queued, not yet answered
  std::string values[kSmallKeys + 1];
  bool has_value[kSmallKeys + 1] = {};
  uint64_t seq = 0;
  uint64_t replies = 0;
  uint64_t shutdown_errors = 0;
  bool closed = false;
  bool reset = false;              // closed by a reset rather than EOF
  size_t partial_reply_bytes = 0;  // of a reply not yet whole
  bool polling_out = true;
  Clock::time_point closed_at;
  std::string error;  // the first inconsistency seen

  std::string Key(int k) const {
    return k == kSmallKeys ? StrCat("c", index, ":big") : StrCat("c", index, ":s", k);
  }

  // Queues a pipeline of mixed SET/GET requests.
  void QueuePipeline() {
    const size_t n = std::uniform_int_distribution<size_t>(kPipelineMin, kPipelineMax)(rng);
    for (size_t i = 0; i < n; ++i) {
      const int roll = std::uniform_int_distribution<int>(0, 99)(rng);
      const int k = roll < 5 ? kSmallKeys : roll % kSmallKeys;
      const std::string key = Key(k);
      Expected e;
      if (roll % 2 == 0) {
        const size_t size = k == kSmallKeys
                                ? std::uniform_int_distribution<size_t>(10000, 100000)(rng)
                                : std::uniform_int_distribution<size_t>(1, 200)(rng);
        values[k] = MakeValue(index, ++seq, size);
        has_value[k] = true;
        out += Encode({"SET", key, values[k]});
        e.is_set = true;
      } else {
        out += Encode({"GET", key});
        e.nil = !has_value[k];
        e.value = values[k];
      }
      expected.push_back(std::move(e));
    }
  }

  void Fail(std::string message) {
    if (error.empty()) error = StrCat("client ", index, ": ", message);
  }

  void Check(const RespValue& reply) {
    if (expected.empty()) {
      Fail(StrCat("a reply to no request: ", reply.DebugString().substr(0, 80)));
      return;
    }
    Expected e = std::move(expected.front());
    expected.pop_front();
    ++replies;
    if (reply.is_error() && reply.str.rfind("SHUTDOWN", 0) == 0) {
      ++shutdown_errors;  // a request failed because the server is stopping
      return;
    }
    if (e.is_set) {
      if (!(reply == RespValue::Simple("OK"))) {
        Fail(StrCat("SET reply ", replies, ": ", reply.DebugString().substr(0, 80)));
      }
    } else if (e.nil) {
      if (!reply.is_null()) Fail(StrCat("GET reply ", replies, " should be nil"));
    } else if (reply.type != RespValue::Type::kBulkString || reply.str != e.value) {
      Fail(StrCat("GET reply ", replies, ": got ", reply.DebugString().substr(0, 60), " expected ",
                  e.value.substr(0, 40)));
    }
  }

  void MarkClosed() {
    if (closed) return;
    closed = true;
    closed_at = Clock::now();
  }

  // Reads what is there; parses and checks every whole reply.
  void OnReadable() {
    char buf[64 * 1024];
    while (!closed) {
      ssize_t n = recv(fd, buf, sizeof(buf), 0);
      if (n > 0) {
        in.append(buf, static_cast<size_t>(n));
        size_t pos = 0;
        while (pos < in.size()) {
          size_t consumed = 0;
          RespValue reply;
          ReplyParser::Status status =
              parser.Parse(std::string_view(in).substr(pos), &consumed, &reply);
          pos += consumed;
          partial_reply_bytes += consumed;
          if (status == ReplyParser::Status::kNeedMore) break;
          if (status == ReplyParser::Status::kError) {
            Fail(StrCat("malformed reply: ", parser.error()));
            MarkClosed();
            return;
          }
          partial_reply_bytes = 0;
          Check(reply);
        }
        in.erase(0, pos);
        continue;
      }
      if (n == 0) {
        MarkClosed();  // EOF; a reply cut short is simply not counted
        return;
      }
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      reset = true;
      MarkClosed();  // ECONNRESET: closed with our requests unread
      return;
    }
  }

  // Sends what is queued; queues more while few requests are outstanding.
  void OnWritable() {
    while (!closed) {
      if (out_sent == out.size()) {
        out.clear();
        out_sent = 0;
        if (expected.size() >= kMaxOutstanding) return;
        QueuePipeline();
      }
      ssize_t n = send(fd, out.data() + out_sent, out.size() - out_sent, MSG_NOSIGNAL);
      if (n > 0) {
        out_sent += static_cast<size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
      // EPIPE/ECONNRESET: the server closed; what it sent is still read.
      OnReadable();
      MarkClosed();
      return;
    }
  }
};

int ConnectNonBlocking(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return -1;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  return fd;
}

void RunShutdownUnderLoad(const std::vector<std::string>& server_args) {
  auto started = ServerProcess::StartValkdb(server_args);
  ASSERT_OK(started);
  ServerProcess& server = **started;

  // A few clients that pipeline GETs of a 1 MB value and never read: the
  // server can only close them when its grace period ends.
  auto setup = RespClient::Connect(server.port());
  ASSERT_OK(setup);
  ASSERT_EQ((*setup)->Command({"SET", "stall:big", std::string(1 << 20, 's')}), Ok());
  std::vector<std::unique_ptr<RespClient>> stalled;
  for (int i = 0; i < kStalled; ++i) {
    auto client = RespClient::Connect(server.port());
    ASSERT_OK(client);
    std::string gets;
    for (int j = 0; j < 200; ++j) gets += Encode({"GET", "stall:big"});
    ASSERT_OK((*client)->Send(gets));
    stalled.push_back(*std::move(client));
  }
  (*setup)->Close();

  std::vector<LoadClient> clients(kClients);
  int epoll = epoll_create1(EPOLL_CLOEXEC);
  ASSERT_GE(epoll, 0);
  for (int i = 0; i < kClients; ++i) {
    LoadClient& c = clients[i];
    c.index = i;
    c.rng.seed(static_cast<uint32_t>(i) * 7919u + 1);
    c.fd = ConnectNonBlocking(server.port());
    ASSERT_GE(c.fd, 0) << "connect " << i << ": " << std::strerror(errno);
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP;  // level-triggered
    ev.data.u32 = static_cast<uint32_t>(i);
    ASSERT_EQ(epoll_ctl(epoll, EPOLL_CTL_ADD, c.fd, &ev), 0);
  }

  // Runs the clients until `done` says so or `deadline` passes.
  auto run = [&](Clock::time_point deadline, auto done) {
    epoll_event events[256];
    while (Clock::now() < deadline && !done()) {
      int n = epoll_wait(epoll, events, 256, 50);
      for (int j = 0; j < n; ++j) {
        LoadClient& c = clients[events[j].data.u32];
        if (c.closed) continue;
        if (events[j].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) c.OnReadable();
        // Replies make room for more requests; send (or queue) them now.
        if (!c.closed) c.OnWritable();
        if (c.closed) {
          epoll_ctl(epoll, EPOLL_CTL_DEL, c.fd, nullptr);
          continue;
        }
        // Wait for writability only while the socket refused some bytes.
        const bool want_out = c.out_sent < c.out.size();
        if (want_out != c.polling_out) {
          c.polling_out = want_out;
          epoll_event ev{};
          ev.events = EPOLLIN | EPOLLRDHUP | (want_out ? EPOLLOUT : 0u);
          ev.data.u32 = static_cast<uint32_t>(c.index);
          epoll_ctl(epoll, EPOLL_CTL_MOD, c.fd, &ev);
        }
      }
    }
  };
  auto closed_count = [&] {
    int n = 0;
    for (const LoadClient& c : clients) n += c.closed ? 1 : 0;
    return n;
  };

  // Load until every client has had some replies (a liveness bound, not a speed one).
  run(Clock::now() + milliseconds(15000), [&] {
    for (const LoadClient& c : clients) {
      if (c.replies < 20) return false;
    }
    return true;
  });
  for (const LoadClient& c : clients) {
    ASSERT_GE(c.replies, 20u) << "client " << c.index << " was not served before SIGTERM";
    ASSERT_FALSE(c.closed) << "client " << c.index << " closed before SIGTERM: " << c.error;
  }
  // A little more load with every client busy, then SIGTERM in the middle of it.
  run(Clock::now() + milliseconds(300), [] { return false; });
  std::vector<uint64_t> replies_at_term(kClients);
  for (int i = 0; i < kClients; ++i) replies_at_term[i] = clients[i].replies;
  const Clock::time_point term_at = Clock::now();
  server.Signal(SIGTERM);

  // Every client sees its connection closed; the bound is the server's own
  // (2 s applier stop + 3 s grace) with a wide margin.
  run(term_at + milliseconds(12000), [&] { return closed_count() == kClients; });
  absl::StatusOr<ExitStatus> exit = server.Wait(milliseconds(10000));
  ASSERT_OK(exit);
  EXPECT_TRUE(exit->ok()) << exit->ToString();

  uint64_t total = 0, after_term = 0, shutdown_errors = 0;
  int hung = 0, resets = 0, cut_short = 0;
  milliseconds slowest(0);
  for (LoadClient& c : clients) {
    EXPECT_TRUE(c.error.empty()) << c.error;
    total += c.replies;
    after_term += c.replies - replies_at_term[c.index];
    shutdown_errors += c.shutdown_errors;
    resets += c.reset ? 1 : 0;
    cut_short += c.partial_reply_bytes > 0 || !c.in.empty() ? 1 : 0;
    if (!c.closed) {
      ++hung;
    } else {
      slowest = std::max(slowest, std::chrono::duration_cast<milliseconds>(c.closed_at - term_at));
    }
    close(c.fd);
  }
  close(epoll);
  EXPECT_EQ(hung, 0) << hung << " clients never saw their connection closed";
  // A reset would mean the server closed with our requests unread, which can
  // discard replies it had already written: it reads (and drops) them instead.
  EXPECT_EQ(resets, 0) << "connections closed by a reset";
  EXPECT_EQ(cut_short, 0) << "replies cut short";
  for (auto& client : stalled) {
    // Reads what the kernel still holds, then EOF (or a reset).
    EXPECT_TRUE(client->IsClosedByPeer(milliseconds(10000))) << "a stalled client";
  }
  std::fprintf(stderr,
               "shutdown under load: %llu replies checked (%llu after SIGTERM, %llu -SHUTDOWN), "
               "last client closed %lld ms after SIGTERM; %d closed by a reset, %d with a reply "
               "cut short\n",
               static_cast<unsigned long long>(total), static_cast<unsigned long long>(after_term),
               static_cast<unsigned long long>(shutdown_errors),
               static_cast<long long>(slowest.count()), resets, cut_short);
  if (::testing::Test::HasFailure()) {
    std::fprintf(stderr, "---- valkdb-server log ----\n%s---- end of log ----\n",
                 server.log().c_str());
  }
}

TEST(integration_ShutdownLoad, SigtermWith500PipeliningClients) { RunShutdownUnderLoad({}); }

TEST(integration_ShutdownLoad, SigtermWith500PipeliningClientsMultiLoop) {
  RunShutdownUnderLoad({"--threads", "2"});
}

}  // namespace
}  // namespace valkdb::test
