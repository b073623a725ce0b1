// stream.h: Redis 7.0's stream (listpack nodes in its t_stream.c format),
// its trimming and deletion bookkeeping, consumer groups, and the checks a
// node from an RDB file must pass.
#include "server/store/types/stream.h"

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "server/store/rdb/listpack.h"

namespace valkdb {
namespace {

using Limits = Stream::NodeLimits;
using Trim = Stream::TrimSpec;
using Strategy = Stream::TrimStrategy;

constexpr Limits kDefault{};

StreamID Id(uint64_t ms, uint64_t seq) { return {ms, seq}; }

Trim MaxLen(int64_t maxlen, bool approx = false, int64_t limit = 0) {
  Trim t;
  t.strategy = Strategy::kMaxLen;
  t.maxlen = maxlen;
  t.approx = approx;
  t.limit = limit;
  return t;
}

Trim MinId(StreamID minid, bool approx = false, int64_t limit = 0) {
  Trim t;
  t.strategy = Strategy::kMinId;
  t.minid = minid;
  t.approx = approx;
  t.limit = limit;
  return t;
}

void Add(Stream* s, StreamID id, std::vector<std::string_view> fv, Limits limits = kDefault) {
  s->Append(id, fv, limits);
}

// Adds entries 1-0 .. n-0, each {"f", "<i>"}.
void AddN(Stream* s, uint64_t n, Limits limits = kDefault) {
  for (uint64_t i = 1; i <= n; ++i) {
    const std::string v = "v" + std::to_string(i);
    Add(s, Id(i, 0), {"f", v}, limits);
  }
}

struct Seen {
  StreamID id;
  std::vector<std::string> fv;
  bool operator==(const Seen&) const = default;
};

std::vector<Seen> Collect(const Stream& s, StreamID start = StreamID::Min(),
                          StreamID end = StreamID::Max(), bool rev = false, size_t count = 0) {
  std::vector<Seen> out;
  s.Range(start, end, rev, [&](const Stream::EntryView& e) {
    out.push_back(
        {e.id, std::vector<std::string>(e.fields_and_values.begin(), e.fields_and_values.end())});
    return count == 0 || out.size() < count;
  });
  return out;
}

std::vector<uint64_t> Ms(const std::vector<Seen>& seen) {
  std::vector<uint64_t> out;
  for (const Seen& s : seen) out.push_back(s.id.ms);
  return out;
}

std::vector<StreamID> Masters(const Stream& s) {
  std::vector<StreamID> out;
  s.ForEachNode([&](const StreamID& m, std::string_view) { out.push_back(m); });
  return out;
}

std::vector<std::string> Listpacks(const Stream& s) {
  std::vector<std::string> out;
  s.ForEachNode([&](const StreamID&, std::string_view lp) { out.emplace_back(lp); });
  return out;
}

// A node's elements as text ("123" for an integer).
std::vector<std::string> Elements(std::string_view lp) {
  std::vector<rdb::ListpackEntry> el;
  EXPECT_TRUE(rdb::DecodeListpack(lp, &el).ok());
  std::vector<std::string> out;
  for (const auto& e : el) out.push_back(e.ToString());
  return out;
}

TEST(StreamIdTest, TextBigEndianAndSteps) {
  EXPECT_EQ(Id(1526919030474, 55).ToString(), "1526919030474-55");
  EXPECT_EQ(StreamID::Max().ToString(), "18446744073709551615-18446744073709551615");

  char buf[16];
  Id(0x0102030405060708, 0x090a0b0c0d0e0f10).EncodeBigEndian(buf);
  for (int i = 0; i < 16; ++i) EXPECT_EQ(buf[i], i + 1) << i;
  EXPECT_EQ(StreamID::DecodeBigEndian(buf), Id(0x0102030405060708, 0x090a0b0c0d0e0f10));
  StreamID::Max().EncodeBigEndian(buf);
  EXPECT_EQ(StreamID::DecodeBigEndian(buf), StreamID::Max());

  StreamID id = Id(5, UINT64_MAX);
  EXPECT_TRUE(id.Increment());
  EXPECT_EQ(id, Id(6, 0));
  EXPECT_TRUE(id.Decrement());
  EXPECT_EQ(id, Id(5, UINT64_MAX));
  id = StreamID::Max();
  EXPECT_FALSE(id.Increment());
  EXPECT_EQ(id, StreamID::Max());
  id = StreamID::Min();
  EXPECT_FALSE(id.Decrement());
  EXPECT_EQ(id, StreamID::Min());
  EXPECT_LT(Id(1, 9), Id(2, 0));
}

TEST(StreamTest, EmptyStream) {
  Stream s;
  EXPECT_EQ(s.length(), 0u);
  EXPECT_EQ(s.node_count(), 0u);
  EXPECT_TRUE(Collect(s).empty());
  EXPECT_TRUE(Collect(s, StreamID::Min(), StreamID::Max(), true).empty());
  EXPECT_FALSE(s.Delete(Id(1, 0)));
  EXPECT_EQ(s.Trim(MaxLen(0)), 0);
  EXPECT_EQ(s.Trim(Trim{}), 0);
}

// The bytes Redis 7.0.15 writes for XADD s 1-1 a 1 then XADD s 1-2 a 22
// (checked against redis-server's DUMP).
TEST(StreamTest, NodeBytesMatchRedis) {
  Stream s;
  Add(&s, Id(1, 1), {"a", "1"});
  Add(&s, Id(1, 2), {"a", "22"});
  const std::vector<std::string> lps = Listpacks(s);
  ASSERT_EQ(lps.size(), 1u);
  const std::string want(
      "\x26\x00\x00\x00\x0f\x00"                  // 38 bytes, 15 elements
      "\x02\x01\x00\x01\x01\x01\x81\x61\x02"      // master: count 2, deleted 0, 1 field, "a"
      "\x00\x01"                                  // master terminator
      "\x02\x01\x00\x01\x00\x01\x01\x01\x04\x01"  // SAMEFIELDS, +0, +0, 1, lp-count 4
      "\x02\x01\x00\x01\x01\x01\x16\x01\x04\x01"  // SAMEFIELDS, +0, +1, 22, lp-count 4
      "\xff",
      38);
  EXPECT_EQ(lps[0], want);
}

TEST(StreamTest, EntryFormatSameAndDifferentFields) {
  Stream s;
  Add(&s, Id(10, 5), {"name", "x", "n", "7"});
  Add(&s, Id(10, 6), {"name", "y", "n", "8"});
  Add(&s, Id(11, 0), {"other", "z"});
  Add(&s, Id(12, 3), {"123", "-5"});
  const std::vector<std::string> lps = Listpacks(s);
  ASSERT_EQ(lps.size(), 1u);
  const std::vector<std::string> want = {
      "4", "0", "2",  "name", "n",     "0",        // master
      "2", "0", "0",  "x",    "7",     "5",        // same fields
      "2", "0", "1",  "y",    "8",     "5",        //
      "0", "1", "-5", "1",    "other", "z",  "6",  // seq delta 0-5 wraps
      "0", "2", "-2", "1",    "123",   "-5", "6"};
  EXPECT_EQ(Elements(lps[0]), want);
  EXPECT_EQ(s.length(), 4u);
  EXPECT_EQ(s.first_id(), Id(10, 5));
  EXPECT_EQ(s.last_id(), Id(12, 3));
  EXPECT_EQ(s.entries_added(), 4u);

  const std::vector<Seen> all = Collect(s);
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[0], (Seen{Id(10, 5), {"name", "x", "n", "7"}}));
  EXPECT_EQ(all[2], (Seen{Id(11, 0), {"other", "z"}}));
  EXPECT_EQ(all[3], (Seen{Id(12, 3), {"123", "-5"}}));
}

TEST(StreamTest, RangeBothDirectionsWithBounds) {
  Stream s;
  AddN(&s, 23, {4096, 5});  // five nodes
  EXPECT_EQ(s.node_count(), 5u);
  EXPECT_EQ(Ms(Collect(s)).size(), 23u);
  EXPECT_EQ(Ms(Collect(s, Id(4, 0), Id(12, 0))),
            (std::vector<uint64_t>{4, 5, 6, 7, 8, 9, 10, 11, 12}));
  EXPECT_EQ(Ms(Collect(s, Id(4, 1), Id(11, UINT64_MAX))),
            (std::vector<uint64_t>{5, 6, 7, 8, 9, 10, 11}));
  EXPECT_EQ(Ms(Collect(s, Id(4, 0), Id(12, 0), true)),
            (std::vector<uint64_t>{12, 11, 10, 9, 8, 7, 6, 5, 4}));
  EXPECT_EQ(Ms(Collect(s, StreamID::Min(), StreamID::Max(), true, 3)),
            (std::vector<uint64_t>{23, 22, 21}));
  EXPECT_EQ(Ms(Collect(s, Id(6, 0), StreamID::Max(), false, 2)), (std::vector<uint64_t>{6, 7}));
  EXPECT_EQ(Ms(Collect(s, Id(0, 0), Id(0, 5))), std::vector<uint64_t>{});
  EXPECT_EQ(Ms(Collect(s, Id(24, 0), StreamID::Max())), std::vector<uint64_t>{});
  EXPECT_EQ(Ms(Collect(s, Id(0, 0), Id(0, 5), true)), std::vector<uint64_t>{});
  EXPECT_EQ(Ms(Collect(s, Id(9, 0), Id(8, 0))), std::vector<uint64_t>{});
  EXPECT_EQ(Ms(Collect(s, Id(7, 0), Id(7, 0), true)), std::vector<uint64_t>{7});
  const std::vector<Seen> one = Collect(s, Id(17, 0), Id(17, 0));
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].fv, (std::vector<std::string>{"f", "v17"}));
}

