#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "absl/functional/function_ref.h"

namespace valkdb {

// The encoding of lists — Redis 7.0's quicklist: a sequence of nodes, each
// one allocation holding a run of elements packed back to back. An element
// is its length as a varint, its bytes, and its length again written
// backwards, so a node is walked from either end (as a listpack is) and
// LPUSH/RPUSH/LPOP/RPOP touch only the end node. A node keeps free room at
// its front as well as its back, so popping or pushing at the head does not
// move the node's other elements.
//
// Nodes are capped as Redis caps them (list-max-listpack-size): a negative
// limit caps a node's bytes (-1: 4 KB ... -5: 64 KB), a positive one its
// element count (and its bytes at 8 KB, Redis's safety limit). An element
// bigger than the byte cap gets a node of its own.
//
// With a compress depth d > 0 (list-compress-depth), the d nodes at each end
// stay plain and the nodes between them are LZF-compressed, as Redis's
// quicklist does: pushes and pops touch only plain nodes; a read of an inner
// node decompresses it into a per-thread copy (the node stays compressed),
// and a write decompresses it, changes it and compresses it again. Nodes
// under 48 bytes, or that LZF would not shrink by 8 bytes, stay plain.
//
// Not thread-safe: the owning shard's lock guards it.
class QuickList {
 public:
  // fill: list-max-listpack-size (clamped to [-5, 32767] as Redis clamps
  // it); compress_depth: list-compress-depth (at most 65535).
  explicit QuickList(int64_t fill = -2, int64_t compress_depth = 0);
  ~QuickList();
  QuickList(const QuickList&) = delete;
  QuickList& operator=(const QuickList&) = delete;
  QuickList(QuickList&& other) noexcept;
  QuickList& operator=(QuickList&& other) noexcept;
  // A deep copy (COPY).
  QuickList Clone() const;

  // Redis's packed_threshold (DEBUG QUICKLIST-PACKED-THRESHOLD): an element
  // of at least this many bytes gets a node of its own (a "plain" node), and
  // nothing joins it. Process-wide, as in Redis; 1 GB by default.
  static void SetPackedThreshold(size_t bytes) {
    packed_threshold_.store(bytes, std::memory_order_relaxed);
  }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  size_t node_count() const { return nodes_.size(); }
  // Whether node `index` is held compressed, and how many are (O(nodes)).
  bool node_compressed(size_t index) const;
  size_t compressed_node_count() const;

  void PushFront(std::string_view element);
  void PushBack(std::string_view element);
  // The first / last element; the list must not be empty. Views stay valid
  // until the list next changes.  A view of an element of a compressed node
  // (At, and the visitor's argument in ForEachFrom) points into this thread's
  // copy of that node: it stays valid until this thread reads another
  // compressed node.
  std::string_view Front() const;
  std::string_view Back() const;
  void PopFront();
  void PopBack();

  // A position: node, and byte offset of an element's start from the node's
  // first element (so it survives the node being compressed and
  // decompressed).
  struct Position {
    size_t node = 0;
    size_t offset = 0;
  };
  // The element at `index` (0-based from the head; the caller has checked
  // 0 <= index < size()). Walks from the nearer end.
  Position Locate(size_t index) const;
  std::string_view At(Position position) const;
  // The position after / before `position`; false at the end / start.
  bool Next(Position* position) const;
  bool Prev(Position* position) const;

  // Replaces the element at position (LSET).
  void Replace(Position position, std::string_view element);
  // Inserts before (after = false) or after the element at position (LINSERT).
  void Insert(Position position, bool after, std::string_view element);
  // Removes the element at position; returns the position of the element
  // that followed it (forward = true) or preceded it, false when there is none.
  bool Erase(Position* position, bool forward);

  // Removes `front` elements from the head and `back` from the tail (LTRIM).
  void Trim(size_t front, size_t back);

  using Visitor = absl::FunctionRef<bool(std::string_view element)>;
  // Visits elements from index `start` towards the tail (reverse = false)
  // or the head, until fn returns false or the list ends.
  void ForEachFrom(size_t start, bool reverse, Visitor fn) const;

  // Bytes allocated for nodes and the node table (MEMORY USAGE).
  size_t MemoryUsage() const;
  // DEBUG OBJECT: the fill and compress settings, and the bytes the nodes'
  // elements take when not compressed (O(nodes)).
  int32_t fill() const { return fill_; }
  uint32_t compress_depth() const { return depth_; }
  size_t UncompressedBytes() const;

 private:
  struct Node;
  // A node's elements, plain: bytes [data, data + size).
  struct Span {
    const char* data;
    size_t size;
  };
  Span Read(size_t index) const;
  // Sets *position to the last element of `node`; returns true.
  bool LastOf(size_t node, Position* position) const;
  // The node at index, decompressed in place if it was compressed.
  Node* Writable(size_t index);
  // Compresses the node at index if it is plain and LZF saves enough.
  void TryCompress(size_t index);
  // Restores the compression rule after nodes [first, last] were written or
  // the node count changed: end nodes plain, inner ones compressed.
  void Recompress(size_t first, size_t last);
  // The most bytes a node's elements take (an element bigger than that gets a node alone).
  size_t NodeByteLimit() const;
  // Whether a node may take `bytes` more bytes and one more element.
  bool Fits(const Node* node, size_t bytes) const;
  Node* NewNode(size_t bytes, size_t front_room);
  // Inserts element at byte offset `at` of node `index` when the node has
  // room under its limit; false otherwise.
  bool InsertInPlace(size_t index, size_t at, std::string_view element);
  void InsertNode(size_t at, Node* node);
  void RemoveNode(size_t at);

  int32_t fill_;
  uint32_t depth_;
  size_t size_ = 0;
  std::vector<Node*> nodes_;
  static inline std::atomic<size_t> packed_threshold_{size_t{1} << 30};
};

}  // namespace valkdb
