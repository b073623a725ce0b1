// Entries that grow (APPEND, SETRANGE, INCR) and remember how Redis would
// encode their value.
#include <cstring>
#include <string>
#include <string_view>

#include "gtest/gtest.h"
#include "protocol/bytes.h"
#include "server/store/entry.h"

namespace valkdb {
namespace {

std::string Pattern(size_t size, char seed) {
  std::string out(size, '\0');
  for (size_t i = 0; i < size; ++i) out[i] = static_cast<char>(seed + static_cast<char>(i % 23));
  return out;
}

TEST(EntryV2Test, EncodingIsRememberedAndChangeable) {
  Entry plain = Entry::Make("k", std::string_view("123"));
  EXPECT_EQ(plain.encoding(), Entry::Encoding::kAuto);
  for (Entry::Encoding e : {Entry::Encoding::kRaw, Entry::Encoding::kNoInt,
                            Entry::Encoding::kIntCopy, Entry::Encoding::kAuto}) {
    plain.set_encoding(e);
    EXPECT_EQ(plain.encoding(), e);
    EXPECT_EQ(plain.key(), "k");
    EXPECT_EQ(plain.value_view(), "123");
  }
  Entry raw = Entry::Make("k", std::string_view("v"), Entry::Encoding::kRaw);
  EXPECT_EQ(raw.encoding(), Entry::Encoding::kRaw);
  // The external flag and the encoding share the flags byte without clashing.
  Bytes big = Bytes::Copy(Pattern(20000, 'a'));
  Entry external = Entry::Make("k", big, Entry::Encoding::kNoInt);
  EXPECT_TRUE(external.external());
  EXPECT_EQ(external.encoding(), Entry::Encoding::kNoInt);
  external.set_encoding(Entry::Encoding::kRaw);
  EXPECT_TRUE(external.external());
  EXPECT_EQ(external.value_view(), big.view());
}

TEST(EntryV2Test, MakeWithRoomLeavesSpaceToGrowInPlace) {
  Entry entry = Entry::MakeWithRoom("key", "abc", 5, 1000, Entry::Encoding::kRaw);
  EXPECT_EQ(entry.value_size(), 5u);
  EXPECT_EQ(entry.value_view().substr(0, 3), "abc");
  std::memcpy(entry.MutableValue() + 3, "de", 2);
  EXPECT_EQ(entry.value_view(), "abcde");
  EXPECT_GE(entry.AllocatedSize(), 1000u);
  char* grown = entry.ResizeInPlace(900);
  ASSERT_NE(grown, nullptr);
  EXPECT_EQ(std::string_view(grown, 5), "abcde");
  EXPECT_EQ(entry.value_size(), 900u);
  EXPECT_EQ(entry.key(), "key");
  EXPECT_EQ(entry.encoding(), Entry::Encoding::kRaw);
}

// Value lengths whose varint takes one byte more move the key by one byte.
TEST(EntryV2Test, ResizeInPlaceAcrossVarintBoundaries) {
  const std::string key = Pattern(50, 'k');
  Entry entry = Entry::MakeWithRoom(key, "", 0, 40000, Entry::Encoding::kAuto);
  std::string expected;
  for (size_t length : {1, 127, 128, 129, 16383, 16384, 16385, 30000, 100, 5, 0}) {
    char* value = entry.ResizeInPlace(length);
    ASSERT_NE(value, nullptr) << length;
    ASSERT_EQ(std::string_view(value, std::min(length, expected.size())),
              std::string_view(expected).substr(0, std::min(length, expected.size())));
    expected = Pattern(length, static_cast<char>('a' + length % 7));
    std::memcpy(value, expected.data(), length);
    EXPECT_EQ(entry.key(), key) << length;
    EXPECT_EQ(entry.value_view(), expected) << length;
  }
}

TEST(EntryV2Test, ResizeInPlaceRefusesWhenItCannot) {
  Entry small = Entry::Make("k", std::string_view("v"));
  EXPECT_EQ(small.ResizeInPlace(10000), nullptr) << "no room";
  EXPECT_EQ(small.value_view(), "v");

  Entry entry = Entry::MakeWithRoom("k", "abc", 3, 100, Entry::Encoding::kAuto);
  Bytes reader = entry.value();  // a reply holds the buffer
  EXPECT_TRUE(entry.shared());
  EXPECT_EQ(entry.ResizeInPlace(4), nullptr) << "shared with a reply";
  reader = Bytes();
  EXPECT_FALSE(entry.shared());
  EXPECT_NE(entry.ResizeInPlace(4), nullptr);

  Bytes big = Bytes::Copy(Pattern(20000, 'x'));
  Entry external = Entry::Make("k", big);
  EXPECT_EQ(external.ResizeInPlace(10), nullptr) << "external value";
}

TEST(EntryV2Test, ReallocateGrowsAndKeepsContents) {
  Entry entry = Entry::Make("some-key", std::string_view("hello"));
  char* value = entry.Reallocate(5 + 200000, 400000);
  std::memset(value + 5, 'z', 200000);
  EXPECT_EQ(entry.key(), "some-key");
  EXPECT_EQ(entry.value_size(), 200005u);
  EXPECT_EQ(entry.value_view().substr(0, 6), "helloz");
  EXPECT_GE(entry.AllocatedSize(), 400000u);
  // Then it shrinks back below a varint boundary.
  value = entry.Reallocate(3, 3);
  EXPECT_EQ(entry.value_view(), "hel");
  EXPECT_EQ(entry.key(), "some-key");
}

TEST(EntryV2Test, SmallEntriesStayTheSameSize) {
  // 16-byte keys and 32-byte values, as in the memory benchmark: one
  // allocation of 64 bytes, unchanged by the encoding bits.
  Entry entry = Entry::Make(std::string(16, 'k'), std::string_view(std::string(32, 'v')),
                            Entry::Encoding::kNoInt);
  EXPECT_LE(entry.AllocatedSize(), 56u);
}

}  // namespace
}  // namespace valkdb
