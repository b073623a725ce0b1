#include "server/commands/tracking.h"

#include <vector>

#include "protocol/str_util.h"
#include "server/commands/config.h"
#include "server/commands/server_state.h"

namespace valkdb {
namespace {

// The client whose command this thread runs (Redis's server.current_client),
// and whether it is inside the command (Redis's fixed_time_expire), so its
// own invalidations wait for the reply.
struct Current {
  uint64_t id = 0;
  bool in_command = false;
  bool has_pending = false;
};
thread_local Current current;

constexpr std::string_view kInvalidatePush = ">2\r\n$10\r\ninvalidate\r\n";
constexpr std::string_view kInvalidateMessage =
    "*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n";

std::string KeyArray(std::string_view key) {
  return StrCat("*1\r\n$", key.size(), "\r\n", key, "\r\n");
}

// Redis's shared.null[resp]: the "all keys" of a flush.
std::string_view Null(int protocol) { return protocol >= 3 ? "_\r\n" : "$-1\r\n"; }

// Redis's trackingBuildBroadcastReply: the keys not last changed by
// `exclude` (0: all of them); "" when that leaves none.
std::string BroadcastReply(const std::map<std::string, uint64_t>& keys, uint64_t exclude) {
  size_t count = 0;
  for (const auto& [key, modifier] : keys) {
    if (exclude == 0 || modifier != exclude) ++count;
  }
  if (count == 0) return "";
  std::string out = StrCat("*", count, "\r\n");
  for (const auto& [key, modifier] : keys) {
    if (exclude != 0 && modifier == exclude) continue;
    StrAppend(&out, "$", key.size(), "\r\n", key, "\r\n");
  }
  return out;
}

// Whether one of two prefixes starts the other.
bool Overlap(std::string_view a, std::string_view b) {
  const size_t n = std::min(a.size(), b.size());
  return a.substr(0, n) == b.substr(0, n);
}

// As Redis prints a prefix with %s: up to a NUL byte.
std::string_view CStr(std::string_view s) { return s.substr(0, s.find('\0')); }

}  // namespace

Tracking::Scope::Scope(uint64_t client_id)
    : prev_id_(current.id),
      prev_in_command_(current.in_command),
      prev_has_pending_(current.has_pending) {
  current.id = client_id;
  current.in_command = false;
  current.has_pending = false;
}

Tracking::Scope::~Scope() {
  current.id = prev_id_;
  current.in_command = prev_in_command_;
  current.has_pending = prev_has_pending_;
}

void Tracking::Scope::set_in_command(bool in_command) { current.in_command = in_command; }

Tracking::OutsideCommand::OutsideCommand() : prev_in_command_(current.in_command) {
  current.in_command = false;
}

Tracking::OutsideCommand::~OutsideCommand() { current.in_command = prev_in_command_; }

void Tracking::UpdateActiveLocked() {
  active_.store(!table_.empty() || !prefixes_.empty(), std::memory_order_relaxed);
  keys_count_.store(table_.size(), std::memory_order_relaxed);
}

void Tracking::Enable(uint64_t id, int protocol, uint64_t redirect, uint32_t options,
                      absl::Span<const std::string_view> prefixes) {
  absl::MutexLock lock(&mu_);
  auto [it, inserted] = clients_.try_emplace(id);
  if (inserted) clients_count_.fetch_add(1, std::memory_order_relaxed);
  Client& client = it->second;
  client.flags = kTrackingOn | (options & (kTrackingOptIn | kTrackingOptOut | kTrackingNoLoop));
  client.redirect = redirect;
  client.protocol = protocol;
  if (options & kTrackingBcast) {
    client.flags |= kTrackingBcast;
    // A loop, not a lambda: clang's thread-safety analysis does not see mu_ held in one.
    std::vector<std::string_view> names(prefixes.begin(), prefixes.end());
    if (names.empty()) names.push_back("");
    for (std::string_view prefix : names) {
      std::string name(prefix);
      prefixes_[name].clients.insert(id);
      client.prefixes.insert(std::move(name));
    }
  }
  UpdateActiveLocked();
}

void Tracking::Disable(uint64_t id) {
  absl::MutexLock lock(&mu_);
  auto it = clients_.find(id);
  if (it == clients_.end()) return;
  for (const std::string& name : it->second.prefixes) {
    auto p = prefixes_.find(name);
    if (p == prefixes_.end()) continue;
    p->second.clients.erase(id);
    if (p->second.clients.empty()) prefixes_.erase(p);
  }
  clients_.erase(it);
  clients_count_.fetch_sub(1, std::memory_order_relaxed);
  UpdateActiveLocked();
}

void Tracking::SetProtocol(uint64_t id, int protocol) {
  absl::MutexLock lock(&mu_);
  auto it = clients_.find(id);
  if (it != clients_.end()) it->second.protocol = protocol;
}

Tracking::Collision Tracking::PrefixCollision(uint64_t id,
                                              absl::Span<const std::string_view> prefixes) {
  absl::MutexLock lock(&mu_);
  auto it = clients_.find(id);
  for (size_t i = 0; i < prefixes.size(); ++i) {
    if (it != clients_.end()) {
      for (const std::string& existing : it->second.prefixes) {
        if (Overlap(existing, prefixes[i])) {
          return {StrCat("Prefix '", CStr(prefixes[i]), "' overlaps with an existing prefix '",
                         CStr(existing), "'. Prefixes for a single client must not overlap."),
                  false};
        }
      }
    }
    for (size_t j = i + 1; j < prefixes.size(); ++j) {
      if (Overlap(prefixes[i], prefixes[j])) {
        // Redis 7.0 returns the index here as "no collision" unless it is 0:
        // past the first prefix it replies the error and goes on.
        return {StrCat("Prefix '", CStr(prefixes[i]), "' overlaps with another provided prefix '",
                       CStr(prefixes[j]), "'. Prefixes for a single client must not overlap."),
                i != 0};
      }
    }
  }
  return {};
}

TrackingInfo Tracking::Info(uint64_t id) {
  absl::MutexLock lock(&mu_);
  TrackingInfo info;
  auto it = clients_.find(id);
  if (it == clients_.end()) return info;
  info.flags = it->second.flags;
  info.redirect = it->second.redirect;
  info.prefixes.assign(it->second.prefixes.begin(), it->second.prefixes.end());
  return info;
}

void Tracking::RememberKeys(uint64_t id, absl::Span<const std::string_view> keys) {
  if (keys.empty()) return;
  absl::MutexLock lock(&mu_);
  for (std::string_view key : keys) {
    auto it = table_.find(ToAbsl(key));
    if (it == table_.end())
      it = table_.emplace(std::string(key), absl::flat_hash_set<uint64_t>()).first;
    if (it->second.insert(id).second) ++total_items_;
  }
  UpdateActiveLocked();
}

void Tracking::OnKeyChanged(std::string_view key, bool by_client) {
  absl::MutexLock lock(&mu_);
  InvalidateLocked(key, by_client ? current.id : 0, /*bcast=*/true);
}

void Tracking::InvalidateLocked(std::string_view key, uint64_t modifier, bool bcast) {
  if (bcast && !prefixes_.empty()) {
    for (auto& [name, prefix] : prefixes_) {
      if (name.size() > key.size() || key.substr(0, name.size()) != name) continue;
      prefix.keys[std::string(key)] = modifier;
      bcast_pending_.store(true, std::memory_order_relaxed);
    }
  }
  auto it = table_.find(ToAbsl(key));
  if (it == table_.end()) return;
  // The entry goes before sending: a message cannot reach back into it.
  absl::flat_hash_set<uint64_t> ids = std::move(it->second);
  const std::string name(key);
  table_.erase(it);
  total_items_ -= ids.size();
  UpdateActiveLocked();
  std::string keys;
  for (uint64_t id : ids) {
    auto c = clients_.find(id);
    // Gone, not tracking, or switched to BCAST since it read the key.
    if (c == clients_.end() || (c->second.flags & kTrackingBcast)) continue;
    if ((c->second.flags & kTrackingNoLoop) && id == current.id) continue;
    if (keys.empty()) keys = KeyArray(name);
    if (id == current.id && current.in_command) {
      pending_.emplace_back(id, keys);
      current.has_pending = true;
    } else {
      SendLocked(id, c->second, keys);
    }
  }
}

void Tracking::InvalidateAll() {
  absl::MutexLock lock(&mu_);
  for (auto& [id, client] : clients_) {
    if (id == current.id) {
      pending_.emplace_back(id, "");  // the null, written for its protocol then
      current.has_pending = true;
    } else {
      SendLocked(id, client, Null(client.protocol));
    }
  }
  table_.clear();
  total_items_ = 0;
  UpdateActiveLocked();
}

void Tracking::FlushPending(uint64_t id, absl::FunctionRef<void(const PubSubMessage&)> to_self) {
  if (!current.has_pending) return;
  current.has_pending = false;
  absl::MutexLock lock(&mu_);
  std::vector<std::pair<uint64_t, std::string>> mine;
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (it->first == id) {
      mine.push_back(std::move(*it));
      it = pending_.erase(it);
    } else {
      ++it;
    }
  }
  for (auto& [client_id, keys] : mine) {
    // A client that turned tracking off meanwhile still gets it, as in Redis.
    Client off;
    auto c = clients_.find(client_id);
    Client& client = c != clients_.end() ? c->second : off;
    SendLocked(client_id, client, keys.empty() ? Null(client.protocol) : keys, &to_self);
  }
}

