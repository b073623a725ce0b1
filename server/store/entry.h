#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>

#include "protocol/bytes.h"

namespace valkdb {

class PackedTable;
class QuickList;
class SortedSet;
class Stream;

// A stored key and its value in a single refcounted allocation:
//   SharedBuffer header | flags | varint key length | varint value length | key | value
// The flags byte holds the value's type (bits 3-5), how it is held (bit 0:
// an external string buffer; bit 6: an owned structure) and the string
// encoding (bits 1-2). Bit 7 is spare.
//
// Values of every type start inline: a string's bytes, a small hash as a
// packed list of fields and values (types/packed.h, Redis's listpack), a
// small integer set as an intset (types/intset.h). A hash or set past
// Redis's listpack/intset limits moves to a PackedTable (Redis's
// hashtable encoding) that the entry owns: the value area then holds its
// pointer. So a small hash costs one allocation, like a string.
// One allocation per key keeps memory per key low; a GET shares the buffer
// (Bytes pointing at the value) instead of copying it. Values that arrived as
// big standalone buffers are kept by reference (flag kExternal): the value
// area then holds a Bytes, so the big buffer is never copied.
//
// The allocation may be bigger than its contents: a value grown by APPEND or
// SETRANGE gets spare room (as Redis's sds does), so repeated appends are
// amortised O(1) and change the value in place while no reply shares it.
class Entry {
 public:
  // How Redis would encode the value (OBJECT ENCODING). Redis's choice
  // depends on the command that wrote the value, not only on its bytes, so
  // the writer records it in two spare bits of the flags byte.
  enum class Encoding : uint8_t {
    kAuto = 0,     // "int" for an integer of at most 20 chars, else "embstr" up to 44 bytes, "raw"
    kRaw = 1,      // always "raw" (a value changed by APPEND or SETRANGE)
    kNoInt = 2,    // never "int" (INCRBYFLOAT's result): "embstr" or "raw" by length
    kIntCopy = 3,  // as kAuto, but an integer is a private object, never a shared one (COPY)
  };

  // The value's type, as TYPE names it.
  enum class Type : uint8_t { kString = 0, kList = 1, kSet = 2, kZSet = 3, kHash = 4, kStream = 5 };

  Entry() = default;
  explicit Entry(SharedBuffer* buffer) : word_(reinterpret_cast<uintptr_t>(buffer)) {}
  Entry(Entry&& other) noexcept : word_(std::exchange(other.word_, 0)) {}
  Entry& operator=(Entry&& other) noexcept {
    std::swap(word_, other.word_);
    return *this;
  }
  Entry(const Entry&) = delete;
  Entry& operator=(const Entry&) = delete;
  ~Entry() { Release(); }

  // Builds an entry holding a copy of key and value (or a reference to value
  // when it is a big standalone buffer).
  static Entry Make(std::string_view key, const Bytes& value, Encoding encoding = Encoding::kAuto);
  static Entry Make(std::string_view key, std::string_view value,
                    Encoding encoding = Encoding::kAuto);
  // An entry whose value is `length` bytes, of which the first value.size()
  // are `value` and the rest are left for the caller to write (through
  // MutableValue), in an allocation with room for `capacity` value bytes.
  static Entry MakeWithRoom(std::string_view key, std::string_view value, size_t length,
                            size_t capacity, Encoding encoding, Type type = Type::kString);
  // A value of another type held inline: `compact` is its packed or intset bytes.
  static Entry MakeCompact(std::string_view key, Type type, std::string_view compact);
  // A hash or set held in a table the entry owns from now on.
  static Entry MakeTable(std::string_view key, Type type, PackedTable* table);
  // A list, owned by the entry from now on (lists are always a QuickList, as
  // Redis 7.0's are always a quicklist).
  static Entry MakeList(std::string_view key, QuickList* list);
  // A sorted set past the listpack limits (small ones are inline, types/small_zset.h).
  static Entry MakeSortedSet(std::string_view key, SortedSet* zset);
  // A stream (always an owned structure, types/stream.h).
  static Entry MakeStream(std::string_view key, Stream* stream);

  // The same value under another key (RENAME): a table moves over, a big
  // string's buffer is shared, inline bytes are copied. Consumes this entry.
  Entry Rekeyed(std::string_view key) &&;
  // An independent copy of the value under `key` (COPY); a string gets
  // `string_encoding`.
  Entry Copy(std::string_view key, Encoding string_encoding) const;

