// The HyperLogLog module against bytes and counts taken from redis-server
// 7.0.15 (PFADD, GET, PFCOUNT, PFDEBUG DECODE), plus the properties Redis's
// commands rely on: register access, sparse -> dense promotion, merge, and
// corrupt sparse bodies reported rather than read out of bounds.
#include "server/store/types/hyperloglog.h"

#include <cstring>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace valkdb::hll {
namespace {

using namespace std::string_literals;  // NOLINT: values with NUL bytes

uint64_t Fnv1a(std::string_view bytes) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : bytes) h = (h ^ c) * 1099511628211ull;
  return h;
}

// What PFADD key e1 e2 ... leaves on a new key.
std::string Pfadd(const std::vector<std::string>& elements, size_t max_bytes = 3000) {
  std::string value;
  MakeEmpty(&value);
  for (const std::string& e : elements) EXPECT_NE(Add(&value, e, max_bytes), SetResult::kCorrupt);
  InvalidateCache(value.data());
  return value;
}

std::vector<std::string> Numbers(int first, int last) {
  std::vector<std::string> out;
  for (int i = first; i <= last; ++i) out.push_back(std::to_string(i));
  return out;
}

// PFCOUNT of one key: the cached value, else computed and cached.
uint64_t Pfcount(std::string* value) {
  if (CacheValid(*value)) return CachedCardinality(*value);
  bool invalid = false;
  const uint64_t card = Count(*value, &invalid);
  EXPECT_FALSE(invalid);
  StoreCardinality(value->data(), card);
  return card;
}

std::string Header(uint8_t encoding) {
  std::string h = "HYLL"s + static_cast<char>(encoding) + std::string(11, '\0');
  return h;
}

TEST(HyperLogLogTest, EmptyIsXZeroOfAllRegisters) {
  std::string value;
  MakeEmpty(&value);
  EXPECT_EQ(value, "HYLL\x01\0\0\0\0\0\0\0\0\0\0\0\x7f\xff"s);
  EXPECT_TRUE(IsValid(value));
  EXPECT_EQ(DecodeSparse(value), "Z:16384");
  bool invalid = false;
  EXPECT_EQ(Count(value, &invalid), 0u);
  EXPECT_FALSE(invalid);
}

TEST(HyperLogLogTest, SameBytesAsRedisForThreeElements) {
  std::string value = Pfadd({"a", "b", "c"});
  EXPECT_EQ(value,
            "HYLL\x01\0\0\0\0\0\0\0\0\0\0\x80`\xf3\x80P\xb1\x84K\xfb\x80"
            "BZ"s);
  EXPECT_EQ(Pfcount(&value), 3u);
  EXPECT_EQ(value,
            "HYLL\x01\0\0\0\x03\0\0\0\0\0\0\0`\xf3\x80P\xb1\x84K\xfb\x80"
            "BZ"s);
}

TEST(HyperLogLogTest, SameBytesAndCountsAsRedis) {
  struct Known {
    int n;
    size_t size;
    uint64_t fnv_before;
    uint64_t count;
    uint64_t fnv_after;
  };
  // redis-server 7.0.15: PFADD hn 1 2 ... n; GET hn; PFCOUNT hn; GET hn.
  const Known known[] = {
      {200, 508, 0x6e98f2ddac7dac6aull, 201, 0x16cb0b9e2b59800full},
      {1000, 1922, 0xabdeac6c99b1409dull, 1001, 0x0a0dd3e84971cee9ull},
      {5000, 12304, 0xeaf7ec3d6aad4de3ull, 4985, 0x5cc5827aadaf9e3full},
  };
  for (const Known& k : known) {
    SCOPED_TRACE(k.n);
    std::string value = Pfadd(Numbers(1, k.n));
    EXPECT_EQ(value.size(), k.size);
    EXPECT_EQ(Fnv1a(value), k.fnv_before);
    EXPECT_EQ(Pfcount(&value), k.count);
    EXPECT_EQ(Fnv1a(value), k.fnv_after);
  }
}

TEST(HyperLogLogTest, DecodeMatchesRedis) {
  const std::string value = Pfadd(Numbers(1, 200));
  EXPECT_TRUE(DecodeSparse(value).starts_with(
      "Z:116 v:3,1 Z:71 v:5,1 Z:152 v:2,1 z:33 v:4,1 z:43 v:4,1 Z:75 v:2,1 z:29 v:1,1 "))
      << DecodeSparse(value);
}

