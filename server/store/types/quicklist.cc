#include "server/store/types/quicklist.h"

#include <malloc.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <new>
#include <utility>

#include "server/store/types/varint.h"

namespace valkdb {

// A node's header; its data follows it in the same allocation. Elements live
// in data[begin, end); the room before begin and after end is free.
struct QuickList::Node {
  uint32_t count;
  uint32_t begin;
  uint32_t end;
  uint32_t capacity;

  char* data() { return reinterpret_cast<char*>(this + 1); }
  const char* data() const { return reinterpret_cast<const char*>(this + 1); }
  size_t used() const { return end - begin; }
};

namespace {

// Redis's SIZE_SAFETY_LIMIT: a node capped by count still stays under 8 KB.
constexpr size_t kSafetyLimit = 8192;
// Nodes never pass 4 GiB (their offsets are 32-bit); an element that big is
// beyond proto-max-bulk-len anyway.
constexpr size_t kMaxNodeBytes = std::numeric_limits<uint32_t>::max();

size_t ElementSize(size_t length) { return 2 * varint::Size(length) + length; }

// Writes length, bytes, then the length again backwards: read from the end,
// the last byte holds the low 7 bits and its high bit says another byte precedes.
char* PutElement(char* p, std::string_view element) {
  p = varint::Put(p, element.size());
  if (!element.empty()) std::memcpy(p, element.data(), element.size());
  p += element.size();
  const size_t n = varint::Size(element.size());
  size_t v = element.size();
  for (size_t i = 0; i < n; ++i) {
    p[n - 1 - i] = static_cast<char>((v & 0x7f) | (i + 1 < n ? 0x80 : 0));
    v >>= 7;
  }
  return p + n;
}

// The element starting at p; *next is where the following one starts.
std::string_view GetElement(const char* p, const char** next) {
  size_t length = 0;
  p = varint::Get(p, &length);
  *next = p + length + varint::Size(length);
  return {p, length};
}

// The element ending at end; *start is where it starts.
std::string_view GetElementBefore(const char* end, const char** start) {
  size_t length = 0;
  int shift = 0;
  const char* p = end;
  while (true) {
    const auto byte = static_cast<uint8_t>(*--p);
    length |= static_cast<size_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) break;
    shift += 7;
  }
  const char* bytes = p - length;
  *start = bytes - varint::Size(length);
  return {bytes, length};
}

size_t Checked(size_t bytes) {
  if (bytes > kMaxNodeBytes) throw std::bad_alloc();
  return bytes;
}

}  // namespace

QuickList::QuickList(int64_t fill) : fill_(fill) {}

QuickList::~QuickList() {
  for (Node* node : nodes_) std::free(node);
}

QuickList::QuickList(QuickList&& other) noexcept
    : fill_(other.fill_), size_(std::exchange(other.size_, 0)), nodes_(std::move(other.nodes_)) {
  other.nodes_.clear();
}

QuickList& QuickList::operator=(QuickList&& other) noexcept {
  if (this != &other) {
    for (Node* node : nodes_) std::free(node);
    fill_ = other.fill_;
    size_ = std::exchange(other.size_, 0);
    nodes_ = std::move(other.nodes_);
    other.nodes_.clear();
  }
  return *this;
}

QuickList QuickList::Clone() const {
  QuickList copy(fill_);
  copy.nodes_.reserve(nodes_.size());
  for (const Node* node : nodes_) {
    Node* n = copy.NewNode(node->used(), 0);
    std::memcpy(n->data(), node->data() + node->begin, node->used());
    n->end = static_cast<uint32_t>(node->used());
    n->count = node->count;
    copy.nodes_.push_back(n);
  }
  copy.size_ = size_;
  return copy;
}

size_t QuickList::NodeByteLimit() const {
  if (fill_ < 0) return size_t{4096} << (std::min<int64_t>(-fill_, 5) - 1);
  return kSafetyLimit;
}

bool QuickList::Fits(const Node* node, size_t bytes) const {
  const size_t total = node->used() + bytes;
  if (total > NodeByteLimit()) return false;
  return fill_ < 0 || static_cast<int64_t>(node->count) < fill_;
}

