#include "server/store/entry.h"

#include <malloc.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>

#include "server/store/types/packed_table.h"
#include "server/store/types/quicklist.h"
#include "server/store/types/sorted_set.h"
#include "server/store/types/stream.h"
#include "server/store/types/varint.h"

namespace valkdb {
namespace {

// Values at least this big that already live in their own buffer are referenced.
constexpr size_t kExternalThreshold = 16 * 1024;

// Where an external value's Bytes object lives: the first suitably aligned
// address after the key.
char* AlignForBytes(char* p) {
  const uintptr_t a = reinterpret_cast<uintptr_t>(p);
  return reinterpret_cast<char*>((a + alignof(Bytes) - 1) & ~(uintptr_t{alignof(Bytes)} - 1));
}

size_t HeaderSize(size_t key_len, size_t value_len) {
  return 1 + varint::Size(key_len) + varint::Size(value_len);
}

SharedBuffer* Build(std::string_view key, size_t value_len, uint8_t flags, size_t value_area,
                    char** value_at) {
  size_t size = 1 + varint::Size(key.size()) + varint::Size(value_len) + key.size() + value_area;
  SharedBuffer* buffer = SharedBuffer::Allocate(size);
  char* p = buffer->payload();
  *p++ = static_cast<char>(flags);
  p = varint::Put(p, key.size());
  p = varint::Put(p, value_len);
  std::memcpy(p, key.data(), key.size());
  *value_at = p + key.size();
  return buffer;
}

}  // namespace

Entry Entry::Make(std::string_view key, std::string_view value, Encoding encoding) {
  char* value_at = nullptr;
  const uint8_t flags = static_cast<uint8_t>(static_cast<uint8_t>(encoding) << kEncodingShift);
  SharedBuffer* buffer = Build(key, value.size(), flags, value.size(), &value_at);
  if (!value.empty()) std::memcpy(value_at, value.data(), value.size());
  return Entry(buffer);
}

Entry Entry::Make(std::string_view key, const Bytes& value, Encoding encoding) {
  if (value.size() < kExternalThreshold || value.use_count() == 0) {
    return Make(key, value.view(), encoding);
  }
  char* value_at = nullptr;
  const uint8_t flags =
      kExternal | static_cast<uint8_t>(static_cast<uint8_t>(encoding) << kEncodingShift);
  SharedBuffer* buffer =
      Build(key, value.size(), flags, sizeof(Bytes) + alignof(Bytes) - 1, &value_at);
  new (AlignForBytes(value_at)) Bytes(value);
  return Entry(buffer);
}

Entry Entry::MakeWithRoom(std::string_view key, std::string_view value, size_t length,
                          size_t capacity, Encoding encoding, Type type) {
  capacity = std::max(capacity, length);
  char* value_at = nullptr;
  const uint8_t flags = static_cast<uint8_t>((static_cast<uint8_t>(encoding) << kEncodingShift) |
                                             (static_cast<uint8_t>(type) << kTypeShift));
  SharedBuffer* buffer = Build(key, length, flags, capacity, &value_at);
  const size_t prefix = std::min(value.size(), length);
  if (prefix > 0) std::memcpy(value_at, value.data(), prefix);
  return Entry(buffer);
}

Entry Entry::MakeCompact(std::string_view key, Type type, std::string_view compact) {
  char* value_at = nullptr;
  const uint8_t flags = static_cast<uint8_t>(static_cast<uint8_t>(type) << kTypeShift);
  SharedBuffer* buffer = Build(key, compact.size(), flags, compact.size(), &value_at);
  if (!compact.empty()) std::memcpy(value_at, compact.data(), compact.size());
  return Entry(buffer);
}

// An entry whose value area holds the pointer to a structure it owns; the
// type says which structure (a list: QuickList; a hash or set: PackedTable).
Entry Entry::MakeOwned(std::string_view key, Type type, void* structure) {
  static_assert(alignof(void*) <= alignof(Bytes));
  char* value_at = nullptr;
  const uint8_t flags = static_cast<uint8_t>(kTable | (static_cast<uint8_t>(type) << kTypeShift));
  SharedBuffer* buffer = Build(key, 0, flags, sizeof(void*) + alignof(Bytes) - 1, &value_at);
  new (AlignForBytes(value_at)) void*(structure);
  return Entry(buffer);
}

Entry Entry::MakeTable(std::string_view key, Type type, PackedTable* table) {
  return MakeOwned(key, type, table);
}

Entry Entry::MakeList(std::string_view key, QuickList* list) {
  return MakeOwned(key, Type::kList, list);
}

Entry Entry::MakeSortedSet(std::string_view key, SortedSet* zset) {
  return MakeOwned(key, Type::kZSet, zset);
}

Entry Entry::MakeStream(std::string_view key, Stream* stream) {
  return MakeOwned(key, Type::kStream, stream);
}

void* Entry::owned() const { return *reinterpret_cast<void* const*>(Decode().value); }

void Entry::DeleteOwned(Type type, void* structure) {
  if (type == Type::kList) {
    delete static_cast<QuickList*>(structure);
  } else if (type == Type::kZSet) {
    delete static_cast<SortedSet*>(structure);
  } else if (type == Type::kStream) {
    delete static_cast<Stream*>(structure);
  } else {
    delete static_cast<PackedTable*>(structure);
  }
}

Entry Entry::Rekeyed(std::string_view key) && {
  Entry renamed;
  if (is_table()) {
    auto** slot = reinterpret_cast<void**>(Decode().value);
    void* structure = std::exchange(*slot, nullptr);
    const Type t = type();
    const uint16_t clock = access_clock();
    Release();
    renamed = MakeOwned(key, t, structure);
    renamed.set_access_clock(clock);
    return renamed;
  }
  // The value is the same object to Redis, so it keeps its access clock.
  renamed = type() == Type::kString ? Make(key, value(), encoding())
                                    : MakeCompact(key, type(), value_view());
  renamed.set_access_clock(access_clock());
  return renamed;
}

Entry Entry::Copy(std::string_view key, Encoding string_encoding) const {
  if (is_table()) {
    if (type() == Type::kList) return MakeList(key, new QuickList(list()->Clone()));
    if (type() == Type::kZSet) return MakeSortedSet(key, new SortedSet(sorted_set()->Clone()));
    if (type() == Type::kStream) return MakeStream(key, stream()->Clone().release());
    return MakeTable(key, type(), new PackedTable(table()->Clone()));
  }
  if (type() == Type::kString) return Make(key, value(), string_encoding);
  return MakeCompact(key, type(), value_view());
}

Entry::Type Entry::type() const {
  return static_cast<Type>((static_cast<uint8_t>(buffer()->payload()[0]) & kTypeMask) >>
                           kTypeShift);
}

bool Entry::is_table() const { return static_cast<uint8_t>(buffer()->payload()[0]) & kTable; }

PackedTable* Entry::table() const { return static_cast<PackedTable*>(owned()); }

QuickList* Entry::list() const { return static_cast<QuickList*>(owned()); }

SortedSet* Entry::sorted_set() const { return static_cast<SortedSet*>(owned()); }

Stream* Entry::stream() const { return static_cast<Stream*>(owned()); }

Bytes Entry::Share(std::string_view slice) const {
  if (slice.empty()) return Bytes();
  return Bytes::Share(buffer(), slice.data(), slice.size());
}

Entry::Layout Entry::Decode() const {
  Layout layout;
  const char* p = buffer()->payload();
  layout.flags = static_cast<uint8_t>(*p++);
  p = varint::Get(p, &layout.key_len);
  p = varint::Get(p, &layout.value_len);
  layout.key = const_cast<char*>(p);
  layout.value = layout.key + layout.key_len;
  if (layout.flags & (kExternal | kTable)) layout.value = AlignForBytes(layout.value);
  return layout;
}

std::string_view Entry::key() const {
  Layout layout = Decode();
  return {layout.key, layout.key_len};
}

size_t Entry::value_size() const { return Decode().value_len; }

Entry::Encoding Entry::encoding() const {
  return static_cast<Encoding>((static_cast<uint8_t>(buffer()->payload()[0]) & kEncodingMask) >>
                               kEncodingShift);
}

void Entry::set_encoding(Encoding encoding) {
  char& flags = buffer()->payload()[0];
  flags = static_cast<char>((static_cast<uint8_t>(flags) & ~kEncodingMask) |
                            (static_cast<uint8_t>(encoding) << kEncodingShift));
}

bool Entry::external() const {
  return static_cast<uint8_t>(buffer()->payload()[0]) & (kExternal | kTable);
}

char* Entry::MutableValue() { return Decode().value; }

char* Entry::ResizeInPlace(size_t new_length) {
  if (shared() || external()) return nullptr;
  Layout layout = Decode();
  const size_t old_header = HeaderSize(layout.key_len, layout.value_len);
  const size_t new_header = HeaderSize(layout.key_len, new_length);
  const size_t room = malloc_usable_size(buffer()) - sizeof(SharedBuffer);
  if (new_header + layout.key_len + new_length > room) return nullptr;
  char* payload = buffer()->payload();
  if (new_header != old_header) {
    std::memmove(payload + new_header, payload + old_header,
                 layout.key_len + std::min(layout.value_len, new_length));
  }
  varint::Put(payload + 1 + varint::Size(layout.key_len), new_length);
  return payload + new_header + layout.key_len;
}

char* Entry::Reallocate(size_t new_length, size_t capacity) {
  capacity = std::max(capacity, new_length);
  Layout layout = Decode();
  const size_t old_header = HeaderSize(layout.key_len, layout.value_len);
  const size_t new_header = HeaderSize(layout.key_len, new_length);
  const size_t keep = layout.key_len + std::min(layout.value_len, new_length);
  if (new_header < old_header) {
    char* payload = buffer()->payload();
    std::memmove(payload + new_header, payload + old_header, keep);
  }
  // The header is a lone atomic counter, so moving its bytes is safe.
  void* memory = std::realloc(static_cast<void*>(buffer()),
                              sizeof(SharedBuffer) + new_header + layout.key_len + capacity);
  if (memory == nullptr) throw std::bad_alloc();
  word_ = reinterpret_cast<uintptr_t>(memory) | (word_ & ~kPointerMask);
  char* payload = buffer()->payload();
  if (new_header > old_header) std::memmove(payload + new_header, payload + old_header, keep);
  varint::Put(payload + 1 + varint::Size(layout.key_len), new_length);
  return payload + new_header + layout.key_len;
}

std::string_view Entry::value_view() const {
  Layout layout = Decode();
  if (layout.flags & kExternal) {
    return reinterpret_cast<const Bytes*>(layout.value)->view();
  }
  return {layout.value, layout.value_len};
}

Bytes Entry::value() const {
  Layout layout = Decode();
  if (layout.flags & kExternal) return *reinterpret_cast<const Bytes*>(layout.value);
  if (layout.value_len == 0) return Bytes();
  return Bytes::Share(buffer(), layout.value, layout.value_len);
}

size_t Entry::AllocatedSize() const {
  Layout layout = Decode();
  size_t size = malloc_usable_size(buffer());
  if (layout.flags & kExternal) size += layout.value_len;
  if (layout.flags & kTable) {
    switch (type()) {
      case Type::kList:
        size += list()->MemoryUsage() + sizeof(QuickList);
        break;
      case Type::kZSet:
        size += sorted_set()->MemoryUsage() + sizeof(SortedSet);
        break;
      case Type::kStream:
        size += stream()->MemoryUsage() + sizeof(Stream);
        break;
      default:
        size += table()->MemoryUsage() + sizeof(PackedTable);
    }
  }
  return size;
}

void Entry::Release() {
  if (word_ == 0) return;
  // The external value's Bytes lives inside the buffer: destroy it with the last reference.
  if (buffer()->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    Layout layout = Decode();
    if (layout.flags & kExternal) {
      reinterpret_cast<Bytes*>(layout.value)->~Bytes();
    }
    // Nothing shares a table entry's buffer (replies copy out of tables), so
    // this is where its table goes.
    if (layout.flags & kTable) DeleteOwned(type(), *reinterpret_cast<void**>(layout.value));
    SharedBuffer::Free(buffer());
  }
  word_ = 0;
}

}  // namespace valkdb
