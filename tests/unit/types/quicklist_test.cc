// QuickList: lists checked against a std::deque model through random pushes,
// pops, inserts, erases, replaces and trims, at several node limits (so
// nodes split, empty and vanish often); walks in both directions; copies.
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

std::string RandomElement(std::mt19937_64& rng) {
  static const size_t kSizes[] = {0, 1, 5, 16, 100, 127, 128, 300, 5000, 20000};
  const size_t size = kSizes[rng() % std::size(kSizes)];
  std::string s(size, '\0');
  for (auto& c : s) c = static_cast<char>('a' + rng() % 26);
  if (!s.empty() && rng() % 4 == 0) s[0] = '\0';
  return s;
}

void RandomOps(int64_t fill, uint64_t seed, int ops) {
  std::mt19937_64 rng(seed);
  QuickList list(fill);
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
  }
  ExpectSame(list, model);
  QuickList copy = list.Clone();
  ExpectSame(copy, model);
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
