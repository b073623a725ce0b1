#pragma once

// Client-side caching (CLIENT TRACKING), as Redis 7.0's tracking.c:
//
// - Default mode: after a read-only command a tracking client's keys go into
//   one table, key -> ids of clients that may cache it. A change to the key
//   (a write, an expiry, eviction from this table) sends each of them an
//   `invalidate` push and forgets the key. The table is global, not per db.
// - BCAST mode: clients subscribe to key prefixes; a changed key is noted
//   under each matching prefix, and the notes go out once per event loop
//   iteration (Redis's beforeSleep), one message per prefix.
// - Delivery: a RESP3 push to the client itself, or with REDIRECT to another
//   client (a push if it speaks RESP3, a `__redis__:invalidate` message if it
//   is a subscribed RESP2 client). A redirect target that is gone makes the
//   client's tracking "broken" and tells it with `tracking-redir-broken`.
// - An invalidation meant for the client whose command is running waits for
//   the end of that command (after EXEC's reply in a transaction).
//
// Threads: one mutex guards the tables; key changes reach it with the key's
// shard lock held (lock order: shard locks, then this mutex, then the event
// loops' inboxes). With no table entry and no prefix, a key change costs one
// relaxed load.
#include <atomic>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/functional/function_ref.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "server/commands/pubsub.h"
#include "server/store/change_feed.h"

namespace valkdb {

class ClientDirectory;
class Config;

// A client's tracking flags (Redis's CLIENT_TRACKING_*).
enum TrackingFlag : uint32_t {
  kTrackingOn = 1 << 0,
  kTrackingBcast = 1 << 1,
  kTrackingOptIn = 1 << 2,
  kTrackingOptOut = 1 << 3,
  kTrackingCaching = 1 << 4,  // CLIENT CACHING given for the next command
  kTrackingNoLoop = 1 << 5,
  kTrackingBrokenRedir = 1 << 6,
};

// What CLIENT TRACKINGINFO and CLIENT LIST show of a client.
struct TrackingInfo {
  uint32_t flags = 0;  // without kTrackingCaching (the client keeps that one)
  uint64_t redirect = 0;
  std::vector<std::string> prefixes;  // sorted
};

class Tracking : public KeyTrackingSink {
 public:
  // Where messages go: client ids, on their own loops (set before serving).
  void set_directory(ClientDirectory* directory) { directory_ = directory; }

  // CLIENT TRACKING ON for client `id` (options: kTrackingBcast, OptIn,
  // OptOut, NoLoop); the caller has checked the options. Keeps the
  // prefixes a client already had (Redis adds to them).
  void Enable(uint64_t id, int protocol, uint64_t redirect, uint32_t options,
              absl::Span<const std::string_view> prefixes) ABSL_LOCKS_EXCLUDED(mu_);
  // CLIENT TRACKING OFF, RESET, disconnection. Keys stay in the table
  // (dropped lazily, as in Redis).
  void Disable(uint64_t id) ABSL_LOCKS_EXCLUDED(mu_);
  // HELLO changed the protocol of a tracking client (it decides how a
  // flush's "all keys" null is written).
  void SetProtocol(uint64_t id, int protocol) ABSL_LOCKS_EXCLUDED(mu_);
  // Redis's checkPrefixCollisionsOrReply: the error for the first prefix
  // that overlaps another ("" when none does), and whether Redis goes on to
  // enable tracking anyway (it does after an overlap among the new
  // prefixes found past the first one).
  struct Collision {
    std::string error;
    bool proceed = true;
  };
  Collision PrefixCollision(uint64_t id, absl::Span<const std::string_view> prefixes)
      ABSL_LOCKS_EXCLUDED(mu_);
  TrackingInfo Info(uint64_t id) ABSL_LOCKS_EXCLUDED(mu_);

  // After a read-only command of a tracking client (not BCAST): its keys.
  void RememberKeys(uint64_t id, absl::Span<const std::string_view> keys) ABSL_LOCKS_EXCLUDED(mu_);

  // KeyTrackingSink: a key changed (see ChangeFeed::KeyChanged).
  void OnKeyChanged(std::string_view key, bool by_client) override ABSL_LOCKS_EXCLUDED(mu_);
  // FLUSHALL, FLUSHDB, DEBUG RELOAD (not SWAPDB, as in Redis 7.0): every
  // tracking client is told "all keys" (a null), and the table is emptied.
  void InvalidateAll() ABSL_LOCKS_EXCLUDED(mu_);