TEST(StreamTest, SplitsByEntriesCountingDeleted) {
  Stream s;
  AddN(&s, 12, {4096, 5});
  EXPECT_EQ(Masters(s), (std::vector<StreamID>{Id(1, 0), Id(6, 0), Id(11, 0)}));
  // A tombstone still takes its slot: the node 11..15 fills at five.
  ASSERT_TRUE(s.Delete(Id(12, 0)));
  for (uint64_t i = 13; i <= 16; ++i) Add(&s, Id(i, 0), {"f", "v"}, {4096, 5});
  EXPECT_EQ(Masters(s), (std::vector<StreamID>{Id(1, 0), Id(6, 0), Id(11, 0), Id(16, 0)}));
  // No entry limit: one node.
  Stream big;
  AddN(&big, 300, {0, 0});
  EXPECT_EQ(big.node_count(), 1u);
  EXPECT_EQ(Collect(big).size(), 300u);
}

TEST(StreamTest, SplitsByBytes) {
  Stream s;
  const std::string v(100, 'x');
  for (uint64_t i = 1; i <= 10; ++i) Add(&s, Id(i, 0), {"f", v}, {400, 0});
  std::vector<size_t> sizes;
  s.ForEachNode([&](const StreamID&, std::string_view lp) { sizes.push_back(lp.size()); });
  // A node takes entries while its size plus the new entry's 101 bytes of
  // field and value stays below 400.
  ASSERT_GT(sizes.size(), 2u);
  for (size_t i = 0; i + 1 < sizes.size(); ++i) {
    EXPECT_GE(sizes[i] + 101, 400u) << i;
    EXPECT_LT(sizes[i], 400u + 111u) << i;
  }
  EXPECT_EQ(Collect(s).size(), 10u);
  // A value larger than the limit still goes in: one node per entry.
  Stream huge;
  const std::string w(1000, 'y');
  for (uint64_t i = 1; i <= 3; ++i) Add(&huge, Id(i, 0), {"f", w}, {400, 0});
  EXPECT_EQ(huge.node_count(), 3u);
  EXPECT_EQ(Collect(huge, StreamID::Min(), StreamID::Max(), true).size(), 3u);
}

