#pragma once

#include <cstdint>

namespace valkdb::bench {

// Heap allocations made by the calling thread since it started, counted by the
// malloc family that server/store/used_memory.cc interposes (it forwards to
// glibc's allocator). Benchmarks read it before and
// after a loop to report allocations and allocated bytes per operation.
struct AllocStats {
  uint64_t calls = 0;
  uint64_t bytes = 0;
};

AllocStats ThreadAllocStats();

// False in builds where the counter is compiled out (sanitizers bring their
// own malloc); the stats are then always zero.
bool AllocCounterEnabled();

}  // namespace valkdb::bench
