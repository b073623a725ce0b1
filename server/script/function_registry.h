#pragma once

// The FUNCTION libraries, shared by every event loop: an immutable snapshot
// replaced whole by FUNCTION LOAD / DELETE / FLUSH / RESTORE (rare), read
// without copying by FCALL. Each loop's function interpreter loads the
// libraries of a snapshot and starts afresh when the generation moves.

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "protocol/str_util.h"

namespace valkdb {

struct FunctionInfo {
  std::string name;
  std::string description;
  bool has_description = false;
  uint32_t flags = 0;  // ScriptFlag bits
};

struct FunctionLibrary {
  std::string name;
  std::string code;  // the whole payload given to FUNCTION LOAD, shebang line included
  size_t shebang_len = 0;
  std::vector<FunctionInfo> functions;
};

// Libraries by name (case-sensitive, as Redis's).
using FunctionLibraries = std::map<std::string, FunctionLibrary>;

class FunctionRegistry {
 public:
  FunctionRegistry() { Replace(std::make_shared<const FunctionLibraries>()); }

  std::shared_ptr<const FunctionLibraries> Snapshot() const {
    absl::MutexLock lock(&mu_);
    return current_->libraries;
  }
  void Replace(std::shared_ptr<const FunctionLibraries> libraries) {
    auto indexed = std::make_shared<Indexed>();
    for (const auto& [name, library] : *libraries) {
      for (const FunctionInfo& fn : library.functions) indexed->by_name[fn.name] = &fn;
    }
    indexed->libraries = std::move(libraries);
    absl::MutexLock lock(&mu_);
    current_ = std::move(indexed);
    generation_.fetch_add(1, std::memory_order_release);
  }
  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }

  // The function `name` (names ignore case, as Redis's), with the snapshot
  // that keeps it alive; info is nullptr when there is none.
  struct Found {
    std::shared_ptr<const FunctionLibraries> libraries;
    const FunctionInfo* info = nullptr;
  };
  Found Find(std::string_view name) const {
    std::shared_ptr<const Indexed> indexed;
    {
      absl::MutexLock lock(&mu_);
      indexed = current_;
    }
    auto it = indexed->by_name.find(name);
    if (it == indexed->by_name.end()) return {};
    return {indexed->libraries, it->second};
  }

 private:
  struct NoCaseHash {
    size_t operator()(std::string_view s) const {
      size_t h = 14695981039346656037ull;  // FNV-1a over the lower-cased bytes
      for (char c : s) h = (h ^ static_cast<unsigned char>(AsciiToLower(c))) * 1099511628211ull;
      return h;
    }
  };
  struct NoCaseEq {
    bool operator()(std::string_view a, std::string_view b) const { return EqualsIgnoreCase(a, b); }
  };
  struct Indexed {
    std::shared_ptr<const FunctionLibraries> libraries;
    // Points into *libraries. FUNCTION LOAD refuses a name another library
    // has (ignoring case), so a name is in one library at most.
    std::unordered_map<std::string_view, const FunctionInfo*, NoCaseHash, NoCaseEq> by_name;
  };

  mutable absl::Mutex mu_;
  std::shared_ptr<const Indexed> current_ ABSL_GUARDED_BY(mu_);
  std::atomic<uint64_t> generation_{0};
};

}  // namespace valkdb
