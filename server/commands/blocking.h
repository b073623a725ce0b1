#pragma once

// Blocking commands (BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP BZPOPMIN BZPOPMAX BZMPOP):
// clients waiting for a key to get elements, and serving them.
//
// A client blocks from its command's handler, under the locks of all its
// keys, after finding them empty: its Waiter is registered on every key
// before those locks are released. A command that creates a list on a key
// (a push, LMOVE's destination) holds that key's lock, so it either ran
// before the check (and the client did not block) or sees the waiter and
// marks the key ready. No wake-up is lost between the check and the wait.
//
// Ready keys are served right after the command that made them ready (after
// EXEC for a transaction), on the thread that ran it: for each ready key,
// waiters in FIFO order each pop what they asked for, under the locks of the
// key (and of a BLMOVE's destination), while the key has elements. Exactly
// one party ends a waiter — the server, its timeout, CLIENT UNBLOCK or its
// disconnection — decided by a compare-and-swap on its state; the finished
// reply goes to the waiter's own event loop, which writes it and resumes the
// client's pipeline.
//
// Lock order: shard locks, then the registry's mutex (a leaf).

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "server/store/entry.h"
#include "server/store/store.h"
#include "server/store/types/stream.h"

namespace valkdb {

struct ServerState;
struct Waiter;

// A key that got elements while clients may wait on it.
struct ReadyKey {
  int db;
  std::string key;
};

// What serving a waiter may use: the store, the server, the locks taken for
// it (its key, and its destination when it has one), and where to note keys
// the serve made ready in turn (a BLMOVE's destination).
struct ServeContext {
  Store& store;
  ServerState& server;
  const MultiShardLock& locks;
  int64_t now_ms;
  std::vector<ReadyKey>* ready;
};

// Serves `waiter` from `key`, which holds a value of the waiter's type with
// elements: pops, writes waiter.reply, publishes the change. Runs under the locks.
using ServeFn = void (*)(ServeContext& ctx, Waiter& waiter, std::string_view key);

struct Waiter {
  enum class State : int { kWaiting, kServed, kTimedOut, kError, kCancelled };

  uint64_t client_id = 0;
  int loop = 0;  // the client's event loop
  int db = 0;
  Entry::Type type = Entry::Type::kList;  // what a key must hold to serve it
  std::vector<std::string> keys;
  std::string destination;  // BLMOVE / BRPOPLPUSH: the key pushed to
  // The command's own choices (which end, how many), for its ServeFn.
  int from = 0, to = 0;
  int64_t count = -1;
  ServeFn serve = nullptr;
  // On timeout (and CLIENT UNBLOCK ... TIMEOUT): a null array (BLPOP,
  // BLMPOP...) or a null bulk (BLMOVE).
  bool null_array_on_timeout = true;
  int64_t deadline_ms = 0;  // 0: waits forever

  // XREAD / XREADGROUP: per key of `keys`, the ID new entries must follow;
  // XREADGROUP's group, consumer and NOACK.
  std::vector<StreamID> stream_ids;
  std::string group, consumer;
  bool noack = false;
  // Whether the key's value (of the waiter's type) serves the waiter now: a
  // stream only once it has an entry past the waiter's ID, so a push serves
  // every reader it can rather than the first. nullptr: any value does.
  bool (*can_serve)(const Entry& entry, const Waiter& waiter, std::string_view key) = nullptr;

  // WAIT: the reply on timeout (and CLIENT UNBLOCK ... TIMEOUT), computed then.
  std::function<std::string()> timeout_reply;

  std::atomic<State> state{State::kWaiting};
  bool resp3 = false;       // the client's protocol, for replies with scores
  std::string reply;        // RESP, written by whoever ended it with kServed
  bool registered = false;  // on the registry's lists; guarded by its mutex

  // Ends the wait as `to` if it is still waiting; true for the one caller that does.
  bool Finish(State to) {
    State expected = State::kWaiting;
    return state.compare_exchange_strong(expected, to, std::memory_order_acq_rel);
  }
};

class BlockingRegistry {
 public:
  // How an ended waiter reaches its client: posts it to the client's loop
  // (set by the network layer; thread-safe).
  using Deliver = std::function<void(int loop, uint64_t client_id)>;
  void set_deliver(Deliver deliver) { deliver_ = std::move(deliver); }

