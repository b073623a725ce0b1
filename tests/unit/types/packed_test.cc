// packed.h: the varint-length packed list that small hashes and sets live in.
#include "server/store/types/packed.h"

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "gtest/gtest.h"

namespace valkdb::packed {
namespace {

std::string Encode(const std::vector<std::string>& elements) {
  std::string bytes;
  for (const std::string& e : elements) Append(&bytes, e);
  return bytes;
}

std::vector<std::string> Decode(std::string_view bytes) {
  std::vector<std::string> out;
  Reader reader(bytes);
  std::string_view element;
  while (reader.Next(&element)) out.emplace_back(element);
  return out;
}

TEST(PackedTest, VarintLengthBoundariesRoundTrip) {
  // One length byte up to 127, two up to 16383, three beyond.
  const std::vector<std::pair<size_t, size_t>> sizes = {
      {0, 1}, {1, 1}, {127, 1}, {128, 2}, {16383, 2}, {16384, 3}, {100000, 3}};
  std::vector<std::string> elements;
  size_t total = 0;
  for (auto [length, length_bytes] : sizes) {
    std::string e(length, static_cast<char>('a' + elements.size()));
    EXPECT_EQ(EncodedSize(e), length + length_bytes) << length;
    total += EncodedSize(e);
    elements.push_back(std::move(e));
  }
  const std::string bytes = Encode(elements);
  EXPECT_EQ(bytes.size(), total);
  EXPECT_EQ(Decode(bytes), elements);
  EXPECT_EQ(Count(bytes), elements.size());
  EXPECT_TRUE(Valid(bytes));
  EXPECT_FALSE(Valid(bytes, 2)) << "7 elements are not whole pairs";

  Reader reader(bytes);
  std::string_view element;
  size_t offset = 0;
  for (const std::string& e : elements) {
    EXPECT_EQ(reader.offset(), offset);
    EXPECT_FALSE(reader.at_end());
    ASSERT_TRUE(reader.Next(&element));
    EXPECT_EQ(element, e);
    offset += EncodedSize(e);
  }
  EXPECT_TRUE(reader.at_end());
  EXPECT_FALSE(reader.Next(&element));
}

TEST(PackedTest, ExactBytesOfAnEncoding) {
  std::string bytes;
  Append(&bytes, "ab");
  Append(&bytes, "");
  Append(&bytes, std::string(200, 'x'));
  ASSERT_EQ(bytes.size(), 3u + 1u + 202u);
  EXPECT_EQ(bytes.substr(0, 4), std::string("\x02"
                                            "ab"
                                            "\x00",
                                            4));
  // 200 = 0b1'1001000: low seven bits first, with the continuation bit.
  EXPECT_EQ(static_cast<uint8_t>(bytes[4]), 0xC8);
  EXPECT_EQ(static_cast<uint8_t>(bytes[5]), 0x01);
}

TEST(PackedTest, EmptyBufferIsAValidEmptyList) {
  EXPECT_TRUE(Valid(""));
  EXPECT_TRUE(Valid("", 2));
  EXPECT_EQ(Count(""), 0u);
  Reader reader("");
  std::string_view element;
  EXPECT_TRUE(reader.at_end());
  EXPECT_FALSE(reader.Next(&element));
  Record record;
  EXPECT_FALSE(Find("", "", 1, &record));
  EXPECT_FALSE(At("", 0, 2, &record));
}

TEST(PackedTest, FindAndAtMatchRecordsByTheirFirstElement) {
  const std::string hash = Encode({"f1", "v1", "v1", "f1", "", "empty field", "f3", ""});
  ASSERT_TRUE(Valid(hash, 2));
  Record record;
  ASSERT_TRUE(Find(hash, "f1", 2, &record));
  EXPECT_EQ(record.offset, 0u);
  EXPECT_EQ(record.size, 6u);
  EXPECT_EQ(record.first, "f1");
  EXPECT_EQ(record.second, "v1");
  ASSERT_TRUE(Find(hash, "v1", 2, &record)) << "v1 is also the second record's field";
  EXPECT_EQ(record.offset, 6u);
  EXPECT_EQ(record.second, "f1");
  ASSERT_TRUE(Find(hash, "", 2, &record));
  EXPECT_EQ(record.second, "empty field");
  ASSERT_TRUE(Find(hash, "f3", 2, &record));
  EXPECT_EQ(record.second, "");
  EXPECT_EQ(record.offset + record.size, hash.size());
  EXPECT_FALSE(Find(hash, "empty field", 2, &record)) << "a value is not a key";
  EXPECT_FALSE(Find(hash, "f", 2, &record)) << "a prefix is not a match";

  for (size_t i = 0; i < 4; ++i) {
    ASSERT_TRUE(At(hash, i, 2, &record)) << i;
    Record found;
    ASSERT_TRUE(Find(hash, record.first, 2, &found));
    EXPECT_EQ(found.offset, record.offset);
  }
  EXPECT_FALSE(At(hash, 4, 2, &record));

  const std::string set = Encode({"a", "b", "c"});
  ASSERT_TRUE(Find(set, "b", 1, &record));
  EXPECT_EQ(record.offset, 2u);
  EXPECT_EQ(record.size, 2u);
  EXPECT_EQ(record.first, "b");
  ASSERT_TRUE(At(set, 2, 1, &record));
  EXPECT_EQ(record.first, "c");
  EXPECT_FALSE(At(set, 3, 1, &record));
}

TEST(PackedTest, SpliceInsertsReplacesAndRemoves) {
  const std::string bytes = Encode({"f1", "v1", "f2", "v2"});
  const std::string_view f = "f3", v = "a longer value", one = "x";
  std::string out;

  Splice(bytes, bytes.size(), 0, &f, &v, &out);  // append a record
  EXPECT_EQ(Decode(out),
            (std::vector<std::string>{"f1", "v1", "f2", "v2", "f3", "a longer value"}));

  Splice(bytes, 0, 0, &one, nullptr, &out);  // prepend one element
  EXPECT_EQ(Decode(out), (std::vector<std::string>{"x", "f1", "v1", "f2", "v2"}));

  Record record;
  ASSERT_TRUE(Find(bytes, "f2", 2, &record));
  const std::string_view f2 = "f2";
  Splice(bytes, record.offset, record.size, &f2, &v, &out);  // replace a value
  EXPECT_EQ(Decode(out), (std::vector<std::string>{"f1", "v1", "f2", "a longer value"}));

  ASSERT_TRUE(Find(bytes, "f1", 2, &record));
  Splice(bytes, record.offset, record.size, nullptr, nullptr, &out);  // remove a record
  EXPECT_EQ(Decode(out), (std::vector<std::string>{"f2", "v2"}));

  out = "stale contents";
  Splice(bytes, 0, bytes.size(), nullptr, nullptr, &out);
  EXPECT_EQ(out, "");

  // Offsets past the end are clamped rather than trusted.
  Splice(bytes, bytes.size() + 10, 5, &one, nullptr, &out);
  EXPECT_EQ(Decode(out), (std::vector<std::string>{"f1", "v1", "f2", "v2", "x"}));
}

TEST(PackedTest, MalformedBytesEndIterationAndAreInvalid) {
  const std::vector<std::string> bad = {
      std::string("\x05"
                  "ab",
                  3),          // length past the end
      std::string("\x80", 1),  // a varint cut off
      std::string("\x02"
                  "ab"
                  "\x81",
                  4),
      std::string(10, '\xff'),                                 // a varint longer than 64 bits
      std::string("\xff\xff\xff\xff\xff\xff\xff\xff\x7f", 9),  // a 2^63-byte length
      std::string("\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 10),
  };
  for (const std::string& b : bad) {
    SCOPED_TRACE(testing::PrintToString(b));
    EXPECT_FALSE(Valid(b));
    EXPECT_FALSE(Valid(b, 2));
    Reader reader(b);
    std::string_view element;
    while (reader.Next(&element)) {
      EXPECT_LE(element.data() + element.size(), b.data() + b.size());
    }
    EXPECT_FALSE(reader.at_end()) << "stopped at the bad element";
    Record record;
    EXPECT_FALSE(Find(b, "zz", 1, &record));
    EXPECT_FALSE(At(b, 5, 1, &record));
  }
  EXPECT_EQ(Count(std::string("\x02"
                              "ab"
                              "\x81",
                              4)),
            1u)
      << "the whole element before the cut";
  EXPECT_FALSE(Valid(Encode({"a", "b"}), 0)) << "a stride below 1 is never valid";
  EXPECT_FALSE(Valid(Encode({"a", "b"}), -2));
}

TEST(PackedTest, EveryCutOfAValidBufferIsSeenAsOneByTheReader) {
  const std::vector<std::string> elements = {"field", std::string(300, 'v'), "", "x"};
  const std::string bytes = Encode(elements);
  std::vector<size_t> boundaries = {0};
  for (const std::string& e : elements) boundaries.push_back(boundaries.back() + EncodedSize(e));
  for (size_t cut = 0; cut <= bytes.size(); ++cut) {
    // A private copy, so reading past the cut would be a heap overflow under ASan.
    const std::string prefix = bytes.substr(0, cut);
    size_t whole = 0;
    bool at_boundary = false;
    for (size_t i = 0; i < boundaries.size(); ++i) {
      if (boundaries[i] <= cut) whole = i;
      if (boundaries[i] == cut) at_boundary = true;
    }
    EXPECT_EQ(Valid(prefix), at_boundary) << cut;
    EXPECT_EQ(Count(prefix), whole) << cut;
  }
}

TEST(PackedTest, RandomBytesNeverReadOutOfBounds) {
  std::mt19937_64 rng(20240601);
  for (int round = 0; round < 20000; ++round) {
    std::string b(rng() % 24, '\0');
    for (char& c : b) {
      // Mostly small lengths, so some inputs decode to several elements.
      c = static_cast<char>(rng() % 4 == 0 ? rng() : rng() % 6);
    }
    Reader reader(b);
    std::string_view element;
    size_t n = 0;
    while (reader.Next(&element)) {
      ASSERT_GE(element.data(), b.data());
      ASSERT_LE(element.data() + element.size(), b.data() + b.size());
      ++n;
    }
    EXPECT_EQ(Count(b), n);
    EXPECT_EQ(Valid(b), reader.at_end());
    EXPECT_EQ(Valid(b, 2), reader.at_end() && n % 2 == 0);
    Record record;
    if (At(b, 0, 2, &record)) {
      ASSERT_LE(record.offset + record.size, b.size());
      Record found;
      ASSERT_TRUE(Find(b, record.first, 2, &found));
      EXPECT_EQ(found.offset, 0u);
    }
  }
}

}  // namespace
}  // namespace valkdb::packed
