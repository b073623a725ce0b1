#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "absl/functional/function_ref.h"

namespace valkdb {

// The ordered half of a big sorted set: an order-statistic B+ tree of
// (score, member) records in Redis's order — score as a double (compared with
// <, so -0.0 and 0.0 tie), then member bytes (memcmp, then length).
//
// Leaves are single allocations of records packed back to back (8 score
// bytes, a varint length, the member bytes), sized to what they hold plus a
// little room, so a record costs its bytes plus ~5 with the inner nodes
// (1M random 12-byte members: 26 bytes a record of 21): no per-record
// pointers, unlike Redis's skiplist nodes. A leaf splits past kLeafMax bytes of records
// and merges or borrows under a quarter of that. Inner nodes hold, per child,
// its record count (rank <-> position in O(log n)) and a separator key cut
// to the shortest prefix that separates (usually the score alone).
//
// Not thread-safe: the owning shard's lock guards it.
class ScoreTree {
 public:
  ScoreTree() = default;
  ~ScoreTree();
  ScoreTree(const ScoreTree&) = delete;
  ScoreTree& operator=(const ScoreTree&) = delete;
  ScoreTree(ScoreTree&& other) noexcept;
  ScoreTree& operator=(ScoreTree&& other) noexcept;
  // A deep copy (COPY).
  ScoreTree Clone() const;

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // Bytes allocated for leaves, inner nodes and separators.
  size_t MemoryUsage() const;
  void Clear();

  // Adds a record; (score, member) must not be present. score is not NaN.
  void Insert(double score, std::string_view member);
  // Removes the record; false when absent.
  bool Erase(double score, std::string_view member);
  // Moves a present record to new_score: in place when its neighbours in
  // its leaf still bracket it (ZINCRBY by small steps), else erase + insert.
  void Update(double old_score, double new_score, std::string_view member);

  // Records ordered before (score, member): its rank when it is present.
  size_t CountBefore(double score, std::string_view member) const;
  // The first rank whose score is >= score (> score when exclusive); size()
  // when there is none.
  size_t LowerBoundScore(double score, bool exclusive) const;
  // The first rank whose member is >= member (> when exclusive), meaningful
  // when all scores are equal (ZRANGEBYLEX's premise).
  size_t LowerBoundLex(std::string_view member, bool exclusive) const;

  struct Record {
    std::string_view member;
    double score = 0;
  };
  // The record at `rank` (< size()); the view is valid until the next change.
  Record At(size_t rank) const;

  using Visitor = absl::FunctionRef<bool(std::string_view member, double score)>;
  // Visits records from rank `start` towards the end (reverse = false) or
  // the start, until fn returns false or the records run out. fn must not
  // change the tree.
  void ForEachFrom(size_t start, bool reverse, Visitor fn) const;

  using EraseVisitor = absl::FunctionRef<void(std::string_view member, double score)>;
  // Removes ranks [start, stop] (start <= stop < size()), calling on_erase
  // with each record before it goes; on_erase must not change the tree.
  void EraseRange(size_t start, size_t stop, EraseVisitor on_erase);

  // Checks the structure (order, counts, separators, fill); for tests.
  bool Valid() const;

 private:
  struct Inner;
  // Where a split cuts: in the middle, or, for runs of inserts at the
  // tree's right (left) edge — ascending (descending) scores, as timestamps
  // are — near that edge, so the node left behind stays ~3/4 full, not half.
  enum class Cut { kMiddle, kNearRight, kNearLeft };
  static constexpr int kMaxHeight = 32;
  struct Step {
    Inner* node;
    uint32_t index;
  };
  // The inner nodes from the root to a leaf's parent (height_ steps).
  struct Path {
    Step steps[kMaxHeight];
  };

  // Descends towards the first record for which `before` is false (a
  // predicate true for a prefix of the order); fills path. Returns the
  // records in leaves left of *leaf when rank_wanted (else 0).
  template <typename Before>
  size_t Descend(const Before& before, Path* path, char** leaf, bool rank_wanted) const;
  template <typename Before>
  size_t Count(const Before& before) const;
  // Finds a present record: its leaf (path filled), byte offset and size.
  bool Find(double score, std::string_view member, Path* path, char** leaf, size_t* offset,
            size_t* bytes) const;
  // The leaf holding `rank` (< size()); returns the rank's position in it.
  size_t DescendRank(size_t rank, Path* path, char** leaf) const;
  bool NextLeaf(Path* path, char** leaf) const;
  bool PrevLeaf(Path* path, char** leaf) const;

  // Points the leaf's parent (or the root) at `leaf` after a reallocation.
  void Relink(const Path& path, char* leaf);
  // Whether the path's first `levels` steps all take the last (first) child.
  static bool OnEdge(const Path& path, int levels, bool right);
  void SplitLeaf(Path* path, char* leaf, Cut cut);
  // Inserts `child` right of child path.steps[level].index of that node.
  // A split at the edge (cut) splits an overflowing node near that edge too.
  void InsertChild(Path* path, int level, void* child, size_t count, double score,
                   std::string_view member, Cut cut);
  // Removes `k` records (`bytes` bytes) at byte `offset` of the leaf, then rebalances.
  void RemoveFromLeaf(Path* path, char* leaf, size_t offset, size_t bytes, size_t k);
  void RebalanceLeaf(Path* path, char* leaf);
  void RemoveChild(Path* path, int level, uint32_t index);
  void RebalanceInner(Path* path, int level);

  void* root_ = nullptr;  // a leaf when height_ == 0
  int height_ = 0;        // inner levels above the leaves
  size_t size_ = 0;
};

}  // namespace valkdb
