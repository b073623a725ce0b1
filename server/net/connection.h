#pragma once

#include <uv.h>

#include <cstdint>
#include <string_view>

#include "protocol/reply_buffer.h"
#include "protocol/request_parser.h"
#include "protocol/resp_writer.h"
#include "server/commands/command_table.h"
#include "server/scheduler/applier.h"
#include "server/scheduler/notifier.h"

namespace valkdb {

class EventLoop;

// One client connection, owned by its event loop. Reads are parsed into
// requests, which go through the loop's scheduler pipeline (id, notifier,
// applier); replies collect in the ReplyBuffer and leave in request order,
// in as few writes as the socket allows.
class Connection : public Completion {
 public:
  explicit Connection(EventLoop* loop);
  ~Connection() override;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  uv_tcp_t* handle() { return &tcp_; }
  // Called once the socket is accepted: fills in addresses, starts reading.
  void Start();
  // Stops reading; sends what is pending, then closes (shutdown, QUIT).
  void CloseAfterReply();
  // Closes now; the object is freed in the close callback.
  void Close();
  bool closing() const { return closing_; }

  // Runs one request's command (the applier's apply function).
  void Execute(Task& task, int64_t now_ms);
  // Notifier callback: the request ended; a failed one gets its error.
  void Complete(uint64_t id, const Outcome& outcome) override;

  const ClientState& state() const { return state_; }

 private:
  static void OnAlloc(uv_handle_t* handle, size_t suggested, uv_buf_t* buf);
  static void OnRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf);
  static void OnWrite(uv_write_t* req, int status);
  static void OnClose(uv_handle_t* handle);

  void Process(std::string_view input);
  void Flush();
  void StartReading();
  void StopReading();

  EventLoop* loop_;
  uv_tcp_t tcp_;
  uv_write_t write_req_;
  bool writing_ = false;
  size_t writing_bytes_ = 0;
  bool reading_ = false;
  bool closing_ = false;
  RequestParser parser_;
  CommandArgs current_;  // the frame being parsed
  ReplyBuffer out_;
  RespWriter writer_;
  ClientState state_;
};

}  // namespace valkdb
