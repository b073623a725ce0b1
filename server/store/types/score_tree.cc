#include "server/store/types/score_tree.h"

#include <malloc.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <new>
#include <string>
#include <utility>
#include <vector>

#include "server/store/types/varint.h"

namespace valkdb {
namespace {

// Bytes of records past which a leaf splits. SortedSet bytes a member on 1M
// random inserts of 12-byte members (BM_SortedSet_Insert): 256: 59.1; 512:
// 54.6; 1024: 52.7. Bigger leaves mean longer scans and moves per change.
constexpr size_t kLeafMax = 512;
// A leaf under this merges with or borrows from a sibling.
constexpr size_t kLeafMin = kLeafMax / 4;
// Children of an inner node; one under kInnerMin merges or borrows.
constexpr uint32_t kFanout = 64;
constexpr uint32_t kInnerMin = kFanout / 4;

// A leaf: uint32 bytes of records, uint32 record count, then the records,
// each 8 score bytes, a varint length and the member bytes, in order.
constexpr size_t kHeader = 2 * sizeof(uint32_t);
constexpr size_t kScoreBytes = sizeof(double);

uint32_t Load32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}
void Store32(char* p, size_t v) {
  const auto u = static_cast<uint32_t>(v);
  std::memcpy(p, &u, sizeof(u));
}
size_t LeafUsed(const char* leaf) { return Load32(leaf); }
size_t LeafCount(const char* leaf) { return Load32(leaf + sizeof(uint32_t)); }
void SetLeaf(char* leaf, size_t used, size_t count) {
  Store32(leaf, used);
  Store32(leaf + sizeof(uint32_t), count);
}
char* Records(char* leaf) { return leaf + kHeader; }
const char* Records(const char* leaf) { return leaf + kHeader; }
size_t Capacity(const char* p) { return malloc_usable_size(const_cast<char*>(p)); }

char* Reallocate(char* p, size_t bytes) {
  if (bytes > std::numeric_limits<uint32_t>::max()) throw std::bad_alloc();
  void* memory = std::realloc(p, bytes);
  if (memory == nullptr) throw std::bad_alloc();
  return static_cast<char*>(memory);
}

size_t RecordSize(std::string_view member) {
  return kScoreBytes + varint::Size(member.size()) + member.size();
}

char* WriteRecord(char* p, double score, std::string_view member) {
  std::memcpy(p, &score, kScoreBytes);
  p = varint::Put(p + kScoreBytes, member.size());
  if (!member.empty()) std::memcpy(p, member.data(), member.size());
  return p + member.size();
}

// Records are our own bytes, so they are not checked.
const char* ReadRecord(const char* p, double* score, std::string_view* member) {
  std::memcpy(score, p, kScoreBytes);
  size_t length;
  p = varint::Get(p + kScoreBytes, &length);
  *member = std::string_view(p, length);
  return p + length;
}

// A new leaf for `used` bytes of records and `room` more.
char* NewLeaf(size_t used, size_t room) {
  char* leaf = Reallocate(nullptr, kHeader + used + room);
  SetLeaf(leaf, 0, 0);
  return leaf;
}

// Shrinks a leaf to its records and `room` more (realloc shrinks in place).
char* FitLeaf(char* leaf, size_t room) {
  const size_t bytes = kHeader + LeafUsed(leaf) + room;
  return Capacity(leaf) > bytes + 16 ? Reallocate(leaf, bytes) : leaf;
}

// Makes room for `used` bytes of records; returns the leaf, perhaps moved.
char* ReserveLeaf(char* leaf, size_t used) {
  const size_t needed = kHeader + used;
  if (Capacity(leaf) >= needed) return leaf;
  return Reallocate(leaf, needed + used / 8);
}

// Gives back room the leaf no longer uses (realloc shrinks in place).
char* TrimLeaf(char* leaf) {
  const size_t used = LeafUsed(leaf);
  const size_t needed = kHeader + used;
  if (Capacity(leaf) < needed + std::max<size_t>(64, needed / 2)) return leaf;
  return Reallocate(leaf, needed + used / 8);
}

// Redis's order: score, then member bytes (memcmp, then length).
bool Less(double a_score, std::string_view a_member, double b_score, std::string_view b_member) {
  if (a_score < b_score) return true;
  if (b_score < a_score) return false;
  return a_member.compare(b_member) < 0;
}

// Predicates true for a prefix of the order: what the descent looks for is
// the first record where one is false. The member comes as a function so a
// separator's bytes (another cache line) are read only on a score tie.
// or_equal: the record equal to the key counts as before it too, which
// descends to the leaf where the key is or belongs (a separator equal to it
// starts the child that holds it).
struct BeforeKey {
  double score;
  std::string_view member;
  bool or_equal = false;
  static constexpr bool kByScore = true;
  // Before whatever the member (Below), or up to the member (Tied).
  bool Below(double s) const { return s < score; }
  bool Tied(double s) const { return !(s < score) && !(score < s); }
  template <typename Member>
  bool operator()(double s, const Member& m) const {
    if (s < score) return true;
    if (score < s) return false;
    const int c = m().compare(member);
    return or_equal ? c <= 0 : c < 0;
  }
};
struct BeforeScore {
  double score;
  bool exclusive;
  static constexpr bool kByScore = true;
  bool Below(double s) const { return exclusive ? !(score < s) : s < score; }
  bool Tied(double) const { return false; }
  template <typename Member>
  bool operator()(double s, const Member&) const {
    return exclusive ? !(score < s) : s < score;
  }
};
struct BeforeLex {
  std::string_view member;
  bool exclusive;
  static constexpr bool kByScore = false;
  template <typename Member>
  bool operator()(double, const Member& m) const {
    const int c = m().compare(member);
    return exclusive ? c <= 0 : c < 0;
  }
};

// The first record of the leaf for which before() is false: its position,
// and its byte offset in *offset.
template <typename Before>
size_t LeafFind(const char* leaf, const Before& before, size_t* offset) {
  const char* const begin = Records(leaf);
  const char* const end = begin + LeafUsed(leaf);
  const char* p = begin;
  size_t position = 0;
  while (p != end) {
    double score;
    std::string_view member;
    const char* next = ReadRecord(p, &score, &member);
    if (!before(score, [&] { return member; })) break;
    p = next;
    ++position;
  }
  *offset = static_cast<size_t>(p - begin);
  return position;
}

// Byte offset of record `position` of a run of records.
const char* Skip(const char* p, size_t position) {
  double score;
  std::string_view member;
  for (size_t i = 0; i < position; ++i) p = ReadRecord(p, &score, &member);
  return p;
}

// Where to cut `count` records in two, with at least one
// record each side: the first record boundary at or past `target` bytes
// (at_least), or the last one at or before it. Returns the byte offset;
// *left is the records left of it.
size_t SplitPoint(const char* records, size_t count, size_t target, bool at_least, size_t* left) {
  double score;
  std::string_view member;
  const char* p = ReadRecord(records, &score, &member);
  size_t k = 1;
  while (k + 1 < count) {
    if (at_least && static_cast<size_t>(p - records) >= target) break;
    const char* next = ReadRecord(p, &score, &member);
    if (!at_least && static_cast<size_t>(next - records) > target) break;
    p = next;
    ++k;
  }
  *left = k;
  return static_cast<size_t>(p - records);
}

// The shortest key between the last record of a left node (l) and the first
// of its right neighbour (r): <= r, > l. With distinct scores, r's score and
// an empty member.
std::string_view Separator(double l_score, std::string_view l_member, double r_score,
                           std::string_view r_member) {
  if (l_score < r_score) return {};
  size_t common = 0;
  const size_t n = std::min(l_member.size(), r_member.size());
  while (common < n && l_member[common] == r_member[common]) ++common;
  return r_member.substr(0, common + 1);
}

// A separator's member bytes behind one pointer (nullptr: empty, the usual case).
class SepBytes {
 public:
  SepBytes() = default;
  ~SepBytes() { std::free(p_); }
  SepBytes(const SepBytes&) = delete;
  SepBytes& operator=(const SepBytes&) = delete;
  SepBytes(SepBytes&& other) noexcept : p_(std::exchange(other.p_, nullptr)) {}
  SepBytes& operator=(SepBytes&& other) noexcept {
    if (this != &other) {
      std::free(p_);
      p_ = std::exchange(other.p_, nullptr);
    }
    return *this;
  }

