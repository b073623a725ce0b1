#pragma once

#include <uv.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/synchronization/mutex.h"
#include "protocol/reply_buffer.h"
#include "protocol/request_parser.h"
#include "protocol/resp_writer.h"
#include "server/commands/command_table.h"
#include "server/commands/pubsub.h"
#include "server/net/io_ring.h"
#include "server/scheduler/applier.h"
#include "server/scheduler/notifier.h"

namespace valkdb {

class EventLoop;

// One client connection, owned by its event loop. Reads are parsed into
// requests, which go through the loop's scheduler pipeline (id, notifier,
// applier); replies collect in the ReplyBuffer and leave in request order,
// in as few writes as the socket allows.
class Connection : public Completion, public Subscriber, public RingOp {
 public:
  // `unix_socket`: accepted on the unix socket (a uv_pipe_t), else TCP.
  Connection(EventLoop* loop, bool unix_socket);
  ~Connection() override;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  uv_stream_t* handle() { return &handle_.stream; }
  uint64_t id() const { return state_.id; }
  // Called once the socket is accepted: fills in addresses, starts reading.
  void Start();
  // Stops reading; sends what is pending, then closes (shutdown, QUIT, KILL).
  void CloseAfterReply();
  // Closes now; the object is freed in the close callback.
  void Close();
  bool closing() const { return closing_; }

  // Runs one request's command (the applier's apply function).
  void Execute(Task& task, int64_t now_ms);
  // Notifier callback: the request ended; a failed one gets its error.
  void Complete(uint64_t id, const Outcome& outcome) override;

  // Subscriber: called from any thread, possibly under the pub/sub lock.
  void Deliver(const PubSubMessage& message) override;
  // On this loop's thread: queue a message for sending (no flush, no close here).
  void DeliverLocal(const PubSubMessage& message);
  // Sends what is pending, or closes a client that went over its output limit.
  void FlushOrKill();
  // The 100 ms cron: true if the client must be closed now, because it was
  // idle longer than `idle_timeout_ms` (0 = never) or stayed over its soft
  // output limit for too long (logged here).
  bool CronCheck(int64_t now_ms, int64_t idle_timeout_ms);
  // Resumes a client that CLIENT PAUSE held back, once the pause is over.
  void ResumeIfUnpaused(int64_t now_ms);
  // While a script on this loop runs past busy-reply-threshold (the loop
  // itself cannot run): reads what the client sent and runs it at once, so
  // it gets -BUSY, or SCRIPT KILL and the other allow-busy commands run.
  // (A client read through the ring gets its input from the ring instead:
  // EventLoop::ServeWhileBusy takes its completions.)
  void ServeWhileBusy();
  // A blocking command's wait ended elsewhere (served, CLIENT UNBLOCK): write
  // its outcome and run the input that waited behind it.
  void Unblocked();
  // The loop's timer: `deadline_ms` has passed; ends the wait if it is the
  // current wait's deadline.
  void BlockTimedOut(int64_t deadline_ms);

  ClientSnapshot Snapshot() const ABSL_LOCKS_EXCLUDED(snapshot_mu_);

  // RingOp: the send queued on the loop's io_uring ended.
  void OnRingComplete(int result, unsigned flags) override;
  // What the loop deferred (EventLoop::Defer) runs now: a held
  // send completion, input kept while it could not run, a hand-off.
  void RunDeferred();

 private:
  static void OnAlloc(uv_handle_t* handle, size_t suggested, uv_buf_t* buf);
  static void OnRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf);
  static void OnWrite(uv_write_t* req, int status);
  static void OnShutdown(uv_shutdown_t* req, int status);
  static void OnClose(uv_handle_t* handle);

  // What a read brought (libuv's or the ring's): counted, checked against
  // the query buffer limit, then run (Process).
  void Input(std::string_view input);
  // A busy script on this loop: runs `input` at once (-BUSY, SCRIPT KILL).
  void ServeBusyInput(std::string_view input);
  bool CanServeWhileBusy() const;
  void Process(std::string_view input);
  // Redis's checkClientOutputBufferLimits, for both classes: true (and kept)
  // once the client is over its hard limit, or over its soft limit for longer
  // than the soft seconds. now_ms 0: read the clock if it is needed.
  bool OverOutputLimit(int64_t now_ms);
  // Closes a client over its output limit without sending what is pending.
  void KillOverOutputLimit();
  void LogOverOutputLimit() const;
  // A client with no output limit in its class stops being read while its
  // unsent replies are many; one with a limit is read and closed at the limit.
  bool HasOutputLimit() const;
  bool MustPause(const CommandSpec* spec, absl::Span<const std::string_view> args,
                 int64_t now_ms) const;
  const CommandTable* command_table_ = &CommandTable::Get();
  void Flush();
  // The end of CloseAfterReply: see connection.cc.
  void Linger();
  // Reads (and drops) input while closing after the replies.
  void DrainInput();
  // Output not yet acknowledged by the peer: ours, libuv's queue, the kernel's.
  size_t PendingOutput() const;
  // The cron's verdict on a connection closing after its replies.
  bool DoneClosing(int64_t now_ms);
  // Leaves pub/sub, WATCH and the scheduler (once).
  void Detach();
  void StartReading();
  void StopReading();
  // Native ring (IoRing::native): the socket is read by a multishot receive.
  struct RecvOp : RingOp {
    Connection* self = nullptr;
    void OnRingComplete(int result, unsigned flags) override { self->OnRingRecv(result, flags); }
  };
  void OnRingRecv(int result, unsigned flags);
  void ArmRecv();
  void CancelRecv();  // once, while the receive is in flight
  // Closes the handle once no ring operation can touch the socket's buffers.
  void MaybeCloseHandle();
  // Input that arrived while it could not run (reading stopped, a busy
  // script, input before it still waiting): run by RunDeferred, in order.
  void KeepForLater(std::string_view input);
  void UpdateSnapshot() ABSL_LOCKS_EXCLUDED(snapshot_mu_);

