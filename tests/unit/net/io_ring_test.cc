#include "server/net/io_ring.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <functional>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace valkdb {
namespace {

struct Recorder : RingOp {
  std::vector<int> results;
  void OnRingComplete(int result) override { results.push_back(result); }
};

// A connected pair of stream sockets, closed at the end.
struct SocketPair {
  int fds[2] = {-1, -1};
  SocketPair() { EXPECT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0); }
  ~SocketPair() {
    for (int fd : fds) {
      if (fd >= 0) close(fd);
    }
  }
  std::string ReadAvailable() const {
    std::string out;
    char buf[4096];
    for (;;) {
      const ssize_t n = recv(fds[1], buf, sizeof(buf), MSG_DONTWAIT);
      if (n <= 0) return out;
      out.append(buf, static_cast<size_t>(n));
    }
  }
};

// A message of one buffer, kept alive with it.
struct Message {
  std::string data;
  iovec iov{};
  msghdr msg{};
  explicit Message(std::string bytes) : data(std::move(bytes)) {
    iov.iov_base = data.data();
    iov.iov_len = data.size();
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
  }
};

// Whether this kernel lets a process set up an io_uring at all (a seccomp
// profile may refuse it): then IoRing must work, else it must say no.
bool KernelAllowsIoUring() {
  io_uring ring;
  if (io_uring_queue_init(4, &ring, 0) < 0) return false;
  io_uring_queue_exit(&ring);
  return true;
}

// Waits (up to a generous 10 s) until `op` heard its result.
void WaitForCompletion(IoRing& ring, const Recorder& op) {
  for (int i = 0; i < 100 && op.results.empty(); ++i) {
    pollfd p{ring.fd(), POLLIN, 0};
    poll(&p, 1, 100);
    ring.SubmitAndReap();
  }
}

class IoRingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(KernelAllowsIoUring())
        << "io_uring is refused here; FallsBackWhereRefused covers it";
    ASSERT_TRUE(ring_.Init(8));
  }
  IoRing ring_;
};

TEST(IoRingFallback, InitSaysWhetherTheKernelServes) {
  IoRing ring;
  EXPECT_EQ(ring.Init(8), KernelAllowsIoUring());
  EXPECT_EQ(ring.enabled(), KernelAllowsIoUring());
}

TEST_F(IoRingTest, QueuedSendsLeaveTogetherWhenSubmitted) {
  SocketPair pairs[3];
  Message messages[3] = {Message("+OK\r\n"), Message("$3\r\nabc\r\n"), Message(":42\r\n")};
  Recorder ops[3];
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(ring_.SendMsg(pairs[i].fds[0], &messages[i].msg, &ops[i]));
  EXPECT_EQ(ring_.in_flight(), 3u);
  // Queued, not yet sent.
  for (const SocketPair& pair : pairs) EXPECT_EQ(pair.ReadAvailable(), "");
  ring_.SubmitAndReap();
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(ops[i].results.size(), 1u);
    EXPECT_EQ(ops[i].results[0], static_cast<int>(messages[i].data.size()));
    EXPECT_EQ(pairs[i].ReadAvailable(), messages[i].data);
  }
  EXPECT_EQ(ring_.in_flight(), 0u);
}

TEST_F(IoRingTest, SubmitRunsNoCompletion) {
  SocketPair pair;
  Message message("+PONG\r\n");
  Recorder op;
  ASSERT_TRUE(ring_.SendMsg(pair.fds[0], &message.msg, &op));
  EXPECT_TRUE(ring_.Submit());
  EXPECT_EQ(pair.ReadAvailable(), message.data);
  EXPECT_TRUE(op.results.empty());  // heard only from the loop (SubmitAndReap)
  ring_.SubmitAndReap();
  ASSERT_EQ(op.results.size(), 1u);
  EXPECT_EQ(op.results[0], static_cast<int>(message.data.size()));
}

// Fills the socket so that the next send must wait for the peer to read.
void FillSocket(int fd) {
  const int flags = fcntl(fd, F_GETFL);
  fcntl(fd, F_SETFL, flags | O_NONBLOCK);
  const std::string chunk(4096, 'x');
  while (send(fd, chunk.data(), chunk.size(), MSG_DONTWAIT) > 0) {
  }
  fcntl(fd, F_SETFL, flags);
}

// A send on a full socket, left waiting for its peer; then `end` is done to
// it, and the send must complete with `expected`.
void EndAWaitingSend(IoRing& ring, const std::function<void(int fd, Recorder& op)>& end,
                     int expected) {
  SocketPair pair;
  FillSocket(pair.fds[0]);
  Message message(std::string(64 * 1024, 'y'));
  Recorder op;
  ASSERT_TRUE(ring.SendMsg(pair.fds[0], &message.msg, &op));
  ring.SubmitAndReap();
  EXPECT_TRUE(op.results.empty());  // waiting: the peer reads nothing
  EXPECT_EQ(ring.in_flight(), 1u);
  end(pair.fds[0], op);
  WaitForCompletion(ring, op);
  ASSERT_EQ(op.results.size(), 1u);
  EXPECT_EQ(op.results[0], expected);
  EXPECT_EQ(ring.in_flight(), 0u);
}

TEST_F(IoRingTest, CancelEndsASendThatWaitsForThePeer) {
  EndAWaitingSend(
      ring_, [&](int, Recorder& op) { ring_.Cancel(&op); }, -ECANCELED);
}

TEST_F(IoRingTest, ShutdownEndsASendThatWaitsForThePeer) {
  EndAWaitingSend(
      ring_, [](int fd, Recorder&) { ASSERT_EQ(shutdown(fd, SHUT_RDWR), 0); }, -EPIPE);
}

}  // namespace
}  // namespace valkdb
