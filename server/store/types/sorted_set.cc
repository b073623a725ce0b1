#include "server/store/types/sorted_set.h"

#include <cstring>

namespace valkdb {
namespace {

// The index keeps a score as its 8 bytes.
std::string_view ScoreBytes(const double& score) {
  return std::string_view(reinterpret_cast<const char*>(&score), sizeof(score));
}

double FromBytes(std::string_view bytes) {
  double score;
  std::memcpy(&score, bytes.data(), sizeof(score));
  return score;
}

}  // namespace

SortedSet SortedSet::Clone() const {
  SortedSet copy;
  copy.index_ = index_.Clone();
  copy.tree_ = tree_.Clone();
  return copy;
}

void SortedSet::Clear() {
  index_.Clear();
  tree_.Clear();
}

bool SortedSet::Score(std::string_view member, double* score) const {
  std::string_view bytes;
  if (!index_.Find(member, &bytes)) return false;
  *score = FromBytes(bytes);
  return true;
}

SortedSet::InsertResult SortedSet::Insert(std::string_view member, double score) {
  double old;
  if (!Score(member, &old)) {
    index_.Insert(member, ScoreBytes(score));
    tree_.Insert(score, member);
    return InsertResult::kAdded;
  }
  if (old == score) return InsertResult::kUnchanged;
  tree_.Update(old, score, member);
  index_.Insert(member, ScoreBytes(score));
  return InsertResult::kUpdated;
}

bool SortedSet::Erase(std::string_view member) {
  double score;
  if (!Score(member, &score)) return false;
  tree_.Erase(score, member);
  index_.Erase(member);
  return true;
}

std::optional<size_t> SortedSet::Rank(std::string_view member) const {
  double score;
  if (!Score(member, &score)) return std::nullopt;
  return tree_.CountBefore(score, member);
}

uint64_t SortedSet::Scan(uint64_t cursor, ScanVisitor fn) const {
  return index_.Scan(cursor, [&](std::string_view member, std::string_view score) {
    fn(member, FromBytes(score));
  });
}

size_t SortedSet::EraseRankRange(size_t start, size_t stop) {
  if (start >= size()) return 0;
  if (stop >= size()) stop = size() - 1;
  if (start > stop) return 0;
  const size_t n = stop - start + 1;
  if (n == size()) {
    Clear();
    return n;
  }
  tree_.EraseRange(start, stop, [&](std::string_view member, double) { index_.Erase(member); });
  return n;
}

bool SortedSet::Valid() const {
  if (!tree_.Valid() || index_.size() != tree_.size()) return false;
  bool ok = true;
  size_t rank = 0;
  tree_.ForEachFrom(0, false, [&](std::string_view member, double score) {
    double indexed;
    ok = Score(member, &indexed) && !(indexed < score) && !(score < indexed) &&
         tree_.CountBefore(score, member) == rank;
    ++rank;
    return ok;
  });
  return ok && rank == size();
}

}  // namespace valkdb