  EventLoop* loop_;
  // When the loop last counted this client's input (EventLoop::NoteInput).
  uint64_t input_heard_ms_ = 0;
  // The socket: TCP or the unix socket, used through its stream.
  union Handle {
    uv_tcp_t tcp;
    uv_pipe_t pipe;
    uv_stream_t stream;
    uv_handle_t handle;
  } handle_;
  const bool unix_socket_;
  uv_write_t write_req_;
  uv_shutdown_t shutdown_req_;
  // A send is in flight (uv_write, or on the loop's io_uring), of the first
  // writing_bytes_ of out_.
  bool writing_ = false;
  size_t writing_bytes_ = 0;
  // The send in flight is on the io_uring: a closing connection keeps its
  // handle until it is back (the kernel may still read these buffers).
  bool ring_sending_ = false;
  int held_result_ = 0;  // a completion the loop holds (ring_sending_ stays set)
  bool has_held_result_ = false;
  bool ring_reads_ = false;       // read through the ring's multishot receive
  bool recv_armed_ = false;       // that receive is in flight
  bool recv_cancelling_ = false;  // and a cancel of it is queued
  bool handle_closing_ = false;   // uv_close was called
  bool deferred_ = false;         // on the loop's list for RunDeferred
  bool peer_closed_ = false;      // end of input (or a reset) came: see FinishIfPeerClosed
  bool peer_reset_ = false;
  void FinishIfPeerClosed();
  // Has RunDeferred run soon (from the loop, outside any command).
  void Defer();
  RecvOp recv_op_;
  std::string kept_input_;       // see KeepForLater
  bool send_via_libuv_ = false;  // the ring sent nothing: the next send goes through libuv
  static constexpr size_t kRingIov = 16;
  msghdr ring_msg_{};
  iovec ring_iov_[kRingIov];
  // Starts a send of out_ on the io_uring; false if the ring took nothing.
  bool RingSend();
  // After a send: counts it, and goes on (more output, hand-off, linger).
  void Sent(size_t bytes);
  bool reading_ = false;
  bool closing_ = false;
  bool detached_ = false;
  bool lingering_ = false;  // replies sent and FIN queued; input is dropped
  // Closing after the replies: when pending output last moved, its size then,
  // and when input (read and dropped) last came.
  int64_t progress_ms_ = 0;
  size_t pending_seen_ = 0;
  int64_t last_input_ms_ = 0;
  void ResizeQueryBuffer(int64_t now_ms);
  // Redis's query buffer as CLIENT LIST reports it (qbuf + qbuf-free): its
  // allocation and the peak since the last cron (see OnRead, CronCheck).
  int64_t qbuf_alloc_ = 0;
  int64_t qbuf_peak_ = 0;
  bool over_limit_ = false;          // output limit passed: close, send nothing more
  int64_t soft_limit_since_ms_ = 0;  // since when over the soft limit, 0 if not
  RequestParser parser_;
  LookupCache lookup_cache_;  // the last command name and its entry
  CommandArgs current_;       // the frame being parsed
  // CLIENT PAUSE: the command that was held back and the input after it.
  bool paused_ = false;
  CommandArgs paused_command_;
  std::string paused_input_;
  // While a blocking command waits (state_.blocked), input is read (so a
  // disconnect is seen) and kept here, to run once the wait ends.
  std::string blocked_input_;
  // The blocked command, its arguments and the time it ran before it waited.
  const CommandSpec* blocked_spec_ = nullptr;
  CommandArgs blocked_args_;
  int64_t blocked_duration_ns_ = 0;
  void FinishBlocked();
  // PSYNC/SYNC ran: the socket goes to the replication module, with what
  // was read after the command and what was not yet written.
  void HandOffToReplication();
  bool handoff_pending_ = false;
  std::string handoff_input_;
  ReplyBuffer out_;
  RespWriter writer_;
  ReplyBuffer discarded_;  // replies of CLIENT REPLY OFF/SKIP go here
  RespWriter discard_writer_;
  ClientState state_;
  mutable absl::Mutex snapshot_mu_;
  ClientSnapshot snapshot_ ABSL_GUARDED_BY(snapshot_mu_);
};

}  // namespace valkdb
