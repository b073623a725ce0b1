// SortedSet (ScoreTree + PackedTable): checked against a std::set model of
// (score, member) through random inserts, updates, erases and rank-range
// erases that grow the set and shrink it to empty; ranks, score and lex
// bounds, iteration both ways, copies, odd members and scores, memory.
#include "server/store/types/sorted_set.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <iterator>
#include <limits>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gtest/gtest.h"

namespace valkdb {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// std::pair orders as Redis does: score by <, then member bytes as unsigned
// (memcmp), then length.
using Key = std::pair<double, std::string>;

struct Model {
  std::set<Key> order;
  std::map<std::string, double> scores;

  SortedSet::InsertResult Insert(const std::string& member, double score) {
    auto it = scores.find(member);
    if (it == scores.end()) {
      scores.emplace(member, score);
      order.emplace(score, member);
      return SortedSet::InsertResult::kAdded;
    }
    if (it->second == score) return SortedSet::InsertResult::kUnchanged;
    order.erase({it->second, member});
    order.emplace(score, member);
    it->second = score;
    return SortedSet::InsertResult::kUpdated;
  }
  bool Erase(const std::string& member) {
    auto it = scores.find(member);
    if (it == scores.end()) return false;
    order.erase({it->second, member});
    scores.erase(it);
    return true;
  }
  void EraseRanks(size_t start, size_t stop) {
    if (start >= order.size()) return;
    stop = std::min(stop, order.size() - 1);
    if (start > stop) return;
    auto first = std::next(order.begin(), static_cast<std::ptrdiff_t>(start));
    auto last = std::next(first, static_cast<std::ptrdiff_t>(stop - start + 1));
    for (auto it = first; it != last; ++it) scores.erase(it->second);
    order.erase(first, last);
  }
};

// prefix + decimal i (GCC 12 warns falsely on "literal" + std::string).
std::string Name(std::string_view prefix, int64_t i) {
  std::string name(prefix);
  name += std::to_string(i);
  return name;
}

std::vector<Key> Forward(const SortedSet& set, size_t start = 0) {
  std::vector<Key> out;
  set.ForEachFrom(start, false, [&](std::string_view member, double score) {
    out.emplace_back(score, std::string(member));
    return true;
  });
  return out;
}

std::vector<Key> Backward(const SortedSet& set, size_t start) {
  std::vector<Key> out;
  set.ForEachFrom(start, true, [&](std::string_view member, double score) {
    out.emplace_back(score, std::string(member));
    return true;
  });
  return out;
}

// Everything the set answers agrees with the model; `rng` picks which ranks
// and bounds are probed.
void ExpectSame(const SortedSet& set, const Model& model, std::mt19937_64& rng) {
  ASSERT_TRUE(set.Valid());
  ASSERT_EQ(set.size(), model.order.size());
  const std::vector<Key> sorted(model.order.begin(), model.order.end());
  ASSERT_EQ(Forward(set), sorted);
  if (sorted.empty()) return;
  for (size_t rank = 0; rank < sorted.size(); ++rank) {
    const Key& key = sorted[rank];
    double score;
    ASSERT_TRUE(set.Score(key.second, &score));
    ASSERT_EQ(score, key.first);
    ASSERT_EQ(set.Rank(key.second), rank);
  }
  for (int probe = 0; probe < 50; ++probe) {
    const size_t rank = rng() % sorted.size();
    const SortedSet::Entry entry = set.At(rank);
    ASSERT_EQ(entry.member, sorted[rank].second);
    ASSERT_EQ(entry.score, sorted[rank].first);
    // Score bounds: at a record's own score, just beside it, and at ±inf.
    const double x = probe % 3 == 0 ? sorted[rank].first : std::nextafter(sorted[rank].first, 0.0);
    for (bool exclusive : {false, true}) {
      size_t expected = 0;
      while (expected < sorted.size() &&
             (exclusive ? !(x < sorted[expected].first) : sorted[expected].first < x)) {
        ++expected;
      }
      ASSERT_EQ(set.LowerBoundScore(x, exclusive), expected) << x << " " << exclusive;
    }
    // A short walk each way from the rank.
    const std::vector<Key> forward = [&] {
      std::vector<Key> out;
      set.ForEachFrom(rank, false, [&](std::string_view member, double s) {
        out.emplace_back(s, std::string(member));
        return out.size() < 40;
      });
      return out;
    }();
    const size_t n = std::min<size_t>(40, sorted.size() - rank);
    ASSERT_EQ(forward, std::vector<Key>(sorted.begin() + static_cast<std::ptrdiff_t>(rank),
                                        sorted.begin() + static_cast<std::ptrdiff_t>(rank + n)));
    const std::vector<Key> backward = Backward(set, rank);
    ASSERT_EQ(backward.size(), rank + 1);
    ASSERT_EQ(backward.front(), sorted[rank]);
    ASSERT_EQ(backward.back(), sorted.front());
  }
  EXPECT_EQ(set.LowerBoundScore(-kInf, false), 0u);
  EXPECT_EQ(set.LowerBoundScore(kInf, true), set.size());
  EXPECT_EQ(set.Rank("no such member, not in any pool"), std::nullopt);
}

std::string RandomMember(std::mt19937_64& rng, size_t pool) {
  const uint64_t id = rng() % pool;
  std::string member = Name("m", static_cast<int64_t>(id));
  // A share of members carry NUL bytes, and one is empty.
  if (id % 7 == 0) member += std::string("\0x\0", 3);
  if (id == 1) member.clear();
  return member;
}

double RandomScore(std::mt19937_64& rng) {
  switch (rng() % 10) {
    case 0:
      return static_cast<double>(rng() % 5);  // many ties
    case 1:
      return rng() % 2 ? kInf : -kInf;
    case 2:
      return rng() % 2 ? 0.0 : -0.0;
    default:
      return std::ldexp(static_cast<double>(rng() % 2000001) - 1000000.0,
                        static_cast<int>(rng() % 40) - 20);
  }
}

// Random ops against the model: phases that grow towards `peak` members
// and then shrink to empty.
void RunModel(uint64_t seed, size_t ops, size_t pool, size_t peak) {
  std::mt19937_64 rng(seed);
  SortedSet set;
  Model model;
  bool growing = true;
  size_t empties = 0;
  for (size_t op = 0; op < ops; ++op) {
    if (growing && model.order.size() >= peak) growing = false;
    if (!growing && model.order.empty()) {
      growing = true;
      ++empties;
      ASSERT_EQ(set.MemoryUsage(), 0u);
    }
    const uint64_t dice = rng() % 100;
    if (dice < (growing ? 60u : 25u)) {
      const std::string member = RandomMember(rng, pool);
      const double score = RandomScore(rng);
      ASSERT_EQ(set.Insert(member, score), model.Insert(member, score)) << member;
    } else if (dice < 90) {
      // Shrinking mostly erases members that are there, so the set empties.
      const std::string member = !growing && !model.order.empty() && rng() % 4 != 0
                                     ? std::string(set.At(rng() % set.size()).member)
                                     : RandomMember(rng, pool);
      ASSERT_EQ(set.Erase(member), model.Erase(member)) << member;
    } else if (dice < (growing ? 91u : 94u) && !model.order.empty()) {
      const size_t start = rng() % (model.order.size() + 2);
      const size_t stop = start + rng() % 40;
      const size_t before = set.size();
      model.EraseRanks(start, stop);
      ASSERT_EQ(before - set.EraseRankRange(start, stop), model.order.size());
    } else if (!model.order.empty()) {
      // A rank and its record agree with each other.
      const std::string member = RandomMember(rng, pool);
      const std::optional<size_t> rank = set.Rank(member);
      ASSERT_EQ(rank.has_value(), model.scores.count(member) == 1);
      if (rank) {
        ASSERT_EQ(set.At(*rank).member, member);
      }
    }
    if (op % 20000 == 0 || (model.order.size() < 50 && op % 50 == 0)) {
      ExpectSame(set, model, rng);
      if (::testing::Test::HasFatalFailure()) return;
    }
  }
  ExpectSame(set, model, rng);
  EXPECT_GT(empties, 0u) << "the run never shrank to empty";
}

TEST(SortedSetTest, RandomOpsSmallPool) { RunModel(1, 300000, 3000, 1500); }

TEST(SortedSetTest, RandomOpsLargePool) { RunModel(2, 400000, 60000, 20000); }

TEST(SortedSetTest, EmptySet) {
  SortedSet set;
  double score;
  EXPECT_EQ(set.size(), 0u);
  EXPECT_FALSE(set.Score("a", &score));
  EXPECT_FALSE(set.Erase("a"));
  EXPECT_EQ(set.Rank("a"), std::nullopt);
  EXPECT_EQ(set.LowerBoundScore(0, false), 0u);
  EXPECT_EQ(set.LowerBoundLex("a", false), 0u);
  EXPECT_EQ(set.EraseRankRange(0, 10), 0u);
  EXPECT_TRUE(Forward(set).empty());
  EXPECT_EQ(set.MemoryUsage(), 0u);
  EXPECT_TRUE(set.Valid());
}

TEST(SortedSetTest, RedisOrderAndScores) {
  SortedSet set;
  EXPECT_EQ(set.Insert("b", 1), SortedSet::InsertResult::kAdded);
  EXPECT_EQ(set.Insert("a", 1), SortedSet::InsertResult::kAdded);
  EXPECT_EQ(set.Insert("ab", 1), SortedSet::InsertResult::kAdded);
  EXPECT_EQ(set.Insert(std::string("a\0", 2), 1), SortedSet::InsertResult::kAdded);
  EXPECT_EQ(set.Insert("", 1), SortedSet::InsertResult::kAdded);
  EXPECT_EQ(set.Insert("\xff", 1), SortedSet::InsertResult::kAdded);
  EXPECT_EQ(set.Insert("top", kInf), SortedSet::InsertResult::kAdded);
  EXPECT_EQ(set.Insert("bottom", -kInf), SortedSet::InsertResult::kAdded);
  EXPECT_EQ(set.Insert("zero", -0.0), SortedSet::InsertResult::kAdded);
  // -0.0 and 0.0 are one score: no update, and the stored score stays.
  EXPECT_EQ(set.Insert("zero", 0.0), SortedSet::InsertResult::kUnchanged);
  EXPECT_EQ(set.Insert("b", 1), SortedSet::InsertResult::kUnchanged);
  EXPECT_EQ(set.Insert("b", 2), SortedSet::InsertResult::kUpdated);
  double score;
  ASSERT_TRUE(set.Score("zero", &score));
  EXPECT_TRUE(std::signbit(score));
  const std::vector<Key> expected = {
      {-kInf, "bottom"}, {-0.0, "zero"}, {1, ""},  {1, "a"},     {1, std::string("a\0", 2)},
      {1, "ab"},         {1, "\xff"},    {2, "b"}, {kInf, "top"}};
  EXPECT_EQ(Forward(set), expected);
  std::vector<Key> reversed(expected.rbegin(), expected.rend());
  EXPECT_EQ(Backward(set, set.size() - 1), reversed);
  EXPECT_EQ(set.Rank(""), 2u);
  EXPECT_EQ(set.LowerBoundScore(0.0, false), 1u);  // -0.0 >= 0.0
  EXPECT_EQ(set.LowerBoundScore(-0.0, true), 2u);  // 0.0 > -0.0 is false
  EXPECT_EQ(set.LowerBoundScore(1, true), 7u);
  EXPECT_EQ(set.LowerBoundScore(kInf, false), 8u);
  EXPECT_EQ(set.LowerBoundScore(kInf, true), 9u);
  EXPECT_EQ(set.LowerBoundScore(-kInf, true), 1u);
  EXPECT_TRUE(set.Valid());
}

// ZRANGEBYLEX's premise: all scores equal, so lex bounds are ranks.
TEST(SortedSetTest, LexBoundsWithEqualScores) {
  std::mt19937_64 rng(3);
  SortedSet set;
  std::set<std::string> model;
  for (int i = 0; i < 20000; ++i) {
    std::string member(rng() % 6, '\0');
    for (char& c : member) c = static_cast<char>("ab\0\xff"[rng() % 4]);
    member += std::to_string(rng() % 3000);
    set.Insert(member, 7);
    model.insert(member);
  }
  ASSERT_EQ(set.size(), model.size());
  ASSERT_TRUE(set.Valid());
  for (int probe = 0; probe < 3000; ++probe) {
    std::string bound(rng() % 5, '\0');
    for (char& c : bound) c = static_cast<char>("ab\0\xff"[rng() % 4]);
    if (rng() % 2) bound += std::to_string(rng() % 3000);
    const auto lower = static_cast<size_t>(std::distance(model.begin(), model.lower_bound(bound)));
    const auto upper = static_cast<size_t>(std::distance(model.begin(), model.upper_bound(bound)));
    ASSERT_EQ(set.LowerBoundLex(bound, false), lower);
    ASSERT_EQ(set.LowerBoundLex(bound, true), upper);
  }
}

TEST(SortedSetTest, IterationFromEveryRankBothWays) {
  SortedSet set;
  std::vector<Key> sorted;
  for (int i = 0; i < 3000; ++i) {
    const std::string member = Name("member:", i * 7919 % 3000);
    const double score = static_cast<double>(i % 97);
    set.Insert(member, score);
    sorted.emplace_back(score, member);
  }
  std::sort(sorted.begin(), sorted.end());
  for (size_t start = 0; start < sorted.size(); start += 13) {
    const std::vector<Key> forward = Forward(set, start);
    ASSERT_EQ(forward,
              std::vector<Key>(sorted.begin() + static_cast<std::ptrdiff_t>(start), sorted.end()));
    std::vector<Key> backward = Backward(set, start);
    std::reverse(backward.begin(), backward.end());
    ASSERT_EQ(backward, std::vector<Key>(sorted.begin(),
                                         sorted.begin() + static_cast<std::ptrdiff_t>(start + 1)));
  }
  EXPECT_TRUE(Forward(set, sorted.size()).empty());
  EXPECT_TRUE(Backward(set, sorted.size()).empty());
  // The visitor stops the walk.
  int visits = 0;
  set.ForEachFrom(100, true, [&](std::string_view, double) { return ++visits < 5; });
  EXPECT_EQ(visits, 5);
}

TEST(SortedSetTest, EraseRankRanges) {
  auto make = [] {
    SortedSet set;
    for (int i = 0; i < 5000; ++i) set.Insert(Name("m", i), i);
    return set;
  };
  struct Case {
    size_t start, stop, erased, first_left;
  };
  for (const Case& c : {Case{0, 0, 1, 1}, Case{0, 999, 1000, 1000}, Case{4000, 99999, 1000, 0},
                        Case{1000, 3999, 3000, 0}, Case{0, 4999, 5000, 0}, Case{5000, 6000, 0, 0},
                        Case{10, 9, 0, 0}}) {
    SortedSet set = make();
    EXPECT_EQ(set.EraseRankRange(c.start, c.stop), c.erased) << c.start << ".." << c.stop;
    EXPECT_EQ(set.size(), 5000 - c.erased);
    ASSERT_TRUE(set.Valid());
    if (!set.empty()) {
      EXPECT_EQ(set.At(0).score, static_cast<double>(c.first_left));
    }
    if (c.erased > 0 && c.start < 5000) {
      EXPECT_FALSE(set.Contains(Name("m", static_cast<int64_t>(c.start))));
    }
  }
  // ZPOPMIN / ZPOPMAX one at a time down to empty.
  SortedSet set = make();
  for (int i = 0; i < 2500; ++i) {
    ASSERT_EQ(set.At(0).score, i);
    ASSERT_EQ(set.EraseRankRange(0, 0), 1u);
    ASSERT_EQ(set.At(set.size() - 1).score, 4999 - i);
    ASSERT_EQ(set.EraseRankRange(set.size() - 1, set.size() - 1), 1u);
  }
  EXPECT_TRUE(set.empty());
  EXPECT_EQ(set.MemoryUsage(), 0u);
}

TEST(SortedSetTest, CloneIsDeepAndMoveLeavesEmpty) {
  SortedSet set;
  for (int i = 0; i < 10000; ++i) set.Insert(Name("k", i), i % 100);
  SortedSet copy = set.Clone();
  ASSERT_TRUE(copy.Valid());
  EXPECT_EQ(Forward(copy), Forward(set));
  EXPECT_LE(copy.MemoryUsage(), set.MemoryUsage());  // a copy has no spare room
  copy.EraseRankRange(0, 4999);
  copy.Insert("k1", -5);
  EXPECT_EQ(set.size(), 10000u);
  double score;
  ASSERT_TRUE(set.Score("k1", &score));
  EXPECT_EQ(score, 1);
  EXPECT_TRUE(set.Valid());
  EXPECT_TRUE(copy.Valid());
  SortedSet moved = std::move(set);
  EXPECT_EQ(moved.size(), 10000u);
  EXPECT_EQ(set.size(), 0u);  // NOLINT(bugprone-use-after-move): moved-from is empty
  set = std::move(copy);
  EXPECT_EQ(set.size(), 5001u);
  EXPECT_TRUE(set.Valid());
}

TEST(SortedSetTest, BigMembers) {
  std::mt19937_64 rng(4);
  SortedSet set;
  Model model;
  for (int op = 0; op < 20000; ++op) {
    const uint64_t id = rng() % 1500;
    // Every third member is 10 KB, far past a leaf's size.
    std::string member = Name("b", static_cast<int64_t>(id));
    if (id % 3 == 0) member.resize(10240, static_cast<char>('a' + id % 26));
    const double score = static_cast<double>(rng() % 50);
    if (rng() % 3 != 0) {
      ASSERT_EQ(set.Insert(member, score), model.Insert(member, score));
    } else {
      ASSERT_EQ(set.Erase(member), model.Erase(member));
    }
    if (op % 2000 == 0) {
      ExpectSame(set, model, rng);
      if (::testing::Test::HasFatalFailure()) return;
    }
  }
  ExpectSame(set, model, rng);
  set.EraseRankRange(0, set.size() - 1);
  EXPECT_EQ(set.MemoryUsage(), 0u);
}

// Scores that only grow (timestamps) or only shrink: splits at the edge
// leave full nodes behind, so such a set is smaller than one of random scores.
TEST(SortedSetTest, AscendingAndDescendingScores) {
  std::mt19937_64 rng(8);
  SortedSet random;
  for (int i = 0; i < 50000; ++i) random.Insert(Name("m", i), static_cast<double>(rng() % 1000000));
  for (bool ascending : {true, false}) {
    SortedSet set;
    for (int i = 0; i < 50000; ++i) {
      set.Insert(Name("m", i), ascending ? i : -i);
    }
    ASSERT_TRUE(set.Valid());
    EXPECT_LT(set.MemoryUsage(), random.MemoryUsage());
    EXPECT_EQ(set.Rank("m0"), ascending ? 0u : 49999u);
    EXPECT_EQ(set.LowerBoundScore(100, false), ascending ? 100u : 50000u);
    for (int i = 0; i < 50000; i += 2) ASSERT_TRUE(set.Erase(Name("m", i)));
    ASSERT_TRUE(set.Valid());
    EXPECT_EQ(set.size(), 25000u);
  }
}

// Score updates that keep a member between its neighbours (ZINCRBY by a
// little) and ones that move it, against the model.
TEST(SortedSetTest, SmallAndLargeScoreSteps) {
  std::mt19937_64 rng(7);
  SortedSet set;
  Model model;
  for (int i = 0; i < 20000; ++i) {
    set.Insert(Name("s", i), i);
    model.Insert(Name("s", i), i);
  }
  for (int op = 0; op < 100000; ++op) {
    const std::string member = Name("s", static_cast<int64_t>(rng() % 20000));
    double score;
    ASSERT_TRUE(set.Score(member, &score));
    const double step = rng() % 4 == 0 ? static_cast<double>(rng() % 200) - 100.0 : 0.25;
    ASSERT_EQ(set.Insert(member, score + step), model.Insert(member, score + step));
    if (op % 25000 == 0) {
      ExpectSame(set, model, rng);
      if (::testing::Test::HasFatalFailure()) return;
    }
  }
  ExpectSame(set, model, rng);
}

TEST(SortedSetTest, ScanVisitsEveryMemberWithItsScore) {
  SortedSet set;
  std::map<std::string, double> model;
  for (int i = 0; i < 5000; ++i) {
    set.Insert(Name("z", i), i * 0.5);
    model[Name("z", i)] = i * 0.5;
  }
  std::map<std::string, double> seen;
  uint64_t cursor = 0;
  do {
    cursor = set.Scan(
        cursor, [&](std::string_view member, double score) { seen[std::string(member)] = score; });
  } while (cursor != 0);
  EXPECT_EQ(seen, model);
}

// Enough members for three inner levels, erased at random to empty, so
// inner nodes merge and borrow at every level.
TEST(SortedSetTest, DeepTreeShrinksToEmpty) {
  std::mt19937_64 rng(6);
  SortedSet set;
  std::vector<std::string> members;
  for (int i = 0; i < 300000; ++i) {
    members.push_back(Name("d", i));
    set.Insert(members.back(), static_cast<double>(rng() % 100000));
  }
  ASSERT_TRUE(set.Valid());
  std::shuffle(members.begin(), members.end(), rng);
  for (size_t i = 0; i < members.size(); ++i) {
    ASSERT_TRUE(set.Erase(members[i]));
    if (i % 60000 == 0) {
      ASSERT_TRUE(set.Valid()) << i;
    }
  }
  EXPECT_TRUE(set.empty());
  EXPECT_EQ(set.MemoryUsage(), 0u);
}

// The reason this encoding exists: 12-byte members with random scores cost
// well under Redis's ~110 bytes each.
TEST(SortedSetTest, MemoryPerMember) {
  std::mt19937_64 rng(5);
  SortedSet set;
  constexpr int kMembers = 200000;
  char member[13];
  for (int i = 0; i < kMembers; ++i) {
    std::snprintf(member, sizeof(member), "m%011d", i);
    set.Insert(std::string_view(member, 12), static_cast<double>(rng() >> 11) * 0x1.0p-53);
  }
  const double per_member = static_cast<double>(set.MemoryUsage()) / kMembers;
  EXPECT_LT(per_member, 64.0);
  EXPECT_GT(per_member, 2 * 12.0);  // both halves hold the member bytes
}

}  // namespace
}  // namespace valkdb
