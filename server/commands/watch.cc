#include "server/commands/watch.h"

#include <algorithm>

namespace valkdb {

void WatchRegistry::Watch(int db, std::string_view key, ClientWatch* watch) {
  absl::MutexLock lock(&mu_);
  Key k(db, std::string(key));
  if (std::find(watch->keys.begin(), watch->keys.end(), k) != watch->keys.end()) return;
  watch->keys.push_back(k);
  by_key_[k].push_back(watch);
  watched_.fetch_add(1, std::memory_order_release);
}

void WatchRegistry::UnwatchAll(ClientWatch* watch) {
  absl::MutexLock lock(&mu_);
  for (const Key& k : watch->keys) {
    auto it = by_key_.find(k);
    if (it == by_key_.end()) continue;
    auto& watchers = it->second;
    watchers.erase(std::remove(watchers.begin(), watchers.end(), watch), watchers.end());
    if (watchers.empty()) by_key_.erase(it);
    watched_.fetch_sub(1, std::memory_order_release);
  }
  watch->keys.clear();
  watch->volatile_keys.clear();
  watch->dirty.store(false, std::memory_order_relaxed);
}

void WatchRegistry::TouchSlow(int db, std::string_view key) {
  absl::MutexLock lock(&mu_);
  auto it = by_key_.find(DbKeyView(db, key));
  if (it == by_key_.end()) return;
  for (ClientWatch* watch : it->second) watch->dirty.store(true, std::memory_order_relaxed);
}

void WatchRegistry::TouchDb(int db, const std::function<bool(int, std::string_view)>& exists) {
  if (watched_.load(std::memory_order_acquire) == 0) return;
  std::vector<Key> keys;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [key, watchers] : by_key_) {
      if (db < 0 || key.first == db) keys.push_back(key);
    }
  }
  // Shard locks are taken before this registry's lock elsewhere (a write
  // touches its key while holding its shard), so check without ours held.
  std::vector<Key> existing;
  for (const Key& key : keys) {
    if (exists(key.first, key.second)) existing.push_back(key);
  }
  absl::MutexLock lock(&mu_);
  for (const Key& key : existing) {
    auto it = by_key_.find(key);
    if (it == by_key_.end()) continue;
    for (ClientWatch* watch : it->second) watch->dirty.store(true, std::memory_order_relaxed);
  }
}

}  // namespace valkdb
