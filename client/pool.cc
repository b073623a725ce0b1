#include "client/pool.h"

#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "protocol/str_util.h"

namespace valkdb {

struct ClientPool::Lease::Shared {
  Shared(ClientOptions o, PoolOptions p) : options(std::move(o)), pool_options(p) {
    options.reconnect = true;
    if (pool_options.max_connections == 0) pool_options.max_connections = 1;
  }
  ClientOptions options;     // not changed after construction
  PoolOptions pool_options;  // not changed after construction
  absl::Mutex mu;
  std::vector<std::unique_ptr<Client>> idle ABSL_GUARDED_BY(mu);
  size_t open ABSL_GUARDED_BY(mu) = 0;  // idle plus lent out
};

ClientPool::Lease& ClientPool::Lease::operator=(Lease&& other) noexcept {
  if (this != &other) {
    Release();
    pool_ = std::move(other.pool_);
    client_ = std::move(other.client_);
  }
  return *this;
}

ClientPool::Lease::~Lease() { Release(); }

void ClientPool::Lease::Release() {
  if (pool_ == nullptr || client_ == nullptr) return;
  absl::MutexLock lock(&pool_->mu);
  if (client_->IsConnected()) {
    pool_->idle.push_back(std::move(client_));
  } else {
    // It broke (or never connected): forget it, so the slot opens afresh.
    client_.reset();
    --pool_->open;
  }
  pool_.reset();
}

ClientPool::ClientPool(ClientOptions options, PoolOptions pool_options)
    : shared_(std::make_shared<Lease::Shared>(std::move(options), pool_options)) {}

ClientPool::~ClientPool() = default;

absl::StatusOr<ClientPool::Lease> ClientPool::Acquire() {
  Lease::Shared& s = *shared_;
  absl::MutexLock lock(&s.mu);
  auto available = [&s]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(s.mu) {
    return !s.idle.empty() || s.open < s.pool_options.max_connections;
  };
  if (!s.mu.AwaitWithTimeout(absl::Condition(&available), s.pool_options.acquire_timeout)) {
    return absl::DeadlineExceededError(StrCat("valkdb: no pooled connection became free within ",
                                              absl::FormatDuration(s.pool_options.acquire_timeout),
                                              " (all ", s.pool_options.max_connections,
                                              " in use)"));
  }
  if (!s.idle.empty()) {
    std::unique_ptr<Client> client = std::move(s.idle.back());
    s.idle.pop_back();
    return Lease(shared_, std::move(client));
  }
  ++s.open;
  // The new client connects on its first command, outside this lock.
  return Lease(shared_, std::make_unique<Client>(s.options));
}

absl::StatusOr<std::vector<absl::StatusOr<RespValue>>> ClientPool::Execute(
    const Pipeline& pipeline) {
  absl::StatusOr<Lease> lease = Acquire();
  if (!lease.ok()) return lease.status();
  return (*lease)->Execute(pipeline);
}

size_t ClientPool::size() const {
  absl::MutexLock lock(&shared_->mu);
  return shared_->open;
}

}  // namespace valkdb
