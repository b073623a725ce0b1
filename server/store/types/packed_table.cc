#include "server/store/types/packed_table.h"

#include <malloc.h>

#include <cstdlib>
#include <cstring>
#include <new>

#include "server/store/key_hash.h"

namespace valkdb {
namespace {

// Average records per bucket before the table doubles; it halves below an
// eighth of that. Measured: 6 keeps buckets short enough to scan (a few
// cache lines) while the bucket pointer and malloc header cost ~3 bytes a record.
constexpr size_t kLoad = 6;
constexpr size_t kMinBuckets = 4;
constexpr uint64_t kSeed = 0x7ab1e5eedULL;

// A bucket: a uint32 count of used bytes, then records packed back to back.
constexpr size_t kHeader = sizeof(uint32_t);

uint32_t Used(const char* bucket) {
  uint32_t used;
  std::memcpy(&used, bucket, kHeader);
  return used;
}
void SetUsed(char* bucket, uint32_t used) { std::memcpy(bucket, &used, kHeader); }

size_t VarintSize(size_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

char* PutVarint(char* p, size_t v) {
  while (v >= 0x80) {
    *p++ = static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<char>(v);
  return p;
}

const char* GetString(const char* p, std::string_view* out) {
  size_t length = 0;
  int shift = 0;
  while (true) {
    const auto byte = static_cast<uint8_t>(*p++);
    length |= static_cast<size_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) break;
    shift += 7;
  }
  *out = std::string_view(p, length);
  return p + length;
}

size_t RecordSize(int arity, std::string_view key, std::string_view value) {
  size_t size = VarintSize(key.size()) + key.size();
  if (arity == 2) size += VarintSize(value.size()) + value.size();
  return size;
}

// Walks the records of a bucket.
struct Cursor {
  const char* p;
  const char* end;
  int arity;

  Cursor(const char* bucket, int arity)
      : p(bucket == nullptr ? nullptr : bucket + kHeader),
        end(bucket == nullptr ? nullptr : bucket + kHeader + Used(bucket)),
        arity(arity) {}
  // Reads the next record; start is where it began.
  bool Next(std::string_view* key, std::string_view* value, const char** start) {
    if (p == end) return false;
    *start = p;
    p = GetString(p, key);
    if (arity == 2) {
      p = GetString(p, value);
    } else {
      *value = {};
    }
    return true;
  }
};

uint64_t Reverse(uint64_t v) {
  v = ((v >> 1) & 0x5555555555555555ULL) | ((v & 0x5555555555555555ULL) << 1);
  v = ((v >> 2) & 0x3333333333333333ULL) | ((v & 0x3333333333333333ULL) << 2);
  v = ((v >> 4) & 0x0F0F0F0F0F0F0F0FULL) | ((v & 0x0F0F0F0F0F0F0F0FULL) << 4);
  v = ((v >> 8) & 0x00FF00FF00FF00FFULL) | ((v & 0x00FF00FF00FF00FFULL) << 8);
  v = ((v >> 16) & 0x0000FFFF0000FFFFULL) | ((v & 0x0000FFFF0000FFFFULL) << 16);
  return (v >> 32) | (v << 32);
}

// Appends a record to *bucket (allocating or growing it).
void AppendRecord(char** bucket, int arity, std::string_view key, std::string_view value) {
  const size_t size = RecordSize(arity, key, value);
  const size_t used = *bucket == nullptr ? 0 : Used(*bucket);
  const size_t needed = kHeader + used + size;
  if (*bucket == nullptr || malloc_usable_size(*bucket) < needed) {
    // Grow by half again, so a bucket filled one record at a time is copied O(log n) times.
    const size_t capacity = *bucket == nullptr ? needed : std::max(needed, needed + used / 2);
    void* memory = std::realloc(*bucket, capacity);
    if (memory == nullptr) throw std::bad_alloc();
    *bucket = static_cast<char*>(memory);
    if (used == 0) SetUsed(*bucket, 0);
  }
  char* p = *bucket + kHeader + used;
  p = PutVarint(p, key.size());
  std::memcpy(p, key.data(), key.size());
  p += key.size();
  if (arity == 2) {
    p = PutVarint(p, value.size());
    std::memcpy(p, value.data(), value.size());
  }
  SetUsed(*bucket, static_cast<uint32_t>(used + size));
}

// Removes the record at [start, start + size) from *bucket; frees an emptied bucket.
void RemoveRecord(char** bucket, const char* start, size_t size) {
  char* b = *bucket;
  const size_t used = Used(b);
  const size_t offset = static_cast<size_t>(start - (b + kHeader));
  std::memmove(b + kHeader + offset, b + kHeader + offset + size, used - offset - size);
  SetUsed(b, static_cast<uint32_t>(used - size));
  if (used == size) {
    std::free(b);
    *bucket = nullptr;
  }
}

}  // namespace

uint64_t NextRandom(uint64_t* state) {
  uint64_t x = *state;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  *state = x;
  return x * 0x2545F4914F6CDD1DULL;
}

PackedTable::PackedTable(int arity) : arity_(arity) {}

PackedTable::~PackedTable() { Clear(); }

PackedTable::PackedTable(PackedTable&& other) noexcept
    : arity_(other.arity_), size_(std::exchange(other.size_, 0)),
      buckets_(std::move(other.buckets_)) {
  other.buckets_.clear();
}

PackedTable& PackedTable::operator=(PackedTable&& other) noexcept {
  if (this != &other) {
    Clear();
    arity_ = other.arity_;
    size_ = std::exchange(other.size_, 0);
    buckets_ = std::move(other.buckets_);
    other.buckets_.clear();
  }
  return *this;
}

PackedTable PackedTable::Clone() const {
  PackedTable copy(arity_);
  copy.size_ = size_;
  copy.buckets_.resize(buckets_.size(), nullptr);
  for (size_t i = 0; i < buckets_.size(); ++i) {
    if (buckets_[i] == nullptr) continue;
    const size_t bytes = kHeader + Used(buckets_[i]);
    copy.buckets_[i] = static_cast<char*>(std::malloc(bytes));
    if (copy.buckets_[i] == nullptr) throw std::bad_alloc();
    std::memcpy(copy.buckets_[i], buckets_[i], bytes);
  }
  return copy;
}

void PackedTable::Clear() {
  for (char* bucket : buckets_) std::free(bucket);
  buckets_.clear();
  buckets_.shrink_to_fit();
  size_ = 0;
}

size_t PackedTable::BucketOf(std::string_view key) const {
  return HashKey(key, kSeed) & (buckets_.size() - 1);
}

bool PackedTable::Locate(std::string_view key, size_t* bucket, const char** start,
                         std::string_view* value) const {
  if (buckets_.empty()) return false;
  *bucket = BucketOf(key);
  Cursor cursor(buckets_[*bucket], arity_);
  std::string_view k;
  while (cursor.Next(&k, value, start)) {
    if (k == key) return true;
  }
  return false;
}

bool PackedTable::Contains(std::string_view key) const {
  size_t bucket;
  const char* start;
  std::string_view value;
  return Locate(key, &bucket, &start, &value);
}

bool PackedTable::Find(std::string_view key, std::string_view* value) const {
  size_t bucket;
  const char* start;
  std::string_view v;
  if (!Locate(key, &bucket, &start, &v)) return false;
  *value = arity_ == 2 ? v : std::string_view(start + VarintSize(key.size()), key.size());
  return true;
}

bool PackedTable::Insert(std::string_view key, std::string_view value) {
  size_t bucket;
  const char* start;
  std::string_view old;
  if (Locate(key, &bucket, &start, &old)) {
    if (arity_ == 1) return false;
    if (old.size() == value.size()) {
      std::memcpy(const_cast<char*>(old.data()), value.data(), value.size());
      return false;
    }
    RemoveRecord(&buckets_[bucket], start, RecordSize(arity_, key, old));
    AppendRecord(&buckets_[bucket], arity_, key, value);
    return false;
  }
  if (buckets_.empty() || size_ + 1 > buckets_.size() * kLoad) {
    Resize(buckets_.empty() ? kMinBuckets : buckets_.size() * 2);
  }
  AppendRecord(&buckets_[BucketOf(key)], arity_, key, value);
  ++size_;
  return true;
}

bool PackedTable::Erase(std::string_view key) {
  size_t bucket;
  const char* start;
  std::string_view value;
  if (!Locate(key, &bucket, &start, &value)) return false;
  RemoveRecord(&buckets_[bucket], start, RecordSize(arity_, key, value));
  --size_;
  if (size_ == 0) {
    Clear();
  } else if (buckets_.size() > kMinBuckets && size_ < buckets_.size() * kLoad / 8) {
    Resize(buckets_.size() / 2);
  }
  return true;
}

void PackedTable::Resize(size_t buckets) {
  std::vector<char*> old = std::move(buckets_);
  buckets_.assign(buckets, nullptr);
  for (char* b : old) {
    Cursor cursor(b, arity_);
    std::string_view key, value;
    const char* start;
    while (cursor.Next(&key, &value, &start)) {
      AppendRecord(&buckets_[BucketOf(key)], arity_, key, value);
    }
    std::free(b);
  }
}

void PackedTable::ForEach(Visitor fn) const {
  for (const char* b : buckets_) {
    Cursor cursor(b, arity_);
    std::string_view key, value;
    const char* start;
    while (cursor.Next(&key, &value, &start)) fn(key, value);
  }
}

uint64_t PackedTable::Scan(uint64_t cursor, Visitor fn) const {
  if (buckets_.empty()) return 0;
  const uint64_t mask = buckets_.size() - 1;
  Cursor records(buckets_[cursor & mask], arity_);
  std::string_view key, value;
  const char* start;
  while (records.Next(&key, &value, &start)) fn(key, value);
  // Redis's dictScan: increment the reversed cursor, so buckets split or
  // merged by a resize between calls are neither skipped nor (much) repeated.
  cursor |= ~mask;
  cursor = Reverse(cursor);
  ++cursor;
  return Reverse(cursor);
}

std::pair<std::string_view, std::string_view> PackedTable::Random(uint64_t* rng) const {
  // Every record equally likely (Redis's dictGetFairRandomKey intent): pick
  // a bucket and a slot among kSlots; a slot past the bucket's records is a
  // miss and we draw again. Buckets average kLoad/2..kLoad records, so a few
  // draws suffice; a bucket longer than kSlots (rare) is sampled in its first kSlots.
  constexpr size_t kSlots = 4 * kLoad;
  const size_t n = buckets_.size();
  for (int draw = 0;; ++draw) {
    const char* bucket = buckets_[NextRandom(rng) % n];
    if (bucket == nullptr) continue;
    size_t slot = NextRandom(rng) % kSlots;
    Cursor cursor(bucket, arity_);
    std::string_view key, value;
    const char* start;
    while (cursor.Next(&key, &value, &start)) {
      if (slot-- == 0) return {key, value};
    }
    if (draw > 1000) return {key, value};  // the last record of a non-empty bucket
  }
}

size_t PackedTable::MemoryUsage() const {
  size_t total = buckets_.capacity() * sizeof(char*);
  for (const char* b : buckets_) {
    if (b != nullptr) total += malloc_usable_size(const_cast<char*>(b));
  }
  return total;
}

}  // namespace valkdb
