#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "server/store/key_hash.h"

namespace valkdb {

// The keys one client WATCHes; `dirty` is set when any of them is modified.
struct ClientWatch {
  std::atomic<bool> dirty{false};
  std::vector<std::pair<int, std::string>> keys;  // (db, key)
  // Keys that existed with a TTL when watched: EXEC fails if they expired since.
  std::vector<std::pair<int, std::string>> volatile_keys;
};

// Who watches which key, across all event loops. Writes call Touch for each
// key they modify; that is one relaxed atomic load while nobody watches.
class WatchRegistry {
 public:
  void Watch(int db, std::string_view key, ClientWatch* watch) ABSL_LOCKS_EXCLUDED(mu_);
  void UnwatchAll(ClientWatch* watch) ABSL_LOCKS_EXCLUDED(mu_);
  void Touch(int db, std::string_view key) ABSL_LOCKS_EXCLUDED(mu_) {
    if (watched_.load(std::memory_order_acquire) == 0) return;
    TouchSlow(db, key);
  }
  // Watched keys of db (db < 0: of every database) for which `exists` is
  // true, as Redis marks them before FLUSHDB/FLUSHALL/SWAPDB. `exists` runs
  // without this registry's lock held (it takes shard locks).
  void TouchDb(int db, const std::function<bool(int, std::string_view)>& exists)
      ABSL_LOCKS_EXCLUDED(mu_);

 private:
  using Key = std::pair<int, std::string>;
  void TouchSlow(int db, std::string_view key) ABSL_LOCKS_EXCLUDED(mu_);

  std::atomic<size_t> watched_{0};
  absl::Mutex mu_;
  // Keyed by (db, key); Touch looks keys up by view, without a copy.
  absl::flat_hash_map<Key, std::vector<ClientWatch*>, DbKeyHash, DbKeyEq> by_key_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace valkdb
