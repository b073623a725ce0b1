#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "absl/functional/function_ref.h"
#include "server/store/types/packed_table.h"
#include "server/store/types/score_tree.h"

namespace valkdb {

// The encoding of big sorted sets — Redis's skiplist + dict, in a fraction
// of the memory: a ScoreTree of packed (score, member) records for order and
// rank, and a PackedTable (member -> 8 score bytes) so ZSCORE and ZADD's
// existence check are O(1). 1M 12-byte members with random scores take 54.6
// bytes each (tree 26, table 28.5); redis-server 7.0.15's used_memory grows
// by 110 a member.
//
// Ranks are 0-based in ascending order; callers derive reverse ranks as
// size() - 1 - rank. Scores are never NaN (callers reject it); -0.0 and 0.0
// are the same score, as in Redis.
//
// Not thread-safe: the owning shard's lock guards it.
class SortedSet {
 public:
  SortedSet() : index_(2) {}
  SortedSet(const SortedSet&) = delete;
  SortedSet& operator=(const SortedSet&) = delete;
  SortedSet(SortedSet&&) noexcept = default;
  SortedSet& operator=(SortedSet&&) noexcept = default;
  // A deep copy (COPY).
  SortedSet Clone() const;

  size_t size() const { return tree_.size(); }
  bool empty() const { return tree_.empty(); }
  // Bytes allocated for both halves (MEMORY USAGE).
  size_t MemoryUsage() const { return index_.MemoryUsage() + tree_.MemoryUsage(); }
  void Clear();

  enum class InsertResult { kAdded, kUpdated, kUnchanged };
  // Adds member, or moves it to a new score (kUnchanged when the score is
  // equal, as Redis compares: -0.0 == 0.0). member must not be a view into
  // this set.
  InsertResult Insert(std::string_view member, double score);
  bool Erase(std::string_view member);

  bool Contains(std::string_view member) const { return index_.Contains(member); }
  // Member -> score, where ZSCORE and ZADD look members up (MemberPrefetcher).
  const PackedTable& index() const { return index_; }
  bool Score(std::string_view member, double* score) const;
  // member's rank, nullopt when absent.
  std::optional<size_t> Rank(std::string_view member) const;

  // The first rank whose score is >= score (> when exclusive); size() if none.
  // ZCOUNT min max = LowerBoundScore(max, !max_exclusive) - LowerBoundScore(min, min_exclusive).
  size_t LowerBoundScore(double score, bool exclusive) const {
    return tree_.LowerBoundScore(score, exclusive);
  }
  // The first rank whose member is >= member (> when exclusive), for sets
  // whose scores are all equal (ZRANGEBYLEX, ZLEXCOUNT).
  size_t LowerBoundLex(std::string_view member, bool exclusive) const {
    return tree_.LowerBoundLex(member, exclusive);
  }

  using Entry = ScoreTree::Record;
  // The record at rank (< size()), e.g. a uniformly random one for
  // ZRANDMEMBER. The view is valid until the set next changes.
  Entry At(size_t rank) const { return tree_.At(rank); }

  using Visitor = ScoreTree::Visitor;
  // Visits (member, score) from rank `start` forward (reverse = false) or
  // backward until fn returns false; views are valid until the next change,
  // and fn must not change the set.
  void ForEachFrom(size_t start, bool reverse, Visitor fn) const {
    tree_.ForEachFrom(start, reverse, fn);
  }

  using ScanVisitor = absl::FunctionRef<void(std::string_view member, double score)>;
  // One step of ZSCAN over the member table (PackedTable::Scan's cursor and
  // guarantee); returns the next cursor, 0 when done.
  uint64_t Scan(uint64_t cursor, ScanVisitor fn) const;

  // Removes ranks [start, stop], clamped to the set; returns how many went
  // (ZREMRANGEBYRANK/BYSCORE/BYLEX once bounds are ranks, ZPOPMIN/MAX).
  size_t EraseRankRange(size_t start, size_t stop);

  // Checks that both halves agree and the tree is well formed; for tests.
  bool Valid() const;

 private:
  PackedTable index_;
  ScoreTree tree_;
};

}  // namespace valkdb
