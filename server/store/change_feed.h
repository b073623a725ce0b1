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
  // For replicas only, not the AOF (PUBLISH, SPUBLISH: Redis's PROPAGATE_REPL).
  bool replicas_only = false;
  // For the AOF only, not replicas (a script's writes under
  // redis.set_repl(redis.REPL_AOF)).
  bool aof_only = false;
};

// Keyspace notification classes (notify-keyspace-events), Redis's NOTIFY_*.
enum KeyspaceEvent : uint32_t {
  kEventKeyspace = 1 << 0,  // K: __keyspace@<db>__:<key> <event>
  kEventKeyevent = 1 << 1,  // E: __keyevent@<db>__:<event> <key>
  kEventGeneric = 1 << 2,   // g
  kEventString = 1 << 3,    // $
  kEventList = 1 << 4,      // l
  kEventSet = 1 << 5,       // s
  kEventHash = 1 << 6,      // h
  kEventZset = 1 << 7,      // z
  kEventExpired = 1 << 8,   // x
  kEventEvicted = 1 << 9,   // e
  kEventStream = 1 << 10,   // t
  kEventKeyMiss = 1 << 11,  // m
  kEventModule = 1 << 12,   // d
  kEventNew = 1 << 13,      // n
  kEventAll = kEventGeneric | kEventString | kEventList | kEventSet | kEventHash | kEventZset |
              kEventExpired | kEventEvicted | kEventStream | kEventModule,
};
// The class bits of a (validated) notify-keyspace-events value.
inline uint32_t KeyspaceEventFlags(std::string_view letters) {
  uint32_t flags = 0;
  for (char c : letters) {
    switch (c) {
      case 'A':
        flags |= kEventAll;
        break;
      case 'g':
        flags |= kEventGeneric;
        break;
      case '$':
        flags |= kEventString;
        break;
      case 'l':
        flags |= kEventList;
        break;
      case 's':
        flags |= kEventSet;
        break;
      case 'h':
        flags |= kEventHash;
        break;
      case 'z':
        flags |= kEventZset;
        break;
      case 'x':
        flags |= kEventExpired;
        break;
      case 'e':
        flags |= kEventEvicted;
        break;
      case 't':
        flags |= kEventStream;
        break;
      case 'm':
        flags |= kEventKeyMiss;
        break;
      case 'd':
        flags |= kEventModule;
        break;
      case 'n':
        flags |= kEventNew;
        break;
      case 'K':
        flags |= kEventKeyspace;
        break;
      case 'E':
        flags |= kEventKeyevent;
        break;
      default:
        break;
    }
  }
  return flags;
}

// Receives keyspace events (the pub/sub side of notify-keyspace-events).
class KeyspaceEventSink {
 public:
  virtual ~KeyspaceEventSink() = default;
  // Called with the key's lock held, on the thread that made the change.
  virtual void OnKeyspaceEvent(uint32_t flags, int db, std::string_view event,
                               std::string_view key) = 0;
};

// Receives every key change for client-side caching (CLIENT TRACKING).
// active() is one relaxed load: false while nothing is tracked, so a change
// costs no more than that.
class KeyTrackingSink {
 public:
  virtual ~KeyTrackingSink() = default;
  bool active() const { return active_.load(std::memory_order_relaxed); }
  // Called with the key's lock held, on the thread that made the change;
  // by_client is false for an expiry (no client made it).
  virtual void OnKeyChanged(std::string_view key, bool by_client) = 0;

 protected:
  std::atomic<bool> active_{false};
};

