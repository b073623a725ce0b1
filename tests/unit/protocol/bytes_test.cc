#include "protocol/bytes.h"

#include <cstring>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "gtest/gtest.h"

namespace valkdb {
namespace {

using namespace std::string_literals;

TEST(BytesTest, DefaultIsEmptyAndOwnsNothing) {
  Bytes b;
  EXPECT_TRUE(b.empty());
  EXPECT_EQ(b.size(), 0u);
  EXPECT_EQ(b.view(), "");
  EXPECT_EQ(b.str(), "");
  EXPECT_EQ(b.use_count(), 0u);
  EXPECT_FALSE(b.SharesStorageWith(b));
}

TEST(BytesTest, CopyOwnsAnExactCopy) {
  std::string source = "hello\0world\r\n"s;
  Bytes b = Bytes::Copy(source);
  EXPECT_EQ(b.size(), source.size());
  EXPECT_EQ(b, source);
  EXPECT_NE(b.data(), source.data());
  EXPECT_EQ(b.use_count(), 1u);
  source.assign(source.size(), '#');  // the copy does not depend on its source
  EXPECT_EQ(b, "hello\0world\r\n"s);
  EXPECT_EQ(b.str(), "hello\0world\r\n"s);
}

TEST(BytesTest, CopyOfNothingIsEmpty) {
  Bytes b = Bytes::Copy("");
  EXPECT_TRUE(b.empty());
  EXPECT_EQ(b.use_count(), 0u);
}

TEST(BytesTest, StaticPointsAtItsDataWithoutOwningIt) {
  static constexpr std::string_view kText = "static text";
  Bytes b = Bytes::Static(kText);
  EXPECT_EQ(b.data(), kText.data());
  EXPECT_EQ(b, kText);
  EXPECT_EQ(b.use_count(), 0u);
  Bytes copy = b;
  EXPECT_EQ(copy.data(), kText.data());
  EXPECT_EQ(copy.use_count(), 0u);
  // Static data has no storage to share.
  EXPECT_FALSE(copy.SharesStorageWith(b));
}

TEST(BytesTest, CopyingSharesStorageAndCountsReferences) {
  Bytes a = Bytes::Copy("value");
  {
    Bytes b = a;
    EXPECT_TRUE(a.SharesStorageWith(b));
    EXPECT_TRUE(b.SharesStorageWith(a));
    EXPECT_EQ(b.data(), a.data());
    EXPECT_EQ(a.use_count(), 2u);
    Bytes c(b);
    EXPECT_EQ(a.use_count(), 3u);
    EXPECT_EQ(c, "value");
  }
  EXPECT_EQ(a.use_count(), 1u);
}

TEST(BytesTest, DistinctCopiesDoNotShare) {
  Bytes a = Bytes::Copy("value");
  Bytes b = Bytes::Copy("value");
  EXPECT_EQ(a, b);
  EXPECT_FALSE(a.SharesStorageWith(b));
}

TEST(BytesTest, CopyAssignmentReleasesTheOldStorage) {
  Bytes a = Bytes::Copy("first");
  Bytes b = Bytes::Copy("second");
  Bytes keep_b = b;
  EXPECT_EQ(b.use_count(), 2u);
  b = a;
  EXPECT_EQ(b, "first");
  EXPECT_EQ(a.use_count(), 2u);
  EXPECT_EQ(keep_b.use_count(), 1u);
  EXPECT_EQ(keep_b, "second");
}

TEST(BytesTest, SelfAssignmentKeepsTheValue) {
  Bytes a = Bytes::Copy("self");
  Bytes& alias = a;
  a = alias;
  EXPECT_EQ(a, "self");
  EXPECT_EQ(a.use_count(), 1u);
  a = std::move(alias);
  EXPECT_EQ(a, "self");
  EXPECT_EQ(a.use_count(), 1u);
}

TEST(BytesTest, MoveTransfersTheReference) {
  Bytes a = Bytes::Copy("moved");
  const char* data = a.data();
  Bytes b(std::move(a));
  EXPECT_EQ(b.data(), data);
  EXPECT_EQ(b.use_count(), 1u);
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): moved-from is empty by contract
  EXPECT_EQ(a.use_count(), 0u);
  EXPECT_EQ(a.data(), nullptr);
}

TEST(BytesTest, MoveAssignmentReleasesTheOldStorage) {
  Bytes a = Bytes::Copy("source");
  Bytes b = Bytes::Copy("target");
  Bytes keep_b = b;
  Bytes keep_a = a;
  b = std::move(a);
  EXPECT_EQ(b, "source");
  EXPECT_EQ(keep_a.use_count(), 2u);  // keep_a and b; a gave its reference away
  EXPECT_EQ(keep_b.use_count(), 1u);
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move)
}

TEST(BytesTest, SliceSharesStorage) {
  Bytes whole = Bytes::Copy("0123456789");
  Bytes slice = whole.Slice(2, 5);
  EXPECT_EQ(slice, "23456");
  EXPECT_EQ(slice.data(), whole.data() + 2);
  EXPECT_TRUE(slice.SharesStorageWith(whole));
  EXPECT_EQ(whole.use_count(), 2u);
  Bytes tail = whole.Slice(7);
  EXPECT_EQ(tail, "789");
  EXPECT_EQ(whole.use_count(), 3u);
  Bytes inner = slice.Slice(1, 2);
  EXPECT_EQ(inner, "34");
  EXPECT_TRUE(inner.SharesStorageWith(whole));
  EXPECT_EQ(whole.use_count(), 4u);
}