  void Set(std::string_view bytes) {
    std::free(p_);
    p_ = nullptr;
    if (bytes.empty()) return;
    p_ = Reallocate(nullptr, varint::Size(bytes.size()) + bytes.size());
    std::memcpy(varint::Put(p_, bytes.size()), bytes.data(), bytes.size());
  }
  std::string_view view() const {
    if (p_ == nullptr) return {};
    size_t length;
    const char* data = varint::Get(p_, &length);
    return std::string_view(data, length);
  }
  size_t MemoryUsage() const { return p_ == nullptr ? 0 : Capacity(p_); }

 private:
  char* p_ = nullptr;
};

}  // namespace

struct ScoreTree::Inner {
  // n and the separator scores first: a descent reads them together.
  // One slot over kFanout: a node overflows by one, then splits.
  uint32_t n = 0;
  // Separator of child i >= 1: <= its keys, > child i - 1's (slot 0 unused).
  double score[kFanout + 1];
  size_t count[kFanout + 1];  // records under each child
  void* child[kFanout + 1];
  SepBytes member[kFanout + 1];

  void MoveSlot(uint32_t from, Inner* to, uint32_t at) {
    to->child[at] = child[from];
    to->count[at] = count[from];
    to->score[at] = score[from];
    to->member[at] = std::move(member[from]);
  }