QuickList::Node* QuickList::NewNode(size_t bytes, size_t front_room) {
  const size_t capacity = Checked(bytes + front_room);
  void* memory = std::malloc(sizeof(Node) + capacity);
  if (memory == nullptr) throw std::bad_alloc();
  Node* node = static_cast<Node*>(memory);
  node->count = 0;
  node->begin = node->end = static_cast<uint32_t>(front_room);
  // malloc rounds up: the room it gives is ours to use.
  node->capacity =
      static_cast<uint32_t>(std::min(malloc_usable_size(memory) - sizeof(Node), kMaxNodeBytes));
  return node;
}

void QuickList::InsertNode(size_t at, Node* node) {
  nodes_.insert(nodes_.begin() + static_cast<ptrdiff_t>(at), node);
}

void QuickList::RemoveNode(size_t at) {
  std::free(nodes_[at]);
  nodes_.erase(nodes_.begin() + static_cast<ptrdiff_t>(at));
  if (nodes_.empty()) nodes_.shrink_to_fit();
}

namespace {

// The next capacity for a node that needs `needed` bytes of data: half as
// much again, so appends are amortised, but no more than a full node takes.
size_t GrownCapacity(size_t capacity, size_t needed, size_t cap) {
  return std::max(needed, std::min(capacity + capacity / 2, std::max(cap, needed)));
}

}  // namespace

void QuickList::PushBack(std::string_view element) {
  const size_t size = ElementSize(element.size());
  if (nodes_.empty() || !Fits(nodes_.back(), size)) {
    nodes_.push_back(NewNode(size, 0));
  }
  Node*& node = nodes_.back();
  if (node->end + size > node->capacity) {
    const size_t used = node->used();
    const size_t capacity = Checked(GrownCapacity(node->capacity, used + size, NodeByteLimit()));
    // Drop the front room while moving: a node that grows at its back is a tail.
    if (node->begin > 0) std::memmove(node->data(), node->data() + node->begin, used);
    void* memory = std::realloc(node, sizeof(Node) + capacity);
    if (memory == nullptr) throw std::bad_alloc();
    node = static_cast<Node*>(memory);
    node->begin = 0;
    node->end = static_cast<uint32_t>(used);
    node->capacity =
        static_cast<uint32_t>(std::min(malloc_usable_size(memory) - sizeof(Node), kMaxNodeBytes));
  }
  PutElement(node->data() + node->end, element);
  node->end += static_cast<uint32_t>(size);
  ++node->count;
  ++size_;
}

void QuickList::PushFront(std::string_view element) {
  const size_t size = ElementSize(element.size());
  if (nodes_.empty() || !Fits(nodes_.front(), size)) {
    // A new head node fills from its back towards its front.
    InsertNode(0, NewNode(0, std::max<size_t>(size, 64)));
  }
  Node*& node = nodes_.front();
  if (node->begin < size) {
    const size_t used = node->used();
    // Room for more pushes at the front, but never past what a full node
    // holds: a node full of LPUSHes keeps no slack.
    const size_t limit = NodeByteLimit();
    const size_t room =
        std::max(size, std::min(std::max<size_t>(used / 2, 64), limit > used ? limit - used : 0));
    Node* moved = NewNode(used, room);
    std::memcpy(moved->data() + room, node->data() + node->begin, used);
    moved->end = static_cast<uint32_t>(room + used);
    moved->count = node->count;
    std::free(node);
    node = moved;
  }
  node->begin -= static_cast<uint32_t>(size);
  PutElement(node->data() + node->begin, element);
  ++node->count;
  ++size_;
}

std::string_view QuickList::Front() const {
  const Node* node = nodes_.front();
  const char* next;
  return GetElement(node->data() + node->begin, &next);
}

std::string_view QuickList::Back() const {
  const Node* node = nodes_.back();
  const char* start;
  return GetElementBefore(node->data() + node->end, &start);
}

void QuickList::PopFront() {
  Node* node = nodes_.front();
  const char* next;
  GetElement(node->data() + node->begin, &next);
  node->begin = static_cast<uint32_t>(next - node->data());
  --size_;
  if (--node->count == 0) RemoveNode(0);
}

void QuickList::PopBack() {
  Node* node = nodes_.back();
  const char* start;
  GetElementBefore(node->data() + node->end, &start);
  node->end = static_cast<uint32_t>(start - node->data());
  --size_;
  if (--node->count == 0) RemoveNode(nodes_.size() - 1);
}