TEST(HyperLogLogTest, RegistersKeepTheirNeighbours) {
  std::vector<uint8_t> registers(kDenseSize - kHeaderSize, 0);
  for (size_t i = 0; i < kRegisters; ++i) {
    SetRegister(registers.data(), i, static_cast<uint8_t>((i * 7 + 3) & 63));
  }
  for (size_t i = 0; i < kRegisters; ++i) {
    ASSERT_EQ(GetRegister(registers.data(), i), (i * 7 + 3) & 63) << i;
  }
  SetRegister(registers.data(), kRegisters - 1, 63);
  SetRegister(registers.data(), 1, 0);
  EXPECT_EQ(GetRegister(registers.data(), 0), 3);
  EXPECT_EQ(GetRegister(registers.data(), 2), 17);
  EXPECT_EQ(GetRegister(registers.data(), kRegisters - 2), ((kRegisters - 2) * 7 + 3) & 63);
  EXPECT_FALSE(DenseSet(registers.data(), kRegisters - 1, 63));
  EXPECT_TRUE(DenseSet(registers.data(), 1, 5));
  EXPECT_FALSE(DenseSet(registers.data(), 1, 4));
}

TEST(HyperLogLogTest, SparseSetSplitsAndMerges) {
  std::string value;
  MakeEmpty(&value);
  EXPECT_EQ(Set(&value, 1000, 2, 3000), SetResult::kChanged);
  EXPECT_EQ(DecodeSparse(value), "Z:1000 v:2,1 Z:15383");
  EXPECT_FALSE(CacheValid(value));
  EXPECT_EQ(Set(&value, 1000, 2, 3000), SetResult::kUnchanged);
  EXPECT_EQ(Set(&value, 1001, 2, 3000), SetResult::kChanged);
  EXPECT_EQ(DecodeSparse(value), "Z:1000 v:2,2 Z:15382");
  EXPECT_EQ(Set(&value, 1020, 3, 3000), SetResult::kChanged);
  EXPECT_EQ(Set(&value, 1021, 3, 3000), SetResult::kChanged);
  EXPECT_EQ(DecodeSparse(value), "Z:1000 v:2,2 z:18 v:3,2 Z:15362");
  EXPECT_EQ(Set(&value, 0, 1, 3000), SetResult::kChanged);
  EXPECT_EQ(Set(&value, 16383, 32, 3000), SetResult::kChanged);
  EXPECT_EQ(DecodeSparse(value), "v:1,1 Z:999 v:2,2 z:18 v:3,2 Z:15361 v:32,1");
  uint8_t max[kRegisters] = {};
  ASSERT_TRUE(Merge(value, max));
  EXPECT_EQ(max[0], 1);
  EXPECT_EQ(max[1000], 2);
  EXPECT_EQ(max[1001], 2);
  EXPECT_EQ(max[1021], 3);
  EXPECT_EQ(max[16383], 32);
  EXPECT_EQ(max[5000], 0);
}

TEST(HyperLogLogTest, PromotesOnBigRegisterAndOnSize) {
  std::string value;
  MakeEmpty(&value);
  ASSERT_EQ(Set(&value, 5, 33, 3000), SetResult::kChanged);
  EXPECT_EQ(Encoding(value), kDense);
  EXPECT_EQ(value.size(), kDenseSize);
  EXPECT_EQ(GetRegister(reinterpret_cast<const uint8_t*>(value.data()) + kHeaderSize, 5), 33);

  // Growing past the limit promotes instead; below it the value stays sparse.
  MakeEmpty(&value);
  size_t i = 0;
  while (Encoding(value) == kSparse) {
    ASSERT_LE(value.size(), 40u);
    ASSERT_EQ(Set(&value, i * 3, 1, 40), SetResult::kChanged);
    i++;
  }
  EXPECT_EQ(value.size(), kDenseSize);
  for (size_t j = 0; j < i; ++j) {
    EXPECT_EQ(GetRegister(reinterpret_cast<const uint8_t*>(value.data()) + kHeaderSize, j * 3), 1);
  }
}

