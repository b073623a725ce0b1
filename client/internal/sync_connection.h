#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "client/internal/deadline.h"
#include "client/options.h"
#include "protocol/resp_value.h"

namespace valkdb::client_internal {

// A blocking connection on a plain socket: poll() with deadlines, no event loop
// and no thread, so it cannot conflict with whatever loop the caller runs.
// Not thread-safe; Client serializes access. Any failure or timeout closes the
// socket: after a lost or late reply the stream is out of step.
class SyncConnection {
 public:
  explicit SyncConnection(ClientOptions options);
  ~SyncConnection();
  SyncConnection(const SyncConnection&) = delete;
  SyncConnection& operator=(const SyncConnection&) = delete;

  const ClientOptions& options() const { return options_; }
  ClientOptions& mutable_options() { return options_; }
  const std::string& address() const { return address_; }

  // Closes any open socket, connects and runs the handshake within connect_timeout.
  absl::Status Connect();
  void Close();
  bool is_open() const { return fd_ >= 0; }
  int fd() const { return fd_; }
  // True when an idle connection was closed by the peer (or has failed). Never blocks.
  bool PeerClosed();

  // Sends `data` and reads `count` replies (RESP3 pushes are skipped), all
  // within command_timeout. Error replies are values here, not statuses.
  absl::Status RoundTrip(std::string_view data, size_t count, std::vector<RespValue>* replies);

  absl::Status Write(std::string_view data, const Deadline& deadline);
  // Reads one reply. Pushes are returned when `keep_pushes`, else skipped.
  absl::Status Read(const Deadline& deadline, RespValue* out, bool keep_pushes = false);
  // True when a whole or partial reply is buffered, unread.
  bool HasBufferedInput() const { return rpos_ < rbuf_.size(); }

 private:
  absl::Status ConnectSocket(const Deadline& deadline);
  absl::Status Fail(absl::Status status);
  // Appends whatever input is ready to the read buffer, without blocking.
  absl::Status ReadAvailable();

  ClientOptions options_;
  std::string address_;
  int fd_ = -1;
  ReplyParser parser_;
  std::string rbuf_;
  size_t rpos_ = 0;
};

}  // namespace valkdb::client_internal
