#include "server/commands/pubsub.h"

#include <sys/time.h>

#include <algorithm>
#include <cstdio>

#include "protocol/reply_buffer.h"
#include "protocol/resp_writer.h"
#include "protocol/str_util.h"
#include "server/commands/config.h"

namespace valkdb {
namespace {

// pattern is null for a plain channel message.
Bytes Encode(int protocol, std::string_view kind, const std::string* pattern,
             std::string_view channel, std::string_view message) {
  ReplyBuffer buffer;
  RespWriter out(&buffer, protocol);
  out.Push(pattern == nullptr ? 3 : 4);
  out.Bulk(kind);
  if (pattern != nullptr) out.Bulk(*pattern);
  out.Bulk(channel);
  out.Bulk(message);
  return Bytes::Copy(buffer.ToString());
}

PubSubMessage Make(std::string_view kind, const std::string* pattern, std::string_view channel,
                   std::string_view message) {
  return {Encode(2, kind, pattern, channel, message), Encode(3, kind, pattern, channel, message)};
}

}  // namespace

bool PubSubHub::Add(Registry& registry, Subscriber* s, std::string_view name) {
  return registry[std::string(name)].insert(s).second;
}

bool PubSubHub::Remove(Registry& registry, Subscriber* s, std::string_view name) {
  auto it = registry.find(std::string(name));
  if (it == registry.end() || it->second.erase(s) == 0) return false;
  if (it->second.empty()) registry.erase(it);
  return true;
}

bool PubSubHub::Subscribe(Subscriber* s, std::string_view channel) {
  absl::MutexLock lock(&mu_);
  return Add(channels_, s, channel);
}

bool PubSubHub::Unsubscribe(Subscriber* s, std::string_view channel) {
  absl::MutexLock lock(&mu_);
  return Remove(channels_, s, channel);
}

bool PubSubHub::PSubscribe(Subscriber* s, std::string_view pattern) {
  absl::MutexLock lock(&mu_);
  return Add(patterns_, s, pattern);
}

bool PubSubHub::PUnsubscribe(Subscriber* s, std::string_view pattern) {
  absl::MutexLock lock(&mu_);
  return Remove(patterns_, s, pattern);
}

bool PubSubHub::SSubscribe(Subscriber* s, std::string_view channel) {
  absl::MutexLock lock(&mu_);
  return Add(shard_channels_, s, channel);
}

bool PubSubHub::SUnsubscribe(Subscriber* s, std::string_view channel) {
  absl::MutexLock lock(&mu_);
  return Remove(shard_channels_, s, channel);
}

int64_t PubSubHub::SPublish(std::string_view channel, std::string_view message) {
  absl::MutexLock lock(&mu_);  // as Publish: delivery under the lock
  auto it = shard_channels_.find(std::string(channel));
  if (it == shard_channels_.end()) return 0;
  PubSubMessage encoded = Make("smessage", nullptr, channel, message);
  for (Subscriber* s : it->second) s->Deliver(encoded);
  return static_cast<int64_t>(it->second.size());
}

int64_t PubSubHub::Publish(std::string_view channel, std::string_view message) {
  // Delivery happens under the lock so a subscriber cannot be freed mid-way:
  // it unsubscribes (taking this lock) before it goes away.
  absl::MutexLock lock(&mu_);
  int64_t receivers = 0;
  auto it = channels_.find(std::string(channel));
  if (it != channels_.end()) {
    PubSubMessage encoded = Make("message", nullptr, channel, message);
    for (Subscriber* s : it->second) s->Deliver(encoded);
    receivers += static_cast<int64_t>(it->second.size());
  }
  for (const auto& [pattern, subscribers] : patterns_) {
    if (!GlobMatch(pattern, channel, false)) continue;
    PubSubMessage encoded = Make("pmessage", &pattern, channel, message);
    for (Subscriber* s : subscribers) s->Deliver(encoded);
    receivers += static_cast<int64_t>(subscribers.size());
  }
  return receivers;
}

std::vector<std::string> PubSubHub::Channels(std::string_view pattern, bool shard) const {
  absl::MutexLock lock(&mu_);
  std::vector<std::string> out;
  for (const auto& [channel, subscribers] : shard ? shard_channels_ : channels_) {
    if (pattern.empty() || GlobMatch(pattern, channel, false)) out.push_back(channel);
  }
  return out;
}

int64_t PubSubHub::NumSub(std::string_view channel, bool shard) const {
  absl::MutexLock lock(&mu_);
  const Registry& registry = shard ? shard_channels_ : channels_;
  auto it = registry.find(std::string(channel));
  return it == registry.end() ? 0 : static_cast<int64_t>(it->second.size());
}

int64_t PubSubHub::NumPat() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int64_t>(patterns_.size());
}

size_t PubSubHub::channel_count(bool shard) const {
  absl::MutexLock lock(&mu_);
  return shard ? shard_channels_.size() : channels_.size();
}

void MonitorHub::Add(Subscriber* s) {
  absl::MutexLock lock(&mu_);
  if (std::find(monitors_.begin(), monitors_.end(), s) != monitors_.end()) return;
  monitors_.push_back(s);
  count_.store(static_cast<int>(monitors_.size()), std::memory_order_relaxed);
}

void MonitorHub::Remove(Subscriber* s) {
  absl::MutexLock lock(&mu_);
  monitors_.erase(std::remove(monitors_.begin(), monitors_.end(), s), monitors_.end());
  count_.store(static_cast<int>(monitors_.size()), std::memory_order_relaxed);
}

void MonitorHub::Feed(int db, std::string_view peer, absl::Span<const std::string_view> argv) {
  timeval now;
  gettimeofday(&now, nullptr);
  char stamp[40];
  std::snprintf(stamp, sizeof(stamp), "+%ld.%06ld [", static_cast<long>(now.tv_sec),
                static_cast<long>(now.tv_usec));
  std::string line = StrCat(stamp, db, " ", peer, "] ");
  for (size_t j = 0; j < argv.size(); ++j) {
    if (j > 0) line += ' ';
    AppendRepr(argv[j], &line);
  }
  line += "\r\n";
  const Bytes bytes = Bytes::Copy(line);
  const PubSubMessage message{bytes, bytes};
  absl::MutexLock lock(&mu_);
  for (Subscriber* monitor : monitors_) monitor->Deliver(message);
}

void KeyspaceNotifier::OnKeyspaceEvent(uint32_t flags, int db, std::string_view event,
                                       std::string_view key) {
  if (flags & kEventKeyspace) hub_.Publish(StrCat("__keyspace@", db, "__:", key), event);
  if (flags & kEventKeyevent) hub_.Publish(StrCat("__keyevent@", db, "__:", event), key);
}

}  // namespace valkdb