TEST(StreamTest, LargeCountsChangeEncodingSize) {
  // Counts past 127 take two bytes; deleting back below shrinks them.
  Stream s;
  AddN(&s, 130, {0, 0});
  EXPECT_EQ(Elements(Listpacks(s)[0])[0], "130");
  for (uint64_t i = 1; i <= 5; ++i) ASSERT_TRUE(s.Delete(Id(i * 2, 0)));
  const std::vector<std::string> el = Elements(Listpacks(s)[0]);
  EXPECT_EQ(el[0], "125");
  EXPECT_EQ(el[1], "5");
  EXPECT_EQ(Collect(s).size(), 125u);
  EXPECT_EQ(Collect(s, StreamID::Min(), StreamID::Max(), true).size(), 125u);
  Stream copy;
  s.ForEachNode([&](const StreamID& m, std::string_view lp) {
    EXPECT_TRUE(copy.AddLoadedNode(m, std::string(lp)));
  });
}

TEST(StreamTest, DeleteBookkeeping) {
  Stream s;
  AddN(&s, 10, {4096, 3});  // nodes 1-3, 4-6, 7-9, 10
  EXPECT_FALSE(s.Delete(Id(0, 5)));
  EXPECT_FALSE(s.Delete(Id(5, 1)));
  EXPECT_FALSE(s.Delete(Id(11, 0)));

  ASSERT_TRUE(s.Delete(Id(5, 0)));
  EXPECT_FALSE(s.Delete(Id(5, 0)));  // already a tombstone
  EXPECT_EQ(s.length(), 9u);
  EXPECT_EQ(s.max_deleted_entry_id(), Id(5, 0));
  EXPECT_EQ(s.first_id(), Id(1, 0));
  EXPECT_EQ(Elements(Listpacks(s)[1])[0], "2");
  EXPECT_EQ(Elements(Listpacks(s)[1])[1], "1");

  ASSERT_TRUE(s.Delete(Id(1, 0)));
  EXPECT_EQ(s.first_id(), Id(2, 0));
  EXPECT_EQ(s.max_deleted_entry_id(), Id(5, 0));  // only grows
  ASSERT_TRUE(s.Delete(Id(2, 0)));
  ASSERT_TRUE(s.Delete(Id(3, 0)));  // the node's last live entry: the node goes
  EXPECT_EQ(Masters(s), (std::vector<StreamID>{Id(4, 0), Id(7, 0), Id(10, 0)}));
  EXPECT_EQ(s.first_id(), Id(4, 0));
  ASSERT_TRUE(s.Delete(Id(4, 0)));
  ASSERT_TRUE(s.Delete(Id(6, 0)));
  EXPECT_EQ(s.first_id(), Id(7, 0));
  EXPECT_EQ(Ms(Collect(s)), (std::vector<uint64_t>{7, 8, 9, 10}));
  EXPECT_EQ(Ms(Collect(s, StreamID::Min(), StreamID::Max(), true)),
            (std::vector<uint64_t>{10, 9, 8, 7}));
  for (uint64_t i = 7; i <= 10; ++i) ASSERT_TRUE(s.Delete(Id(i, 0)));
  EXPECT_EQ(s.length(), 0u);
  EXPECT_EQ(s.node_count(), 0u);
  EXPECT_EQ(s.first_id(), Id(0, 0));
  EXPECT_EQ(s.last_id(), Id(10, 0));
  EXPECT_EQ(s.max_deleted_entry_id(), Id(10, 0));
  EXPECT_EQ(s.entries_added(), 10u);
  // Appending again starts a new node.
  Add(&s, Id(11, 0), {"f", "v"});
  EXPECT_EQ(s.first_id(), Id(11, 0));
  EXPECT_EQ(Masters(s), std::vector<StreamID>{Id(11, 0)});
}

