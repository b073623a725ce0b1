#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "client/commands.h"
#include "client/options.h"
#include "client/reply.h"
#include "client/request.h"
#include "protocol/resp_value.h"

namespace valkdb {

class ClientPool;

// A blocking client on one connection:
//
//   valkdb::Client c("127.0.0.1", 6379);
//   absl::StatusOr<bool> stored = c.Set("k", "v");
//   absl::StatusOr<std::optional<std::string>> v = c.Get("k");
//   absl::StatusOr<RespValue> r = c.Command({"OBJECT", "ENCODING", "k"});
//
// It connects on the first command (or on Connect()). Every call is bounded by
// the options' timeouts, and a timeout is reported as kDeadlineExceeded. It
// runs no event loop and starts no thread, so it may be used anywhere, also
// next to an AsyncClient or inside another program's loop (where it blocks that
// loop for the length of the call, as any blocking call does).
//
// Thread-safe: calls from several threads take turns on the one connection. For
// parallel use, take a ClientPool.
class Client : public Commands<Client, absl::StatusOr> {
 public:
  explicit Client(std::string host = "127.0.0.1", int port = 6379);
  explicit Client(ClientOptions options);
  Client(Client&&) noexcept;
  Client& operator=(Client&&) noexcept;
  ~Client();

  // (Re)connects now, running the handshake (AUTH, SELECT, HELLO 3).
  absl::Status Connect();
  void Close();
  // True when a connection is open (it may still turn out to be broken).
  bool IsConnected() const;
  ClientOptions options() const;

  // Sends every command of the pipeline in one write and reads all replies;
  // replies[i] answers command i. The outer status fails when the connection
  // did (the commands may or may not have run).
  absl::StatusOr<std::vector<absl::StatusOr<RespValue>>> Execute(const Pipeline& pipeline);

  // SELECT that is remembered: a reconnect selects the same database again
  // (as does a successful SELECT sent through Command()).
  absl::Status Select(int db);

 private:
  friend class Commands<Client, absl::StatusOr>;
  friend class ClientPool;
  struct Impl;

  template <typename T>
  absl::StatusOr<T> Invoke(const Request& request, reply::Converter<T> convert) {
    absl::StatusOr<RespValue> value = RunOne(request);
    if (!value.ok()) return value.status();
    return convert(*std::move(value));
  }
  // One command; an error reply becomes a status.
  absl::StatusOr<RespValue> RunOne(const Request& request);

  std::unique_ptr<Impl> impl_;
};

}  // namespace valkdb
