#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "client/client.h"
#include "client/commands.h"
#include "client/options.h"

namespace valkdb {

struct PoolOptions {
  size_t max_connections = 8;
  // How long Acquire() (and every command on the pool) waits for a free connection.
  absl::Duration acquire_timeout = absl::Seconds(5);
};

// Connections for multi-threaded use. Commands called on the pool itself borrow
// a connection for the one call; Acquire() lends one for a sequence (a
// transaction, a SELECT, a pipeline) and takes it back when the lease ends.
// Connections open lazily, up to max_connections; a connection that broke is
// dropped and replaced. Pooled connections always reconnect (the reconnect
// option is ignored): they are interchangeable. Thread-safe.
class ClientPool : public Commands<ClientPool, absl::StatusOr> {
 public:
  class Lease {
   public:
    Lease(Lease&& other) noexcept = default;
    Lease& operator=(Lease&& other) noexcept;
    ~Lease();
    Client* operator->() const { return client_.get(); }
    Client& operator*() const { return *client_; }

   private:
    friend class ClientPool;
    struct Shared;
    Lease(std::shared_ptr<Shared> pool, std::unique_ptr<Client> client)
        : pool_(std::move(pool)), client_(std::move(client)) {}
    void Release();
    std::shared_ptr<Shared> pool_;
    std::unique_ptr<Client> client_;
  };

  explicit ClientPool(ClientOptions options, PoolOptions pool_options = {});
  ~ClientPool();

  // A connection for the caller alone; kDeadlineExceeded if none frees up in time.
  absl::StatusOr<Lease> Acquire();
  absl::StatusOr<std::vector<absl::StatusOr<RespValue>>> Execute(const Pipeline& pipeline);

  // Connections open or lent out now.
  size_t size() const;

 private:
  friend class Commands<ClientPool, absl::StatusOr>;

  template <typename T>
  absl::StatusOr<T> Invoke(const Request& request, reply::Converter<T> convert) {
    absl::StatusOr<Lease> lease = Acquire();
    if (!lease.ok()) return lease.status();
    return (*lease)->template Invoke<T>(request, convert);
  }

  std::shared_ptr<Lease::Shared> shared_;
};

}  // namespace valkdb