TEST(StreamTest, TrimMaxLenExact) {
  Stream s;
  AddN(&s, 10, {4096, 4});  // nodes 1-4, 5-8, 9-10
  EXPECT_EQ(s.Trim(MaxLen(10)), 0);
  EXPECT_EQ(s.Trim(MaxLen(7)), 3);
  EXPECT_EQ(s.length(), 7u);
  EXPECT_EQ(s.first_id(), Id(4, 0));
  EXPECT_EQ(s.node_count(), 3u);
  // The first node keeps its tombstones, marked and counted.
  EXPECT_EQ(Elements(Listpacks(s)[0])[0], "1");
  EXPECT_EQ(Elements(Listpacks(s)[0])[1], "3");
  EXPECT_EQ(s.max_deleted_entry_id(), Id(0, 0));  // trimming is not XDEL
  // Whole nodes first, then marks inside the next.
  EXPECT_EQ(s.Trim(MaxLen(2)), 5);
  EXPECT_EQ(Masters(s), (std::vector<StreamID>{Id(9, 0)}));
  EXPECT_EQ(Ms(Collect(s)), (std::vector<uint64_t>{9, 10}));
  EXPECT_EQ(s.Trim(MaxLen(0)), 2);
  EXPECT_EQ(s.length(), 0u);
  EXPECT_EQ(s.node_count(), 0u);
  EXPECT_EQ(s.first_id(), Id(0, 0));
}

TEST(StreamTest, TrimMaxLenApproxAndLimit) {
  Stream s;
  AddN(&s, 10, {4096, 4});                // nodes of 4, 4, 2
  EXPECT_EQ(s.Trim(MaxLen(7, true)), 0);  // removing the first node would leave 6
  EXPECT_EQ(s.Trim(MaxLen(6, true)), 4);
  EXPECT_EQ(s.first_id(), Id(5, 0));
  EXPECT_EQ(s.Trim(MaxLen(0, true, 3)), 0);  // the next node has 4 entries: over the limit
  EXPECT_EQ(s.Trim(MaxLen(0, true, 4)), 4);
  EXPECT_EQ(s.length(), 2u);
  EXPECT_EQ(s.Trim(MaxLen(0, true)), 2);
  EXPECT_EQ(s.node_count(), 0u);
  EXPECT_EQ(s.first_id(), Id(0, 0));
}

