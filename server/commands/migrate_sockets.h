#pragma once

// MIGRATE's connections to target instances, kept open between calls as Redis
// keeps them (cluster.c's migrateGetSocket / migrateCloseSocket /
// migrateCloseTimedoutSockets): one per "host:port", at most 64, closed after
// 10 s unused. And the blocking socket I/O MIGRATE does on them (syncio.c):
// like Redis, MIGRATE waits for its target on the thread it runs on.
//
// Several event loops may run MIGRATE at once: a cached socket is lent to one
// MIGRATE at a time; another MIGRATE to the same target meanwhile gets a
// connection of its own that is not cached (Redis, single threaded, never
// has two).
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"

namespace valkdb {

class MigrateSockets {
 public:
  static constexpr size_t kMaxItems = 64;     // MIGRATE_SOCKET_CACHE_ITEMS
  static constexpr int64_t kTtlSeconds = 10;  // MIGRATE_SOCKET_CACHE_TTL

  // A socket lent to one MIGRATE.
  struct Lease {
    std::string name;  // "host:port", as Redis names it
    int fd = -1;
    int64_t last_dbid = -1;  // the db the target has selected on it (-1: unknown)
    bool cached = false;     // false: a second connection, closed when given back
  };

  MigrateSockets() = default;
  MigrateSockets(const MigrateSockets&) = delete;
  MigrateSockets& operator=(const MigrateSockets&) = delete;
  ~MigrateSockets();

  // The cached connection to host:port, or a new one (cached at once, as
  // Redis does). false: the connection could not be made.
  bool Acquire(std::string_view host, std::string_view port, int64_t timeout_ms, Lease* lease);
  // Gives a socket back with what it selected, for the next MIGRATE.
  void Release(Lease* lease);
  // Closes a socket after an I/O error: the next MIGRATE connects anew.
  void Close(Lease* lease);
  // Once a second: closes the sockets unused for more than kTtlSeconds.
  void CloseIdle();
  // INFO's migrate_cached_sockets.
  size_t size() const;

 private:
  struct Cached {
    int fd;
    int64_t last_dbid;
    int64_t last_use_s;
    bool lent;
  };
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, Cached> sockets_ ABSL_GUARDED_BY(mu_);
};

// Redis's syncio.c on a non-blocking socket, timeouts in milliseconds. Each
// returns false on failure and sets *timed_out when the failure was a timeout
// (MIGRATE retries other failures once, on a new connection).
//
// Writes all of `data` within timeout_ms.
bool SyncWrite(int fd, std::string_view data, int64_t timeout_ms, bool* timed_out);
// Reads one line (without its CR LF, at most size-1 bytes, as Redis's
// syncReadLine) with timeout_ms for each byte. The length read, -1 on failure.
int64_t SyncReadLine(int fd, char* buf, size_t size, int64_t timeout_ms, bool* timed_out);

}  // namespace valkdb
