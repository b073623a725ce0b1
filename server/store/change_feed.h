#pragma once

#include <atomic>
#include <cstdint>
#include <string_view>

#include "absl/types/span.h"

namespace valkdb {

// One change to the keyspace, in the form Redis would propagate it to an
// AOF or a replica: the database and a command that, replayed in `seq`
// order, rebuilds the same keyspace (SET ... EX as SET ... PXAT, SPOP as
// SREM, INCRBYFLOAT as SET ... KEEPTTL, an expiry as DEL, a transaction
// between MULTI and EXEC records).
struct Change {
  uint64_t seq;
  int db;
  absl::Span<const std::string_view> argv;  // valid during the call only
};

// Persistence, replication and keyspace notifications read the feed.
class ChangeObserver {
 public:
  virtual ~ChangeObserver() = default;
  // Called with the locks of the changed keys held, on the thread that made
  // the change: copy what is needed and return.
  virtual void OnChange(const Change& change) = 0;
};

// The one change feed. With several event loops no lock is shared by all
// writes, so order comes from one atomic counter, taken while the changed
// keys' shards are locked: two changes of one key are numbered in the order
// they happened, and a multi-key command is one record. Consumers merge by
// seq. No global mutex on the write path; with no observer, publishing
// costs one load.
class ChangeFeed {
 public:
  static constexpr int kMaxObservers = 4;

  // Subscribe and Unsubscribe are safe while writes run only where no
  // change can be in flight: before serving, or with every shard locked
  // (an AOF turned on at a snapshot's instant). An observer must outlive
  // the feed's last Publish.
  void Subscribe(ChangeObserver* observer) {
    for (auto& slot : observers_) {
      if (slot.load(std::memory_order_relaxed) == nullptr) {
        slot.store(observer, std::memory_order_release);
        count_.fetch_add(1, std::memory_order_release);
        return;
      }
    }
  }
  void Unsubscribe(ChangeObserver* observer) {
    for (auto& slot : observers_) {
      if (slot.load(std::memory_order_relaxed) == observer) {
        slot.store(nullptr, std::memory_order_release);
        count_.fetch_sub(1, std::memory_order_release);
      }
    }
  }
  bool active() const { return count_.load(std::memory_order_acquire) != 0; }

  void Publish(int db, absl::Span<const std::string_view> argv) {
    if (!active()) return;
    const Change change{seq_.fetch_add(1, std::memory_order_relaxed) + 1, db, argv};
    for (auto& slot : observers_) {
      if (ChangeObserver* observer = slot.load(std::memory_order_acquire)) {
        observer->OnChange(change);
      }
    }
  }
  void Publish(int db, std::initializer_list<std::string_view> argv) {
    Publish(db, absl::Span<const std::string_view>(argv.begin(), argv.size()));
  }

 private:
  std::atomic<uint64_t> seq_{0};
  std::atomic<int> count_{0};
  std::atomic<ChangeObserver*> observers_[kMaxObservers] = {};
};

}  // namespace valkdb