TEST(StreamTest, TrimMinId) {
  Stream s;
  AddN(&s, 10, {4096, 4});
  // The first node's last entry is 4-0: not below 4-0.
  EXPECT_EQ(s.Trim(MinId(Id(4, 0), true)), 0);
  EXPECT_EQ(s.Trim(MinId(Id(4, 1), true)), 4);
  EXPECT_EQ(s.Trim(MinId(Id(9, 0), true, 3)), 0);  // over the limit
  EXPECT_EQ(s.Trim(MinId(Id(7, 0))), 2);
  EXPECT_EQ(s.first_id(), Id(7, 0));
  EXPECT_EQ(Ms(Collect(s)), (std::vector<uint64_t>{7, 8, 9, 10}));
  EXPECT_EQ(s.Trim(MinId(Id(1, 0))), 0);
  EXPECT_EQ(s.Trim(MinId(StreamID::Max())), 4);
  EXPECT_EQ(s.length(), 0u);
}

TEST(StreamTest, TrimKeepsNodeOfTombstones) {
  // Redis keeps a node whose entries are all deleted when its last entry (a
  // tombstone) is not below MINID; counting and appending still work.
  Stream s;
  AddN(&s, 3);
  ASSERT_TRUE(s.Delete(Id(3, 0)));
  EXPECT_EQ(s.Trim(MinId(Id(3, 0))), 2);
  EXPECT_EQ(s.length(), 0u);
  EXPECT_EQ(s.node_count(), 1u);
  EXPECT_EQ(Elements(Listpacks(s)[0])[0], "0");
  EXPECT_EQ(Elements(Listpacks(s)[0])[1], "3");
  EXPECT_TRUE(Collect(s).empty());
  Add(&s, Id(4, 0), {"f", "v4"});
  EXPECT_EQ(s.first_id(), Id(4, 0));
  EXPECT_EQ(Ms(Collect(s, StreamID::Min(), StreamID::Max(), true)), std::vector<uint64_t>{4});
  Stream loaded;
  s.ForEachNode([&](const StreamID& m, std::string_view lp) {
    EXPECT_TRUE(loaded.AddLoadedNode(m, std::string(lp)));
  });
  loaded.FinishLoading(1);
  EXPECT_EQ(loaded.first_id(), Id(4, 0));
}

TEST(StreamTest, DistanceFromFirstEverEntry) {
  Stream s;
  EXPECT_EQ(s.EstimateDistanceFromFirstEverEntry(Id(5, 0)), 0);  // nothing ever added
  AddN(&s, 5);
  EXPECT_EQ(s.EstimateDistanceFromFirstEverEntry(Id(5, 0)), 5);   // the last ID
  EXPECT_EQ(s.EstimateDistanceFromFirstEverEntry(Id(6, 0)), -1);  // the future
  EXPECT_EQ(s.EstimateDistanceFromFirstEverEntry(Id(1, 0)), 1);   // the first, no tombstones
  EXPECT_EQ(s.EstimateDistanceFromFirstEverEntry(Id(0, 1)), 0);   // before the first
  EXPECT_EQ(s.EstimateDistanceFromFirstEverEntry(Id(3, 0)), -1);  // in the middle
  EXPECT_EQ(s.Trim(MaxLen(3)), 2);
  EXPECT_EQ(s.EstimateDistanceFromFirstEverEntry(Id(3, 0)), 3);
  EXPECT_EQ(s.EstimateDistanceFromFirstEverEntry(Id(2, 0)), 2);
  ASSERT_TRUE(s.Delete(Id(4, 0)));  // a tombstone after the first entry
  EXPECT_EQ(s.EstimateDistanceFromFirstEverEntry(Id(3, 0)), -1);
  EXPECT_EQ(s.EstimateDistanceFromFirstEverEntry(Id(2, 0)), -1);
  EXPECT_EQ(s.EstimateDistanceFromFirstEverEntry(Id(5, 0)), 5);
  ASSERT_TRUE(s.Delete(Id(3, 0)));  // now the tombstones are all before first_id 5-0
  EXPECT_EQ(s.first_id(), Id(5, 0));
  EXPECT_EQ(s.EstimateDistanceFromFirstEverEntry(Id(4, 5)), 4);
  ASSERT_TRUE(s.Delete(Id(5, 0)));  // empty: anything up to the last ID
  EXPECT_EQ(s.EstimateDistanceFromFirstEverEntry(Id(1, 0)), 5);
  EXPECT_EQ(s.EstimateDistanceFromFirstEverEntry(Id(9, 0)), -1);
}

TEST(StreamTest, RangeHasTombstones) {
  Stream s;
  AddN(&s, 6);
  EXPECT_FALSE(s.RangeHasTombstones(StreamID::Min(), StreamID::Max()));
  ASSERT_TRUE(s.Delete(Id(3, 0)));
  EXPECT_TRUE(s.RangeHasTombstones(StreamID::Min(), StreamID::Max()));
  EXPECT_TRUE(s.RangeHasTombstones(Id(3, 0), Id(3, 0)));
  EXPECT_FALSE(s.RangeHasTombstones(Id(3, 1), StreamID::Max()));
  EXPECT_FALSE(s.RangeHasTombstones(StreamID::Min(), Id(2, 9)));
  ASSERT_TRUE(s.Delete(Id(1, 0)));
  ASSERT_TRUE(s.Delete(Id(2, 0)));
  EXPECT_EQ(s.first_id(), Id(4, 0));
  EXPECT_FALSE(s.RangeHasTombstones(StreamID::Min(), StreamID::Max()));  // all before first
}

