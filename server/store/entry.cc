#include "server/store/entry.h"

#include <malloc.h>

#include <cstring>
#include <new>

namespace valkdb {
namespace {

// Values at least this big that already live in their own buffer are referenced.
constexpr size_t kExternalThreshold = 16 * 1024;

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

const char* GetVarint(const char* p, size_t* v) {
  size_t result = 0;
  int shift = 0;
  while (true) {
    auto byte = static_cast<uint8_t>(*p++);
    result |= static_cast<size_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) break;
    shift += 7;
  }
  *v = result;
  return p;
}

SharedBuffer* Build(std::string_view key, size_t value_len, uint8_t flags, size_t value_area,
                    char** value_at) {
  size_t size = 1 + VarintSize(key.size()) + VarintSize(value_len) + key.size() + value_area;
  SharedBuffer* buffer = SharedBuffer::Allocate(size);
  char* p = buffer->payload();
  *p++ = static_cast<char>(flags);
  p = PutVarint(p, key.size());
  p = PutVarint(p, value_len);
  std::memcpy(p, key.data(), key.size());
  *value_at = p + key.size();
  return buffer;
}

}  // namespace

Entry Entry::Make(std::string_view key, std::string_view value) {
  char* value_at = nullptr;
  SharedBuffer* buffer = Build(key, value.size(), 0, value.size(), &value_at);
  if (!value.empty()) std::memcpy(value_at, value.data(), value.size());
  return Entry(buffer);
}

Entry Entry::Make(std::string_view key, const Bytes& value) {
  if (value.size() < kExternalThreshold || value.use_count() == 0) {
    return Make(key, value.view());
  }
  char* value_at = nullptr;
  SharedBuffer* buffer = Build(key, value.size(), kExternal, sizeof(Bytes), &value_at);
  new (value_at) Bytes(value);
  return Entry(buffer);
}

Entry::Layout Entry::Decode() const {
  Layout layout;
  const char* p = buffer_->payload();
  layout.flags = static_cast<uint8_t>(*p++);
  p = GetVarint(p, &layout.key_len);
  p = GetVarint(p, &layout.value_len);
  layout.key = p;
  layout.value = p + layout.key_len;
  return layout;
}

std::string_view Entry::key() const {
  Layout layout = Decode();
  return {layout.key, layout.key_len};
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
  return Bytes::Share(buffer_, layout.value, layout.value_len);
}

size_t Entry::AllocatedSize() const {
  Layout layout = Decode();
  size_t size = malloc_usable_size(buffer_);
  if (layout.flags & kExternal) size += layout.value_len;
  return size;
}

void Entry::Release() {
  if (buffer_ == nullptr) return;
  // The external value's Bytes lives inside the buffer: destroy it with the last reference.
  if (buffer_->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    Layout layout = Decode();
    if (layout.flags & kExternal) {
      reinterpret_cast<Bytes*>(const_cast<char*>(layout.value))->~Bytes();
    }
    SharedBuffer::Free(buffer_);
  }
  buffer_ = nullptr;
}

}  // namespace valkdb
