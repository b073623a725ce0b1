#pragma once

#include <liburing.h>
#include <sys/socket.h>

#include <cstddef>
#include <string_view>
#include <vector>

namespace valkdb {

// An operation in flight on an IoRing. Its owner stays alive until
// OnRingComplete has been called.
class RingOp {
 public:
  // `result`: what the system call would have returned, or -errno;
  // `flags`: the completion's (IORING_CQE_F_MORE: a multishot goes on;
  // the buffer a receive filled).
  virtual void OnRingComplete(int result, unsigned flags) = 0;

 protected:
  ~RingOp() = default;
};

// One io_uring per event loop. The sends a loop iteration prepares go to
// the kernel in one system call at its end, where libuv would make one write
// per client: at -P 1 most of a request's CPU is kernel entries and exits.
// Native (InitNative), it also receives and is where the loop waits, so an
// iteration is one system call in all. Sends-only (Init), completions of
// sends the kernel finished at once are handled right after the submission,
// and the others make fd() readable (the event loop polls it). Only the
// loop's thread uses it.
class IoRing {
 public:
  IoRing() = default;
  ~IoRing();
  IoRing(const IoRing&) = delete;
  IoRing& operator=(const IoRing&) = delete;

  // false where the kernel refuses io_uring (a seccomp profile such as
  // Docker's default) or lacks what this needs (sendmsg and cancel
  // operations, no dropped completions, sends that wait for the socket
  // themselves: Linux 5.7 on): the caller then writes through libuv.
  bool Init(unsigned entries);
  // The event loop's own ring, on the loop's thread (only that thread may
  // use it): also receives (multishot, into buffers the ring provides) and
  // is where the loop waits (SubmitAndWait), so a loop iteration makes one
  // system call where libuv made an epoll_wait and a read per client. false
  // where the kernel lacks it (before Linux 6.1): Init is the fallback.
  bool InitNative(unsigned entries);
  // Receives and waits go through the ring (InitNative succeeded).
  bool native() const { return native_; }
  // SubmitAndWait can gather (the kernel has IORING_FEAT_MIN_TIMEOUT).
  bool gathers() const { return min_wait_supported_; }
  // Gives the ring back (the event loop could not watch it).
  void Disable();
  bool enabled() const { return enabled_; }
  int fd() const { return ring_.ring_fd; }
  // Operations submitted and not yet completed.
  size_t in_flight() const { return in_flight_; }

  // Queues sendmsg(fd, msg, MSG_NOSIGNAL) (on the native ring a plain send
  // when `msg` has one buffer); `msg` and what it points to stay valid until
  // `op` hears the result. false if the ring takes nothing now
  // (the kernel refuses submissions): the caller writes another way.
  bool SendMsg(int fd, const msghdr* msg, RingOp* op);
  // Queues a cancel of `op`: it completes soon, with -ECANCELED or its result.
  void Cancel(RingOp* op);
  // Native only. Queues a multishot receive on `fd`: each completion brings
  // what arrived (RecvData) until one without IORING_CQE_F_MORE ends it (an
  // error, 0 at end of input, -ENOBUFS when every buffer is taken, a cancel).
  bool RecvMultishot(int fd, RingOp* op);
  // The bytes a receive's completion brought; valid until RecycleRecvBuffer.
  std::string_view RecvData(int result, unsigned flags) const;
  void RecycleRecvBuffer(unsigned flags);
  // Queues a one-shot poll for `fd` readable; not counted in in_flight()
  // (the event loop watches libuv's epoll fd with it, always).
  bool WatchReadable(int fd, RingOp* op);
  // Native: submits what is queued and waits up to `timeout_ms` (-1: no
  // limit, 0: not at all) for a completion, then runs what completed. With
  // `gather_us` (where the kernel can: Linux 6.12), a completion that comes
  // within gather_us of the wait's start waits for the rest of that time, so
  // one wake-up takes what several clients sent meanwhile.
  size_t SubmitAndWait(int timeout_ms, int gather_us = 0);  // how many completions it ran
  // Submits what is queued (one system call) and runs the completions that
  // are ready, again while those queue more. Only from the loop itself:
  // completions run connections' code (Flush, Close).
  size_t SubmitAndReap();  // how many completions it ran
  // Native: whether completions are waiting to be taken (the kernel's part
  // of them flagged, or already posted). A read of shared memory, no
  // system call: what a loop watches while it spins before sleeping.
  bool CompletionsPending() const;
  // Submits what is queued and runs nothing: where a connection may be in
  // the middle of a command (a busy script serving others). false if the
  // kernel refused.
  bool Submit();

 private:
  io_uring_sqe* NextSqe();
  size_t Reap();  // how many completions it took
  bool SetUpRecvBuffers();
  void WaitGathering(int timeout_ms, int gather_us);

  io_uring ring_{};
  bool enabled_ = false;
  bool native_ = false;
  bool ring_registered_ = false;
  bool min_wait_supported_ = false;  // IORING_FEAT_MIN_TIMEOUT
  // The receive buffers the kernel picks from (buffer group 0): a ring of
  // kRecvBuffers, each kRecvBufferSize, touched at start so the resident
  // size does not grow with the first clients.
  static constexpr unsigned kRecvBuffers = 256;
  static constexpr unsigned kRecvBufferSize = 4096;
  io_uring_buf_ring* recv_ring_ = nullptr;
  std::vector<char> recv_memory_;
  size_t in_flight_ = 0;
  bool submit_error_logged_ = false;
};

}  // namespace valkdb
