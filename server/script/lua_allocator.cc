#include "server/script/lua_allocator.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#if defined(__SANITIZE_ADDRESS__)
#define VALKDB_LUA_ALLOCATOR_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define VALKDB_LUA_ALLOCATOR_ASAN 1
#endif
#endif
#ifndef VALKDB_LUA_ALLOCATOR_ASAN
#define VALKDB_LUA_ALLOCATOR_ASAN 0
#endif

namespace valkdb {

LuaAllocator::LuaAllocator() {
#if VALKDB_LUA_ALLOCATOR_ASAN
  // Under AddressSanitizer every block comes from malloc, so a bad access by
  // Lua or by our bindings is still caught (free lists would hide it).
  return;
#endif
  void* region = mmap(nullptr, kRegionBytes, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (region != MAP_FAILED) region_ = bump_ = static_cast<char*>(region);
}

LuaAllocator::~LuaAllocator() {
  if (region_ != nullptr) munmap(region_, kRegionBytes);
}

void* LuaAllocator::Allocate(size_t size) {
  if (size <= kMaxSmall && region_ != nullptr) {
    const size_t cls = ClassOf(size);
    if (void* block = free_[cls]) {
      free_[cls] = *static_cast<void**>(block);
      return block;
    }
    const size_t bytes = (cls + 1) * kGranule;
    if (bump_ + bytes <= region_ + kRegionBytes) {
      void* block = bump_;
      bump_ += bytes;
      return block;
    }
  }
  return std::malloc(size);
}

void LuaAllocator::Free(void* p, size_t size) {
  if (InRegion(p)) {
    const size_t cls = ClassOf(size);
    *static_cast<void**>(p) = free_[cls];
    free_[cls] = p;
    return;
  }
  std::free(p);
}

void* LuaAllocator::Alloc(void* ud, void* ptr, size_t old_size, size_t new_size) {
  auto* self = static_cast<LuaAllocator*>(ud);
  if (new_size == 0) {
    if (ptr != nullptr) self->Free(ptr, old_size);
    return nullptr;
  }
  if (ptr == nullptr) return self->Allocate(new_size);
  if (self->InRegion(ptr)) {
    // Still within the block's size class: nothing moves.
    if (new_size <= kMaxSmall && ClassOf(new_size) == ClassOf(old_size)) return ptr;
  } else if (new_size > kMaxSmall) {
    return std::realloc(ptr, new_size);
  }
  void* moved = self->Allocate(new_size);
  if (moved == nullptr) return nullptr;  // Lua raises its memory error; ptr stays valid
  std::memcpy(moved, ptr, std::min(old_size, new_size));
  self->Free(ptr, old_size);
  return moved;
}

}  // namespace valkdb
