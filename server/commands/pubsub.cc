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

bool PubSubHub::Subscribe(Subscriber* s, std::string_view channel) {
  absl::MutexLock lock(&mu_);
  return channels_[std::string(channel)].insert(s).second;
}

bool PubSubHub::Unsubscribe(Subscriber* s, std::string_view channel) {
  absl::MutexLock lock(&mu_);
  auto it = channels_.find(std::string(channel));
  if (it == channels_.end() || it->second.erase(s) == 0) return false;
  if (it->second.empty()) channels_.erase(it);
  return true;
}

bool PubSubHub::PSubscribe(Subscriber* s, std::string_view pattern) {
  absl::MutexLock lock(&mu_);
  return patterns_[std::string(pattern)].insert(s).second;
}

bool PubSubHub::PUnsubscribe(Subscriber* s, std::string_view pattern) {
  absl::MutexLock lock(&mu_);
  auto it = patterns_.find(std::string(pattern));
  if (it == patterns_.end() || it->second.erase(s) == 0) return false;
  if (it->second.empty()) patterns_.erase(it);
  return true;
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

std::vector<std::string> PubSubHub::Channels(std::string_view pattern) const {
  absl::MutexLock lock(&mu_);
  std::vector<std::string> out;
  for (const auto& [channel, subscribers] : channels_) {
    if (pattern.empty() || GlobMatch(pattern, channel, false)) out.push_back(channel);
  }
  return out;
}

int64_t PubSubHub::NumSub(std::string_view channel) const {
  absl::MutexLock lock(&mu_);
  auto it = channels_.find(std::string(channel));
  return it == channels_.end() ? 0 : static_cast<int64_t>(it->second.size());
}

int64_t PubSubHub::NumPat() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int64_t>(patterns_.size());
}

size_t PubSubHub::channel_count() const {
  absl::MutexLock lock(&mu_);
  return channels_.size();
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