void Tracking::Send(uint64_t id, const PubSubMessage& message) {
  if (directory_ != nullptr) directory_->Send(id, message);
}

void Tracking::SendLocked(uint64_t id, Client& client, std::string_view keys,
                          const absl::FunctionRef<void(const PubSubMessage&)>* to_self) {
  auto to_client = [&](const PubSubMessage& message) {
    if (to_self != nullptr) {
      (*to_self)(message);
    } else {
      Send(id, message);
    }
  };
  const Bytes push = Bytes::Copy(StrCat(kInvalidatePush, keys));
  if (client.redirect == 0) {
    // RESP2 has no pushes: a client that does not redirect gets nothing.
    to_client(PubSubMessage{Bytes(), push});
    return;
  }
  PubSubMessage message{Bytes::Copy(StrCat(kInvalidateMessage, keys)), push,
                        /*resp2_if_subscribed=*/true};
  if (client.redirect == id && to_self != nullptr) {
    (*to_self)(message);
    return;
  }
  if (directory_ != nullptr && directory_->Send(client.redirect, message)) return;
  client.flags |= kTrackingBrokenRedir;
  to_client(PubSubMessage{
      Bytes(),
      Bytes::Copy(StrCat(">2\r\n$21\r\ntracking-redir-broken\r\n:", client.redirect, "\r\n"))});
}

