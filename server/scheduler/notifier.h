#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
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

// Tracks in-flight requests by ID (the Go notifier of seeds/000, with the
// channel replaced by a Completion): Register a live ID once, Trigger it
// exactly once. Thread-safe.
class Notifier {
 public:
  // Fails with AlreadyExists if id is in flight.
  absl::Status Register(uint64_t id, Completion* completion) ABSL_LOCKS_EXCLUDED(mu_);
  // Completes and forgets id; NotFound if it is not in flight. The completion
  // runs on the calling thread, after the lock is released.
  absl::Status Trigger(uint64_t id, const Outcome& outcome) ABSL_LOCKS_EXCLUDED(mu_);
  // Fails every request in flight with `error` (shutdown); returns how many.
  size_t FailAll(std::string_view error) ABSL_LOCKS_EXCLUDED(mu_);
  // Forgets the requests of a completion that is going away (a closed
  // connection), without calling it.
  size_t Forget(Completion* completion) ABSL_LOCKS_EXCLUDED(mu_);
  size_t in_flight() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  mutable absl::Mutex mu_;
  absl::flat_hash_map<uint64_t, Completion*> requests_ ABSL_GUARDED_BY(mu_);
};

}  // namespace valkdb
