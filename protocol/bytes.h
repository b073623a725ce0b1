#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>

namespace valkdb {

// Header of every refcounted allocation that Bytes can point into. The payload
// follows the header in the same malloc block, so freeing the header frees all.
// Other modules (the store's entries) build their own layouts on top of it.
struct SharedBuffer {
  std::atomic<uint32_t> refs;

  char* payload() { return reinterpret_cast<char*>(this + 1); }

  // Allocates header + payload_size bytes with refs = 1. Never returns null.
  static SharedBuffer* Allocate(size_t payload_size);
  void Ref() { refs.fetch_add(1, std::memory_order_relaxed); }
  void Unref() {
    if (refs.fetch_sub(1, std::memory_order_acq_rel) == 1) Free(this);
  }
  // Releases the memory of a buffer whose last reference is gone.
  static void Free(SharedBuffer* buffer);
};

// An immutable view of bytes that keeps its storage alive: copying a Bytes
// bumps a refcount, slicing shares the storage. Bytes without an owner point
// at static data (or nothing).
class Bytes {
 public:
  Bytes() = default;
  Bytes(const Bytes& other) : owner_(other.owner_), data_(other.data_), size_(other.size_) {
    if (owner_) owner_->Ref();
  }
  Bytes(Bytes&& other) noexcept
      : owner_(std::exchange(other.owner_, nullptr)),
        data_(std::exchange(other.data_, nullptr)),
        size_(std::exchange(other.size_, 0)) {}
  Bytes& operator=(const Bytes& other) {
    Bytes copy(other);
    swap(copy);
    return *this;
  }
  Bytes& operator=(Bytes&& other) noexcept {
    Bytes moved(std::move(other));
    swap(moved);
    return *this;
  }
  ~Bytes() {
    if (owner_) owner_->Unref();
  }

  // Copies data into a new buffer of exactly its size.
  static Bytes Copy(std::string_view data);
  // Points at data that outlives every Bytes made from it (string literals).
  static Bytes Static(std::string_view data) { return Bytes(nullptr, data.data(), data.size()); }
  // Adopts one reference of owner; data must lie inside owner's payload.
  static Bytes Adopt(SharedBuffer* owner, const char* data, size_t size) {
    return Bytes(owner, data, size);
  }
  // Shares owner (takes a new reference).
  static Bytes Share(SharedBuffer* owner, const char* data, size_t size) {
    if (owner) owner->Ref();
    return Bytes(owner, data, size);
  }

  const char* data() const { return data_; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::string_view view() const { return {data_, size_}; }
  operator std::string_view() const { return view(); }  // NOLINT: a Bytes is a view
  std::string str() const { return std::string(data_, size_); }

  // A sub-range sharing this storage; pos and len are clamped to the size.
  Bytes Slice(size_t pos, size_t len = std::string_view::npos) const;

  // True when both point at the same storage (a copy-free clone).
  bool SharesStorageWith(const Bytes& other) const {
    return owner_ != nullptr && owner_ == other.owner_;
  }
  // Number of live references to the storage (0 for static data). For tests and OBJECT REFCOUNT.
  uint32_t use_count() const {
    return owner_ ? owner_->refs.load(std::memory_order_relaxed) : 0;
  }

  void swap(Bytes& other) noexcept {
    std::swap(owner_, other.owner_);
    std::swap(data_, other.data_);
    std::swap(size_, other.size_);
  }

  friend bool operator==(const Bytes& a, const Bytes& b) { return a.view() == b.view(); }
  friend bool operator==(const Bytes& a, std::string_view b) { return a.view() == b; }

 private:
  Bytes(SharedBuffer* owner, const char* data, size_t size)
      : owner_(owner), data_(data), size_(size) {}

  SharedBuffer* owner_ = nullptr;
  const char* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace valkdb