QuickList::Position QuickList::Locate(size_t index) const {
  Position position;
  size_t first = 0;  // index of the node's first element
  if (index < size_ / 2) {
    while (first + nodes_[position.node]->count <= index) first += nodes_[position.node++]->count;
  } else {
    position.node = nodes_.size() - 1;
    size_t after = size_;  // index just past the node
    while (after - nodes_[position.node]->count > index) after -= nodes_[position.node--]->count;
    first = after - nodes_[position.node]->count;
  }
  const Node* node = nodes_[position.node];
  size_t within = index - first;
  const char* p;
  if (within < node->count / 2) {
    p = node->data() + node->begin;
    const char* next;
    for (; within > 0; --within, p = next) GetElement(p, &next);
  } else {
    p = node->data() + node->end;
    for (size_t back = node->count - within; back > 0; --back) GetElementBefore(p, &p);
  }
  position.offset = static_cast<size_t>(p - node->data());
  return position;
}

std::string_view QuickList::At(Position position) const {
  const char* next;
  return GetElement(nodes_[position.node]->data() + position.offset, &next);
}

bool QuickList::Next(Position* position) const {
  const Node* node = nodes_[position->node];
  const char* next;
  GetElement(node->data() + position->offset, &next);
  if (next < node->data() + node->end) {
    position->offset = static_cast<size_t>(next - node->data());
    return true;
  }
  if (position->node + 1 >= nodes_.size()) return false;
  ++position->node;
  position->offset = nodes_[position->node]->begin;
  return true;
}

bool QuickList::Prev(Position* position) const {
  const Node* node = nodes_[position->node];
  const char* start;
  if (position->offset > node->begin) {
    GetElementBefore(node->data() + position->offset, &start);
    position->offset = static_cast<size_t>(start - node->data());
    return true;
  }
  if (position->node == 0) return false;
  --position->node;
  node = nodes_[position->node];
  GetElementBefore(node->data() + node->end, &start);
  position->offset = static_cast<size_t>(start - node->data());
  return true;
}

bool QuickList::Erase(Position* position, bool forward) {
  Node* node = nodes_[position->node];
  char* data = node->data();
  const char* next;
  GetElement(data + position->offset, &next);
  const size_t size = static_cast<size_t>(next - (data + position->offset));
  --size_;
  if (--node->count == 0) {
    RemoveNode(position->node);
    if (forward) {
      if (position->node >= nodes_.size()) return false;
      position->offset = nodes_[position->node]->begin;
      return true;
    }
    if (position->node == 0) return false;
    --position->node;
    const Node* prev = nodes_[position->node];
    const char* start;
    GetElementBefore(prev->data() + prev->end, &start);
    position->offset = static_cast<size_t>(start - prev->data());
    return true;
  }
  // Close the gap by moving the shorter side.
  const size_t before = position->offset - node->begin;
  const size_t after = node->end - position->offset - size;
  if (before < after) {
    std::memmove(data + node->begin + size, data + node->begin, before);
    node->begin += static_cast<uint32_t>(size);
    position->offset += size;
  } else {
    std::memmove(data + position->offset, data + position->offset + size, after);
    node->end -= static_cast<uint32_t>(size);
  }
  // position now names the element that followed the erased one.
  if (forward) {
    if (position->offset < node->end) return true;
    if (position->node + 1 >= nodes_.size()) return false;
    ++position->node;
    position->offset = nodes_[position->node]->begin;
    return true;
  }
  if (position->offset > node->begin) {
    const char* start;
    GetElementBefore(data + position->offset, &start);
    position->offset = static_cast<size_t>(start - data);
    return true;
  }
  if (position->node == 0) return false;
  --position->node;
  const Node* prev = nodes_[position->node];
  const char* start;
  GetElementBefore(prev->data() + prev->end, &start);
  position->offset = static_cast<size_t>(start - prev->data());
  return true;
}

bool QuickList::InsertInPlace(size_t index, size_t at, std::string_view element) {
  const size_t size = ElementSize(element.size());
  Node* node = nodes_[index];
  if (!Fits(node, size)) return false;
  if (node->end + size > node->capacity) {
    // Move to a bigger node, dropping the front room.
    const size_t used = node->used();
    Node* bigger = NewNode(Checked(GrownCapacity(node->capacity, used + size, used + size)), 0);
    std::memcpy(bigger->data(), node->data() + node->begin, used);
    bigger->end = static_cast<uint32_t>(used);
    bigger->count = node->count;
    at -= node->begin;
    std::free(node);
    nodes_[index] = node = bigger;
  }
  char* data = node->data();
  std::memmove(data + at + size, data + at, node->end - at);
  PutElement(data + at, element);
  node->end += static_cast<uint32_t>(size);
  ++node->count;
  ++size_;
  return true;
}