TEST(StreamTest, GroupsConsumersAndPel) {
  Stream s;
  AddN(&s, 3);
  StreamGroup* g = s.CreateGroup("g1", Id(1, 0), 1);
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(s.CreateGroup("g1", Id(0, 0), 0), nullptr);
  ASSERT_NE(s.CreateGroup("a", Id(0, 0), StreamGroup::kInvalidEntriesRead), nullptr);
  std::vector<std::string> names;
  for (const auto& [name, group] : s.groups()) names.push_back(name);
  EXPECT_EQ(names, (std::vector<std::string>{"a", "g1"}));
  EXPECT_EQ(s.FindGroup("g1"), g);
  EXPECT_EQ(s.FindGroup("nope"), nullptr);
  EXPECT_EQ(g->last_id, Id(1, 0));
  EXPECT_EQ(g->entries_read, 1);

  StreamConsumer* alice = g->CreateConsumer("alice", 1000);
  StreamConsumer* bob = g->CreateConsumer("bob", 2000);
  ASSERT_NE(alice, nullptr);
  ASSERT_NE(bob, nullptr);
  EXPECT_EQ(g->CreateConsumer("alice", 3000), nullptr);
  EXPECT_EQ(g->FindConsumer("alice"), alice);
  EXPECT_EQ(alice->seen_time, 1000);
  EXPECT_EQ(alice->name, "alice");
  const auto deliver = [&](StreamConsumer* c, StreamID id) {
    auto nack = std::make_unique<StreamNack>();
    nack->consumer = c;
    nack->delivery_count = 1;
    c->pel.emplace(id, nack.get());
    g->pel.emplace(id, std::move(nack));
  };
  deliver(alice, Id(1, 0));
  deliver(bob, Id(2, 0));
  deliver(alice, Id(3, 0));
  EXPECT_EQ(g->DeleteConsumer("nobody"), -1);
  EXPECT_EQ(g->DeleteConsumer("alice"), 2);
  EXPECT_EQ(g->FindConsumer("alice"), nullptr);
  ASSERT_EQ(g->pel.size(), 1u);
  EXPECT_EQ(g->pel.begin()->first, Id(2, 0));
  EXPECT_EQ(g->pel.begin()->second->consumer, bob);
  EXPECT_EQ(g->DeleteConsumer("bob"), 1);
  EXPECT_TRUE(g->pel.empty());
  EXPECT_TRUE(g->consumers.empty());

  EXPECT_TRUE(s.DestroyGroup("g1"));
  EXPECT_FALSE(s.DestroyGroup("g1"));
  EXPECT_EQ(s.groups().size(), 1u);
}

TEST(StreamTest, CloneIsIndependent) {
  Stream s;
  AddN(&s, 8, {4096, 3});
  ASSERT_TRUE(s.Delete(Id(2, 0)));
  StreamGroup* g = s.CreateGroup("g", Id(5, 0), 5);
  StreamConsumer* c = g->CreateConsumer("c", 77);
  auto nack = std::make_unique<StreamNack>();
  nack->consumer = c;
  nack->delivery_time = 123;
  nack->delivery_count = 4;
  c->pel.emplace(Id(4, 0), nack.get());
  g->pel.emplace(Id(4, 0), std::move(nack));

  std::unique_ptr<Stream> copy = s.Clone();
  EXPECT_EQ(Listpacks(*copy), Listpacks(s));
  EXPECT_EQ(Masters(*copy), Masters(s));
  EXPECT_EQ(copy->length(), s.length());
  EXPECT_EQ(copy->last_id(), s.last_id());
  EXPECT_EQ(copy->first_id(), s.first_id());
  EXPECT_EQ(copy->max_deleted_entry_id(), Id(2, 0));
  EXPECT_EQ(copy->entries_added(), 8u);
  StreamGroup* cg = copy->FindGroup("g");
  ASSERT_NE(cg, nullptr);
  EXPECT_NE(cg, g);
  EXPECT_EQ(cg->last_id, Id(5, 0));
  EXPECT_EQ(cg->entries_read, 5);
  StreamConsumer* cc = cg->FindConsumer("c");
  ASSERT_NE(cc, nullptr);
  EXPECT_NE(cc, c);
  EXPECT_EQ(cc->seen_time, 77);
  ASSERT_EQ(cg->pel.size(), 1u);
  StreamNack* cn = cg->pel.at(Id(4, 0)).get();
  EXPECT_EQ(cn->consumer, cc);
  EXPECT_EQ(cn->delivery_time, 123);
  EXPECT_EQ(cn->delivery_count, 4u);
  EXPECT_EQ(cc->pel.at(Id(4, 0)), cn);

  // Changing one leaves the other alone.
  ASSERT_TRUE(copy->Delete(Id(5, 0)));
  Add(copy.get(), Id(9, 0), {"f", "v"});
  EXPECT_EQ(cg->DeleteConsumer("c"), 1);
  EXPECT_EQ(s.length(), 7u);
  EXPECT_EQ(Ms(Collect(s)), (std::vector<uint64_t>{1, 3, 4, 5, 6, 7, 8}));
  EXPECT_EQ(g->pel.size(), 1u);
  EXPECT_EQ(g->FindConsumer("c"), c);
  EXPECT_EQ(Ms(Collect(*copy)), (std::vector<uint64_t>{1, 3, 4, 6, 7, 8, 9}));
  EXPECT_GT(s.MemoryUsage(), 0u);
}

