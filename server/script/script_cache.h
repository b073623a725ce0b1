#pragma once

// The scripts EVAL and SCRIPT LOAD have seen, by SHA1, shared by every event
// loop: each loop's interpreter compiles a script from here the first time
// it runs it. SCRIPT FLUSH empties it and bumps the generation, which tells
// every loop to start a fresh interpreter.

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace valkdb {

class ScriptCache {
 public:
  struct Script {
    std::string body;
    uint32_t flags = 0;  // ScriptFlag bits from its shebang
  };

  std::optional<Script> Find(std::string_view sha) const {
    absl::MutexLock lock(&mu_);
    auto it = scripts_.find(absl::string_view(sha.data(), sha.size()));
    if (it == scripts_.end()) return std::nullopt;
    return it->second;
  }
  std::optional<uint32_t> FlagsOf(std::string_view sha) const {
    absl::MutexLock lock(&mu_);
    auto it = scripts_.find(absl::string_view(sha.data(), sha.size()));
    if (it == scripts_.end()) return std::nullopt;
    return it->second.flags;
  }
  bool Contains(std::string_view sha) const {
    absl::MutexLock lock(&mu_);
    return scripts_.contains(absl::string_view(sha.data(), sha.size()));
  }
  void Add(std::string_view sha, std::string_view body, uint32_t flags) {
    absl::MutexLock lock(&mu_);
    auto [it, added] = scripts_.try_emplace(std::string(sha), Script{std::string(body), flags});
    if (added) bytes_ += sha.size() + body.size();
  }
  void Flush() {
    absl::MutexLock lock(&mu_);
    scripts_.clear();
    bytes_ = 0;
    generation_.fetch_add(1, std::memory_order_release);
  }
  size_t size() const {
    absl::MutexLock lock(&mu_);
    return scripts_.size();
  }
  // INFO used_memory_scripts_eval, roughly as Redis counts it.
  size_t bytes() const {
    absl::MutexLock lock(&mu_);
    return bytes_ + scripts_.size() * 64;
  }
  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }

 private:
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, Script> scripts_ ABSL_GUARDED_BY(mu_);
  size_t bytes_ ABSL_GUARDED_BY(mu_) = 0;
  std::atomic<uint64_t> generation_{0};
};

}  // namespace valkdb