  // BCAST: the keys noted since the last call, sent to their prefixes'
  // clients. Called once per event loop iteration when broadcast_pending().
  bool broadcast_pending() const { return bcast_pending_.load(std::memory_order_relaxed); }
  void BroadcastPending() ABSL_LOCKS_EXCLUDED(mu_);

  // tracking-table-max-keys: forgets keys (telling their clients) while the
  // table is over the limit, with Redis's growing effort. After keys are
  // remembered, and in the cron when clients() > 0.
  void LimitUsedSlots(const Config& config) ABSL_LOCKS_EXCLUDED(mu_);

  // INFO.
  int64_t clients() const { return clients_count_.load(std::memory_order_relaxed); }
  uint64_t total_keys() ABSL_LOCKS_EXCLUDED(mu_);
  uint64_t total_items() ABSL_LOCKS_EXCLUDED(mu_);
  uint64_t total_prefixes() ABSL_LOCKS_EXCLUDED(mu_);

  // Marks the client whose command this thread runs (Redis's
  // server.current_client): NOLOOP compares against it, and while
  // `in_command` its own invalidations wait for FlushPending.
  class Scope {
   public:
    explicit Scope(uint64_t client_id);
    ~Scope();
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;
    void set_in_command(bool in_command);

   private:
    uint64_t prev_id_;
    bool prev_in_command_;
    bool prev_has_pending_;
  };
  // While it lives, what this thread does is not inside the current client's
  // command: evictions before a command runs (Redis's processCommand) send
  // the client's own invalidations before its reply, not after.
  class OutsideCommand {
   public:
    OutsideCommand();
    ~OutsideCommand();
    OutsideCommand(const OutsideCommand&) = delete;
    OutsideCommand& operator=(const OutsideCommand&) = delete;

   private:
    bool prev_in_command_;
  };
  // Sends what waited for the end of the command of client `id` (Redis's
  // trackingHandlePendingKeyInvalidations); `to_self` writes a message meant
  // for the client itself. Cheap when nothing waits.
  void FlushPending(uint64_t id, absl::FunctionRef<void(const PubSubMessage&)> to_self)
      ABSL_LOCKS_EXCLUDED(mu_);

 private:
  struct Client {
    uint32_t flags = 0;
    uint64_t redirect = 0;
    int protocol = 2;
    std::set<std::string> prefixes;
  };
  // A prefix of BCAST clients: the keys changed this iteration (with the
  // client that changed each last, 0 for none, for NOLOOP) and its clients.
  struct Prefix {
    std::map<std::string, uint64_t> keys;
    std::set<uint64_t> clients;
  };

  // Redis's trackingInvalidateKey.
  void InvalidateLocked(std::string_view key, uint64_t modifier, bool bcast)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Redis's sendTrackingMessage: `keys` is the RESP of the keys (an array,
  // or a null for "all"). `to_self` is used for messages to `id` itself
  // when given.
  void SendLocked(uint64_t id, Client& client, std::string_view keys,
                  const absl::FunctionRef<void(const PubSubMessage&)>* to_self = nullptr)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Send(uint64_t id, const PubSubMessage& message);
  void UpdateActiveLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  ClientDirectory* directory_ = nullptr;
  absl::Mutex mu_;
  absl::flat_hash_map<uint64_t, Client> clients_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, absl::flat_hash_set<uint64_t>> table_ ABSL_GUARDED_BY(mu_);
  uint64_t total_items_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<std::string, Prefix> prefixes_ ABSL_GUARDED_BY(mu_);
  // Invalidations waiting for the end of a client's command: its id, and
  // the RESP of the keys ("" for a flush's null, written per protocol then).
  std::vector<std::pair<uint64_t, std::string>> pending_ ABSL_GUARDED_BY(mu_);
  std::atomic<int64_t> clients_count_{0};
  std::atomic<bool> bcast_pending_{false};
  // tracking-table-max-keys, read again when the config changed; the table's
  // size, so a command under the limit checks it without the mutex.
  std::atomic<uint64_t> config_generation_{~uint64_t{0}};
  std::atomic<int64_t> max_keys_{0};
  std::atomic<size_t> keys_count_{0};
  std::atomic<unsigned> limit_rounds_{0};  // Redis's timeout_counter
};

}  // namespace valkdb
