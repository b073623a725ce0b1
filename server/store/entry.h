#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>

#include "protocol/bytes.h"

namespace valkdb {

// A stored key and its string value in a single refcounted allocation:
//   SharedBuffer header | flags | varint key length | varint value length | key | value
// One allocation per key keeps memory per key low; a GET shares the buffer
// (Bytes pointing at the value) instead of copying it. Values that arrived as
// big standalone buffers are kept by reference (flag kExternal): the value
// area then holds a Bytes, so the big buffer is never copied.
class Entry {
 public:
  Entry() = default;
  explicit Entry(SharedBuffer* buffer) : buffer_(buffer) {}
  Entry(Entry&& other) noexcept : buffer_(std::exchange(other.buffer_, nullptr)) {}
  Entry& operator=(Entry&& other) noexcept {
    std::swap(buffer_, other.buffer_);
    return *this;
  }
  Entry(const Entry&) = delete;
  Entry& operator=(const Entry&) = delete;
  ~Entry() { Release(); }

  // Builds an entry holding a copy of key and value (or a reference to value
  // when it is a big standalone buffer).
  static Entry Make(std::string_view key, const Bytes& value);
  static Entry Make(std::string_view key, std::string_view value);

  explicit operator bool() const { return buffer_ != nullptr; }
  std::string_view key() const;
  std::string_view value_view() const;
  // The value as a Bytes that keeps this entry's storage alive (no copy).
  Bytes value() const;
  // Bytes the allocation occupies (for INFO memory and tests).
  size_t AllocatedSize() const;

 private:
  static constexpr uint8_t kExternal = 1;
  struct Layout {
    uint8_t flags;
    size_t key_len;
    size_t value_len;
    const char* key;
    const char* value;  // the value bytes, or the external Bytes object
  };
  Layout Decode() const;
  void Release();

  SharedBuffer* buffer_ = nullptr;
};

}  // namespace valkdb