// A stream with tombstones, different fields, big values and several nodes.
void Sample(Stream& s) {
  const std::string big(5000, 'b');
  Add(&s, Id(1, 0), {"a", "1", "b", "2"}, {4096, 4});
  Add(&s, Id(1, 1), {"a", "x", "b", big}, {4096, 4});
  Add(&s, Id(2, 0), {"c", "-7"}, {4096, 4});
  Add(&s, Id(3, 0), {"a", "1", "b", "2"}, {4096, 4});
  Add(&s, Id(4, 9), {"a", "1", "b", "2"}, {4096, 4});
  EXPECT_TRUE(s.Delete(Id(1, 1)));
}

TEST(StreamTest, LoadedNodesRoundTrip) {
  Stream s;
  Sample(s);
  Stream loaded;
  s.ForEachNode([&](const StreamID& m, std::string_view lp) {
    EXPECT_TRUE(loaded.AddLoadedNode(m, std::string(lp)));
  });
  loaded.set_last_id(s.last_id());
  loaded.FinishLoading(s.length());
  EXPECT_EQ(loaded.CountLiveEntries(), s.length());
  EXPECT_EQ(loaded.length(), 4u);
  EXPECT_EQ(loaded.first_id(), Id(1, 0));
  EXPECT_EQ(Collect(loaded), Collect(s));
  EXPECT_EQ(Listpacks(loaded), Listpacks(s));
  // Loading into the same master again, or out of order, fails.
  const std::vector<std::string> lps = Listpacks(s);
  EXPECT_FALSE(loaded.AddLoadedNode(Masters(s).back(), lps.back()));
  EXPECT_FALSE(loaded.AddLoadedNode(Id(0, 1), lps.front()));
}

// Builds a node from elements ("#5" is the integer 5).
std::string Node(const std::vector<std::string>& elements) {
  rdb::ListpackBuilder b;
  for (const std::string& e : elements) {
    if (!e.empty() && e[0] == '#') {
      b.AppendInt(std::stoll(e.substr(1)));
    } else {
      b.Append(e);
    }
  }
  return b.Finish();
}

