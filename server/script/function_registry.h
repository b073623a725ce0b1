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
#include <vector>

#include "absl/synchronization/mutex.h"

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
  FunctionRegistry() : libraries_(std::make_shared<const FunctionLibraries>()) {}

  std::shared_ptr<const FunctionLibraries> Snapshot() const {
    absl::MutexLock lock(&mu_);
    return libraries_;
  }
  void Replace(std::shared_ptr<const FunctionLibraries> libraries) {
    absl::MutexLock lock(&mu_);
    libraries_ = std::move(libraries);
    generation_.fetch_add(1, std::memory_order_release);
  }
  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }

 private:
  mutable absl::Mutex mu_;
  std::shared_ptr<const FunctionLibraries> libraries_ ABSL_GUARDED_BY(mu_);
  std::atomic<uint64_t> generation_{0};
};

}  // namespace valkdb
