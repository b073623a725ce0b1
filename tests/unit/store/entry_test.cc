#include "server/store/entry.h"

#include <string>
#include <string_view>
#include <utility>

#include "gtest/gtest.h"
#include "protocol/bytes.h"

namespace valkdb {
namespace {

// Entry keeps values at least this big that arrive in a buffer of their own
// by reference (entry.cc's kExternalThreshold).
constexpr size_t kExternalThreshold = 16 * 1024;

std::string Pattern(size_t size, char seed) {
  std::string out(size, '\0');
  for (size_t i = 0; i < size; ++i) out[i] = static_cast<char>(seed + static_cast<char>(i % 29));
  return out;
}

TEST(EntryTest, DefaultIsEmpty) {
  Entry entry;
  EXPECT_FALSE(entry);
}

TEST(EntryTest, RoundTripsKeyAndValue) {
  Entry entry = Entry::Make("key", std::string_view("value"));
  ASSERT_TRUE(entry);
  EXPECT_EQ(entry.key(), "key");
  EXPECT_EQ(entry.value_view(), "value");
  EXPECT_EQ(entry.value(), "value");
}

TEST(EntryTest, EmptyKeyAndEmptyValue) {
  Entry entry = Entry::Make("", std::string_view(""));
  ASSERT_TRUE(entry);
  EXPECT_EQ(entry.key(), "");
  EXPECT_EQ(entry.value_view(), "");
  Bytes value = entry.value();
  EXPECT_TRUE(value.empty());
  EXPECT_EQ(value, "");
}

TEST(EntryTest, BinarySafe) {
  const std::string key("k\0e\r\ny", 6);
  const std::string value("\0\xff\x80\r\n\0", 6);
  Entry entry = Entry::Make(key, std::string_view(value));
  EXPECT_EQ(entry.key(), key);
  EXPECT_EQ(entry.value_view(), value);
  EXPECT_EQ(entry.value(), std::string_view(value));
}

// Lengths around the varint boundaries (1, 2 and 3 byte lengths).
TEST(EntryTest, RoundTripsAcrossLengthEncodings) {
  for (size_t key_len : {0, 1, 127, 128, 16383, 16384, 70000}) {
    for (size_t value_len : {0, 1, 127, 128, 16383, 16384, 70000}) {
      const std::string key = Pattern(key_len, 'a');
      const std::string value = Pattern(value_len, 'A');
      Entry entry = Entry::Make(key, std::string_view(value));
      ASSERT_EQ(entry.key(), key) << key_len << "/" << value_len;
      ASSERT_EQ(entry.value_view(), value) << key_len << "/" << value_len;
      ASSERT_EQ(entry.value(), std::string_view(value)) << key_len << "/" << value_len;
    }
  }
}

TEST(EntryTest, MoveTransfersOwnership) {
  Entry a = Entry::Make("k", std::string_view("v"));
  Entry b(std::move(a));
  EXPECT_FALSE(a);  // NOLINT(bugprone-use-after-move): moved-from is documented empty
  ASSERT_TRUE(b);
  EXPECT_EQ(b.key(), "k");

  Entry c = Entry::Make("other", std::string_view("x"));
  c = std::move(b);
  EXPECT_EQ(c.key(), "k");
  EXPECT_EQ(c.value_view(), "v");
}

TEST(EntryTest, ValueSharesTheEntryStorageWithoutCopy) {
  Entry entry = Entry::Make("key", std::string_view("some value"));
  Bytes first = entry.value();
  Bytes second = entry.value();
  EXPECT_TRUE(first.SharesStorageWith(second));
  EXPECT_EQ(first.data(), entry.value_view().data()) << "value() must point into the entry";
  // The entry's own reference plus the two Bytes.
  EXPECT_EQ(first.use_count(), 3u);
  {
    Bytes third = first;
    EXPECT_EQ(first.use_count(), 4u);
  }
  EXPECT_EQ(first.use_count(), 3u);
}

TEST(EntryTest, ValueOutlivesTheEntry) {
  Bytes value;
  {
    Entry entry = Entry::Make("key", std::string_view("survives the entry"));
    value = entry.value();
    EXPECT_EQ(value.use_count(), 2u);
  }
  // The entry is gone; the Bytes keeps the allocation alive (ASan checks the read).
  EXPECT_EQ(value.use_count(), 1u);
  EXPECT_EQ(value, "survives the entry");
}

TEST(EntryTest, SmallBytesValueIsCopiedIntoTheEntry) {
  Bytes source = Bytes::Copy("small value");
  Entry entry = Entry::Make("key", source);
  EXPECT_EQ(entry.value_view(), "small value");
  EXPECT_FALSE(entry.value().SharesStorageWith(source));
  EXPECT_EQ(source.use_count(), 1u) << "a small value must not hold the source buffer";
}

TEST(EntryTest, BigValueJustBelowThresholdIsCopied) {
  Bytes source = Bytes::Copy(Pattern(kExternalThreshold - 1, 'q'));
  Entry entry = Entry::Make("key", source);
  EXPECT_EQ(entry.value_view(), source.view());
  EXPECT_FALSE(entry.value().SharesStorageWith(source));
  EXPECT_EQ(source.use_count(), 1u);
}

TEST(EntryTest, BigStandaloneValueIsReferencedNotCopied) {
  const std::string text = Pattern(kExternalThreshold, 'b');
  Bytes source = Bytes::Copy(text);
  ASSERT_EQ(source.use_count(), 1u);
  {
    Entry entry = Entry::Make("key", source);
    EXPECT_EQ(source.use_count(), 2u) << "the entry holds one reference to the big buffer";
    EXPECT_EQ(entry.key(), "key");
    EXPECT_EQ(entry.value_view(), text);
    EXPECT_EQ(entry.value_view().data(), source.data()) << "the big value must not be copied";
    Bytes value = entry.value();
    EXPECT_TRUE(value.SharesStorageWith(source));
    EXPECT_EQ(value.data(), source.data());
    EXPECT_EQ(source.use_count(), 3u);
  }
  EXPECT_EQ(source.use_count(), 1u) << "destroying the entry releases the big buffer";
}

TEST(EntryTest, BigValueOutlivesEntryAndSource) {
  const std::string text = Pattern(100 * 1024, 'c');
  Bytes value;
  {
    Bytes source = Bytes::Copy(text);
    Entry entry = Entry::Make("key", source);
    value = entry.value();
  }
  EXPECT_EQ(value.use_count(), 1u);
  EXPECT_EQ(value, std::string_view(text));
}

TEST(EntryTest, BigSliceIsReferenced) {
  const std::string text = Pattern(3 * kExternalThreshold, 'd');
  Bytes whole = Bytes::Copy(text);
  Bytes slice = whole.Slice(100, 2 * kExternalThreshold);
  Entry entry = Entry::Make("key", slice);
  EXPECT_EQ(entry.value_view(), std::string_view(text).substr(100, 2 * kExternalThreshold));
  EXPECT_EQ(entry.value_view().data(), whole.data() + 100);
  EXPECT_TRUE(entry.value().SharesStorageWith(whole));
}

TEST(EntryTest, BigStaticValueIsCopied) {
  // Static Bytes have no owner to share, so the entry must take a copy.
  static const std::string text = Pattern(kExternalThreshold * 2, 'e');
  Bytes source = Bytes::Static(text);
  Entry entry = Entry::Make("key", source);
  EXPECT_EQ(entry.value_view(), text);
  EXPECT_NE(entry.value_view().data(), text.data());
  EXPECT_GT(entry.value().use_count(), 0u);
}

// The external value's Bytes sits right after the key, at whatever offset
// the key length leaves it: every alignment must work (UBSan checks this).
TEST(EntryTest, BigValueWithEveryKeyLengthAlignment) {
  Bytes source = Bytes::Copy(Pattern(kExternalThreshold, 'f'));
  for (size_t key_len = 0; key_len < 24; ++key_len) {
    const std::string key = Pattern(key_len, 'k');
    Entry entry = Entry::Make(key, source);
    EXPECT_EQ(entry.key(), key);
    EXPECT_EQ(entry.value_view().data(), source.data());
    EXPECT_TRUE(entry.value().SharesStorageWith(source));
  }
  EXPECT_EQ(source.use_count(), 1u);
}

TEST(EntryTest, AllocatedSizeCoversKeyAndValue) {
  Entry small = Entry::Make("k", std::string_view("v"));
  EXPECT_GE(small.AllocatedSize(), sizeof(SharedBuffer) + 1 + 1 + 1 + 1 + 1);

  const std::string key = Pattern(100, 'k');
  const std::string value = Pattern(1000, 'v');
  Entry inline_entry = Entry::Make(key, std::string_view(value));
  EXPECT_GE(inline_entry.AllocatedSize(), key.size() + value.size());
  // One allocation per key: no more than malloc's rounding on top.
  EXPECT_LT(inline_entry.AllocatedSize(), key.size() + value.size() + 64);

  Bytes big = Bytes::Copy(Pattern(kExternalThreshold * 4, 'b'));
  Entry external = Entry::Make(key, big);
  EXPECT_GE(external.AllocatedSize(), key.size() + big.size())
      << "a referenced value still counts towards the entry's memory";
}

TEST(EntryTest, AllocatedSizeGrowsWithValue) {
  Entry a = Entry::Make("key", std::string_view(Pattern(10, 'x')));
  Entry b = Entry::Make("key", std::string_view(Pattern(5000, 'x')));
  EXPECT_LT(a.AllocatedSize(), b.AllocatedSize());
}

}  // namespace
}  // namespace valkdb