  static void Free(void* node, int height) {
    if (height == 0) {
      std::free(node);
      return;
    }
    auto* inner = static_cast<Inner*>(node);
    for (uint32_t i = 0; i < inner->n; ++i) Free(inner->child[i], height - 1);
    delete inner;
  }

  static void* Clone(const void* node, int height) {
    if (height == 0) {
      const auto* leaf = static_cast<const char*>(node);
      char* copy = NewLeaf(LeafUsed(leaf), 0);
      std::memcpy(copy, leaf, kHeader + LeafUsed(leaf));
      return copy;
    }
    const auto* inner = static_cast<const Inner*>(node);
    auto* copy = new Inner;
    for (uint32_t i = 0; i < inner->n; ++i) {
      copy->child[i] = Clone(inner->child[i], height - 1);
      copy->count[i] = inner->count[i];
      copy->score[i] = inner->score[i];
      copy->member[i].Set(inner->member[i].view());
      copy->n = i + 1;
    }
    return copy;
  }

  static size_t Memory(const void* node, int height) {
    if (height == 0) return Capacity(static_cast<const char*>(node));
    const auto* inner = static_cast<const Inner*>(node);
    size_t total = Capacity(reinterpret_cast<const char*>(inner));
    for (uint32_t i = 0; i < inner->n; ++i) {
      total += inner->member[i].MemoryUsage() + Memory(inner->child[i], height - 1);
    }
    return total;
  }

  // Checks a subtree whose keys must lie in [lo, hi) (null: unbounded) and
  // that holds `expected` records; *max_record is raised to its biggest.
  struct Bound {
    bool set = false;
    double score = 0;
    std::string_view member;
  };
  static bool Check(const void* node, int height, bool root, const Bound& lo, const Bound& hi,
                    size_t expected, size_t* max_record, size_t* small_leaves) {
    if (height == 0) {
      const auto* leaf = static_cast<const char*>(node);
      const char* p = Records(leaf);
      const char* end = p + LeafUsed(leaf);
      size_t n = 0;
      double prev_score = 0;
      std::string_view prev_member;
      while (p < end) {
        double score;
        std::string_view member;
        const char* next = ReadRecord(p, &score, &member);
        *max_record = std::max(*max_record, static_cast<size_t>(next - p));
        if (score != score) return false;  // NaN
        if (n > 0 && !Less(prev_score, prev_member, score, member)) return false;
        if (lo.set && Less(score, member, lo.score, lo.member)) return false;
        if (hi.set && !Less(score, member, hi.score, hi.member)) return false;
        prev_score = score;
        prev_member = member;
        p = next;
        ++n;
      }
      if (p != end || n != LeafCount(leaf) || n != expected) return false;
      if (!root && n == 0) return false;
      if (!root && LeafUsed(leaf) < kLeafMin) ++*small_leaves;
      return true;
    }
    const auto* inner = static_cast<const Inner*>(node);
    if (inner->n < (root ? 2 : kInnerMin) || inner->n > kFanout) return false;
    size_t total = 0;
    for (uint32_t i = 0; i < inner->n; ++i) {
      Bound child_lo = lo;
      Bound child_hi = hi;
      if (i > 0) child_lo = {true, inner->score[i], inner->member[i].view()};
      if (i + 1 < inner->n) child_hi = {true, inner->score[i + 1], inner->member[i + 1].view()};
      if (i > 0 && lo.set && Less(child_lo.score, child_lo.member, lo.score, lo.member)) {
        return false;
      }
      if (!Check(inner->child[i], height - 1, false, child_lo, child_hi, inner->count[i],
                 max_record, small_leaves)) {
        return false;
      }
      total += inner->count[i];
    }
    return total == expected;
  }
};