TEST(StreamTest, AddLoadedNodeRejectsMalformed) {
  // A good node: two entries, the second with its own fields.
  const std::vector<std::string> good = {"#2", "#0", "#1", "f",  "#0", "#2", "#0", "#0", "v",
                                         "#4", "#0", "#0", "#1", "#1", "g",  "w",  "#6"};
  {
    Stream s;
    EXPECT_TRUE(s.AddLoadedNode(Id(5, 0), Node(good)));
  }
  const auto rejects = [](const StreamID& master, const std::string& lp) {
    Stream s;
    return !s.AddLoadedNode(master, lp);
  };
  // The good node with some elements replaced.
  const auto with = [&](std::vector<std::pair<size_t, std::string>> changes) {
    std::vector<std::string> e = good;
    for (auto& [i, v] : changes) e[i] = std::move(v);
    return Node(e);
  };
  EXPECT_TRUE(rejects(Id(5, 0), with({{0, "#3"}})));  // count says 3 live
  EXPECT_TRUE(rejects(Id(5, 0), with({{1, "#1"}})));  // one deleted, none marked
  EXPECT_TRUE(rejects(Id(5, 0), with({{5, "#3"}})));  // marked deleted, counted live
  EXPECT_TRUE(rejects(Id(5, 0), with({{4, "#1"}})));  // master terminator not 0
  EXPECT_TRUE(rejects(Id(5, 0), with({{2, "#0"}})));  // no master fields
  EXPECT_TRUE(rejects(Id(5, 0), with({{2, "#9"}})));  // more master fields than elements
  EXPECT_TRUE(rejects(Id(5, 0), with({{2, "#-1"}})));
  EXPECT_TRUE(rejects(Id(5, 0), with({{9, "#5"}})));               // wrong lp-count
  EXPECT_TRUE(rejects(Id(5, 0), with({{16, "#7"}})));              //
  EXPECT_TRUE(rejects(Id(5, 0), with({{5, "#6"}})));               // unknown flag
  EXPECT_TRUE(rejects(Id(5, 0), with({{0, "02"}})));               // a count that is a string
  EXPECT_TRUE(rejects(Id(5, 0), with({{6, "x"}})));                // a delta that is a string
  EXPECT_TRUE(rejects(Id(5, 0), with({{13, "#9"}})));              // entry claims 9 fields
  EXPECT_TRUE(rejects(Id(5, 0), with({{13, "#0"}, {16, "#4"}})));  // entry with no fields
  EXPECT_TRUE(rejects(Id(5, 0), with({{6, "#-1"}})));              // ms before the master's
  EXPECT_TRUE(rejects(Id(5, 3), with({{7, "#-3"}})));              // seq wraps below the master
  EXPECT_TRUE(rejects(Id(5, 0), with({{12, "#0"}})));              // second ID equal to the first
  EXPECT_TRUE(rejects(Id(5, 0), with({{7, "#2"}})));               // second ID before the first
  EXPECT_TRUE(rejects(Id(UINT64_MAX, 0), with({{11, "#1"}})));     // ms overflows
  EXPECT_TRUE(rejects(Id(5, 0), Node({"#0", "#0", "#1", "f", "#0"})));  // no entries
  EXPECT_TRUE(rejects(Id(5, 0), Node(good) + "x"));                     // trailing byte
  {
    std::vector<std::string> e = good;
    e.push_back("#0");  // an extra element after the last entry
    EXPECT_TRUE(rejects(Id(5, 0), Node(e)));
  }
  // Negative deltas Redis does write: seq once ms grew, and a seq below the
  // master's when it wraps (id.seq - master.seq modulo 2^64).
  EXPECT_FALSE(rejects(Id(5, 3), with({{11, "#1"}, {12, "#-3"}})));
  EXPECT_FALSE(rejects(Id(5, 0), with({{12, "#-1"}})));
  // Truncated anywhere, or any byte changed: rejected or still well formed,
  // never read out of bounds.
  const std::string lp = Node(good);
  for (size_t n = 0; n < lp.size(); ++n) EXPECT_TRUE(rejects(Id(5, 0), lp.substr(0, n))) << n;
  std::mt19937 rng(42);
  int accepted = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string bad = lp;
    const int flips = 1 + static_cast<int>(rng() % 3);
    for (int f = 0; f < flips; ++f) bad[rng() % bad.size()] = static_cast<char>(rng());
    Stream s;
    if (s.AddLoadedNode(Id(5, 0), bad)) {
      ++accepted;
      s.FinishLoading(s.CountLiveEntries());
      // Whatever passed must be walkable both ways.
      EXPECT_EQ(Collect(s).size(), Collect(s, StreamID::Min(), StreamID::Max(), true).size());
    }
  }
  EXPECT_LT(accepted, 20000);
}

TEST(StreamTest, LoadedNodeWithUnknownElementCount) {
  // More than 65535 elements: the header's count saturates and stays so.
  Stream s;
  for (uint64_t i = 1; i <= 20000; ++i) Add(&s, Id(i, 0), {"f", "v"}, {0, 0});
  const std::vector<std::string> lps = Listpacks(s);
  ASSERT_EQ(lps.size(), 1u);
  EXPECT_EQ(static_cast<unsigned char>(lps[0][4]), 0xff);
  EXPECT_EQ(static_cast<unsigned char>(lps[0][5]), 0xff);
  Stream loaded;
  EXPECT_TRUE(loaded.AddLoadedNode(Id(1, 0), lps[0]));
  loaded.FinishLoading(20000);
  EXPECT_EQ(Collect(loaded, StreamID::Min(), StreamID::Max(), true).size(), 20000u);
  ASSERT_TRUE(loaded.Delete(Id(20000, 0)));
  EXPECT_EQ(loaded.length(), 19999u);
  EXPECT_EQ(Collect(loaded).size(), 19999u);
}

}  // namespace
}  // namespace valkdb
