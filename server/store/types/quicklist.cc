#include "server/store/types/quicklist.h"

#include <lzf.h>
#include <malloc.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <new>
#include <string>
#include <utility>

#include "server/store/types/varint.h"

namespace valkdb {

namespace {
// `begin` of a compressed node.
constexpr uint32_t kCompressedMark = std::numeric_limits<uint32_t>::max();
}  // namespace

// A node's header; its data follows it in the same allocation.
// Plain: elements live in data[begin, end); the room before begin and after
// end is free; capacity is the data's size.
// Compressed (begin == kCompressedMark): data holds an 8-byte id, unique
// for the life of the process (it names the node's contents for the
// per-thread plain copy), then `end` bytes of LZF; capacity is the plain size.
struct QuickList::Node {
  uint32_t count;
  uint32_t begin;
  uint32_t end;
  uint32_t capacity;

  char* data() { return reinterpret_cast<char*>(this + 1); }
  const char* data() const { return reinterpret_cast<const char*>(this + 1); }
  size_t used() const { return end - begin; }
  bool compressed() const { return begin == kCompressedMark; }
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

// Redis's MIN_COMPRESS_BYTES and MIN_COMPRESS_IMPROVE.
constexpr size_t kMinCompressBytes = 48;
constexpr size_t kMinCompressImprove = 8;
constexpr size_t kIdBytes = sizeof(uint64_t);
// Clamps as Redis's quicklistSetFill / quicklistSetCompressDepth.
constexpr int64_t kFillMax = (1 << 15) - 1;
constexpr int64_t kDepthMax = (1 << 16) - 1;

std::atomic<uint64_t> next_compressed_id{1};

// This thread's plain copy of the compressed node last read.
struct PlainCopy {
  uint64_t id = 0;
  std::string bytes;
};
thread_local PlainCopy plain_copy;

uint64_t CompressedId(const char* data) {
  uint64_t id;
  std::memcpy(&id, data, sizeof(id));
  return id;
}

size_t Checked(size_t bytes) {
  if (bytes > kMaxNodeBytes) throw std::bad_alloc();
  return bytes;
}

}  // namespace

QuickList::QuickList(int64_t fill, int64_t compress_depth)
    : fill_(static_cast<int32_t>(std::clamp<int64_t>(fill, -5, kFillMax))),
      depth_(static_cast<uint32_t>(std::clamp<int64_t>(compress_depth, 0, kDepthMax))) {}

QuickList::~QuickList() {
  for (Node* node : nodes_) std::free(node);
}

QuickList::QuickList(QuickList&& other) noexcept
    : fill_(other.fill_),
      depth_(other.depth_),
      size_(std::exchange(other.size_, 0)),
      nodes_(std::move(other.nodes_)) {
  other.nodes_.clear();
}

QuickList& QuickList::operator=(QuickList&& other) noexcept {
  if (this != &other) {
    for (Node* node : nodes_) std::free(node);
    fill_ = other.fill_;
    depth_ = other.depth_;
    size_ = std::exchange(other.size_, 0);
    nodes_ = std::move(other.nodes_);
    other.nodes_.clear();
  }
  return *this;
}

QuickList QuickList::Clone() const {
  QuickList copy(fill_, depth_);
  copy.nodes_.reserve(nodes_.size());
  for (const Node* node : nodes_) {
    if (node->compressed()) {
      // Same contents, so the same id.
      const size_t bytes = sizeof(Node) + kIdBytes + node->end;
      void* memory = std::malloc(bytes);
      if (memory == nullptr) throw std::bad_alloc();
      std::memcpy(memory, node, bytes);
      copy.nodes_.push_back(static_cast<Node*>(memory));
      continue;
    }
    Node* n = copy.NewNode(node->used(), 0);
    std::memcpy(n->data(), node->data() + node->begin, node->used());
    n->end = static_cast<uint32_t>(node->used());
    n->count = node->count;
    copy.nodes_.push_back(n);
  }
  copy.size_ = size_;
  return copy;
}

bool QuickList::node_compressed(size_t index) const { return nodes_[index]->compressed(); }

size_t QuickList::compressed_node_count() const {
  return static_cast<size_t>(std::count_if(nodes_.begin(), nodes_.end(),
                                           [](const Node* node) { return node->compressed(); }));
}

QuickList::Span QuickList::Read(size_t index) const {
  const Node* node = nodes_[index];
  if (!node->compressed()) return {node->data() + node->begin, node->used()};
  const uint64_t id = CompressedId(node->data());
  if (plain_copy.id != id) {
    plain_copy.id = 0;
    // A copy of a huge node is not kept once smaller ones are read.
    if (plain_copy.bytes.capacity() > (size_t{1} << 20) && node->capacity < 65536) {
      std::string().swap(plain_copy.bytes);
    }
    plain_copy.bytes.resize(node->capacity);
    const unsigned int n =
        lzf_decompress(node->data() + kIdBytes, node->end, plain_copy.bytes.data(), node->capacity);
    if (n != node->capacity) std::abort();  // our own bytes: memory is corrupt
    plain_copy.id = id;
  }
  return {plain_copy.bytes.data(), node->capacity};
}

QuickList::Node* QuickList::Writable(size_t index) {
  Node* node = nodes_[index];
  if (!node->compressed()) return node;
  Node* plain = NewNode(node->capacity, 0);
  const unsigned int n =
      lzf_decompress(node->data() + kIdBytes, node->end, plain->data(), node->capacity);
  if (n != node->capacity) std::abort();
  plain->end = node->capacity;
  plain->count = node->count;
  std::free(node);
  nodes_[index] = plain;
  return plain;
}

void QuickList::TryCompress(size_t index) {
  Node* node = nodes_[index];
  const size_t used = node->used();
  if (node->compressed() || used < kMinCompressBytes) return;
  thread_local std::string scratch;
  if (scratch.size() < used) scratch.resize(used);
  const unsigned int lzf =
      lzf_compress(node->data() + node->begin, static_cast<unsigned int>(used), scratch.data(),
                   static_cast<unsigned int>(used - kMinCompressImprove - 1));
  void* memory = lzf == 0 ? nullptr : std::malloc(sizeof(Node) + kIdBytes + lzf);
  if (memory != nullptr) {
    Node* packed = static_cast<Node*>(memory);
    packed->count = node->count;
    packed->begin = kCompressedMark;
    packed->end = lzf;
    packed->capacity = static_cast<uint32_t>(used);
    const uint64_t id = next_compressed_id.fetch_add(1, std::memory_order_relaxed);
    std::memcpy(packed->data(), &id, kIdBytes);
    std::memcpy(packed->data() + kIdBytes, scratch.data(), lzf);
    std::free(node);
    nodes_[index] = packed;
  }
  // lzf == 0: LZF would not save kMinCompressImprove bytes; the node stays plain.
  if (scratch.size() > (size_t{1} << 20)) std::string().swap(scratch);
}

void QuickList::Recompress(size_t first, size_t last) {
  if (depth_ == 0) return;
  const size_t n = nodes_.size();
  const size_t ends = std::min<size_t>(depth_, n);
  for (size_t i = 0; i < ends; ++i) {
    Writable(i);
    Writable(n - 1 - i);
  }
  // Redis's __quicklistCompress: a list of fewer than 2 * depth nodes
  // compresses nothing; otherwise the nodes just inside the plain ends and
  // the ones written are compressed.
  if (n <= 2 * size_t{depth_}) return;
  const size_t inner_first = depth_, inner_end = n - depth_;
  TryCompress(inner_first);
  TryCompress(inner_end - 1);
  for (size_t i = std::max(first, inner_first); i <= last && i < inner_end; ++i) TryCompress(i);
}

size_t QuickList::NodeByteLimit() const {
  if (fill_ < 0) return size_t{4096} << (std::min<int64_t>(-fill_, 5) - 1);
  return kSafetyLimit;
}

bool QuickList::Fits(const Node* node, size_t bytes) const {
  const size_t total = node->used() + bytes;
  if (total > NodeByteLimit()) return false;
  // A plain node: the element alone (Redis compares the element's size; the
  // few bytes of framing counted here only matter at tiny thresholds).
  const size_t threshold = packed_threshold_.load(std::memory_order_relaxed);
  if (bytes >= threshold || (node->count == 1 && node->used() >= threshold)) return false;
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
  const bool new_node = nodes_.empty() || !Fits(Writable(nodes_.size() - 1), size);
  if (new_node) nodes_.push_back(NewNode(size, 0));
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
  if (new_node) Recompress(1, 0);
}

void QuickList::PushFront(std::string_view element) {
  const size_t size = ElementSize(element.size());
  const bool new_node = nodes_.empty() || !Fits(Writable(0), size);
  if (new_node) {
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
  if (new_node) Recompress(1, 0);
}

std::string_view QuickList::Front() const {
  const char* next;
  return GetElement(Read(0).data, &next);
}

std::string_view QuickList::Back() const {
  const Span span = Read(nodes_.size() - 1);
  const char* start;
  return GetElementBefore(span.data + span.size, &start);
}

void QuickList::PopFront() {
  Node* node = Writable(0);
  const char* next;
  GetElement(node->data() + node->begin, &next);
  node->begin = static_cast<uint32_t>(next - node->data());
  --size_;
  if (--node->count == 0) {
    RemoveNode(0);
    Recompress(1, 0);
  }
}

void QuickList::PopBack() {
  Node* node = Writable(nodes_.size() - 1);
  const char* start;
  GetElementBefore(node->data() + node->end, &start);
  node->end = static_cast<uint32_t>(start - node->data());
  --size_;
  if (--node->count == 0) {
    RemoveNode(nodes_.size() - 1);
    Recompress(1, 0);
  }
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
  const uint32_t count = nodes_[position.node]->count;
  const Span span = Read(position.node);
  size_t within = index - first;
  const char* p;
  if (within < count / 2) {
    p = span.data;
    const char* next;
    for (; within > 0; --within, p = next) GetElement(p, &next);
  } else {
    p = span.data + span.size;
    for (size_t back = count - within; back > 0; --back) GetElementBefore(p, &p);
  }
  position.offset = static_cast<size_t>(p - span.data);
  return position;
}

std::string_view QuickList::At(Position position) const {
  const char* next;
  return GetElement(Read(position.node).data + position.offset, &next);
}

bool QuickList::Next(Position* position) const {
  const Span span = Read(position->node);
  const char* next;
  GetElement(span.data + position->offset, &next);
  if (next < span.data + span.size) {
    position->offset = static_cast<size_t>(next - span.data);
    return true;
  }
  if (position->node + 1 >= nodes_.size()) return false;
  ++position->node;
  position->offset = 0;
  return true;
}

bool QuickList::LastOf(size_t node, Position* position) const {
  const Span span = Read(node);
  const char* start;
  GetElementBefore(span.data + span.size, &start);
  position->node = node;
  position->offset = static_cast<size_t>(start - span.data);
  return true;
}

bool QuickList::Prev(Position* position) const {
  if (position->offset > 0) {
    const Span span = Read(position->node);
    const char* start;
    GetElementBefore(span.data + position->offset, &start);
    position->offset = static_cast<size_t>(start - span.data);
    return true;
  }
  if (position->node == 0) return false;
  return LastOf(position->node - 1, position);
}

bool QuickList::Erase(Position* position, bool forward) {
  const size_t index = position->node;
  Node* node = Writable(index);
  char* data = node->data();
  const size_t at = node->begin + position->offset;
  const char* next;
  GetElement(data + at, &next);
  const size_t size = static_cast<size_t>(next - (data + at));
  --size_;
  bool more;
  if (--node->count == 0) {
    RemoveNode(index);
    if (forward) {
      more = index < nodes_.size();
      position->offset = 0;
    } else {
      more = index > 0 && LastOf(index - 1, position);
    }
    Recompress(1, 0);
    return more;
  }
  // Close the gap by moving the shorter side. Either way the element that
  // followed the erased one now starts at the erased one's offset from begin.
  const size_t before = at - node->begin;
  const size_t after = node->end - at - size;
  if (before < after) {
    std::memmove(data + node->begin + size, data + node->begin, before);
    node->begin += static_cast<uint32_t>(size);
  } else {
    std::memmove(data + at, data + at + size, after);
    node->end -= static_cast<uint32_t>(size);
  }
  if (forward) {
    if (position->offset < node->used()) {
      more = true;
    } else if (index + 1 < nodes_.size()) {
      ++position->node;
      position->offset = 0;
      more = true;
    } else {
      more = false;
    }
  } else if (position->offset > 0) {
    const char* start;
    GetElementBefore(node->data() + node->begin + position->offset, &start);
    position->offset = static_cast<size_t>(start - (node->data() + node->begin));
    more = true;
  } else {
    more = index > 0 && LastOf(index - 1, position);
  }
  Recompress(index, index);
  return more;
}

bool QuickList::InsertInPlace(size_t index, size_t at, std::string_view element) {
  const size_t size = ElementSize(element.size());
  Node* node = Writable(index);
  if (!Fits(node, size)) return false;
  if (node->end + size > node->capacity) {
    // Move to a bigger node, dropping the front room.
    const size_t used = node->used();
    Node* bigger = NewNode(Checked(GrownCapacity(node->capacity, used + size, used + size)), 0);
    std::memcpy(bigger->data(), node->data() + node->begin, used);
    bigger->end = static_cast<uint32_t>(used);
    bigger->count = node->count;
    std::free(node);
    nodes_[index] = node = bigger;
  }
  char* data = node->data();
  const size_t where = node->begin + at;
  std::memmove(data + where + size, data + where, node->end - where);
  PutElement(data + where, element);
  node->end += static_cast<uint32_t>(size);
  ++node->count;
  ++size_;
  return true;
}

void QuickList::Insert(Position position, bool after, std::string_view element) {
  const size_t index = position.node;
  Node* node = Writable(index);
  size_t at = position.offset;  // from begin
  if (after) {
    const char* next;
    GetElement(node->data() + node->begin + at, &next);
    at = static_cast<size_t>(next - (node->data() + node->begin));
  }
  if (InsertInPlace(index, at, element)) {
    Recompress(index, index);
    return;
  }
  node = nodes_[index];
  // Split: the elements from `at` on move to a node of their own; the new
  // element then joins the end of the first part or the start of the
  // second if either has room, or gets a node between them.
  const size_t split = node->begin + at;
  const size_t tail_bytes = node->end - split;
  uint32_t tail_count = 0;
  for (const char* p = node->data() + split; p < node->data() + node->end; ++tail_count) {
    GetElement(p, &p);
  }
  if (tail_count > 0) {
    Node* tail = NewNode(tail_bytes, 0);
    std::memcpy(tail->data(), node->data() + split, tail_bytes);
    tail->end = static_cast<uint32_t>(tail_bytes);
    tail->count = tail_count;
    node->end = static_cast<uint32_t>(split);
    node->count -= tail_count;
    InsertNode(index + 1, tail);
  }
  size_t insert_at = index + 1;
  bool done = false;
  if (node->count == 0) {
    RemoveNode(index);
    insert_at = index;
  } else {
    done = InsertInPlace(index, node->used(), element);
  }
  if (!done && insert_at < nodes_.size()) done = InsertInPlace(insert_at, 0, element);
  if (!done) {
    const size_t size = ElementSize(element.size());
    Node* fresh = NewNode(size, 0);
    PutElement(fresh->data(), element);
    fresh->end = static_cast<uint32_t>(size);
    fresh->count = 1;
    InsertNode(insert_at, fresh);
    ++size_;
  }
  Recompress(index, index + 2);
}

void QuickList::Replace(Position position, std::string_view element) {
  Node* node = Writable(position.node);
  const char* next;
  const std::string_view old = GetElement(node->data() + node->begin + position.offset, &next);
  if (old.size() == element.size()) {
    if (!element.empty()) std::memmove(const_cast<char*>(old.data()), element.data(), old.size());
    Recompress(position.node, position.node);
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
    Node* node = Writable(0);
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
    Node* node = Writable(nodes_.size() - 1);
    const char* p = node->data() + node->end;
    for (size_t i = 0; i < back; ++i) GetElementBefore(p, &p);
    node->end = static_cast<uint32_t>(p - node->data());
    node->count -= static_cast<uint32_t>(back);
  }
  Recompress(1, 0);
}

void QuickList::ForEachFrom(size_t start, bool reverse, Visitor fn) const {
  if (start >= size_) return;
  const Position first = Locate(start);
  size_t node = first.node;
  size_t offset = first.offset;
  // Node by node: one Read (and at most one decompression) per node.
  while (true) {
    const Span span = Read(node);
    const char* p = span.data + offset;
    if (!reverse) {
      const char* const end = span.data + span.size;
      while (p < end) {
        const char* next;
        if (!fn(GetElement(p, &next))) return;
        p = next;
      }
      if (++node >= nodes_.size()) return;
      offset = 0;
    } else {
      const char* next;
      if (!fn(GetElement(p, &next))) return;
      while (p > span.data) {
        const char* element_start;
        if (!fn(GetElementBefore(p, &element_start))) return;
        p = element_start;
      }
      if (node == 0) return;
      Position last;
      LastOf(--node, &last);
      offset = last.offset;
    }
  }
}

size_t QuickList::UncompressedBytes() const {
  size_t bytes = 0;
  for (size_t i = 0; i < nodes_.size(); ++i) bytes += Read(i).size;
  return bytes;
}

size_t QuickList::MemoryUsage() const {
  size_t bytes = nodes_.capacity() * sizeof(Node*);
  for (const Node* node : nodes_) bytes += malloc_usable_size(const_cast<Node*>(node));
  return bytes;
}

}  // namespace valkdb
