#pragma once

#include <cstddef>
#include <cstdint>

namespace valkdb {

// Bytes the process holds on the heap right now: every malloc, calloc,
// realloc, aligned allocation and C++ new, counted as the chunk glibc gives
// (its usable size plus the chunk header), like Redis's zmalloc counter. It
// is what INFO's used_memory reports and what maxmemory is enforced against,
// so it includes client buffers and tables, as Redis's does.
//
// The counter lives in the allocation functions (used_memory.cc interposes
// glibc's); reading it sums a few per-thread-group counters. Under
// AddressSanitizer or ThreadSanitizer, which bring their own allocator, it
// is not available: counted() is false and callers fall back to an estimate.
size_t UsedMemory();
bool UsedMemoryCounted();

// Allocations made by the calling thread since it started (calls to the
// malloc family, and the bytes asked for): the micro benchmarks report them
// per operation. Zero where the allocator is not counted.
struct ThreadAllocations {
  uint64_t calls = 0;
  uint64_t bytes = 0;
};
ThreadAllocations CurrentThreadAllocations();

}  // namespace valkdb
