#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "protocol/bytes.h"
#include "server/store/change_feed.h"

namespace valkdb {

// A message ready to send, already encoded for each protocol so every
// receiver shares the same bytes.
struct PubSubMessage {
  Bytes resp2;  // empty: nothing for a RESP2 client (a tracking push)
  Bytes resp3;
  // A redirected tracking invalidation: a RESP2 client takes it (as a
  // __redis__:invalidate message) only while it is subscribed.
  bool resp2_if_subscribed = false;
};

// Receives published messages. Deliver may be called from any thread (the
// publisher's); the implementation hands the message to its own loop.
class Subscriber {
 public:
  virtual ~Subscriber() = default;
  virtual void Deliver(const PubSubMessage& message) = 0;
};

// Channels and patterns → subscribers, for all event loops.
class PubSubHub {
 public:
  // Return whether the subscription is new.
  bool Subscribe(Subscriber* s, std::string_view channel) ABSL_LOCKS_EXCLUDED(mu_);
  bool Unsubscribe(Subscriber* s, std::string_view channel) ABSL_LOCKS_EXCLUDED(mu_);
  bool PSubscribe(Subscriber* s, std::string_view pattern) ABSL_LOCKS_EXCLUDED(mu_);
  bool PUnsubscribe(Subscriber* s, std::string_view pattern) ABSL_LOCKS_EXCLUDED(mu_);
  // Delivers to channel subscribers and matching patterns; returns receivers.
  int64_t Publish(std::string_view channel, std::string_view message) ABSL_LOCKS_EXCLUDED(mu_);

  // Shard channels (SSUBSCRIBE, SPUBLISH): a namespace of their own, without
  // patterns; "smessage" to their subscribers.
  bool SSubscribe(Subscriber* s, std::string_view channel) ABSL_LOCKS_EXCLUDED(mu_);
  bool SUnsubscribe(Subscriber* s, std::string_view channel) ABSL_LOCKS_EXCLUDED(mu_);
  int64_t SPublish(std::string_view channel, std::string_view message) ABSL_LOCKS_EXCLUDED(mu_);

  // PUBSUB CHANNELS/NUMSUB/NUMPAT, and SHARDCHANNELS/SHARDNUMSUB (shard).
  std::vector<std::string> Channels(std::string_view pattern, bool shard = false) const
      ABSL_LOCKS_EXCLUDED(mu_);
  int64_t NumSub(std::string_view channel, bool shard = false) const ABSL_LOCKS_EXCLUDED(mu_);
  int64_t NumPat() const ABSL_LOCKS_EXCLUDED(mu_);
  size_t channel_count(bool shard = false) const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  using Registry = absl::flat_hash_map<std::string, absl::flat_hash_set<Subscriber*>>;
  static bool Add(Registry& registry, Subscriber* s, std::string_view name);
  static bool Remove(Registry& registry, Subscriber* s, std::string_view name);

  mutable absl::Mutex mu_;
  Registry channels_ ABSL_GUARDED_BY(mu_);
  Registry patterns_ ABSL_GUARDED_BY(mu_);
  Registry shard_channels_ ABSL_GUARDED_BY(mu_);
};

// MONITOR: clients that see every command the server runs, as Redis's
// replicationFeedMonitors prints it. One relaxed load per command when
// nobody monitors.
class MonitorHub {
 public:
  bool active() const { return count_.load(std::memory_order_relaxed) > 0; }
  void Add(Subscriber* s) ABSL_LOCKS_EXCLUDED(mu_);
  void Remove(Subscriber* s) ABSL_LOCKS_EXCLUDED(mu_);
  // "+<unix s>.<us> [<db> <peer>] "arg" ..." to every monitor.
  void Feed(int db, std::string_view peer, absl::Span<const std::string_view> argv)
      ABSL_LOCKS_EXCLUDED(mu_);

 private:
  absl::Mutex mu_;
  std::vector<Subscriber*> monitors_ ABSL_GUARDED_BY(mu_);
  std::atomic<int> count_{0};
};

// notify-keyspace-events: the change feed's keyspace events published as
// Redis publishes them (__keyspace@<db>__:<key> and __keyevent@<db>__:<event>).
class KeyspaceNotifier : public KeyspaceEventSink {
 public:
  explicit KeyspaceNotifier(PubSubHub& hub) : hub_(hub) {}
  void OnKeyspaceEvent(uint32_t flags, int db, std::string_view event,
                       std::string_view key) override;

 private:
  PubSubHub& hub_;
};

}  // namespace valkdb
