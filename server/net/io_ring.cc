#include "server/net/io_ring.h"

#include <cerrno>
#include <cstring>

#include "server/log/logger.h"

namespace valkdb {

IoRing::~IoRing() {
  if (enabled_) io_uring_queue_exit(&ring_);
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
  io_uring_prep_sendmsg(sqe, fd, msg, MSG_NOSIGNAL);
  io_uring_sqe_set_data(sqe, op);
  ++in_flight_;
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
  while (io_uring_peek_cqe(&ring_, &cqe) == 0) {
    auto* op = static_cast<RingOp*>(io_uring_cqe_get_data(cqe));
    const int result = cqe->res;
    io_uring_cqe_seen(&ring_, cqe);
    ++reaped;
    if (op == nullptr) continue;  // a cancel's own completion
    --in_flight_;
    op->OnRingComplete(result);  // may queue more
  }
  return reaped;
}

void IoRing::SubmitAndReap() {
  if (!enabled_) return;
  // Completions queue follow-ups (the rest of a short send): those go in
  // the next round, until nothing is queued.
  for (;;) {
    const bool submitted = Submit();
    const size_t reaped = Reap();
    if (io_uring_sq_ready(&ring_) == 0) return;
    // The kernel refuses now and nothing came back: the loop's next
    // iteration (or the completions that wake it) retries.
    if (!submitted && reaped == 0) return;
  }
}

}  // namespace valkdb
