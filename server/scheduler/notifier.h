#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"  // server/net relies on it through this header
#include "absl/synchronization/mutex.h"

namespace valkdb {

// How a request ended: its reply was written by the command, or it failed
// before running (deadline passed, server stopping) with an error to send.
struct Outcome {
  bool ok = true;
  std::string error;  // Redis-style error text when !ok

  static Outcome Done() { return {}; }
  static Outcome Failed(std::string_view error) { return {false, std::string(error)}; }
};

// The waiting side of a request: told exactly once how the request ended.
class Completion {
 public:
  virtual ~Completion() = default;
  virtual void Complete(uint64_t id, const Outcome& outcome) = 0;
};

// A run of contiguous request ids first .. last with one owner, registered
// with the Notifier as one entry: what one read of one connection brings.
// The registrant (the Applier) owns the object and ends the ids itself, in
// order, with End; the notifier points at it while it is registered. Only
// RegisterBatch, under the notifier's lock, sets the run, so the notifier
// reads it under its lock and the registrant (the thread that calls
// RegisterBatch) reads it freely.
//
// Who ends an id is decided by one atomic counter, `ended`: the first
// `ended` ids of the run are over. End(id) moves it past id; Forget and
// FailAll move it to the end of the run in one step and so take every id
// not yet ended. Whoever moves the counter past an id owns that id's ending,
// so each id ends exactly once without a lock or a hash lookup per id.
class Batch {
 public:
  Batch() = default;
  Batch(const Batch&) = delete;
  Batch& operator=(const Batch&) = delete;

  uint64_t first() const { return first_; }
  uint64_t last() const { return first_ + (count_ - 1); }  // no overflow at UINT64_MAX
  uint64_t count() const { return count_; }
  Completion* owner() const { return owner_; }
  // Whether the notifier points at it; for the thread that registers it.
  bool registered() const { return registered_; }

  // Whether `id`, the next id of the run in order, is still waiting to end:
  // false once Forget or FailAll took it.
  bool Pending(uint64_t id) const { return ended_.load(std::memory_order_acquire) == id - first_; }
  // Takes `id`, the next id of the run in order, for the caller to end (it
  // calls the owner); false if Forget or FailAll took it first.
  bool End(uint64_t id) {
    uint64_t expected = id - first_;
    return ended_.compare_exchange_strong(expected, expected + 1, std::memory_order_acq_rel,
                                          std::memory_order_acquire);
  }

 private:
  friend class Notifier;
  // Takes every id not yet ended; returns how many had ended before.
  uint64_t TakeRest() { return ended_.exchange(count_, std::memory_order_acq_rel); }
  uint64_t Remaining() const { return count_ - ended_.load(std::memory_order_acquire); }
  // Every id has ended: the run no longer holds its ids.
  bool Spent() const { return Remaining() == 0; }

  uint64_t first_ = 0;
  uint64_t count_ = 0;
  Completion* owner_ = nullptr;
  bool registered_ = false;
  std::atomic<uint64_t> ended_{0};
};

// Tracks in-flight requests by ID (the Go notifier of seeds/000, with the
// channel replaced by a Completion), so that every request ends exactly
// once, a duplicate ID is refused, a closed connection's requests are
// dropped (Forget) and shutdown can fail whatever is left (FailAll).
// Thread-safe.
//
// Two ways in:
// - one id at a time, as in the Go original: Register, then Trigger exactly
//   once. A hash map entry per id, under the lock each time.
// - a Batch of contiguous ids with one owner, which is how the Applier uses
//   it: RegisterBatch once per run (one read of one connection), then the ids
//   end through the Batch's own counter without the lock, and the spent
//   batch is pointed at the next run by the next RegisterBatch. One lock
//   round trip and no per-id hashing for a whole run.
// Both share one id space: an id is refused while it is in flight either way.
// Registered batches are few (as many per applier as its busiest drain had
// runs: one, in the server), so they sit in a plain vector, checked one by one.
class Notifier {
 public:
  // Fails with AlreadyExists if id is in flight.
  absl::Status Register(uint64_t id, Completion* completion) ABSL_LOCKS_EXCLUDED(mu_);
  // Completes and forgets id (registered by Register); NotFound if it is not
  // in flight that way. The completion runs on the calling thread, after the
  // lock is released.
  absl::Status Trigger(uint64_t id, const Outcome& outcome) ABSL_LOCKS_EXCLUDED(mu_);

  // Under one lock: points `batch` at the run first .. first + count - 1
  // (count >= 1) of `owner` and registers it. AlreadyExists, and the batch
  // is left as it was, if an id of the run is in flight.
  // FailedPrecondition if the batch is registered with ids not yet ended.
  // The batch must stay alive until UnregisterBatch. A batch whose ids have
  // all ended no longer holds them and may stay registered: the registrant
  // points it at its next run here, one lock round trip per run.
  absl::Status RegisterBatch(Batch* batch, uint64_t first, uint64_t count, Completion* owner)
      ABSL_LOCKS_EXCLUDED(mu_);
  // Unregisters `batch` if it is registered; ids of it not yet ended are
  // dropped without calling the owner.
  void UnregisterBatch(Batch* batch) ABSL_LOCKS_EXCLUDED(mu_);

  // Fails every request in flight with `error` (shutdown); returns how many.
  // Completions run after the lock is released.
  size_t FailAll(std::string_view error) ABSL_LOCKS_EXCLUDED(mu_);
  // Forgets the requests of a completion that is going away (a closed
  // connection): none of the ids in flight for it is ended through it any
  // more. A completion that another thread is running at that moment may
  // still finish.
  size_t Forget(Completion* completion) ABSL_LOCKS_EXCLUDED(mu_);
  size_t in_flight() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  // Whether an id in first .. last is in flight (ids of a spent batch are not).
  bool InFlightLocked(uint64_t first, uint64_t last) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  absl::flat_hash_map<uint64_t, Completion*> requests_ ABSL_GUARDED_BY(mu_);
  std::vector<Batch*> batches_ ABSL_GUARDED_BY(mu_);
};

}  // namespace valkdb
