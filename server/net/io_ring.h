#pragma once

#include <liburing.h>
#include <sys/socket.h>

#include <cstddef>

namespace valkdb {

// An operation in flight on an IoRing. Its owner stays alive until
// OnRingComplete has been called.
class RingOp {
 public:
  // `result`: what the system call would have returned, or -errno.
  virtual void OnRingComplete(int result) = 0;

 protected:
  ~RingOp() = default;
};

// One io_uring per event loop, for the sends of client replies. The sends a
// loop iteration prepares go to the kernel in one system call at its end,
// where libuv would make one write per client: at -P 1 most of a request's
// CPU is kernel entries and exits, and this takes one per client off each
// iteration. Completions of sends the kernel finished at once are handled
// right after the submission; the others make fd() readable (the event loop
// polls it). Only the loop's thread uses it.
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
  // Gives the ring back (the event loop could not watch it).
  void Disable();
  bool enabled() const { return enabled_; }
  int fd() const { return ring_.ring_fd; }
  // Operations submitted and not yet completed.
  size_t in_flight() const { return in_flight_; }

  // Queues sendmsg(fd, msg, MSG_NOSIGNAL); `msg` and what it points to stay
  // valid until `op` hears the result. false if the ring takes nothing now
  // (the kernel refuses submissions): the caller writes another way.
  bool SendMsg(int fd, const msghdr* msg, RingOp* op);
  // Queues a cancel of `op`: it completes soon, with -ECANCELED or its result.
  void Cancel(RingOp* op);
  // Submits what is queued (one system call) and runs the completions that
  // are ready, again while those queue more. Only from the loop itself:
  // completions run connections' code (Flush, Close).
  void SubmitAndReap();
  // Submits what is queued and runs nothing: where a connection may be in
  // the middle of a command (a busy script serving others). false if the
  // kernel refused.
  bool Submit();

 private:
  io_uring_sqe* NextSqe();
  size_t Reap();  // how many completions it took

  io_uring ring_{};
  bool enabled_ = false;
  size_t in_flight_ = 0;
  bool submit_error_logged_ = false;
};

}  // namespace valkdb