TEST(BytesTest, SliceIsClampedToTheSize) {
  Bytes whole = Bytes::Copy("abc");
  EXPECT_EQ(whole.Slice(0), "abc");
  EXPECT_EQ(whole.Slice(1, 100), "bc");
  EXPECT_EQ(whole.Slice(3), "");
  EXPECT_EQ(whole.Slice(3).size(), 0u);
  EXPECT_EQ(whole.Slice(10), "");
  EXPECT_EQ(whole.Slice(10, 10).size(), 0u);
  EXPECT_EQ(whole.Slice(2, 0), "");
  EXPECT_EQ(Bytes().Slice(1, 2), "");
}

TEST(BytesTest, SliceOutlivesTheOriginal) {
  Bytes slice;
  {
    Bytes whole = Bytes::Copy("keep me alive");
    slice = whole.Slice(5, 2);
  }
  EXPECT_EQ(slice, "me");
  EXPECT_EQ(slice.use_count(), 1u);
}

TEST(BytesTest, SliceOfStaticDataStaysStatic) {
  static constexpr std::string_view kText = "static";
  Bytes slice = Bytes::Static(kText).Slice(1, 3);
  EXPECT_EQ(slice, "tat");
  EXPECT_EQ(slice.data(), kText.data() + 1);
  EXPECT_EQ(slice.use_count(), 0u);
}

TEST(BytesTest, AdoptTakesTheAllocationsReference) {
  SharedBuffer* buffer = SharedBuffer::Allocate(4);
  EXPECT_EQ(buffer->refs.load(), 1u);
  std::memcpy(buffer->payload(), "abcd", 4);
  Bytes adopted = Bytes::Adopt(buffer, buffer->payload() + 1, 2);
  EXPECT_EQ(adopted, "bc");
  EXPECT_EQ(adopted.use_count(), 1u);
  Bytes shared = Bytes::Share(buffer, buffer->payload(), 4);
  EXPECT_EQ(shared, "abcd");
  EXPECT_EQ(adopted.use_count(), 2u);
  EXPECT_TRUE(shared.SharesStorageWith(adopted));
}

TEST(BytesTest, ShareKeepsTheBufferAliveAfterItsCreatorLetsGo) {
  SharedBuffer* buffer = SharedBuffer::Allocate(3);
  std::memcpy(buffer->payload(), "xyz", 3);
  Bytes shared = Bytes::Share(buffer, buffer->payload(), 3);
  EXPECT_EQ(buffer->refs.load(), 2u);
  buffer->Unref();  // the creator's own reference
  EXPECT_EQ(shared.use_count(), 1u);
  EXPECT_EQ(shared, "xyz");  // still readable (ASan would flag a use-after-free)
}

TEST(BytesTest, ShareOfNoOwnerIsStatic) {
  static constexpr char kText[] = "abc";
  Bytes b = Bytes::Share(nullptr, kText, 3);
  EXPECT_EQ(b, "abc");
  EXPECT_EQ(b.use_count(), 0u);
}

TEST(BytesTest, ZeroSizedAllocationWorks) {
  SharedBuffer* buffer = SharedBuffer::Allocate(0);
  Bytes b = Bytes::Adopt(buffer, buffer->payload(), 0);
  EXPECT_TRUE(b.empty());
  EXPECT_EQ(b.use_count(), 1u);
}

TEST(BytesTest, SwapExchangesEverything) {
  Bytes a = Bytes::Copy("aaa");
  Bytes b = Bytes::Static("bb");
  const char* a_data = a.data();
  a.swap(b);
  EXPECT_EQ(a, "bb");
  EXPECT_EQ(a.use_count(), 0u);
  EXPECT_EQ(b, "aaa");
  EXPECT_EQ(b.data(), a_data);
  EXPECT_EQ(b.use_count(), 1u);
}

TEST(BytesTest, ComparesByContent) {
  Bytes a = Bytes::Copy("same");
  Bytes b = Bytes::Static("same");
  Bytes c = Bytes::Copy("other");
  EXPECT_TRUE(a == b);
  EXPECT_FALSE(a == c);
  EXPECT_TRUE(a == std::string_view("same"));
  EXPECT_FALSE(a == std::string_view("sam"));
  EXPECT_TRUE(Bytes() == Bytes::Copy(""));
  std::string_view view = a;  // a Bytes is a view
  EXPECT_EQ(view, "same");
  EXPECT_EQ(view.data(), a.data());
}

TEST(BytesTest, BigValuesAreCopiedExactly) {
  std::string big(1 << 20, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 31 + 7);
  Bytes b = Bytes::Copy(big);
  EXPECT_EQ(b.size(), big.size());
  EXPECT_EQ(b.view(), big);
  Bytes slice = b.Slice(1000, 5000);
  EXPECT_EQ(slice.view(), std::string_view(big).substr(1000, 5000));
}

TEST(BytesTest, CopiesFromManyThreadsKeepTheCountRight) {
  Bytes shared = Bytes::Copy("shared between threads");
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&shared] {
      for (int i = 0; i < 20000; ++i) {
        Bytes copy = shared;
        Bytes slice = copy.Slice(7, 7);
        Bytes moved = std::move(copy);
        ASSERT_EQ(slice, "between");
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(shared.use_count(), 1u);
  EXPECT_EQ(shared, "shared between threads");
}

TEST(BytesTest, LastReferenceFreedOnAnotherThread) {
  Bytes value = Bytes::Copy("handed over");
  std::thread other([moved = std::move(value)]() mutable {
    EXPECT_EQ(moved.use_count(), 1u);
    Bytes last = std::move(moved);
  });
  other.join();
  EXPECT_TRUE(value.empty());  // NOLINT(bugprone-use-after-move)
}

}  // namespace
}  // namespace valkdb
