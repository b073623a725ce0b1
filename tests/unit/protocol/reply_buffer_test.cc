#include "protocol/reply_buffer.h"

#include <sys/uio.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "gtest/gtest.h"
#include "protocol/bytes.h"

namespace valkdb {
namespace {

constexpr size_t kBlock = ReplyBuffer::kBlockSize;
constexpr size_t kThreshold = ReplyBuffer::kReferenceThreshold;

std::string Pattern(size_t size, char seed) {
  std::string out(size, '\0');
  for (size_t i = 0; i < size; ++i) out[i] = static_cast<char>(seed + static_cast<char>(i % 23));
  return out;
}

std::vector<struct iovec> PeekAll(const ReplyBuffer& buffer) {
  std::vector<struct iovec> iov(1024);
  iov.resize(buffer.Peek(iov.data(), iov.size()));
  return iov;
}

// What a writev of everything Peek returns would send.
std::string Gather(const std::vector<struct iovec>& iov) {
  std::string out;
  for (const struct iovec& v : iov) out.append(static_cast<const char*>(v.iov_base), v.iov_len);
  return out;
}

TEST(ReplyBufferTest, StartsEmpty) {
  ReplyBuffer buffer;
  EXPECT_TRUE(buffer.empty());
  EXPECT_EQ(buffer.size(), 0u);
  EXPECT_EQ(buffer.ToString(), "");
  EXPECT_TRUE(PeekAll(buffer).empty());
  buffer.Consume(10);  // nothing to drop
  EXPECT_TRUE(buffer.empty());
}

TEST(ReplyBufferTest, SmallAppendsShareOneBlock) {
  ReplyBuffer buffer;
  buffer.Append("+OK\r\n");
  buffer.Append(":1\r\n");
  buffer.Append("");
  buffer.Append("$3\r\nfoo\r\n");
  EXPECT_EQ(buffer.size(), 18u);
  EXPECT_FALSE(buffer.empty());
  EXPECT_EQ(buffer.ToString(), "+OK\r\n:1\r\n$3\r\nfoo\r\n");
  std::vector<struct iovec> iov = PeekAll(buffer);
  ASSERT_EQ(iov.size(), 1u);
  EXPECT_EQ(Gather(iov), "+OK\r\n:1\r\n$3\r\nfoo\r\n");
}

// Was BUG 4 (protocol/reply_buffer.h), fixed fails only under
// -fsanitize=undefined): Append() memcpy()s from data.data() even when data is
// empty, and an empty view or an empty Bytes (Bytes::Copy("") returns Bytes()
// with a null data()) has a null data(): memcpy(dst, nullptr, 0) is undefined.
// A GET of an empty string (SET k "") takes this path through
// RespWriter::Bulk(const Bytes&). Suggested fix: `if (data.empty()) return;` at
// the top of ReplyBuffer::Append.
TEST(ReplyBufferTest, AppendingNothingIsANoOp) {
  ReplyBuffer buffer;
  buffer.Append(std::string_view());
  buffer.AppendBytes(Bytes());
  buffer.AppendBytes(Bytes::Copy(""));
  EXPECT_TRUE(buffer.empty());
  buffer.Append("x");
  buffer.Append(std::string_view());
  buffer.AppendBytes(Bytes());
  EXPECT_EQ(buffer.ToString(), "x");
}

TEST(ReplyBufferTest, ConsumeDropsFromTheFront) {
  ReplyBuffer buffer;
  buffer.Append("0123456789");
  buffer.Consume(3);
  EXPECT_EQ(buffer.size(), 7u);
  EXPECT_EQ(buffer.ToString(), "3456789");
  EXPECT_EQ(Gather(PeekAll(buffer)), "3456789");
  buffer.Append("ab");
  EXPECT_EQ(buffer.ToString(), "3456789ab");
  buffer.Consume(0);
  EXPECT_EQ(buffer.size(), 9u);
  buffer.Consume(100);  // more than there is: everything
  EXPECT_TRUE(buffer.empty());
  EXPECT_EQ(buffer.ToString(), "");
  buffer.Append("again");
  EXPECT_EQ(buffer.ToString(), "again");
}

TEST(ReplyBufferTest, FullBlockStartsANewOne) {
  ReplyBuffer buffer;
  const std::string first = Pattern(kBlock - 3, 'a');
  buffer.Append(first);
  buffer.Append("xyz");  // exactly fills the block
  EXPECT_EQ(PeekAll(buffer).size(), 1u);
  buffer.Append("more");
  std::vector<struct iovec> iov = PeekAll(buffer);
  ASSERT_EQ(iov.size(), 2u);
  EXPECT_EQ(iov[0].iov_len, kBlock);
  EXPECT_EQ(iov[1].iov_len, 4u);
  EXPECT_EQ(Gather(iov), first + "xyzmore");
  EXPECT_EQ(buffer.size(), kBlock + 4);
}

TEST(ReplyBufferTest, DataBiggerThanABlockIsCopiedIntoItsOwnPiece) {
  ReplyBuffer buffer;
  std::string big = Pattern(kBlock * 2 + 5, 'A');
  buffer.Append("head");
  buffer.Append(big);
  buffer.Append("tail");
  const std::string expected = "head" + big + "tail";
  big.assign(big.size(), '#');  // Append copies: the caller may reuse its data
  EXPECT_EQ(buffer.ToString(), expected);
  std::vector<struct iovec> iov = PeekAll(buffer);
  EXPECT_EQ(iov.size(), 3u);
  EXPECT_EQ(Gather(iov), expected);
  EXPECT_EQ(buffer.size(), expected.size());
}

TEST(ReplyBufferTest, SmallBytesAreCopied) {
  ReplyBuffer buffer;
  Bytes value = Bytes::Copy(Pattern(kThreshold - 1, 'a'));
  buffer.AppendBytes(value);
  EXPECT_EQ(value.use_count(), 1u);
  EXPECT_EQ(buffer.ToString(), value.view());
  std::vector<struct iovec> iov = PeekAll(buffer);
  ASSERT_EQ(iov.size(), 1u);
  EXPECT_NE(iov[0].iov_base, value.data());
}

TEST(ReplyBufferTest, BigBytesAreReferencedNotCopied) {
  ReplyBuffer buffer;
  Bytes value = Bytes::Copy(Pattern(kThreshold, 'v'));
  buffer.Append("$4096\r\n");
  buffer.AppendBytes(value);
  buffer.Append("\r\n");
  EXPECT_EQ(value.use_count(), 2u) << "the buffer holds a reference until the write completes";
  std::vector<struct iovec> iov = PeekAll(buffer);
  ASSERT_EQ(iov.size(), 3u);
  EXPECT_EQ(Gather(iov), "$4096\r\n" + value.str() + "\r\n");
  EXPECT_EQ(iov[1].iov_base, value.data());
  EXPECT_EQ(iov[1].iov_len, value.size());

  buffer.Consume(7 + 100);  // part of the value was written
  EXPECT_EQ(value.use_count(), 2u);
  iov = PeekAll(buffer);
  ASSERT_EQ(iov.size(), 2u);
  EXPECT_EQ(iov[0].iov_base, value.data() + 100);
  buffer.Consume(value.size() - 100);  // the rest of it
  EXPECT_EQ(value.use_count(), 1u);
  EXPECT_EQ(buffer.ToString(), "\r\n");
}

TEST(ReplyBufferTest, BigStaticBytesAreCopied) {
  static const std::string kStatic = Pattern(kThreshold * 2, 's');
  ReplyBuffer buffer;
  Bytes value = Bytes::Static(kStatic);
  buffer.AppendBytes(value);
  EXPECT_EQ(buffer.ToString(), kStatic);
  std::vector<struct iovec> iov = PeekAll(buffer);
  ASSERT_EQ(iov.size(), 1u);
  EXPECT_NE(iov[0].iov_base, kStatic.data());
}

TEST(ReplyBufferTest, ReferencesAreReleasedWhenTheBufferDies) {
  Bytes value = Bytes::Copy(Pattern(kBlock * 3, 'r'));
  {
    ReplyBuffer buffer;
    buffer.AppendBytes(value);
    buffer.AppendBytes(value);
    EXPECT_EQ(value.use_count(), 3u);
  }
  EXPECT_EQ(value.use_count(), 1u);
}

TEST(ReplyBufferTest, ClearDropsEverything) {
  Bytes value = Bytes::Copy(Pattern(kThreshold, 'c'));
  ReplyBuffer buffer;
  buffer.Append("abc");
  buffer.AppendBytes(value);
  buffer.Append("def");
  buffer.Clear();
  EXPECT_TRUE(buffer.empty());
  EXPECT_EQ(buffer.ToString(), "");
  EXPECT_TRUE(PeekAll(buffer).empty());
  EXPECT_EQ(value.use_count(), 1u);
}

TEST(ReplyBufferTest, InterleavedPiecesKeepTheirOrder) {
  Bytes big1 = Bytes::Copy(Pattern(5000, '1'));
  Bytes big2 = Bytes::Copy(Pattern(6000, '2'));
  ReplyBuffer buffer;
  std::string expected;
  for (int i = 0; i < 10; ++i) {
    buffer.Append("small" + std::to_string(i));
    expected += "small" + std::to_string(i);
    buffer.AppendBytes(i % 2 ? big1 : big2);
    expected += (i % 2 ? big1 : big2).view();
  }
  EXPECT_EQ(buffer.ToString(), expected);
  EXPECT_EQ(Gather(PeekAll(buffer)), expected);
  EXPECT_EQ(buffer.size(), expected.size());
  EXPECT_EQ(big1.use_count(), 6u);
  EXPECT_EQ(big2.use_count(), 6u);
}

TEST(ReplyBufferTest, PeekHonoursMaxIov) {
  Bytes big = Bytes::Copy(Pattern(kThreshold, 'p'));
  ReplyBuffer buffer;
  for (int i = 0; i < 5; ++i) {
    buffer.Append("x");
    buffer.AppendBytes(big);
  }
  struct iovec iov[3];
  ASSERT_EQ(buffer.Peek(iov, 3), 3u);
  EXPECT_EQ(iov[0].iov_len, 1u);
  EXPECT_EQ(iov[1].iov_base, big.data());
  EXPECT_EQ(iov[2].iov_len, 1u);
  EXPECT_EQ(buffer.Peek(iov, 0), 0u);
  // A partial write of what Peek returned, then the rest.
  buffer.Consume(1 + big.size() + 1);
  std::vector<struct iovec> rest = PeekAll(buffer);
  EXPECT_EQ(Gather(rest), big.str() + "x" + big.str() + "x" + big.str() + "x" + big.str());
}

// A write in flight reads memory that Peek described; appends made meanwhile
// must neither move nor overwrite it.
TEST(ReplyBufferTest, AppendsNeverDisturbDataHandedToAWrite) {
  ReplyBuffer buffer;
  buffer.Append("first reply\r\n");
  Bytes big = Bytes::Copy(Pattern(kThreshold, 'b'));
  buffer.AppendBytes(big);
  buffer.Append("second\r\n");
  std::vector<struct iovec> in_flight = PeekAll(buffer);
  const std::string expected = Gather(in_flight);
  for (int i = 0; i < 100; ++i) buffer.Append(Pattern(1000, static_cast<char>('a' + i % 26)));
  buffer.AppendBytes(big);
  EXPECT_EQ(Gather(in_flight), expected);
  size_t written = 0;
  for (const struct iovec& v : in_flight) written += v.iov_len;
  buffer.Consume(written);
  EXPECT_EQ(buffer.size(), 100u * 1000 + big.size());
}

TEST(ReplyBufferTest, PartlyWrittenBlockIsAppendedAfterItsPendingBytes) {
  ReplyBuffer buffer;
  buffer.Append("abcdef");
  std::vector<struct iovec> iov = PeekAll(buffer);
  ASSERT_EQ(iov.size(), 1u);
  const char* start = static_cast<const char*>(iov[0].iov_base);
  buffer.Consume(2);
  buffer.Append("gh");
  iov = PeekAll(buffer);
  ASSERT_EQ(iov.size(), 1u);
  EXPECT_EQ(iov[0].iov_base, start + 2);
  EXPECT_EQ(Gather(iov), "cdefgh");
}

TEST(ReplyBufferTest, BlockIsReusedFromItsStartOnceEverythingIsWritten) {
  ReplyBuffer buffer;
  buffer.Append("hello");
  std::vector<struct iovec> iov = PeekAll(buffer);
  ASSERT_EQ(iov.size(), 1u);
  void* block_start = iov[0].iov_base;
  buffer.Consume(5);
  buffer.Append("world");
  iov = PeekAll(buffer);
  ASSERT_EQ(iov.size(), 1u);
  EXPECT_EQ(iov[0].iov_base, block_start);
  EXPECT_EQ(Gather(iov), "world");
}

TEST(ReplyBufferTest, BlockIsReusedAfterReferencedValuesAreWritten) {
  Bytes big = Bytes::Copy(Pattern(kThreshold, 'z'));
  ReplyBuffer buffer;
  buffer.Append("head");
  std::vector<struct iovec> iov = PeekAll(buffer);
  void* block_start = iov[0].iov_base;
  buffer.AppendBytes(big);  // seals "head" into a piece that shares the block
  buffer.Append("tail");
  buffer.Consume(buffer.size());
  EXPECT_EQ(big.use_count(), 1u);
  buffer.Append("next");
  iov = PeekAll(buffer);
  ASSERT_EQ(iov.size(), 1u);
  EXPECT_EQ(iov[0].iov_base, block_start);
  EXPECT_EQ(Gather(iov), "next");
}

TEST(ReplyBufferTest, BlockIsNotReusedWhilePartOfItIsPending) {
  ReplyBuffer buffer;
  buffer.Append("abc");
  void* block_start = PeekAll(buffer)[0].iov_base;
  buffer.Consume(1);
  buffer.Append("d");
  std::vector<struct iovec> iov = PeekAll(buffer);
  ASSERT_EQ(iov.size(), 1u);
  EXPECT_NE(iov[0].iov_base, block_start);
  EXPECT_EQ(Gather(iov), "bcd");
}

// Random appends (small, block-sized, referenced) and random partial writes,
// checked against a plain string after every step.
TEST(ReplyBufferTest, RandomAppendsAndWritesMatchAModel) {
  std::mt19937 rng(4242);
  std::vector<Bytes> values;
  for (size_t size : {size_t{1}, size_t{100}, kThreshold - 1, kThreshold, size_t{10000}, kBlock,
                      kBlock * 2 + 3}) {
    values.push_back(Bytes::Copy(Pattern(size, static_cast<char>('a' + values.size()))));
  }
  ReplyBuffer buffer;
  std::string model;
  for (int step = 0; step < 3000; ++step) {
    SCOPED_TRACE(step);
    int action = std::uniform_int_distribution<int>(0, 9)(rng);
    if (action < 4) {
      size_t size = std::uniform_int_distribution<size_t>(0, action == 0 ? 40000 : 200)(rng);
      std::string data = Pattern(size, static_cast<char>('A' + step % 26));
      buffer.Append(data);
      model += data;
    } else if (action < 7) {
      const Bytes& value = values[std::uniform_int_distribution<size_t>(0, values.size() - 1)(rng)];
      buffer.AppendBytes(value);
      model += value.view();
    } else {
      // A writev of some iovecs, of which the kernel took some bytes.
      std::vector<struct iovec> iov(std::uniform_int_distribution<size_t>(1, 8)(rng));
      iov.resize(buffer.Peek(iov.data(), iov.size()));
      std::string peeked = Gather(iov);
      ASSERT_EQ(peeked, model.substr(0, peeked.size()));
      size_t n = std::uniform_int_distribution<size_t>(0, peeked.size())(rng);
      buffer.Consume(n);
      model.erase(0, n);
    }
    ASSERT_EQ(buffer.size(), model.size());
    ASSERT_EQ(buffer.empty(), model.empty());
    if (step % 50 == 0) {
      ASSERT_EQ(buffer.ToString(), model);
    }
  }
  ASSERT_EQ(Gather(PeekAll(buffer)), model);
  buffer.Clear();
  for (const Bytes& value : values) EXPECT_EQ(value.use_count(), 1u);
}

}  // namespace
}  // namespace valkdb