  // Hands an ended waiter to its client's loop (WAIT, ended by the replication module).
  void DeliverEnded(const Waiter& waiter) {
    if (deliver_) deliver_(waiter.loop, waiter.client_id);
  }
  // Clients waiting now (one atomic load: pushes check it before anything else).
  int64_t waiting() const { return waiting_.load(std::memory_order_acquire); }

  // Registers a waiter on each of its keys; call under the keys' shard locks.
  void Add(std::shared_ptr<Waiter> waiter) ABSL_LOCKS_EXCLUDED(mu_);
  // Takes an ended waiter off its keys (its owner calls it once).
  void Remove(Waiter& waiter) ABSL_LOCKS_EXCLUDED(mu_);
  // Whether someone waits on the key; call under the key's shard lock.
  bool HasWaiters(int db, std::string_view key) ABSL_LOCKS_EXCLUDED(mu_);
  // Whether an XREADGROUP waits on the key (which a change may end).
  bool HasStreamGroupWaiters(int db, std::string_view key) ABSL_LOCKS_EXCLUDED(mu_);
  // Test-only: with VALKDB_TEST_DROP_WAKEUP_EVERY=N in the server's environment,
  // every Nth wake-up is dropped (a key made ready is not served), so the
  // blocking stress test can prove that it notices a lost wake-up. Always
  // false otherwise.
  bool DropThisWakeup() {
    return drop_every_ > 0 &&
           wakeups_.fetch_add(1, std::memory_order_relaxed) % drop_every_ == drop_every_ - 1;
  }
  // The keys clients wait on in `db` (SWAPDB checks them).
  std::vector<std::string> WaitedKeys(int db) ABSL_LOCKS_EXCLUDED(mu_);
  // CLIENT UNBLOCK: ends the client's wait as a timeout or an error and
  // delivers it; false if the client is not waiting.
  bool Unblock(uint64_t client_id, bool error) ABSL_LOCKS_EXCLUDED(mu_);

  // Serves the waiters of every ready key (and of keys that serving makes
  // ready), as described at the top of this file. Takes its own locks:
  // call with none held.
  void ServeReady(Store& store, ServerState& server, int64_t now_ms, std::vector<ReadyKey>* ready)
      ABSL_LOCKS_EXCLUDED(mu_);

 private:
  using KeyId = std::pair<int, std::string>;
  struct KeyIdHash {
    size_t operator()(const KeyId& k) const;
  };
  // The first waiter on a key that wants a value of `type`, or null; the
  // waiters in `passed` (the key could not serve them) are skipped.
  std::shared_ptr<Waiter> First(int db, std::string_view key, Entry::Type type,
                                const std::vector<const Waiter*>& passed) ABSL_LOCKS_EXCLUDED(mu_);
  void RemoveLocked(Waiter& waiter) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The key no longer holds a stream: its XREADGROUP waiters end with an
  // error (Redis's unblockDeletedStreamReadgroupClients).
  void EndStreamGroupWaiters(int db, std::string_view key) ABSL_LOCKS_EXCLUDED(mu_);

  absl::Mutex mu_;
  absl::flat_hash_map<KeyId, std::deque<std::shared_ptr<Waiter>>, KeyIdHash> by_key_
      ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<uint64_t, std::shared_ptr<Waiter>> by_client_ ABSL_GUARDED_BY(mu_);
  std::atomic<int64_t> waiting_{0};
  const int64_t drop_every_ = DropEveryFromEnvironment();
  std::atomic<int64_t> wakeups_{0};
  Deliver deliver_;
  static int64_t DropEveryFromEnvironment();
};

// Appends RESP for the served replies (the same bytes in RESP2 and RESP3).
void AppendArrayHeader(std::string* out, size_t count);
void AppendBulk(std::string* out, std::string_view bytes);
// A double as RESP3 ',' or as RESP2's bulk string (RespWriter::Double's bytes).
void AppendDouble(std::string* out, double value, bool resp3);

}  // namespace valkdb