TEST(HyperLogLogTest, SparseAndDenseCountAlike) {
  std::string sparse;
  MakeEmpty(&sparse);
  std::string dense = sparse;
  ASSERT_TRUE(SparseToDense(&dense));
  EXPECT_EQ(dense.size(), kDenseSize);
  for (const std::string& e : Numbers(1, 1500)) {
    Add(&sparse, e, 1 << 20);
    Add(&dense, e, 1 << 20);
  }
  ASSERT_EQ(Encoding(sparse), kSparse);
  bool invalid = false;
  EXPECT_EQ(Count(sparse, &invalid), Count(dense, &invalid));
  EXPECT_FALSE(invalid);
  std::string converted = sparse;
  ASSERT_TRUE(SparseToDense(&converted));
  EXPECT_EQ(converted.substr(kHeaderSize), dense.substr(kHeaderSize));
  // Merging both into byte registers gives the same estimate.
  uint8_t max[kRegisters] = {};
  ASSERT_TRUE(Merge(sparse, max));
  EXPECT_EQ(CountRaw(max), Count(dense, &invalid));
  uint8_t max2[kRegisters] = {};
  ASSERT_TRUE(Merge(dense, max2));
  EXPECT_EQ(std::memcmp(max, max2, kRegisters), 0);
}

TEST(HyperLogLogTest, HeaderChecks) {
  EXPECT_FALSE(IsValid(""));
  EXPECT_FALSE(IsValid("HYLL"));
  EXPECT_FALSE(IsValid("HYLX"s + std::string(14, '\0')));
  EXPECT_FALSE(IsValid(Header(2) + "\x7f\xff"s));
  EXPECT_FALSE(IsValid(Header(kDense) + "\x7f\xff"s));  // dense of the wrong size
  EXPECT_TRUE(IsValid(Header(kDense) + std::string(kDenseSize - kHeaderSize, '\0')));
  EXPECT_TRUE(IsValid(Header(kSparse)));  // valid header, corrupt (empty) body
}

TEST(HyperLogLogTest, CorruptSparseBodiesAreReported) {
  const std::vector<std::string> bodies = {
      "",               // no registers
      "\x7f\xfe"s,      // 16383 registers
      "\x7f\xff\x00"s,  // 16385
      "\x7f"s,          // a cut XZERO: 16129
      "\xff\xff\xff"s,  // VALs only
      "\x7f\xff\x80"s,  // a VAL past the end (CVE-2025-32023's fix rejects it)
      "\x7f\xfe\x81"s,  // a VAL across the end
  };
  for (const std::string& body : bodies) {
    SCOPED_TRACE(DecodeSparse(Header(kSparse) + body));
    const std::string value = Header(kSparse) + body;
    bool invalid = false;
    Count(value, &invalid);
    EXPECT_TRUE(invalid);
    uint8_t max[kRegisters] = {};
    EXPECT_FALSE(Merge(value, max));
    std::string copy = value;
    EXPECT_FALSE(SparseToDense(&copy));
    EXPECT_EQ(copy, value);
  }
  // A register beyond what the body covers cannot be set.
  std::string value = Header(kSparse) + "\x40\x09"s;  // XZERO:10
  EXPECT_EQ(Set(&value, 100, 3, 3000), SetResult::kCorrupt);
  EXPECT_EQ(value, Header(kSparse) + "\x40\x09"s);
  // One it covers is (Redis edits a corrupt value the same way).
  EXPECT_EQ(Set(&value, 3, 3, 3000), SetResult::kChanged);
  EXPECT_EQ(DecodeSparse(value), "z:3 v:3,1 z:6");
  // A cut XZERO whose missing byte, read as 0, completes 16384 registers.
  const std::string cut = Header(kSparse) + "\x3f\x3f\x3f\x3e\x7f"s;  // 64*3 + 63 + 16129
  bool invalid = false;
  EXPECT_EQ(Count(cut, &invalid), 0u);
  EXPECT_FALSE(invalid);
  EXPECT_EQ(DecodeSparse(cut), "z:64 z:64 z:64 z:63 Z:16129");
}

TEST(HyperLogLogTest, CacheBytes) {
  std::string value;
  MakeEmpty(&value);
  EXPECT_TRUE(CacheValid(value));
  StoreCardinality(value.data(), 0x0102030405060708ull);
  EXPECT_EQ(value.substr(8, 8), "\x08\x07\x06\x05\x04\x03\x02\x01"s);
  EXPECT_EQ(CachedCardinality(value), 0x0102030405060708ull);
  InvalidateCache(value.data());
  EXPECT_FALSE(CacheValid(value));
}

TEST(HyperLogLogTest, SelfTestPasses) { EXPECT_EQ(SelfTest(3000, 12345), ""); }

}  // namespace
}  // namespace valkdb::hll
