// QuickList: lists checked against a std::deque model through random pushes,
// pops, inserts, erases, replaces and trims, at several node limits (so
// nodes split, empty and vanish often) and compress depths (so inner nodes
// are LZF-compressed, read and rewritten); walks in both directions; copies.
#include "server/store/types/quicklist.h"

#include <cstdint>
#include <deque>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace valkdb {
namespace {

std::vector<std::string> Contents(const QuickList& list) {
  std::vector<std::string> out;
  list.ForEachFrom(0, false, [&](std::string_view e) {
    out.emplace_back(e);
    return true;
  });
  return out;
}

void ExpectSame(const QuickList& list, const std::deque<std::string>& model) {
  ASSERT_EQ(list.size(), model.size());
  EXPECT_EQ(Contents(list), std::vector<std::string>(model.begin(), model.end()));
  std::vector<std::string> reversed;
  if (!model.empty()) {
    list.ForEachFrom(model.size() - 1, true, [&](std::string_view e) {
      reversed.emplace_back(e);
      return true;
    });
  }
  EXPECT_EQ(reversed, std::vector<std::string>(model.rbegin(), model.rend()));
  if (!model.empty()) {
    EXPECT_EQ(list.Front(), model.front());
    EXPECT_EQ(list.Back(), model.back());
  }
}

// With a compress depth, the `depth` nodes at each end are plain and, once
// there are more than 2 * depth nodes, the node just inside them is
// compressed whenever LZF shrinks it (every node here is compressible).
void ExpectCompressionRule(const QuickList& list, size_t depth) {
  const size_t n = list.node_count();
  for (size_t i = 0; i < n; ++i) {
    if (i < depth || i + depth >= n) {
      ASSERT_FALSE(list.node_compressed(i)) << "node " << i << " of " << n;
    }
  }
  if (depth == 0) {
    EXPECT_EQ(list.compressed_node_count(), 0u);
  }
}

std::string RandomElement(std::mt19937_64& rng) {
  static const size_t kSizes[] = {0, 1, 5, 16, 100, 127, 128, 300, 5000, 20000};
  const size_t size = kSizes[rng() % std::size(kSizes)];
  std::string s(size, '\0');
  // Half the elements repeat a short pattern, so LZF has something to compress.
  const uint64_t period = rng() % 2 ? 3 + rng() % 5 : 0;
  for (size_t i = 0; i < size; ++i) {
    s[i] = static_cast<char>('a' + (period != 0 ? i % period : rng() % 26));
  }
  if (!s.empty() && rng() % 4 == 0) s[0] = '\0';
  return s;
}

void RandomOps(int64_t fill, uint64_t seed, int ops, int64_t depth = 0) {
  std::mt19937_64 rng(seed);
  QuickList list(fill, depth);
  std::deque<std::string> model;
  for (int op = 0; op < ops; ++op) {
    const int kind = static_cast<int>(rng() % 10);
    const std::string element = RandomElement(rng);
    if (kind <= 1) {
      list.PushBack(element);
      model.push_back(element);
    } else if (kind == 2) {
      list.PushFront(element);
      model.push_front(element);
    } else if (kind == 3 && !model.empty()) {
      ASSERT_EQ(list.Front(), model.front());
      list.PopFront();
      model.pop_front();
    } else if (kind == 4 && !model.empty()) {
      ASSERT_EQ(list.Back(), model.back());
      list.PopBack();
      model.pop_back();
    } else if (kind == 5 && !model.empty()) {
      const size_t index = rng() % model.size();
      const bool after = rng() % 2;
      list.Insert(list.Locate(index), after, element);
      model.insert(model.begin() + static_cast<ptrdiff_t>(index + (after ? 1 : 0)), element);
    } else if (kind == 6 && !model.empty()) {
      const size_t index = rng() % model.size();
      ASSERT_EQ(list.At(list.Locate(index)), model[index]);
      list.Replace(list.Locate(index), element);
      model[index] = element;
    } else if (kind == 7 && !model.empty()) {
      const size_t index = rng() % model.size();
      const bool forward = rng() % 2;
      QuickList::Position position = list.Locate(index);
      const bool more = list.Erase(&position, forward);
      model.erase(model.begin() + static_cast<ptrdiff_t>(index));
      if (forward) {
        ASSERT_EQ(more, index < model.size());
        if (more) {
          ASSERT_EQ(list.At(position), model[index]);
        }
      } else {
        ASSERT_EQ(more, index > 0);
        if (more) {
          ASSERT_EQ(list.At(position), model[index - 1]);
        }
      }
    } else if (kind == 8 && !model.empty() && rng() % 8 == 0) {
      const size_t front = rng() % (model.size() / 4 + 1);
      const size_t back = rng() % (model.size() / 4 + 1);
      list.Trim(front, back);
      if (front + back >= model.size()) {
        model.clear();
      } else {
        model.erase(model.begin(), model.begin() + static_cast<ptrdiff_t>(front));
        model.erase(model.end() - static_cast<ptrdiff_t>(back), model.end());
      }
    }
    if (op % 97 == 0) ExpectSame(list, model);
    ExpectCompressionRule(list, static_cast<size_t>(depth));
  }
  ExpectSame(list, model);
  QuickList copy = list.Clone();
  ExpectSame(copy, model);
  ExpectCompressionRule(copy, static_cast<size_t>(depth));
  if (!model.empty()) {
    EXPECT_GT(list.MemoryUsage(), 0u);
  }
}

TEST(QuickListTest, MatchesModelAtEveryFill) {
  for (int64_t fill : {-1, -2, -5, 1, 2, 5, 128}) {
    SCOPED_TRACE(fill);
    RandomOps(fill, static_cast<uint64_t>(fill + 100), 4000);
  }
}

TEST(QuickListTest, MatchesModelWhenCompressed) {
  for (int64_t depth : {1, 2, 3}) {
    for (int64_t fill : {-1, -2, 2, 5}) {
      SCOPED_TRACE(testing::Message() << "depth " << depth << " fill " << fill);
      RandomOps(fill, static_cast<uint64_t>(depth * 1000 + fill + 100), 3000, depth);
    }
  }
}

// list-compress-depth 1 on a queue of similar elements: every node but the
// two ends is compressed, the list takes far less memory, and it reads back
// the same from either end, by index and through pops.
TEST(QuickListTest, CompressesInnerNodes) {
  QuickList plain(-2, 0), packed(-2, 1);
  std::vector<std::string> model;
  for (int i = 0; i < 100000; ++i) {
    model.push_back("element:" + std::to_string(100000000 + i));
    plain.PushBack(model.back());
    packed.PushBack(model.back());
  }
  EXPECT_EQ(plain.compressed_node_count(), 0u);
  ASSERT_GT(packed.node_count(), 10u);
  EXPECT_EQ(packed.compressed_node_count(), packed.node_count() - 2);
  EXPECT_LT(packed.MemoryUsage() * 2, plain.MemoryUsage());
  for (size_t i = 0; i < model.size(); i += 997) {
    ASSERT_EQ(packed.At(packed.Locate(i)), model[i]);
  }
  EXPECT_EQ(Contents(packed), model);
  // LSET in the middle: decompressed, changed, compressed again.
  packed.Replace(packed.Locate(50000), "changed");
  model[50000] = "changed";
  EXPECT_EQ(packed.At(packed.Locate(50000)), "changed");
  EXPECT_EQ(packed.compressed_node_count(), packed.node_count() - 2);
  // Pops bring inner nodes to the ends, plain again.
  size_t front = 0, back = model.size();
  while (front < back) {
    ASSERT_EQ(packed.Front(), model[front++]);
    packed.PopFront();
    if (front < back) {
      ASSERT_EQ(packed.Back(), model[--back]);
      packed.PopBack();
    }
    if (packed.node_count() > 0) {
      ASSERT_FALSE(packed.node_compressed(0));
      ASSERT_FALSE(packed.node_compressed(packed.node_count() - 1));
    }
  }
  EXPECT_TRUE(packed.empty());
}

// Two compressed lists read in turn: each read of an inner node must see its
// own node, not the other list's node last decompressed on this thread.
TEST(QuickListTest, InterleavedReadsOfCompressedLists) {
  QuickList a(-1, 1), b(-1, 1);
  for (int i = 0; i < 20000; ++i) {
    a.PushBack("a-element-" + std::to_string(i));
    b.PushBack("b-element-" + std::to_string(i));
  }
  ASSERT_GT(a.compressed_node_count(), 0u);
  ASSERT_GT(b.compressed_node_count(), 0u);
  for (int i = 0; i < 20000; i += 101) {
    ASSERT_EQ(a.At(a.Locate(i)), "a-element-" + std::to_string(i));
    ASSERT_EQ(b.At(b.Locate(i)), "b-element-" + std::to_string(i));
  }
  QuickList c = a.Clone();
  c.Replace(c.Locate(10000), "c");
  EXPECT_EQ(a.At(a.Locate(10000)), "a-element-10000");
  EXPECT_EQ(c.At(c.Locate(10000)), "c");
}

// Redis clamps list-compress-depth to [0, 65535].
TEST(QuickListTest, ClampsDepth) {
  QuickList deep(-2, 1000000);
  for (int i = 0; i < 100000; ++i) deep.PushBack("element:" + std::to_string(i));
  EXPECT_EQ(deep.compressed_node_count(), 0u);  // fewer than 2 * 65535 nodes
}

TEST(QuickListTest, FillCapsNodes) {
  QuickList by_count(4);
  for (int i = 0; i < 100; ++i) by_count.PushBack("x");
  EXPECT_EQ(by_count.node_count(), 25u);
  QuickList by_bytes(-1);  // 4 KB nodes: 18-byte elements, ~227 a node
  for (int i = 0; i < 1000; ++i) by_bytes.PushBack(std::string(16, 'a'));
  EXPECT_EQ(by_bytes.node_count(), 5u);
  QuickList front(-1);
  for (int i = 0; i < 1000; ++i) front.PushFront(std::string(16, 'a'));
  EXPECT_EQ(front.node_count(), 5u);
}

TEST(QuickListTest, QueueUseKeepsFewNodes) {
  QuickList list;
  std::deque<std::string> model;
  for (int i = 0; i < 200000; ++i) {
    list.PushBack(std::to_string(i));
    model.push_back(std::to_string(i));
    if (i % 3 != 0) {
      ASSERT_EQ(list.Front(), model.front());
      list.PopFront();
      model.pop_front();
    }
  }
  ExpectSame(list, model);
  EXPECT_LE(list.node_count(), model.size() * 8 / 8000 + 2);
}

// A list built from either end fills its nodes: 16-byte elements take 18
// bytes packed, and little more once nodes and the node table are counted.
TEST(QuickListTest, FullNodesKeepLittleSlack) {
  for (bool front : {false, true}) {
    QuickList list;
    for (int i = 0; i < 100000; ++i) {
      const std::string element(16, static_cast<char>('a' + i % 26));
      if (front) {
        list.PushFront(element);
      } else {
        list.PushBack(element);
      }
    }
    const double per_element = static_cast<double>(list.MemoryUsage()) / 100000.0;
    EXPECT_LT(per_element, 19.5) << (front ? "LPUSH" : "RPUSH");
  }
}

TEST(QuickListTest, LocateFromBothEnds) {
  QuickList list(3);
  for (int i = 0; i < 50; ++i) list.PushBack(std::to_string(i));
  for (int i = 0; i < 50; ++i) EXPECT_EQ(list.At(list.Locate(i)), std::to_string(i));
  QuickList::Position p = list.Locate(49);
  EXPECT_FALSE(list.Next(&p));
  p = list.Locate(0);
  EXPECT_FALSE(list.Prev(&p));
}

}  // namespace
}  // namespace valkdb