void Tracking::BroadcastPending() {
  absl::MutexLock lock(&mu_);
  bcast_pending_.store(false, std::memory_order_relaxed);
  for (auto& [name, prefix] : prefixes_) {
    if (prefix.keys.empty()) continue;
    const std::string all = BroadcastReply(prefix.keys, 0);
    for (uint64_t id : prefix.clients) {
      auto c = clients_.find(id);
      if (c == clients_.end()) continue;
      if (c->second.flags & kTrackingNoLoop) {
        // Without the keys this client changed itself.
        const std::string own = BroadcastReply(prefix.keys, id);
        if (!own.empty()) SendLocked(id, c->second, own);
      } else {
        SendLocked(id, c->second, all);
      }
    }
    prefix.keys.clear();
  }
}

void Tracking::LimitUsedSlots(const Config& config) {
  const uint64_t generation = config.generation();
  if (generation != config_generation_.load(std::memory_order_relaxed)) {
    max_keys_.store(config.GetInt("tracking-table-max-keys"), std::memory_order_relaxed);
    config_generation_.store(generation, std::memory_order_relaxed);
  }
  const int64_t max_keys = max_keys_.load(std::memory_order_relaxed);
  if (max_keys <= 0) return;  // no limit
  if (keys_count_.load(std::memory_order_relaxed) <= static_cast<size_t>(max_keys) &&
      limit_rounds_.load(std::memory_order_relaxed) == 0) {
    return;
  }
  absl::MutexLock lock(&mu_);
  if (table_.size() <= static_cast<size_t>(max_keys)) {
    limit_rounds_.store(0, std::memory_order_relaxed);
    return;
  }
  // Redis's effort grows with each call that found the table still over.
  int effort = 100 * static_cast<int>(limit_rounds_.load(std::memory_order_relaxed) + 1);
  while (effort-- > 0 && !table_.empty()) {
    // Any key will do (Redis walks its radix tree at random).
    const std::string key = table_.begin()->first;
    InvalidateLocked(key, 0, /*bcast=*/false);
    if (table_.size() <= static_cast<size_t>(max_keys)) {
      limit_rounds_.store(0, std::memory_order_relaxed);
      return;
    }
  }
  limit_rounds_.fetch_add(1, std::memory_order_relaxed);
}

uint64_t Tracking::total_keys() {
  absl::MutexLock lock(&mu_);
  return table_.size();
}

uint64_t Tracking::total_items() {
  absl::MutexLock lock(&mu_);
  return total_items_;
}

uint64_t Tracking::total_prefixes() {
  absl::MutexLock lock(&mu_);
  return prefixes_.size();
}

}  // namespace valkdb
