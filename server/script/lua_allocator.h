#pragma once

// The memory allocator of a Lua interpreter (lua_newstate's lua_Alloc). A
// script call makes and drops many small objects (KEYS/ARGV tables, the
// strings of each redis.call's arguments and reply); through malloc they
// cost a fifth of an EVALSHA. Small blocks here come from free lists in
// size classes, carved from one reserved region of address space whose
// pages the kernel provides as they are first touched. The region is bounded
// (kRegionBytes): past it, and for big blocks, malloc serves. An interpreter
// runs on one thread at a time, so nothing here locks.

#include <cstddef>

namespace valkdb {

class LuaAllocator {
 public:
  LuaAllocator();
  ~LuaAllocator();
  LuaAllocator(const LuaAllocator&) = delete;
  LuaAllocator& operator=(const LuaAllocator&) = delete;

  // lua_Alloc: `ud` is the LuaAllocator.
  static void* Alloc(void* ud, void* ptr, size_t old_size, size_t new_size);

  static constexpr size_t kGranule = 16;
  static constexpr size_t kMaxSmall = 256;
  static constexpr size_t kRegionBytes = size_t{64} << 20;

  // Whether small blocks come from the region (not under AddressSanitizer,
  // nor when the reservation failed).
  bool pooled() const { return region_ != nullptr; }
  // Bytes of the region handed out so far (free-listed blocks included).
  size_t region_used() const { return static_cast<size_t>(bump_ - region_); }

 private:
  static constexpr size_t kClasses = kMaxSmall / kGranule;
  static size_t ClassOf(size_t size) { return (size + kGranule - 1) / kGranule - 1; }
  bool InRegion(const void* p) const {
    return region_ != nullptr && p >= region_ && p < region_ + kRegionBytes;
  }
  void* Allocate(size_t size);
  void Free(void* p, size_t size);

  char* region_ = nullptr;  // nullptr when the reservation failed: malloc serves all
  char* bump_ = nullptr;
  void* free_[kClasses] = {};
};

}  // namespace valkdb
