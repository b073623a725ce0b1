#include "client/client.h"

#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "client/internal/sync_connection.h"
#include "protocol/request_parser.h"
#include "protocol/str_util.h"

namespace valkdb {

struct Client::Impl {
  explicit Impl(ClientOptions options) : conn(std::move(options)) {}

  // Makes sure a usable connection is open, following the reconnect option.
  absl::Status EnsureConnected() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    if (conn.is_open()) {
      // An idle connection the server closed (it restarted, or timed us out)
      // is replaced before the command is sent, so the command is not lost.
      if (!conn.options().reconnect || !conn.PeerClosed()) return absl::OkStatus();
      conn.Close();
    }
    if (ever_connected && !conn.options().reconnect) {
      return absl::UnavailableError(
          StrCat("valkdb: the connection to ", conn.address(), " is closed (", lost.message(),
                 ") and ClientOptions::reconnect is off; call Connect() to open a new one"));
    }
    return ConnectLocked();
  }

  absl::Status ConnectLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    absl::Status status = conn.Connect();
    if (status.ok()) {
      ever_connected = true;
      lost = absl::OkStatus();
    } else {
      lost = status;
    }
    return status;
  }

  absl::Status RoundTrip(std::string_view data, size_t count, std::vector<RespValue>* replies) {
    absl::MutexLock lock(&mu);
    if (absl::Status s = EnsureConnected(); !s.ok()) return s;
    absl::Status status = conn.RoundTrip(data, count, replies);
    if (!status.ok()) lost = status;
    return status;
  }

  absl::Mutex mu;
  client_internal::SyncConnection conn ABSL_GUARDED_BY(mu);
  bool ever_connected ABSL_GUARDED_BY(mu) = false;
  absl::Status lost ABSL_GUARDED_BY(mu);  // why the last connection ended
};

namespace {

// The database a successful SELECT request switched to, or -1.
int SelectedDb(const Request& request) {
  if (!EqualsIgnoreCase(request.name(), "select") || request.argc() != 2) return -1;
  RequestParser parser;
  CommandArgs args;
  size_t consumed = 0;
  if (parser.Parse(request.encoded(), &consumed, &args) != RequestParser::Status::kCommand) {
    return -1;
  }
  int64_t db = 0;
  if (!ParseInt64(args[1], &db) || db < 0 || db > INT32_MAX) return -1;
  return static_cast<int>(db);
}

}  // namespace

Client::Client(std::string host, int port)
    : Client([&] {
        ClientOptions options;
        options.host = std::move(host);
        options.port = port;
        return options;
      }()) {}

Client::Client(ClientOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Client::Client(Client&&) noexcept = default;
Client& Client::operator=(Client&&) noexcept = default;
Client::~Client() = default;

absl::Status Client::Connect() {
  absl::MutexLock lock(&impl_->mu);
  return impl_->ConnectLocked();
}

void Client::Close() {
  absl::MutexLock lock(&impl_->mu);
  impl_->conn.Close();
  impl_->lost = absl::CancelledError("closed by Close()");
}

bool Client::IsConnected() const {
  absl::MutexLock lock(&impl_->mu);
  return impl_->conn.is_open();
}

ClientOptions Client::options() const {
  absl::MutexLock lock(&impl_->mu);
  return impl_->conn.options();
}

absl::StatusOr<RespValue> Client::RunOne(const Request& request) {
  if (request.argc() == 0) return absl::InvalidArgumentError("valkdb: empty command");
  std::vector<RespValue> replies;
  if (absl::Status s = impl_->RoundTrip(request.encoded(), 1, &replies); !s.ok()) return s;
  absl::StatusOr<RespValue> result = reply::ToStatusOr(std::move(replies[0]));
  if (result.ok()) {
    if (const int db = SelectedDb(request); db >= 0) {
      absl::MutexLock lock(&impl_->mu);
      impl_->conn.mutable_options().db = db;
    }
  }
  return result;
}

absl::StatusOr<std::vector<absl::StatusOr<RespValue>>> Client::Execute(const Pipeline& pipeline) {
  std::vector<absl::StatusOr<RespValue>> out;
  if (pipeline.empty()) return out;
  std::vector<RespValue> replies;
  if (absl::Status s = impl_->RoundTrip(pipeline.encoded(), pipeline.size(), &replies); !s.ok()) {
    return s;
  }
  out.reserve(replies.size());
  for (RespValue& r : replies) out.push_back(reply::ToStatusOr(std::move(r)));
  return out;
}

absl::Status Client::Select(int db) {
  const std::string index = std::to_string(db);
  return Command({"SELECT", index}).status();
}

}  // namespace valkdb
