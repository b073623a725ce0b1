// Interposes malloc, calloc and realloc in the micro benchmark binary to count
// what each thread allocates. The executable's definitions take precedence
// over libc's for every library it loads (libstdc++'s operator new included);
// the calls forward to glibc's own entry points, so behaviour is unchanged.
// Counters are thread-local plain integers: no atomics on the hot path, and no
// dynamic initialisation (a static-TLS variable of the executable needs none).
#include "bench/alloc_counter.h"

#include <cstddef>

#ifndef VALKDB_NO_ALLOC_COUNTER

extern "C" {
void* __libc_malloc(size_t size);
void* __libc_calloc(size_t count, size_t size);
void* __libc_realloc(void* ptr, size_t size);
void __libc_free(void* ptr);
}

namespace {

thread_local uint64_t tls_calls = 0;
thread_local uint64_t tls_bytes = 0;

inline void Count(size_t bytes) {
  ++tls_calls;
  tls_bytes += bytes;
}

}  // namespace

extern "C" {

void* malloc(size_t size) {
  Count(size);
  return __libc_malloc(size);
}

void* calloc(size_t count, size_t size) {
  Count(count * size);
  return __libc_calloc(count, size);
}

void* realloc(void* ptr, size_t size) {
  Count(size);
  return __libc_realloc(ptr, size);
}

void free(void* ptr) { __libc_free(ptr); }

}  // extern "C"

namespace valkdb::bench {

AllocStats ThreadAllocStats() { return {tls_calls, tls_bytes}; }
bool AllocCounterEnabled() { return true; }

}  // namespace valkdb::bench

#else  // VALKDB_NO_ALLOC_COUNTER

namespace valkdb::bench {

AllocStats ThreadAllocStats() { return {}; }
bool AllocCounterEnabled() { return false; }

}  // namespace valkdb::bench

#endif
