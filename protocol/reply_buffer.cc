#include "protocol/reply_buffer.h"

#include <algorithm>

namespace valkdb {

ReplyBuffer::~ReplyBuffer() {
  if (tail_ != nullptr) tail_->Unref();
}

void ReplyBuffer::SealTail() {
  if (tail_ == nullptr || tail_used_ == tail_start_) return;
  pieces_.push_back(Bytes::Share(tail_, tail_->payload() + tail_start_, tail_used_ - tail_start_));
  tail_start_ = tail_used_;
}

void ReplyBuffer::AppendSlow(std::string_view data) {
  if (data.size() >= kBlockSize) {
    SealTail();
    pieces_.push_back(Bytes::Copy(data));
    size_ += data.size();
    return;
  }
  // The tail is full (or missing): start a new block; pieces keep the old one alive.
  SealTail();
  if (tail_ != nullptr) tail_->Unref();
  tail_ = SharedBuffer::Allocate(kBlockSize);
  tail_start_ = tail_used_ = 0;
  Append(data);
}

void ReplyBuffer::AppendBytes(const Bytes& data) {
  // Copying small values is cheaper than a reference; static data has no owner to share.
  if (data.size() < kReferenceThreshold || data.use_count() == 0) {
    Append(data.view());
    return;
  }
  SealTail();
  pieces_.push_back(data);
  size_ += data.size();
}

size_t ReplyBuffer::Peek(struct iovec* iov, size_t max_iov) const {
  size_t count = 0;
  for (const Bytes& piece : pieces_) {
    if (count == max_iov) return count;
    iov[count++] = {const_cast<char*>(piece.data()), piece.size()};
  }
  if (count < max_iov && tail_ != nullptr && tail_used_ > tail_start_) {
    iov[count++] = {tail_->payload() + tail_start_, tail_used_ - tail_start_};
  }
  return count;
}

void ReplyBuffer::Consume(size_t n) {
  n = std::min(n, size_);
  size_ -= n;
  while (n > 0 && !pieces_.empty()) {
    Bytes& front = pieces_.front();
    if (n >= front.size()) {
      n -= front.size();
      pieces_.pop_front();
    } else {
      front = front.Slice(n);
      n = 0;
    }
  }
  tail_start_ += n;
  // All written: reuse the block from its start if nobody else holds it.
  if (size_ == 0 && tail_ != nullptr && tail_->refs.load(std::memory_order_acquire) == 1) {
    tail_start_ = tail_used_ = 0;
  }
}

std::string ReplyBuffer::ToString() const {
  std::string out;
  AppendTo(&out);
  return out;
}

void ReplyBuffer::AppendTo(std::string* out) const {
  out->reserve(out->size() + size_);
  for (const Bytes& piece : pieces_) out->append(piece.view());
  if (tail_ != nullptr) out->append(tail_->payload() + tail_start_, tail_used_ - tail_start_);
}

}  // namespace valkdb
