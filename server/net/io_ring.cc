#include "server/net/io_ring.h"

#include <poll.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

#include "server/log/logger.h"

namespace valkdb {

namespace {

// The low bit of an operation's user data marks one not counted in
// in_flight() (RingOp objects are aligned, so the bit is free).
constexpr uintptr_t kUncounted = 1;

// IORING_FEAT_MIN_TIMEOUT (Linux 6.12): io_uring_getevents_arg's `pad` is
// min_wait_usec. Debian 12's kernel headers predate it.
constexpr unsigned kFeatMinTimeout = 1U << 15;

__kernel_timespec TimespecOfMs(int64_t ms) {
  __kernel_timespec ts{};
  ts.tv_sec = ms / 1000;
  ts.tv_nsec = static_cast<long long>(ms % 1000) * 1000000;
  return ts;
}

}  // namespace

IoRing::~IoRing() {
  if (enabled_) io_uring_queue_exit(&ring_);
  if (recv_ring_ != nullptr) munmap(recv_ring_, kRecvBuffers * sizeof(io_uring_buf));
}

bool IoRing::InitNative(unsigned entries) {
  io_uring_params params{};
  // One thread submits; completions' kernel work runs when that thread asks
  // for events (the loop's wait), not by interrupting it (Linux 6.1).
  // TASKRUN_FLAG: the kernel flags pending work in the ring, so a loop can
  // see it come without a system call (CompletionsPending).
  params.flags =
      IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_TASKRUN_FLAG;
  if (io_uring_queue_init_params(entries, &ring_, &params) < 0) return false;
  constexpr unsigned kNeeded = IORING_FEAT_NODROP | IORING_FEAT_FAST_POLL | IORING_FEAT_EXT_ARG;
  io_uring_probe* probe = io_uring_get_probe_ring(&ring_);
  const bool ops = probe != nullptr && io_uring_opcode_supported(probe, IORING_OP_SENDMSG) &&
                   io_uring_opcode_supported(probe, IORING_OP_SEND) &&
                   io_uring_opcode_supported(probe, IORING_OP_RECV) &&
                   io_uring_opcode_supported(probe, IORING_OP_POLL_ADD) &&
                   io_uring_opcode_supported(probe, IORING_OP_ASYNC_CANCEL);
  if (probe != nullptr) io_uring_free_probe(probe);
  enabled_ = true;
  if ((params.features & kNeeded) != kNeeded || !ops || !SetUpRecvBuffers()) {
    Disable();
    return false;
  }
  // Each enter names the ring by its registered index, saving the kernel a
  // file lookup per system call (Linux 5.18; optional).
  ring_registered_ = io_uring_register_ring_fd(&ring_) == 1;
  min_wait_supported_ = (params.features & kFeatMinTimeout) != 0;
  native_ = true;
  return true;
}

bool IoRing::SetUpRecvBuffers() {
  const size_t ring_bytes = kRecvBuffers * sizeof(io_uring_buf);
  void* mem = mmap(nullptr, ring_bytes, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
  if (mem == MAP_FAILED) return false;
  recv_ring_ = static_cast<io_uring_buf_ring*>(mem);
  io_uring_buf_ring_init(recv_ring_);
  io_uring_buf_reg reg{};
  reg.ring_addr = reinterpret_cast<uint64_t>(recv_ring_);
  reg.ring_entries = kRecvBuffers;
  reg.bgid = 0;
  if (io_uring_register_buf_ring(&ring_, &reg, 0) != 0) {
    munmap(recv_ring_, ring_bytes);
    recv_ring_ = nullptr;
    return false;
  }
  recv_memory_.assign(size_t{kRecvBuffers} * kRecvBufferSize, 0);
  const int mask = io_uring_buf_ring_mask(kRecvBuffers);
  for (unsigned i = 0; i < kRecvBuffers; ++i) {
    io_uring_buf_ring_add(recv_ring_, recv_memory_.data() + size_t{i} * kRecvBufferSize,
                          kRecvBufferSize, static_cast<unsigned short>(i), mask,
                          static_cast<int>(i));
  }
  io_uring_buf_ring_advance(recv_ring_, static_cast<int>(kRecvBuffers));
  return true;
}

bool IoRing::Init(unsigned entries) {
  io_uring_params params{};
  const int rc = io_uring_queue_init_params(entries, &ring_, &params);
  if (rc < 0) {
    Log(LogLevel::kNotice, "io_uring is not available (%s): replies are written through libuv",
        strerror(-rc));
    return false;
  }
  constexpr unsigned kNeeded = IORING_FEAT_NODROP | IORING_FEAT_FAST_POLL;
  io_uring_probe* probe = io_uring_get_probe_ring(&ring_);
  const bool ops = probe != nullptr && io_uring_opcode_supported(probe, IORING_OP_SENDMSG) &&
                   io_uring_opcode_supported(probe, IORING_OP_ASYNC_CANCEL);
  if (probe != nullptr) io_uring_free_probe(probe);
  if ((params.features & kNeeded) != kNeeded || !ops) {
    io_uring_queue_exit(&ring_);
    Log(LogLevel::kNotice, "io_uring lacks what valkdb needs: replies are written through libuv");
    return false;
  }
  enabled_ = true;
  return true;
}

void IoRing::Disable() {
  if (!enabled_) return;
  io_uring_queue_exit(&ring_);
  enabled_ = false;
  native_ = false;
}

io_uring_sqe* IoRing::NextSqe() {
  io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
  if (sqe == nullptr) {
    // The submission queue is full: hand it to the kernel and take a slot.
    // Nothing is reaped here: the caller is in the middle of its work.
    Submit();
    sqe = io_uring_get_sqe(&ring_);
  }
  return sqe;
}

bool IoRing::SendMsg(int fd, const msghdr* msg, RingOp* op) {
  io_uring_sqe* sqe = NextSqe();
  if (sqe == nullptr) return false;
  if (native_ && msg->msg_iovlen == 1) {
    // One buffer: a plain send spares the kernel copying in the message header.
    io_uring_prep_send(sqe, fd, msg->msg_iov[0].iov_base, msg->msg_iov[0].iov_len, MSG_NOSIGNAL);
  } else {
    io_uring_prep_sendmsg(sqe, fd, msg, MSG_NOSIGNAL);
  }
  io_uring_sqe_set_data(sqe, op);
  ++in_flight_;
  return true;
}

bool IoRing::RecvMultishot(int fd, RingOp* op) {
  io_uring_sqe* sqe = NextSqe();
  if (sqe == nullptr) return false;
  io_uring_prep_recv_multishot(sqe, fd, nullptr, 0, 0);
  sqe->flags |= IOSQE_BUFFER_SELECT;
  sqe->buf_group = 0;
  io_uring_sqe_set_data(sqe, op);
  ++in_flight_;
  return true;
}

std::string_view IoRing::RecvData(int result, unsigned flags) const {
  const unsigned id = flags >> IORING_CQE_BUFFER_SHIFT;
  return {recv_memory_.data() + size_t{id} * kRecvBufferSize, static_cast<size_t>(result)};
}

void IoRing::RecycleRecvBuffer(unsigned flags) {
  const unsigned id = flags >> IORING_CQE_BUFFER_SHIFT;
  io_uring_buf_ring_add(recv_ring_, recv_memory_.data() + size_t{id} * kRecvBufferSize,
                        kRecvBufferSize, static_cast<unsigned short>(id),
                        io_uring_buf_ring_mask(kRecvBuffers), 0);
  io_uring_buf_ring_advance(recv_ring_, 1);
}

bool IoRing::WatchReadable(int fd, RingOp* op) {
  io_uring_sqe* sqe = NextSqe();
  if (sqe == nullptr) return false;
  io_uring_prep_poll_add(sqe, fd, POLLIN);
  io_uring_sqe_set_data(sqe, reinterpret_cast<void*>(reinterpret_cast<uintptr_t>(op) | kUncounted));
  return true;
}

void IoRing::Cancel(RingOp* op) {
  io_uring_sqe* sqe = NextSqe();
  if (sqe == nullptr) return;  // the caller shuts the socket down too
  io_uring_prep_cancel(sqe, op, 0);
  io_uring_sqe_set_data(sqe, nullptr);  // its own completion is not reported
}

bool IoRing::Submit() {
  while (io_uring_sq_ready(&ring_) > 0) {
    const int rc = io_uring_submit(&ring_);
    if (rc > 0 || rc == -EINTR) continue;
    if (rc == 0) return false;  // nothing taken: retried later
    // -EBUSY/-EAGAIN: completions must be taken first (Reap), then retry.
    if (rc != -EBUSY && rc != -EAGAIN && !submit_error_logged_) {
      submit_error_logged_ = true;
      Log(LogLevel::kWarning, "io_uring submit: %s", strerror(-rc));
    }
    return false;
  }
  return true;
}

size_t IoRing::Reap() {
  size_t reaped = 0;
  io_uring_cqe* cqe = nullptr;
  for (;;) {
    // Native: only what is posted. Peeking an empty queue would ask the
    // kernel for its pending part (TASKRUN_FLAG), and under steady load never
    // end; the loop's waits ask for it. The sends-only ring needs that peek:
    // it is what brings back completions that overflowed the queue.
    if (native_ && io_uring_cq_ready(&ring_) == 0) break;
    if (io_uring_peek_cqe(&ring_, &cqe) != 0) break;
    const auto data = reinterpret_cast<uintptr_t>(io_uring_cqe_get_data(cqe));
    const int result = cqe->res;
    const unsigned flags = cqe->flags;
    // Taken before the callback, which may reap again (a busy script).
    io_uring_cqe_seen(&ring_, cqe);
    ++reaped;
    if (data == 0) continue;  // a cancel's own completion
    if (!(data & kUncounted) && !(flags & IORING_CQE_F_MORE)) --in_flight_;
    reinterpret_cast<RingOp*>(data & ~kUncounted)->OnRingComplete(result, flags);  // may queue more
  }
  return reaped;
}

bool IoRing::CompletionsPending() const {
  const unsigned flags = IO_URING_READ_ONCE(*ring_.sq.kflags);
  return (flags & (IORING_SQ_TASKRUN | IORING_SQ_CQ_OVERFLOW)) != 0 ||
         io_uring_cq_ready(&ring_) != 0;
}

size_t IoRing::SubmitAndWait(int timeout_ms, int gather_us) {
  io_uring_cqe* cqe = nullptr;
  if (gather_us > 0 && min_wait_supported_ && timeout_ms != 0 && !CompletionsPending()) {
    WaitGathering(timeout_ms, gather_us);
  } else if (timeout_ms < 0) {
    io_uring_submit_and_wait(&ring_, 1);
  } else {
    __kernel_timespec ts = TimespecOfMs(timeout_ms);
    io_uring_submit_and_wait_timeout(&ring_, &cqe, 1, &ts, nullptr);
  }
  // Errors (a signal, the time passing, a full completion queue) need
  // nothing here: what is ready is taken, what is queued goes next time.
  return Reap();
}

void IoRing::WaitGathering(int timeout_ms, int gather_us) {
  // liburing 2.3 (Debian 12) has no call that sets min_wait_usec: the
  // submission queue is published as its submit would, and the enter is
  // made here. Waiting for a full queue with a minimum wait means: sleep
  // `gather_us`, and return then if anything came; if nothing did, return
  // at the first completion (or the timeout).
  io_uring_sq* sq = &ring_.sq;
  const unsigned tail = sq->sqe_tail;
  if (sq->sqe_head != tail) {
    sq->sqe_head = tail;
    IO_URING_WRITE_ONCE(*sq->ktail, tail);
  }
  const unsigned to_submit = tail - IO_URING_READ_ONCE(*sq->khead);
  // The general timeout must be set: without it the wait ends at the
  // minimum whether or not anything came.
  const int64_t limit_ms = timeout_ms < 0 ? int64_t{3600} * 1000 : timeout_ms;
  __kernel_timespec ts = TimespecOfMs(limit_ms);
  io_uring_getevents_arg arg{};
  arg.pad = static_cast<__u32>(gather_us);  // min_wait_usec since Linux 6.12
  arg.ts = reinterpret_cast<uint64_t>(&ts);
  unsigned flags = IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG;
  int fd = ring_.ring_fd;
  if (ring_registered_) {
    flags |= IORING_ENTER_REGISTERED_RING;
    fd = ring_.enter_ring_fd;
  }
  // Errors are as SubmitAndWait's: nothing to do here.
  syscall(__NR_io_uring_enter, fd, to_submit, ring_.cq.ring_entries, flags, &arg, sizeof(arg));
}

size_t IoRing::SubmitAndReap() {
  if (!enabled_) return 0;
  size_t total = 0;
  if (native_) {
    // The kernel's part of completions waits for a request for events.
    io_uring_submit_and_get_events(&ring_);
  }
  // Completions queue follow-ups (the rest of a short send): those go in
  // the next round, until nothing is queued.
  for (;;) {
    const bool submitted = Submit();
    const size_t reaped = Reap();
    total += reaped;
    if (io_uring_sq_ready(&ring_) == 0) return total;
    // The kernel refuses now and nothing came back: the loop's next
    // iteration (or the completions that wake it) retries.
    if (!submitted && reaped == 0) return total;
  }
}

}  // namespace valkdb
