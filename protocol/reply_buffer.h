#pragma once

#include <sys/uio.h>

#include <cstddef>
#include <cstring>
#include <deque>
#include <string_view>

#include "protocol/bytes.h"

namespace valkdb {

// Bytes waiting to be written to a socket. Small pieces are copied into
// reusable 16 KB blocks; big values are referenced (the Bytes keeps the stored
// value alive until the write that sends it completes). Data already handed to
// an in-flight write is never moved or overwritten: appends only go after it.
class ReplyBuffer {
 public:
  static constexpr size_t kBlockSize = 16 * 1024;
  // Values at least this big are referenced rather than copied.
  static constexpr size_t kReferenceThreshold = 4 * 1024;

  ReplyBuffer() = default;
  ReplyBuffer(const ReplyBuffer&) = delete;
  ReplyBuffer& operator=(const ReplyBuffer&) = delete;
  ~ReplyBuffer();

  void Append(std::string_view data) {
    if (data.empty()) return;
    if (tail_ != nullptr && data.size() <= kBlockSize - tail_used_) {
      std::memcpy(tail_->payload() + tail_used_, data.data(), data.size());
      tail_used_ += data.size();
      size_ += data.size();
      return;
    }
    AppendSlow(data);
  }
  // References big values, copies small ones.
  void AppendBytes(const Bytes& data);

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  // Fills at most max_iov entries describing pending data from the front;
  // returns the count. The memory stays valid until Consume() passes it.
  size_t Peek(struct iovec* iov, size_t max_iov) const;
  // Drops n bytes from the front (they were written).
  void Consume(size_t n);
  // Everything pending, as one string (tests and the in-process dispatcher).
  std::string ToString() const;
  // The same, appended to *out (whose capacity a caller may reuse).
  void AppendTo(std::string* out) const;
  void Clear() { Consume(size_); }

 private:
  void AppendSlow(std::string_view data);
  // Moves the tail's pending bytes into pieces_, so a referenced value can follow them.
  void SealTail();

  std::deque<Bytes> pieces_;      // pending data before the tail's region
  SharedBuffer* tail_ = nullptr;  // block being appended to
  size_t tail_start_ = 0;         // tail_ bytes before this are sealed or written
  size_t tail_used_ = 0;
  size_t size_ = 0;
};

}  // namespace valkdb