// Persistence, replication and keyspace notifications read the feed.
class ChangeObserver {
 public:
  virtual ~ChangeObserver() = default;
  // Called with the locks of the changed keys held, on the thread that made
  // the change: copy what is needed and return.
  virtual void OnChange(const Change& change) = 0;
  // Whether a change for replicas only would go anywhere now: a master's
  // replication stream is open (Redis's shouldPropagate(PROPAGATE_REPL)).
  // Called on any thread, without locks.
  virtual bool TakesReplicasOnly() const { return false; }
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
  // A command for replicas only (PUBLISH): observers that keep the keyspace
  // (the AOF) skip it. Only worth publishing when replicas_listening().
  void PublishToReplicas(int db, absl::Span<const std::string_view> argv) {
    if (!active()) return;
    const Change change{seq_.fetch_add(1, std::memory_order_relaxed) + 1, db, argv, true};
    for (auto& slot : observers_) {
      if (ChangeObserver* observer = slot.load(std::memory_order_acquire)) {
        observer->OnChange(change);
      }
    }
  }
  // A command for the AOF only: replicas skip it.
  void PublishToAof(int db, absl::Span<const std::string_view> argv) {
    if (!active()) return;
    Change change{seq_.fetch_add(1, std::memory_order_relaxed) + 1, db, argv};
    change.aof_only = true;
    for (auto& slot : observers_) {
      if (ChangeObserver* observer = slot.load(std::memory_order_acquire)) {
        observer->OnChange(change);
      }
    }
  }
  bool replicas_listening() const {
    if (!active()) return false;
    for (auto& slot : observers_) {
      ChangeObserver* observer = slot.load(std::memory_order_acquire);
      if (observer != nullptr && observer->TakesReplicasOnly()) return true;
    }
    return false;
  }

  // Keyspace events: each change also raises Redis's event for it (`type`
  // a class above), delivered to the sink when notify-keyspace-events
  // enables the class. One relaxed load when notifications are off.
  void SetEventSink(KeyspaceEventSink* sink) { sink_ = sink; }  // before serving
  void SetEventFlags(uint32_t flags) {
    // Neither K nor E: nothing would be published.
    if ((flags & (kEventKeyspace | kEventKeyevent)) == 0) flags = 0;
    event_flags_.store(flags, std::memory_order_relaxed);
  }
  // Client-side caching: a key changed (Redis's trackingInvalidateKey from
  // signalModifiedKey). One relaxed load when nothing is tracked.
  void SetTrackingSink(KeyTrackingSink* sink) { tracking_sink_ = sink; }  // before serving
  void KeyChanged(std::string_view key, bool by_client) {
    if (tracking_sink_ != nullptr && tracking_sink_->active()) {
      tracking_sink_->OnKeyChanged(key, by_client);
    }
  }

  // A replica (replica-read-only): an expired key is kept until its
  // master's DEL arrives — reads see it as missing, the master's commands
  // see it as it is (Redis's expireIfNeeded on a replica).
  void SetMasterDrivesExpiry(bool on) { master_expiry_.store(on, std::memory_order_relaxed); }
  bool master_drives_expiry() const { return master_expiry_.load(std::memory_order_relaxed); }
  // CLIENT PAUSE (and a failover's pause): until this unix ms an expired key
  // is not deleted — reads see it as missing, nothing is propagated — as
  // Redis 7.0's expireIfNeeded does while clients are paused.
  void HoldExpiryUntil(int64_t unix_ms) {
    expiry_held_until_.store(unix_ms, std::memory_order_relaxed);
  }
  bool expiry_held(int64_t now_ms) const {
    return now_ms < expiry_held_until_.load(std::memory_order_relaxed);
  }
  // Set on the replication link's thread while it applies its master's stream.
  static inline thread_local bool applying_master_stream = false;

  bool Wants(uint32_t type) const {
    return (event_flags_.load(std::memory_order_relaxed) & type) != 0;
  }
  void Notify(uint32_t type, int db, std::string_view event, std::string_view key) {
    const uint32_t flags = event_flags_.load(std::memory_order_relaxed);
    if ((flags & type) != 0 && sink_ != nullptr) sink_->OnKeyspaceEvent(flags, db, event, key);
  }

 private:
  KeyspaceEventSink* sink_ = nullptr;
  KeyTrackingSink* tracking_sink_ = nullptr;
  std::atomic<uint32_t> event_flags_{0};
  std::atomic<bool> master_expiry_{false};
  std::atomic<int64_t> expiry_held_until_{0};
  std::atomic<uint64_t> seq_{0};
  std::atomic<int> count_{0};
  std::atomic<ChangeObserver*> observers_[kMaxObservers] = {};
};

}  // namespace valkdb
