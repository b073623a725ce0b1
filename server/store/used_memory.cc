#include "server/store/used_memory.h"

#include <errno.h>
#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define VALKDB_COUNT_MALLOC 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
    __has_feature(memory_sanitizer)
#define VALKDB_COUNT_MALLOC 0
#endif
#endif
#ifndef VALKDB_COUNT_MALLOC
#define VALKDB_COUNT_MALLOC 1
#endif

namespace valkdb {
namespace {

// Each thread adds to a slot of its own, claimed at its first allocation:
// a plain load and store, no locked instruction, no line shared between
// threads. Threads past kSlots share the last one, with atomic adds. A
// block freed by another thread than the one that made it is subtracted
// there: only the sum over slots means anything.
constexpr int kSlots = 64;
struct alignas(64) Slot {
  std::atomic<int64_t> bytes{0};
};
Slot g_slots[kSlots];
std::atomic<int> g_next_slot{0};
// Plain integers in the executable's static TLS need no initialisation at
// run time, so they are safe this early in a thread's life.
thread_local int t_slot = 0;  // 1 + the slot, 0 before the first allocation
thread_local uint64_t t_calls = 0;
thread_local uint64_t t_bytes = 0;

inline void AddToMySlot(int64_t delta) {
  if (t_slot == 0) t_slot = 1 + std::min(g_next_slot.fetch_add(1), kSlots - 1);
  std::atomic<int64_t>& bytes = g_slots[t_slot - 1].bytes;
  if (t_slot < kSlots) {
    bytes.store(bytes.load(std::memory_order_relaxed) + delta, std::memory_order_relaxed);
  } else {
    bytes.fetch_add(delta, std::memory_order_relaxed);
  }
}

// What a block costs: glibc's chunk size, which is the usable bytes plus the
// chunk's size header (what malloc_usable_size computes from, read directly:
// the size word just before the block, with its three flag bits cleared).
inline int64_t ChunkBytes(void* p) {
  return static_cast<int64_t>(reinterpret_cast<const size_t*>(p)[-1] & ~size_t{7});
}

[[maybe_unused]] inline void Count(void* p, size_t asked) {
  ++t_calls;
  t_bytes += asked;
  if (p != nullptr) AddToMySlot(ChunkBytes(p));
}
[[maybe_unused]] inline void Uncount(void* p) {
  if (p != nullptr) AddToMySlot(-ChunkBytes(p));
}

}  // namespace

size_t UsedMemory() {
  // Only the slots threads have claimed: each is a cache line of its own.
  const int used = std::min(g_next_slot.load(std::memory_order_relaxed), kSlots);
  int64_t total = 0;
  for (int i = 0; i < used; ++i) total += g_slots[i].bytes.load(std::memory_order_relaxed);
  return total > 0 ? static_cast<size_t>(total) : 0;
}

bool UsedMemoryCounted() { return VALKDB_COUNT_MALLOC != 0; }

ThreadAllocations CurrentThreadAllocations() { return {t_calls, t_bytes}; }

}  // namespace valkdb

#if VALKDB_COUNT_MALLOC
// glibc supports replacing malloc (its manual, "Replacing malloc"); these
// forward to glibc's own allocator and only count. All of the family is
// replaced so every block freed here was counted when it was made.
extern "C" {
void* __libc_malloc(size_t size) noexcept;
void __libc_free(void* p) noexcept;
void* __libc_calloc(size_t n, size_t size) noexcept;
void* __libc_realloc(void* p, size_t size) noexcept;
void* __libc_memalign(size_t alignment, size_t size) noexcept;

void* malloc(size_t size) noexcept {
  void* p = __libc_malloc(size);
  valkdb::Count(p, size);
  return p;
}

void free(void* p) noexcept {
  valkdb::Uncount(p);
  __libc_free(p);
}

void* calloc(size_t n, size_t size) noexcept {
  void* p = __libc_calloc(n, size);
  valkdb::Count(p, n * size);
  return p;
}

void* realloc(void* p, size_t size) noexcept {
  const int64_t before = p != nullptr ? valkdb::ChunkBytes(p) : 0;
  ++valkdb::t_calls;
  valkdb::t_bytes += size;
  void* q = __libc_realloc(p, size);
  if (q == nullptr) {
    // Failed (p untouched), or size 0 (p freed).
    if (size == 0 && p != nullptr) valkdb::AddToMySlot(-before);
    return q;
  }
  valkdb::AddToMySlot(valkdb::ChunkBytes(q) - before);
  return q;
}

void* memalign(size_t alignment, size_t size) noexcept {
  void* p = __libc_memalign(alignment, size);
  valkdb::Count(p, size);
  return p;
}

void* aligned_alloc(size_t alignment, size_t size) noexcept { return memalign(alignment, size); }

int posix_memalign(void** out, size_t alignment, size_t size) noexcept {
  if (alignment % sizeof(void*) != 0 || (alignment & (alignment - 1)) != 0) return EINVAL;
  void* p = memalign(alignment, size);
  if (p == nullptr) return ENOMEM;
  *out = p;
  return 0;
}

void* valloc(size_t size) noexcept { return memalign(static_cast<size_t>(getpagesize()), size); }

void* pvalloc(size_t size) noexcept {
  const size_t page = static_cast<size_t>(getpagesize());
  return memalign(page, (size + page - 1) & ~(page - 1));
}
}  // extern "C"
#endif