void QuickList::Insert(Position position, bool after, std::string_view element) {
  Node* node = nodes_[position.node];
  size_t at = position.offset;
  if (after) {
    const char* next;
    GetElement(node->data() + at, &next);
    at = static_cast<size_t>(next - node->data());
  }
  if (InsertInPlace(position.node, at, element)) return;
  // Split: the elements from `at` on move to a node of their own; the new
  // element then joins the end of the first part or the start of the
  // second if either has room, or gets a node between them.
  const size_t tail_bytes = node->end - at;
  uint32_t tail_count = 0;
  for (const char* p = node->data() + at; p < node->data() + node->end; ++tail_count) {
    GetElement(p, &p);
  }
  if (tail_count > 0) {
    Node* tail = NewNode(tail_bytes, 0);
    std::memcpy(tail->data(), node->data() + at, tail_bytes);
    tail->end = static_cast<uint32_t>(tail_bytes);
    tail->count = tail_count;
    node->end = static_cast<uint32_t>(at);
    node->count -= tail_count;
    InsertNode(position.node + 1, tail);
  }
  size_t insert_at = position.node + 1;
  if (node->count == 0) {
    RemoveNode(position.node);
    insert_at = position.node;
  } else if (InsertInPlace(position.node, node->end, element)) {
    return;
  }
  if (insert_at < nodes_.size() && InsertInPlace(insert_at, nodes_[insert_at]->begin, element)) {
    return;
  }
  const size_t size = ElementSize(element.size());
  Node* fresh = NewNode(size, 0);
  PutElement(fresh->data(), element);
  fresh->end = static_cast<uint32_t>(size);
  fresh->count = 1;
  InsertNode(insert_at, fresh);
  ++size_;
}

void QuickList::Replace(Position position, std::string_view element) {
  Node* node = nodes_[position.node];
  const char* next;
  const std::string_view old = GetElement(node->data() + position.offset, &next);
  if (old.size() == element.size()) {
    if (!element.empty()) std::memmove(const_cast<char*>(old.data()), element.data(), old.size());
    return;
  }
  if (Erase(&position, true)) {
    Insert(position, false, element);
  } else {
    PushBack(element);
  }
}

void QuickList::Trim(size_t front, size_t back) {
  if (front + back >= size_) {
    for (Node* node : nodes_) std::free(node);
    nodes_.clear();
    nodes_.shrink_to_fit();
    size_ = 0;
    return;
  }
  size_ -= front + back;
  size_t whole = 0;
  while (front >= nodes_[whole]->count) front -= nodes_[whole++]->count;
  for (size_t i = 0; i < whole; ++i) std::free(nodes_[i]);
  nodes_.erase(nodes_.begin(), nodes_.begin() + static_cast<ptrdiff_t>(whole));
  if (front > 0) {
    Node* node = nodes_.front();
    const char* p = node->data() + node->begin;
    for (size_t i = 0; i < front; ++i) GetElement(p, &p);
    node->begin = static_cast<uint32_t>(p - node->data());
    node->count -= static_cast<uint32_t>(front);
  }
  while (back >= nodes_.back()->count) {
    back -= nodes_.back()->count;
    std::free(nodes_.back());
    nodes_.pop_back();
  }
  if (back > 0) {
    Node* node = nodes_.back();
    const char* p = node->data() + node->end;
    for (size_t i = 0; i < back; ++i) GetElementBefore(p, &p);
    node->end = static_cast<uint32_t>(p - node->data());
    node->count -= static_cast<uint32_t>(back);
  }
}

void QuickList::ForEachFrom(size_t start, bool reverse, Visitor fn) const {
  if (start >= size_) return;
  Position position = Locate(start);
  while (fn(At(position)) && (reverse ? Prev(&position) : Next(&position))) {
  }
}

size_t QuickList::MemoryUsage() const {
  size_t bytes = nodes_.capacity() * sizeof(Node*);
  for (const Node* node : nodes_) bytes += malloc_usable_size(const_cast<Node*>(node));
  return bytes;
}

}  // namespace valkdb