  Type type() const;
  // True when the value is an owned structure (table(), list(), sorted_set())
  // rather than inline bytes.
  bool is_table() const;
  PackedTable* table() const;
  QuickList* list() const;
  SortedSet* sorted_set() const;
  Stream* stream() const;
  // Bytes that share this entry's storage, for a slice of value_view().
  Bytes Share(std::string_view slice_of_value) const;

  // Another handle to the same storage (a snapshot's point-in-time view):
  // while it lives, shared() is true, so strings and inline values are
  // copied on write; an owned structure still changes in place.
  Entry Retain() const {
    buffer()->Ref();
    Entry handle;
    handle.word_ = word_;  // with the access clock, which a save writes
    return handle;
  }
  // Names the storage: equal for handles from Retain.
  const void* identity() const { return buffer(); }

  explicit operator bool() const { return word_ != 0; }
  // Starts loading the entry's memory (a pass over many entries overlaps the misses).
  void Prefetch() const { __builtin_prefetch(buffer(), 1); }
  std::string_view key() const;
  std::string_view value_view() const;
  size_t value_size() const;
  // The value as a Bytes that keeps this entry's storage alive (no copy).
  Bytes value() const;
  // Bytes the allocation occupies (for INFO memory and tests).
  size_t AllocatedSize() const;

  Encoding encoding() const;

  // When the key was last used (an LRU clock), or its LFU counter and decay
  // time, as access_clock.h defines them: OBJECT IDLETIME/FREQ and eviction
  // read it. Changing it needs the shard's lock, as the value does.
  uint16_t access_clock() const { return static_cast<uint16_t>(word_ >> kClockShift); }
  void set_access_clock(uint16_t clock) const {
    word_ = (word_ & kPointerMask) | (static_cast<uintptr_t>(clock) << kClockShift);
  }
  // Changes only the flags byte, which no reply reads, so it is safe while shared.
  void set_encoding(Encoding encoding);

  // True while something besides this entry (a reply being written) holds the
  // buffer: its bytes must not change then. Only meaningful under the owning
  // shard's lock, where no new reference can appear.
  bool shared() const { return buffer()->refs.load(std::memory_order_acquire) != 1; }
  bool external() const;
  // Value bytes that may be written: requires !shared() && !external().
  char* MutableValue();
  // Makes the value new_length bytes long in place, keeping its first
  // min(old, new) bytes, when the buffer is neither shared nor external and
  // has the room; the key's bytes may move (by one varint byte). Returns the
  // value bytes, or nullptr when the caller has to build a new entry.
  char* ResizeInPlace(size_t new_length);
  // Grows the allocation (realloc, so very big values need not be copied) to
  // hold new_length value bytes with room for `capacity`; contents as
  // ResizeInPlace. Requires !shared() && !external(). The key's bytes move.
  char* Reallocate(size_t new_length, size_t capacity);

 private:
  static constexpr uint8_t kExternal = 1;
  static constexpr uint8_t kEncodingShift = 1;
  static constexpr uint8_t kEncodingMask = 3 << kEncodingShift;
  static constexpr uint8_t kTypeShift = 3;
  static constexpr uint8_t kTypeMask = 7 << kTypeShift;
  static constexpr uint8_t kTable = 1 << 6;
  struct Layout {
    uint8_t flags;
    size_t key_len;
    size_t value_len;
    char* key;
    char* value;  // the value bytes, or the external Bytes object
  };
  Layout Decode() const;
  void Release();
  static Entry MakeOwned(std::string_view key, Type type, void* structure);
  void* owned() const;
  static void DeleteOwned(Type type, void* structure);

  SharedBuffer* buffer() const { return reinterpret_cast<SharedBuffer*>(word_ & kPointerMask); }

  // The buffer's address, and the access clock in the top 16 bits (user-space
  // addresses on x86-64 and AArch64 fit in 48 bits), so the clock costs no
  // memory per key. Mutable: the clock is neither key nor value, and the
  // hash table hands out its elements const.
  static constexpr int kClockShift = 48;
  static constexpr uintptr_t kPointerMask = (uintptr_t{1} << kClockShift) - 1;
  mutable uintptr_t word_ = 0;
};

}  // namespace valkdb
