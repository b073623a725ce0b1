#include "protocol/bytes.h"

#include <algorithm>
#include <cstdlib>
#include <new>

namespace valkdb {

SharedBuffer* SharedBuffer::Allocate(size_t payload_size) {
  void* memory = std::malloc(sizeof(SharedBuffer) + payload_size);
  if (memory == nullptr) throw std::bad_alloc();
  auto* buffer = new (memory) SharedBuffer;
  buffer->refs.store(1, std::memory_order_relaxed);
  return buffer;
}

void SharedBuffer::Free(SharedBuffer* buffer) {
  buffer->~SharedBuffer();
  std::free(buffer);
}

Bytes Bytes::Copy(std::string_view data) {
  if (data.empty()) return Bytes();
  SharedBuffer* buffer = SharedBuffer::Allocate(data.size());
  std::memcpy(buffer->payload(), data.data(), data.size());
  return Bytes(buffer, buffer->payload(), data.size());
}

Bytes Bytes::Slice(size_t pos, size_t len) const {
  pos = std::min(pos, size_);
  len = std::min(len, size_ - pos);
  return Share(owner_, data_ + pos, len);
}

}  // namespace valkdb
