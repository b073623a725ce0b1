#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/types/span.h"

namespace valkdb {

// The encoding of big hashes (records: field, value) and big sets (records:
// member) — Redis's "hashtable". Records are kept in buckets of a
// power-of-two table, each bucket one small allocation holding a few records
// packed back to back (varint length + bytes, as packed.h), so a record
// costs its bytes plus a few, instead of Redis's dictEntry and two sds
// allocations. A bucket is found by hash and searched linearly.
//
// SCAN follows Redis's dictScan cursor (reverse binary increment over the
// bucket index), so every record present for a whole scan is returned at
// least once even if the table grows or shrinks between calls.
//
// Not thread-safe: the owning shard's lock guards it.
class PackedTable {
 public:
  // arity 1: sets (the record is its key); 2: hashes (key and value).
  explicit PackedTable(int arity);
  ~PackedTable();
  PackedTable(const PackedTable&) = delete;
  PackedTable& operator=(const PackedTable&) = delete;
  // A deep copy (COPY).
  PackedTable Clone() const;
  PackedTable(PackedTable&& other) noexcept;
  PackedTable& operator=(PackedTable&& other) noexcept;

  int arity() const { return arity_; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  bool Contains(std::string_view key) const;
  // The value stored with key (arity 2) or the key itself (arity 1); false
  // when absent. The view is valid until the table next changes.
  bool Find(std::string_view key, std::string_view* value) const;
  // Inserts key (with value, arity 2), or replaces the value of an existing
  // key. Returns true when the key is new.
  bool Insert(std::string_view key, std::string_view value = {});
  bool Erase(std::string_view key);
  void Clear();
  // Starts loading the buckets that lookups of `keys` will walk: the bucket
  // slots first, all at once, then the buckets they point to. Called ahead of
  // the lookups (a command's other members, a pipeline's next commands), so
  // their cache misses overlap instead of following one another. Changes
  // nothing.
  void Prefetch(absl::Span<const std::string_view> keys) const;
  // Only the slots, so it never waits for memory: a later Prefetch of the
  // same keys then finds them loaded.
  void PrefetchSlots(absl::Span<const std::string_view> keys) const;

  using Visitor = absl::FunctionRef<void(std::string_view key, std::string_view value)>;
  // Every record once, in table order (value empty for arity 1).
  void ForEach(Visitor fn) const;
  // One step of a scan: visits every record of the bucket(s) `cursor` names
  // and returns the next cursor, 0 when the scan is complete.
  uint64_t Scan(uint64_t cursor, Visitor fn) const;
  // A record chosen at random, every record equally likely: a random bucket
  // and a random slot in it, drawn again when the slot is past the bucket's
  // records (Redis's dictGetFairRandomKey intent). Requires !empty().
  // (A bucket of more than 4 * kLoad records, rare, is sampled in its first
  // 4 * kLoad.)
  std::pair<std::string_view, std::string_view> Random(uint64_t* rng) const;
  // Bytes allocated for buckets and the bucket table (MEMORY USAGE, INFO).
  size_t MemoryUsage() const;

 private:
  int arity_;
  size_t size_ = 0;
  // The hash that places a record (seeded apart from the keyspace's tables).
  static uint64_t Hash(std::string_view key);
  // Finds key, whose hash is `hash`: its bucket, where its record starts, and its value.
  bool Locate(std::string_view key, uint64_t hash, size_t* bucket, const char** start,
              std::string_view* value) const;
  // Doubles the table: bucket i splits into i and i + old size.
  void Grow();
  // Halves the table: buckets i and i + new size merge.
  void Shrink();
  // counts_ after a record was added to or removed from bucket b.
  void Counted(size_t b);
  void Uncounted(size_t b);

  std::vector<char*> buckets_;  // each nullptr or a bucket allocation
  // Records in each bucket, kCountMax meaning kCountMax or more. Random's
  // draws read these bytes instead of the buckets: at a low load most draws
  // miss, and a miss that walked a bucket was a cache miss each time.
  std::vector<uint8_t> counts_;
  static constexpr uint8_t kCountMax = 255;
};

// A fast 64-bit generator (xorshift64*) for random picks; *state must be nonzero.
uint64_t NextRandom(uint64_t* state);

}  // namespace valkdb
