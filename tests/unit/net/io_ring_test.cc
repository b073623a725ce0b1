#include "server/net/io_ring.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace valkdb {
namespace {

struct Recorder : RingOp {
  std::vector<int> results;
  void OnRingComplete(int result, unsigned) override { results.push_back(result); }
};

// Records a multishot receive: the bytes, each result, whether it went on.
struct Receiver : RingOp {
  IoRing* ring = nullptr;
  std::string data;
  std::vector<int> results;
  bool ended = false;
  void OnRingComplete(int result, unsigned flags) override {
    results.push_back(result);
    if (result > 0) {
      data.append(ring->RecvData(result, flags));
      ring->RecycleRecvBuffer(flags);
    }
    ended = !(flags & IORING_CQE_F_MORE);
  }
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

// Whether this kernel has what the native ring needs (Linux 6.1: one
// issuer, deferred task work); then InitNative must succeed.
bool KernelHasNativeRing() {
  io_uring ring;
  io_uring_params params{};
  params.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
  if (io_uring_queue_init_params(4, &ring, &params) < 0) return false;
  io_uring_queue_exit(&ring);
  return true;
}

bool KernelAtLeast(int major, int minor) {
  utsname name{};
  if (uname(&name) != 0) return false;
  int have_major = 0;
  int have_minor = 0;
  if (sscanf(name.release, "%d.%d", &have_major, &have_minor) != 2) return false;
  return have_major > major || (have_major == major && have_minor >= minor);
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

TEST(IoRingNative, InitNativeSaysWhetherTheKernelServes) {
  IoRing ring;
  EXPECT_EQ(ring.InitNative(8), KernelHasNativeRing());
  EXPECT_EQ(ring.native(), KernelHasNativeRing());
}

class IoRingNativeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(KernelHasNativeRing()) << "before Linux 6.1; InitNativeSaysWhetherTheKernelServes "
                                          "covers the fallback";
    ASSERT_TRUE(ring_.InitNative(8));
    receiver_.ring = &ring_;
  }
  // Waits (up to a generous 10 s in all) until `done` holds.
  void WaitUntil(const std::function<bool()>& done) {
    for (int i = 0; i < 100 && !done(); ++i) ring_.SubmitAndWait(100);
  }
  IoRing ring_;
  Receiver receiver_;
};

TEST_F(IoRingNativeTest, AMultishotReceiveBringsEachArrivalThenTheEnd) {
  SocketPair pair;
  ASSERT_TRUE(ring_.RecvMultishot(pair.fds[0], &receiver_));
  EXPECT_EQ(ring_.in_flight(), 1u);
  ASSERT_EQ(send(pair.fds[1], "*1\r\n$4\r\nPING\r\n", 14, 0), 14);
  WaitUntil([&] { return receiver_.data.size() == 14; });
  EXPECT_EQ(receiver_.data, "*1\r\n$4\r\nPING\r\n");
  EXPECT_FALSE(receiver_.ended);  // it goes on: no new receive per arrival
  // More than one buffer's worth arrives whole, over several completions.
  const std::string big(20000, 'z');
  ASSERT_EQ(send(pair.fds[1], big.data(), big.size(), 0), static_cast<ssize_t>(big.size()));
  WaitUntil([&] { return receiver_.data.size() == 14 + big.size(); });
  EXPECT_EQ(receiver_.data.substr(14), big);
  EXPECT_FALSE(receiver_.ended);
  shutdown(pair.fds[1], SHUT_WR);
  WaitUntil([&] { return receiver_.ended; });
  ASSERT_TRUE(receiver_.ended);
  EXPECT_EQ(receiver_.results.back(), 0);  // the end of input
  EXPECT_EQ(ring_.in_flight(), 0u);
}

TEST_F(IoRingNativeTest, CancelEndsAMultishotReceive) {
  SocketPair pair;
  ASSERT_TRUE(ring_.RecvMultishot(pair.fds[0], &receiver_));
  ring_.SubmitAndWait(0);
  EXPECT_TRUE(receiver_.results.empty());
  ring_.Cancel(&receiver_);
  WaitUntil([&] { return receiver_.ended; });
  ASSERT_TRUE(receiver_.ended);
  EXPECT_EQ(receiver_.results.back(), -ECANCELED);
  EXPECT_EQ(ring_.in_flight(), 0u);
}

TEST_F(IoRingNativeTest, WaitEndsAtItsTimeoutOrAtAWatchedFd) {
  SocketPair pair;
  Recorder watch;
  ASSERT_TRUE(ring_.WatchReadable(pair.fds[0], &watch));
  EXPECT_EQ(ring_.in_flight(), 0u);  // a watch is not counted
  ring_.SubmitAndWait(10);           // nothing to read: the time passes
  EXPECT_TRUE(watch.results.empty());
  ASSERT_EQ(send(pair.fds[1], "x", 1, 0), 1);
  for (int i = 0; i < 100 && watch.results.empty(); ++i) ring_.SubmitAndWait(100);
  ASSERT_EQ(watch.results.size(), 1u);
  EXPECT_TRUE(watch.results[0] & POLLIN);
}

TEST_F(IoRingNativeTest, SendsAndReceivesShareTheRing) {
  SocketPair pair;
  ASSERT_TRUE(ring_.RecvMultishot(pair.fds[0], &receiver_));
  Message message("+PONG\r\n");
  Recorder sent;
  ASSERT_TRUE(ring_.SendMsg(pair.fds[0], &message.msg, &sent));
  ASSERT_EQ(send(pair.fds[1], "PING\r\n", 6, 0), 6);
  WaitUntil([&] { return !sent.results.empty() && receiver_.data.size() == 6; });
  ASSERT_EQ(sent.results.size(), 1u);
  EXPECT_EQ(sent.results[0], static_cast<int>(message.data.size()));
  EXPECT_EQ(pair.ReadAvailable(), message.data);
  EXPECT_EQ(receiver_.data, "PING\r\n");
}

// A wait that gathers (loop-gather-us) still submits what is queued, takes
// what arrives, and ends when nothing does: at its timeout, or with no
// timeout at the first arrival after the gathering time.
TEST_F(IoRingNativeTest, AGatheringWaitSubmitsTakesAndEnds) {
  // Before Linux 6.12 the same waits run without gathering.
  EXPECT_EQ(ring_.gathers(), KernelAtLeast(6, 12));
  SocketPair pair;
  ASSERT_TRUE(ring_.RecvMultishot(pair.fds[0], &receiver_));
  ring_.SubmitAndWait(10, 1000);  // nothing comes: the timeout ends it
  EXPECT_TRUE(receiver_.results.empty());
  Message message("+PONG\r\n");
  Recorder sent;
  ASSERT_TRUE(ring_.SendMsg(pair.fds[0], &message.msg, &sent));
  ASSERT_EQ(send(pair.fds[1], "PING\r\n", 6, 0), 6);
  for (int i = 0; i < 100 && (sent.results.empty() || receiver_.data.size() < 6); ++i) {
    ring_.SubmitAndWait(100, 1000);
  }
  ASSERT_EQ(sent.results.size(), 1u);
  EXPECT_EQ(pair.ReadAvailable(), message.data);
  EXPECT_EQ(receiver_.data, "PING\r\n");
  // No timeout: what another thread sends later ends the wait.
  std::thread peer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    EXPECT_EQ(send(pair.fds[1], "PING\r\n", 6, 0), 6);
  });
  while (receiver_.data.size() < 12) ring_.SubmitAndWait(-1, 1000);
  peer.join();
  EXPECT_EQ(receiver_.data, "PING\r\nPING\r\n");
}

}  // namespace
}  // namespace valkdb