ScoreTree::~ScoreTree() { Clear(); }

ScoreTree::ScoreTree(ScoreTree&& other) noexcept
    : root_(std::exchange(other.root_, nullptr)),
      height_(std::exchange(other.height_, 0)),
      size_(std::exchange(other.size_, 0)) {}

ScoreTree& ScoreTree::operator=(ScoreTree&& other) noexcept {
  if (this != &other) {
    Clear();
    root_ = std::exchange(other.root_, nullptr);
    height_ = std::exchange(other.height_, 0);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

ScoreTree ScoreTree::Clone() const {
  ScoreTree copy;
  if (root_ != nullptr) copy.root_ = Inner::Clone(root_, height_);
  copy.height_ = height_;
  copy.size_ = size_;
  return copy;
}

void ScoreTree::Clear() {
  if (root_ != nullptr) Inner::Free(root_, height_);
  root_ = nullptr;
  height_ = 0;
  size_ = 0;
}

size_t ScoreTree::MemoryUsage() const {
  return root_ == nullptr ? 0 : Inner::Memory(root_, height_);
}

bool ScoreTree::Valid() const {
  if (root_ == nullptr) return height_ == 0 && size_ == 0;
  size_t max_record = 0;
  size_t small_leaves = 0;
  if (!Inner::Check(root_, height_, true, {}, {}, size_, &max_record, &small_leaves)) return false;
  // Splits and borrows cut near half of over kLeafMax bytes, so only a big
  // record can leave a leaf under kLeafMin.
  return max_record > kLeafMax / 4 || small_leaves == 0;
}

template <typename Before>
size_t ScoreTree::Descend(const Before& before, Path* path, char** leaf, bool rank_wanted) const {
  size_t rank = 0;
  void* node = root_;
  for (int level = 0; level < height_; ++level) {
    auto* inner = static_cast<Inner*>(node);
    const uint32_t n = inner->n;
    // i: the first child whose separator is not before the target; the
    // target is under child i - 1.
    uint32_t i = 1;
    if constexpr (Before::kByScore) {
      // Separators ascend, so those before by score alone are a prefix:
      // counted without branches, the loads are independent and their
      // cache misses overlap, unlike a binary search's chain of probes.
      uint32_t below = 0;
      for (uint32_t j = 1; j < n; ++j) below += before.Below(inner->score[j]) ? 1 : 0;
      i += below;
      while (i < n && before.Tied(inner->score[i]) &&
             before(inner->score[i], [&] { return inner->member[i].view(); })) {
        ++i;
      }
    } else {
      uint32_t hi = n;
      while (i < hi) {
        const uint32_t mid = (i + hi) / 2;
        if (before(inner->score[mid], [&] { return inner->member[mid].view(); })) {
          i = mid + 1;
        } else {
          hi = mid;
        }
      }
    }
    --i;
    if (rank_wanted) {
      for (uint32_t j = 0; j < i; ++j) rank += inner->count[j];
    }
    path->steps[level] = {inner, i};
    node = inner->child[i];
  }
  *leaf = static_cast<char*>(node);
  return rank;
}

template <typename Before>
size_t ScoreTree::Count(const Before& before) const {
  if (root_ == nullptr) return 0;
  Path path;
  char* leaf;
  const size_t rank = Descend(before, &path, &leaf, true);
  size_t offset;
  return rank + LeafFind(leaf, before, &offset);
}

size_t ScoreTree::CountBefore(double score, std::string_view member) const {
  return Count(BeforeKey{score, member});
}

size_t ScoreTree::LowerBoundScore(double score, bool exclusive) const {
  return Count(BeforeScore{score, exclusive});
}

size_t ScoreTree::LowerBoundLex(std::string_view member, bool exclusive) const {
  return Count(BeforeLex{member, exclusive});
}

size_t ScoreTree::DescendRank(size_t rank, Path* path, char** leaf) const {
  void* node = root_;
  for (int level = 0; level < height_; ++level) {
    auto* inner = static_cast<Inner*>(node);
    uint32_t i = 0;
    while (i + 1 < inner->n && rank >= inner->count[i]) rank -= inner->count[i++];
    path->steps[level] = {inner, i};
    node = inner->child[i];
  }
  *leaf = static_cast<char*>(node);
  return rank;
}

bool ScoreTree::NextLeaf(Path* path, char** leaf) const {
  int level = height_ - 1;
  while (level >= 0 && path->steps[level].index + 1 >= path->steps[level].node->n) --level;
  if (level < 0) return false;
  void* node = path->steps[level].node->child[++path->steps[level].index];
  for (int l = level + 1; l < height_; ++l) {
    auto* inner = static_cast<Inner*>(node);
    path->steps[l] = {inner, 0};
    node = inner->child[0];
  }
  *leaf = static_cast<char*>(node);
  return true;
}

bool ScoreTree::PrevLeaf(Path* path, char** leaf) const {
  int level = height_ - 1;
  while (level >= 0 && path->steps[level].index == 0) --level;
  if (level < 0) return false;
  void* node = path->steps[level].node->child[--path->steps[level].index];
  for (int l = level + 1; l < height_; ++l) {
    auto* inner = static_cast<Inner*>(node);
    path->steps[l] = {inner, inner->n - 1};
    node = inner->child[inner->n - 1];
  }
  *leaf = static_cast<char*>(node);
  return true;
}

ScoreTree::Record ScoreTree::At(size_t rank) const {
  Path path;
  char* leaf;
  const size_t position = DescendRank(rank, &path, &leaf);
  Record record;
  ReadRecord(Skip(Records(leaf), position), &record.score, &record.member);
  return record;
}

void ScoreTree::ForEachFrom(size_t start, bool reverse, Visitor fn) const {
  if (start >= size_) return;
  Path path;
  char* leaf;
  size_t position = DescendRank(start, &path, &leaf);
  double score;
  std::string_view member;
  if (!reverse) {
    while (true) {
      const char* p = Skip(Records(leaf), position);
      const char* end = Records(leaf) + LeafUsed(leaf);
      while (p != end) {
        p = ReadRecord(p, &score, &member);
        if (!fn(member, score)) return;
      }
      if (!NextLeaf(&path, &leaf)) return;
      position = 0;
    }
  }
  // Records are read front to back, so a leaf's record starts are noted first.
  std::vector<const char*> starts;
  while (true) {
    starts.clear();
    const char* p = Records(leaf);
    for (size_t i = 0; i <= position; ++i) {
      starts.push_back(p);
      p = ReadRecord(p, &score, &member);
    }
    for (size_t i = position + 1; i-- > 0;) {
      ReadRecord(starts[i], &score, &member);
      if (!fn(member, score)) return;
    }
    if (!PrevLeaf(&path, &leaf)) return;
    position = LeafCount(leaf) - 1;
  }
}

void ScoreTree::Relink(const Path& path, char* leaf) {
  if (height_ == 0) {
    root_ = leaf;
  } else {
    const Step& step = path.steps[height_ - 1];
    step.node->child[step.index] = leaf;
  }
}

void ScoreTree::Insert(double score, std::string_view member) {
  const size_t size = RecordSize(member);
  if (root_ == nullptr) {
    char* leaf = NewLeaf(size, 0);
    WriteRecord(Records(leaf), score, member);
    SetLeaf(leaf, size, 1);
    root_ = leaf;
    height_ = 0;
    size_ = 1;
    return;
  }
  const BeforeKey before{score, member};
  Path path;
  char* leaf;
  Descend(BeforeKey{score, member, true}, &path, &leaf, false);
  size_t offset;
  LeafFind(leaf, before, &offset);
  const size_t used = LeafUsed(leaf);
  char* grown = ReserveLeaf(leaf, used + size);
  if (grown != leaf) {
    leaf = grown;
    Relink(path, leaf);
  }
  char* at = Records(leaf) + offset;
  std::memmove(at + size, at, used - offset);
  WriteRecord(at, score, member);
  SetLeaf(leaf, used + size, LeafCount(leaf) + 1);
  for (int level = 0; level < height_; ++level) {
    ++path.steps[level].node->count[path.steps[level].index];
  }
  ++size_;
  if (used + size > kLeafMax && LeafCount(leaf) >= 2) {
    Cut cut = Cut::kMiddle;
    if (offset == used && OnEdge(path, height_, true)) cut = Cut::kNearRight;
    if (offset == 0 && OnEdge(path, height_, false)) cut = Cut::kNearLeft;
    SplitLeaf(&path, leaf, cut);
  }
}

bool ScoreTree::OnEdge(const Path& path, int levels, bool right) {
  for (int level = 0; level < levels; ++level) {
    const Step& step = path.steps[level];
    if (step.index != (right ? step.node->n - 1 : 0)) return false;
  }
  return true;
}

void ScoreTree::SplitLeaf(Path* path, char* leaf, Cut cut) {
  const size_t used = LeafUsed(leaf);
  const size_t count = LeafCount(leaf);
  size_t left;
  // Near an edge the cut leaves kLeafMin bytes on the short side.
  const size_t offset =
      cut == Cut::kMiddle      ? SplitPoint(Records(leaf), count, used / 2, false, &left)
      : cut == Cut::kNearRight ? SplitPoint(Records(leaf), count, used - kLeafMin, false, &left)
                               : SplitPoint(Records(leaf), count, kLeafMin, true, &left);
  // The side the edge inserts go on gets room to grow; the other is shrunk to fit.
  char* right = NewLeaf(used - offset, cut == Cut::kNearLeft ? 0 : (used - offset) / 8);
  std::memcpy(Records(right), Records(leaf) + offset, used - offset);
  SetLeaf(right, used - offset, count - left);

  double l_score, r_score;
  std::string_view l_member, r_member;
  ReadRecord(Skip(Records(leaf), left - 1), &l_score, &l_member);
  ReadRecord(Records(right), &r_score, &r_member);
  const std::string_view separator = Separator(l_score, l_member, r_score, r_member);

  SetLeaf(leaf, offset, left);
  const size_t left_room = cut == Cut::kNearRight ? 0 : offset / 8;
  if (height_ == 0) {
    auto* root = new Inner;
    root->n = 2;
    root->child[0] = FitLeaf(leaf, left_room);
    root->count[0] = left;
    root->child[1] = right;
    root->count[1] = count - left;
    root->score[1] = r_score;
    root->member[1].Set(separator);
    root_ = root;
    height_ = 1;
    return;
  }
  Relink(*path, FitLeaf(leaf, left_room));
  const Step& parent = path->steps[height_ - 1];
  parent.node->count[parent.index] = left;
  InsertChild(path, height_ - 1, right, count - left, r_score, separator, cut);
}

void ScoreTree::InsertChild(Path* path, int level, void* child, size_t count, double score,
                            std::string_view member, Cut cut) {
  Inner* node = path->steps[level].node;
  const uint32_t at = path->steps[level].index + 1;
  for (uint32_t j = node->n; j > at; --j) node->MoveSlot(j - 1, node, j);
  node->child[at] = child;
  node->count[at] = count;
  node->score[at] = score;
  node->member[at].Set(member);
  if (++node->n <= kFanout) return;

  // Overflow: the upper half moves to a new right node, and the separator
  // of its first child moves up.
  auto* right = new Inner;
  const uint32_t half = cut == Cut::kNearRight  ? node->n - kInnerMin
                        : cut == Cut::kNearLeft ? kInnerMin
                                                : node->n / 2;
  size_t right_count = 0;
  for (uint32_t j = half; j < node->n; ++j) {
    right_count += node->count[j];
    node->MoveSlot(j, right, j - half);
  }
  right->n = node->n - half;
  node->n = half;
  const double up_score = right->score[0];
  SepBytes up = std::move(right->member[0]);
  if (level == 0) {
    auto* root = new Inner;
    root->n = 2;
    root->child[0] = node;
    root->count[0] = size_ - right_count;
    root->child[1] = right;
    root->count[1] = right_count;
    root->score[1] = up_score;
    root->member[1] = std::move(up);
    root_ = root;
    ++height_;
    return;
  }
  const Step& parent = path->steps[level - 1];
  parent.node->count[parent.index] -= right_count;
  InsertChild(path, level - 1, right, right_count, up_score, up.view(), cut);
}

bool ScoreTree::Find(double score, std::string_view member, Path* path, char** leaf, size_t* offset,
                     size_t* bytes) const {
  if (root_ == nullptr) return false;
  const BeforeKey before{score, member};
  Descend(BeforeKey{score, member, true}, path, leaf, false);
  if (LeafFind(*leaf, before, offset) == LeafCount(*leaf)) return false;
  double s;
  std::string_view m;
  const char* start = Records(*leaf) + *offset;
  const char* end = ReadRecord(start, &s, &m);
  if (s < score || score < s || m != member) return false;
  *bytes = static_cast<size_t>(end - start);
  return true;
}

bool ScoreTree::Erase(double score, std::string_view member) {
  Path path;
  char* leaf;
  size_t offset, bytes;
  if (!Find(score, member, &path, &leaf, &offset, &bytes)) return false;
  RemoveFromLeaf(&path, leaf, offset, bytes, 1);
  return true;
}

void ScoreTree::Update(double old_score, double new_score, std::string_view member) {
  Path path;
  char* leaf;
  size_t offset, bytes;
  if (!Find(old_score, member, &path, &leaf, &offset, &bytes)) return;
  char* const records = Records(leaf);
  const char* const end = records + LeafUsed(leaf);
  if (offset > 0 && offset + bytes < static_cast<size_t>(end - records)) {
    // The neighbours: the record before (found by walking from the start) and after.
    const char* prev = records;
    double s;
    std::string_view m;
    for (const char* p = records; p != records + offset; p = ReadRecord(p, &s, &m)) prev = p;
    double prev_score, next_score;
    std::string_view prev_member, next_member;
    ReadRecord(prev, &prev_score, &prev_member);
    ReadRecord(records + offset + bytes, &next_score, &next_member);
    if (Less(prev_score, prev_member, new_score, member) &&
        Less(new_score, member, next_score, next_member)) {
      std::memcpy(records + offset, &new_score, kScoreBytes);
      return;
    }
  }
  RemoveFromLeaf(&path, leaf, offset, bytes, 1);
  Insert(new_score, member);
}

void ScoreTree::EraseRange(size_t start, size_t stop, EraseVisitor on_erase) {
  size_t remaining = stop - start + 1;
  while (remaining > 0) {
    Path path;
    char* leaf;
    const size_t position = DescendRank(start, &path, &leaf);
    const char* first = Skip(Records(leaf), position);
    const size_t k = std::min(remaining, LeafCount(leaf) - position);
    const char* p = first;
    for (size_t i = 0; i < k; ++i) {
      double score;
      std::string_view member;
      p = ReadRecord(p, &score, &member);
      on_erase(member, score);
    }
    RemoveFromLeaf(&path, leaf, static_cast<size_t>(first - Records(leaf)),
                   static_cast<size_t>(p - first), k);
    remaining -= k;
  }
}

void ScoreTree::RemoveFromLeaf(Path* path, char* leaf, size_t offset, size_t bytes, size_t k) {
  const size_t used = LeafUsed(leaf);
  char* at = Records(leaf) + offset;
  std::memmove(at, at + bytes, used - offset - bytes);
  SetLeaf(leaf, used - bytes, LeafCount(leaf) - k);
  for (int level = 0; level < height_; ++level) {
    path->steps[level].node->count[path->steps[level].index] -= k;
  }
  size_ -= k;
  RebalanceLeaf(path, leaf);
}

void ScoreTree::RebalanceLeaf(Path* path, char* leaf) {
  if (height_ == 0) {
    if (LeafCount(leaf) == 0) {
      std::free(leaf);
      root_ = nullptr;
    } else {
      root_ = TrimLeaf(leaf);
    }
    return;
  }
  const int level = height_ - 1;
  Inner* parent = path->steps[level].node;
  const uint32_t index = path->steps[level].index;
  if (LeafCount(leaf) == 0) {
    std::free(leaf);
    RemoveChild(path, level, index);
    return;
  }
  if (LeafUsed(leaf) >= kLeafMin) {
    parent->child[index] = TrimLeaf(leaf);
    return;
  }
  const uint32_t left = index > 0 ? index - 1 : 0;
  char* l = static_cast<char*>(parent->child[left]);
  char* r = static_cast<char*>(parent->child[left + 1]);
  const size_t l_used = LeafUsed(l);
  const size_t r_used = LeafUsed(r);
  const size_t total = LeafCount(l) + LeafCount(r);
  if (l_used + r_used <= kLeafMax) {
    l = ReserveLeaf(l, l_used + r_used);
    std::memcpy(Records(l) + l_used, Records(r), r_used);
    SetLeaf(l, l_used + r_used, total);
    std::free(r);
    parent->child[left] = l;
    parent->count[left] += parent->count[left + 1];
    RemoveChild(path, level, left + 1);
    return;
  }
  // Borrow: the two leaves' records are cut again near half their bytes.
  std::string joined;
  joined.reserve(l_used + r_used);
  joined.append(Records(l), l_used).append(Records(r), r_used);
  size_t l_count;
  const size_t cut = SplitPoint(joined.data(), total, joined.size() / 2, false, &l_count);
  std::free(l);
  std::free(r);
  l = NewLeaf(cut, cut / 8);
  r = NewLeaf(joined.size() - cut, (joined.size() - cut) / 8);
  std::memcpy(Records(l), joined.data(), cut);
  std::memcpy(Records(r), joined.data() + cut, joined.size() - cut);
  SetLeaf(l, cut, l_count);
  SetLeaf(r, joined.size() - cut, total - l_count);
  parent->child[left] = l;
  parent->child[left + 1] = r;
  parent->count[left] = l_count;
  parent->count[left + 1] = total - l_count;
  double l_score, r_score;
  std::string_view l_member, r_member;
  ReadRecord(Skip(Records(l), l_count - 1), &l_score, &l_member);
  ReadRecord(Records(r), &r_score, &r_member);
  parent->score[left + 1] = r_score;
  parent->member[left + 1].Set(Separator(l_score, l_member, r_score, r_member));
}

void ScoreTree::RemoveChild(Path* path, int level, uint32_t index) {
  Inner* node = path->steps[level].node;
  for (uint32_t j = index; j + 1 < node->n; ++j) node->MoveSlot(j + 1, node, j);
  --node->n;
  node->member[node->n].Set({});
  node->member[0].Set({});  // slot 0's separator is unused
  RebalanceInner(path, level);
}

void ScoreTree::RebalanceInner(Path* path, int level) {
  Inner* node = path->steps[level].node;
  if (level == 0) {
    if (node->n == 1) {
      root_ = node->child[0];
      delete node;
      --height_;
    }
    return;
  }
  if (node->n >= kInnerMin) return;
  Inner* parent = path->steps[level - 1].node;
  const uint32_t index = path->steps[level - 1].index;
  const uint32_t left = index > 0 ? index - 1 : 0;
  auto* l = static_cast<Inner*>(parent->child[left]);
  auto* r = static_cast<Inner*>(parent->child[left + 1]);
  // r's first child takes the parent's separator when it moves into l.
  r->score[0] = parent->score[left + 1];
  r->member[0] = std::move(parent->member[left + 1]);
  const uint32_t total = l->n + r->n;
  if (total <= kFanout) {
    for (uint32_t j = 0; j < r->n; ++j) r->MoveSlot(j, l, l->n + j);
    l->n = total;
    parent->count[left] += parent->count[left + 1];
    delete r;
    RemoveChild(path, level - 1, left + 1);
    return;
  }
  // Borrow: the children are dealt again, half to each.
  const uint32_t want = total / 2;
  size_t moved = 0;
  if (l->n < want) {
    const uint32_t k = want - l->n;
    for (uint32_t j = 0; j < k; ++j) {
      moved += r->count[j];
      r->MoveSlot(j, l, l->n + j);
    }
    for (uint32_t j = k; j < r->n; ++j) r->MoveSlot(j, r, j - k);
    r->n -= k;
    l->n = want;
    parent->count[left] += moved;
    parent->count[left + 1] -= moved;
  } else {
    const uint32_t k = l->n - want;
    for (uint32_t j = r->n; j-- > 0;) r->MoveSlot(j, r, j + k);
    for (uint32_t j = 0; j < k; ++j) {
      moved += l->count[want + j];
      l->MoveSlot(want + j, r, j);
    }
    r->n += k;
    l->n = want;
    parent->count[left] -= moved;
    parent->count[left + 1] += moved;
  }
  parent->score[left + 1] = r->score[0];
  parent->member[left + 1] = std::move(r->member[0]);
}

}  // namespace valkdb
