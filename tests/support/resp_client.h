#pragma once

// A blocking RESP client for tests. Every operation has a deadline, so a
// server that never answers fails a test instead of hanging it.

#include <chrono>
#include <cstddef>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "protocol/resp_value.h"

namespace valkdb::test {

class RespClient {
 public:
  using Duration = std::chrono::milliseconds;
  static constexpr Duration kDefaultTimeout{10000};

  // Connects to 127.0.0.1:port.
  static absl::StatusOr<std::unique_ptr<RespClient>> Connect(int port,
                                                             Duration timeout = Duration(5000));
  // Connects to the unix socket at `path`.
  static absl::StatusOr<std::unique_ptr<RespClient>> ConnectUnix(const std::string& path);

  RespClient(const RespClient&) = delete;
  RespClient& operator=(const RespClient&) = delete;
  ~RespClient();

  // Writes all of `bytes` (however the socket takes them) before `timeout`.
  absl::Status Send(std::string_view bytes, Duration timeout = Duration(30000));

  // Sends a command as multibulk and reads its reply. A transport failure
  // (timeout, closed connection, unparseable reply) fails the current test and
  // returns an error value whose text starts with "CLIENT:".
  RespValue Command(std::initializer_list<std::string_view> args,
                    Duration timeout = kDefaultTimeout);
  RespValue Run(const std::vector<std::string>& args, Duration timeout = kDefaultTimeout);

  // The next whole reply.
  absl::StatusOr<RespValue> ReadReply(Duration timeout = kDefaultTimeout);
  // The exact bytes of the next whole reply.
  absl::StatusOr<std::string> ReadRawReply(Duration timeout = kDefaultTimeout);
  // Exactly n bytes; fewer only if the timeout passes or the peer closes first.
  std::string ReadRaw(size_t n, Duration timeout);
  // Everything that arrives before `timeout` passes or the peer closes.
  std::string ReadRawUntilTimeout(Duration timeout);
  // Reads (and keeps for later reads) until the peer closes the connection:
  // true if it did within `timeout`.
  bool IsClosedByPeer(Duration timeout);
  // Bytes received but not yet returned by a read.
  size_t buffered() const { return buffer_.size(); }

  // Closes our side of the connection.
  void Close();
  int fd() const { return fd_; }

 private:
  explicit RespClient(int fd) : fd_(fd) {}
  using Clock = std::chrono::steady_clock;
  // Reads once into buffer_, waiting until `deadline` for data.
  absl::Status Fill(Clock::time_point deadline);
  absl::Status ReadReplyImpl(Duration timeout, RespValue* value, std::string* raw);

  int fd_ = -1;
  bool eof_ = false;
  std::string buffer_;
  ReplyParser parser_;
};

// The value of `name:` in an INFO text, "" if absent.
std::string InfoValue(std::string_view info, std::string_view name);
// The value of `name:` in an INFO section, "" if absent.
std::string InfoField(RespClient& c, std::string_view section, std::string_view name);

// Encodes a command the way RespClient::Command sends it.
std::string Encode(std::initializer_list<std::string_view> args);
std::string Encode(const std::vector<std::string>& args);

}  // namespace valkdb::test
