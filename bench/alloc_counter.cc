// The micro benchmarks' allocation counts come from the server's own
// interposed malloc family (server/store/used_memory.cc), which counts each
// thread's calls and bytes besides the process's used memory.
#include "bench/alloc_counter.h"

#include "server/store/used_memory.h"

namespace valkdb::bench {

AllocStats ThreadAllocStats() {
  const ThreadAllocations a = CurrentThreadAllocations();
  return {a.calls, a.bytes};
}

bool AllocCounterEnabled() { return UsedMemoryCounted(); }

}  // namespace valkdb::bench
