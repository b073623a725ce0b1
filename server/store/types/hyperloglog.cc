#include "server/store/types/hyperloglog.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <vector>

namespace valkdb::hll {
namespace {

constexpr uint64_t kHashSeed = 0xadc83b19ULL;
constexpr double kAlphaInf = 0.721347520444481703680;  // 0.5 / ln(2)
constexpr size_t kSparseZeroMaxLen = 64;
constexpr size_t kSparseValMaxLen = 4;

bool IsZeroOp(uint8_t b) { return (b & 0xc0) == 0; }
bool IsXZeroOp(uint8_t b) { return (b & 0xc0) == 0x40; }
bool IsValOp(uint8_t b) { return (b & 0x80) != 0; }
size_t ZeroLen(uint8_t b) { return (b & 0x3fu) + 1; }
size_t XZeroLen(uint8_t b, uint8_t next) { return ((size_t{b & 0x3fu} << 8) | next) + 1; }
int ValValue(uint8_t b) { return ((b >> 2) & 0x1f) + 1; }
size_t ValLen(uint8_t b) { return (b & 0x3u) + 1; }
uint8_t ValOp(int value, size_t len) {
  return static_cast<uint8_t>(((value - 1) << 2) | static_cast<int>(len - 1) | 0x80);
}
// A ZERO or XZERO run of `len` zeros (the short form when it fits).
uint8_t* PutZeros(uint8_t* n, size_t len) {
  if (len > kSparseZeroMaxLen) {
    const size_t l = len - 1;
    n[0] = static_cast<uint8_t>((l >> 8) | 0x40);
    n[1] = static_cast<uint8_t>(l & 0xff);
    return n + 2;
  }
  n[0] = static_cast<uint8_t>(len - 1);
  return n + 1;
}

// Visits the runs of a sparse body: fn(length, value), value 0 for zeros;
// stops when fn returns false. A trailing half XZERO reads its missing byte as 0.
template <class Fn>
void ForEachRun(std::string_view value, Fn fn) {
  const auto* p = reinterpret_cast<const uint8_t*>(value.data()) + kHeaderSize;
  const auto* end = reinterpret_cast<const uint8_t*>(value.data()) + value.size();
  while (p < end) {
    if (IsZeroOp(*p)) {
      if (!fn(ZeroLen(*p), 0)) return;
      ++p;
    } else if (IsXZeroOp(*p)) {
      if (!fn(XZeroLen(p[0], p + 1 < end ? p[1] : 0), 0)) return;
      p += 2;
    } else {
      if (!fn(ValLen(*p), ValValue(*p))) return;
      ++p;
    }
  }
}

const uint8_t* Registers(std::string_view value) {
  return reinterpret_cast<const uint8_t*>(value.data()) + kHeaderSize;
}
uint8_t* Registers(std::string* value) {
  return reinterpret_cast<uint8_t*>(value->data()) + kHeaderSize;
}

void DenseHistogram(const uint8_t* r, int* histo) {
  // 16 registers per 12 bytes, unrolled as Redis's hllDenseRegHisto.
  for (size_t j = 0; j < kRegisters / 16; ++j, r += 12) {
    for (int k = 0; k < 12; k += 3) {
      const unsigned b0 = r[k], b1 = r[k + 1], b2 = r[k + 2];
      ++histo[b0 & 63];
      ++histo[((b0 >> 6) | (b1 << 2)) & 63];
      ++histo[((b1 >> 4) | (b2 << 4)) & 63];
      ++histo[(b2 >> 2) & 63];
    }
  }
}

// Ertl's sigma and tau ("New cardinality estimation algorithms for
// HyperLogLog sketches", arXiv:1702.01284), as Redis computes them.
double Sigma(double x) {
  if (x == 1.) return INFINITY;
  double z_prime;
  double y = 1;
  double z = x;
  do {
    x *= x;
    z_prime = z;
    z += x * y;
    y += y;
  } while (z_prime != z);
  return z;
}

double Tau(double x) {
  if (x == 0. || x == 1.) return 0.;
  double z_prime;
  double y = 1.0;
  double z = 1 - x;
  do {
    x = std::sqrt(x);
    z_prime = z;
    y *= 0.5;
    z -= std::pow(1 - x, 2) * y;
  } while (z_prime != z);
  return z / 3;
}

uint64_t Estimate(const int* histo) {
  const double m = kRegisters;
  double z = m * Tau((m - histo[kQ + 1]) / m);
  for (int j = kQ; j >= 1; --j) {
    z += histo[j];
    z *= 0.5;
  }
  z += m * Sigma(histo[0] / m);
  const double e = static_cast<double>(std::llround(kAlphaInf * m * m / z));
  return static_cast<uint64_t>(e);
}

SetResult Promote(std::string* value, size_t index, uint8_t count) {
  if (!SparseToDense(value)) return SetResult::kCorrupt;
  // The register was below `count` in the sparse form, so this raises it.
  return DenseSet(Registers(value), index, count) ? SetResult::kChanged : SetResult::kUnchanged;
}

// Redis's hllSparseSet, step for step, so the bytes come out the same.
SetResult SparseSet(std::string* value, size_t index, uint8_t count, size_t sparse_max_bytes) {
  if (count > kSparseValMax) return Promote(value, index, count);
  const size_t old_len = value->size();
  // Room for the worst split (XZERO -> XZERO VAL XZERO, 3 more bytes) and
  // the zero byte Redis's sds keeps after the value, which a cut XZERO reads.
  value->resize(old_len + 4);
  auto* s = reinterpret_cast<uint8_t*>(value->data());
  uint8_t* sparse = s + kHeaderSize;
  uint8_t* p = sparse;
  uint8_t* end = s + old_len;
  size_t len = old_len;

  // Step 1: the opcode covering `index`.
  size_t first = 0, span = 0;
  uint8_t* prev = nullptr;
  while (p < end) {
    size_t oplen = 1;
    if (IsZeroOp(*p)) {
      span = ZeroLen(*p);
    } else if (IsValOp(*p)) {
      span = ValLen(*p);
    } else {
      span = XZeroLen(p[0], p[1]);
      oplen = 2;
    }
    if (index <= first + span - 1) break;
    prev = p;
    p += oplen;
    first += span;
  }
  if (span == 0 || p >= end) {
    value->resize(old_len);
    return SetResult::kCorrupt;
  }
  uint8_t* next = IsXZeroOp(*p) ? p + 2 : p + 1;
  if (next >= end) next = nullptr;
  const bool is_zero = IsZeroOp(*p);
  const bool is_xzero = IsXZeroOp(*p);
  const bool is_val = !is_zero && !is_xzero;
  const size_t runlen = is_zero ? ZeroLen(*p) : is_xzero ? XZeroLen(p[0], p[1]) : ValLen(*p);

  // Step 2: the trivial updates in place.
  bool done = false;
  if (is_val) {
    if (ValValue(*p) >= count) {
      value->resize(old_len);
      return SetResult::kUnchanged;
    }
    if (runlen == 1) {
      *p = ValOp(count, 1);
      done = true;
    }
  }
  if (!done && is_zero && runlen == 1) {
    *p = ValOp(count, 1);
    done = true;
  }
  if (!done) {
    // Step 3: split the opcode into up to three (at most 5 bytes).
    uint8_t seq[5];
    uint8_t* n = seq;
    const size_t last = first + span - 1;
    if (is_zero || is_xzero) {
      if (index != first) n = PutZeros(n, index - first);
      *n++ = ValOp(count, 1);
      if (index != last) n = PutZeros(n, last - index);
    } else {
      const int current = ValValue(*p);
      if (index != first) *n++ = ValOp(current, index - first);
      *n++ = ValOp(count, 1);
      if (index != last) *n++ = ValOp(current, last - index);
    }
    const auto seqlen = static_cast<ptrdiff_t>(n - seq);
    const ptrdiff_t oldlen = is_xzero ? 2 : 1;
    const ptrdiff_t delta = seqlen - oldlen;
    if (delta > 0 && len + static_cast<size_t>(delta) > sparse_max_bytes) {
      value->resize(old_len);
      return Promote(value, index, count);
    }
    if (delta != 0 && next != nullptr)
      std::memmove(next + delta, next, static_cast<size_t>(end - next));
    len = static_cast<size_t>(static_cast<ptrdiff_t>(len) + delta);
    s[len] = 0;
    std::memcpy(p, seq, static_cast<size_t>(seqlen));
    end += delta;
  }

  // Step 4: merge adjacent VALs of one value, scanning up to 5 opcodes from prev.
  p = prev != nullptr ? prev : sparse;
  int scanlen = 5;
  while (p < end && scanlen--) {
    if (IsXZeroOp(*p)) {
      p += 2;
      continue;
    }
    if (IsZeroOp(*p)) {
      ++p;
      continue;
    }
    if (p + 1 < end && IsValOp(p[1])) {
      const int v1 = ValValue(p[0]);
      const int v2 = ValValue(p[1]);
      if (v1 == v2) {
        const size_t merged = ValLen(p[0]) + ValLen(p[1]);
        if (merged <= kSparseValMaxLen) {
          p[1] = ValOp(v1, merged);
          std::memmove(p, p + 1, static_cast<size_t>(end - p));
          --len;
          --end;
          continue;  // try the merged run with the one after it
        }
      }
    }
    ++p;
  }
  value->resize(len);
  InvalidateCache(value->data());
  return SetResult::kChanged;
}

}  // namespace

uint64_t MurmurHash64A(const void* key, size_t len, uint64_t seed) {
  constexpr uint64_t m = 0xc6a4a7935bd1e995ULL;
  constexpr int r = 47;
  uint64_t h = seed ^ (len * m);
  const auto* data = static_cast<const uint8_t*>(key);
  const uint8_t* end = data + (len - (len & 7));
  for (; data != end; data += 8) {
    uint64_t k = 0;
    for (int i = 7; i >= 0; --i) k = (k << 8) | data[i];  // little-endian on every host
    k *= m;
    k ^= k >> r;
    k *= m;
    h ^= k;
    h *= m;
  }
  switch (len & 7) {
    case 7:
      h ^= uint64_t{data[6]} << 48;
      [[fallthrough]];
    case 6:
      h ^= uint64_t{data[5]} << 40;
      [[fallthrough]];
    case 5:
      h ^= uint64_t{data[4]} << 32;
      [[fallthrough]];
    case 4:
      h ^= uint64_t{data[3]} << 24;
      [[fallthrough]];
    case 3:
      h ^= uint64_t{data[2]} << 16;
      [[fallthrough]];
    case 2:
      h ^= uint64_t{data[1]} << 8;
      [[fallthrough]];
    case 1:
      h ^= uint64_t{data[0]};
      h *= m;
  }
  h ^= h >> r;
  h *= m;
  h ^= h >> r;
  return h;
}

uint8_t PatternLength(std::string_view element, uint32_t* index) {
  uint64_t hash = MurmurHash64A(element.data(), element.size(), kHashSeed);
  *index = static_cast<uint32_t>(hash & (kRegisters - 1));
  hash >>= kP;
  hash |= uint64_t{1} << kQ;  // so the run ends by bit Q: count <= Q + 1
  return static_cast<uint8_t>(std::countr_zero(hash) + 1);
}

bool IsValid(std::string_view value) {
  if (value.size() < kHeaderSize || value.substr(0, 4) != "HYLL") return false;
  const uint8_t encoding = Encoding(value);
  if (encoding > kSparse) return false;
  return encoding != kDense || value.size() == kDenseSize;
}

void MakeEmpty(std::string* out) {
  out->assign(kHeaderSize + 2, '\0');
  std::memcpy(out->data(), "HYLL", 4);
  (*out)[4] = static_cast<char>(kSparse);
  PutZeros(Registers(out), kRegisters);
}

bool CacheValid(std::string_view value) { return (static_cast<uint8_t>(value[15]) & 0x80) == 0; }

uint64_t CachedCardinality(std::string_view value) {
  uint64_t card = 0;
  for (int i = 7; i >= 0; --i) card = (card << 8) | static_cast<uint8_t>(value[8 + i]);
  return card;
}

void StoreCardinality(char* value, uint64_t card) {
  for (int i = 0; i < 8; ++i) value[8 + i] = static_cast<char>((card >> (8 * i)) & 0xff);
}

void InvalidateCache(char* value) { value[15] = static_cast<char>(value[15] | 0x80); }

SetResult Set(std::string* value, size_t index, uint8_t count, size_t sparse_max_bytes) {
  switch (Encoding(*value)) {
    case kDense:
      return DenseSet(Registers(value), index, count) ? SetResult::kChanged : SetResult::kUnchanged;
    case kSparse:
      return SparseSet(value, index, count, sparse_max_bytes);
    default:
      return SetResult::kCorrupt;
  }
}

SetResult Add(std::string* value, std::string_view element, size_t sparse_max_bytes) {
  uint32_t index = 0;
  const uint8_t count = PatternLength(element, &index);
  return Set(value, index, count, sparse_max_bytes);
}

bool SparseToDense(std::string* value) {
  if (Encoding(*value) == kDense) return true;
  thread_local std::vector<uint8_t> dense;
  dense.assign(kDenseSize, 0);
  std::memcpy(dense.data(), value->data(), kHeaderSize);  // magic and cached cardinality
  dense[4] = kDense;
  uint8_t* registers = dense.data() + kHeaderSize;
  size_t idx = 0;
  ForEachRun(*value, [&](size_t run, int val) {
    idx += run;
    if (idx > kRegisters) return false;
    for (size_t i = idx - run; val != 0 && i < idx; ++i) {
      SetRegister(registers, i, static_cast<uint8_t>(val));
    }
    return true;
  });
  if (idx != kRegisters) return false;
  value->assign(reinterpret_cast<const char*>(dense.data()), kDenseSize);
  return true;
}

bool Merge(std::string_view value, uint8_t* max) {
  if (Encoding(value) == kDense) {
    const uint8_t* registers = Registers(value);
    for (size_t i = 0; i < kRegisters; ++i) {
      const uint8_t v = GetRegister(registers, i);
      if (v > max[i]) max[i] = v;
    }
    return true;
  }
  size_t idx = 0;
  ForEachRun(value, [&](size_t run, int val) {
    idx += run;
    if (idx > kRegisters) return false;
    for (size_t i = idx - run; val != 0 && i < idx; ++i) {
      if (val > max[i]) max[i] = static_cast<uint8_t>(val);
    }
    return true;
  });
  return idx == kRegisters;
}

uint64_t Count(std::string_view value, bool* invalid) {
  int histo[64] = {};
  if (Encoding(value) == kDense) {
    DenseHistogram(Registers(value), histo);
  } else {
    size_t idx = 0;
    ForEachRun(value, [&](size_t run, int val) {
      idx += run;
      if (idx > kRegisters) return false;  // corrupt: stop before the counts overflow
      histo[val] += static_cast<int>(run);
      return true;
    });
    if (idx != kRegisters) {
      *invalid = true;
      return 0;
    }
  }
  return Estimate(histo);
}

uint64_t CountRaw(const uint8_t* registers) {
  int histo[64] = {};
  for (size_t i = 0; i < kRegisters; ++i) ++histo[registers[i] & 63];
  return Estimate(histo);
}

std::string DecodeSparse(std::string_view value) {
  std::string out;
  const auto* p = reinterpret_cast<const uint8_t*>(value.data()) + kHeaderSize;
  const auto* end = reinterpret_cast<const uint8_t*>(value.data()) + value.size();
  while (p < end) {
    if (IsZeroOp(*p)) {
      out += "z:" + std::to_string(ZeroLen(*p)) + " ";
      ++p;
    } else if (IsXZeroOp(*p)) {
      out += "Z:" + std::to_string(XZeroLen(p[0], p + 1 < end ? p[1] : 0)) + " ";
      p += 2;
    } else {
      out += "v:" + std::to_string(ValValue(*p)) + "," + std::to_string(ValLen(*p)) + " ";
      ++p;
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::string SelfTest(size_t sparse_max_bytes, uint64_t seed) {
  uint64_t state = seed;
  auto next = [&state] {  // splitmix64
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  };
  std::string dense(kDenseSize, '\0');
  std::memcpy(dense.data(), "HYLL", 4);
  uint8_t* registers = Registers(&dense);

  // Test 1: every register keeps its value without touching its neighbours.
  std::vector<uint8_t> expected(kRegisters);
  for (int cycle = 0; cycle < 1000; ++cycle) {
    for (size_t i = 0; i < kRegisters; ++i) {
      expected[i] = static_cast<uint8_t>(next() & kRegisterMax);
      SetRegister(registers, i, expected[i]);
    }
    for (size_t i = 0; i < kRegisters; ++i) {
      const uint8_t got = GetRegister(registers, i);
      if (got != expected[i]) {
        return "TESTFAILED Register " + std::to_string(i) + " should be " +
               std::to_string(expected[i]) + " but is " + std::to_string(got);
      }
    }
  }

  // Test 2: the estimate of dense and sparse HLLs fed the same elements
  // agrees, and stays within 6 standard errors.
  std::memset(registers, 0, kDenseSize - kHeaderSize);
  std::string sparse;
  MakeEmpty(&sparse);
  const double relerr = 1.04 / std::sqrt(static_cast<double>(kRegisters));
  uint64_t checkpoint = 1;
  const uint64_t salt = next();
  for (uint64_t j = 1; j <= 10000000; ++j) {
    const uint64_t ele = j ^ salt;
    char bytes[8];
    for (int b = 0; b < 8; ++b) bytes[b] = static_cast<char>((ele >> (8 * b)) & 0xff);
    const std::string_view element(bytes, 8);
    uint32_t index = 0;
    const uint8_t count = PatternLength(element, &index);
    DenseSet(registers, index, count);
    Add(&sparse, element, sparse_max_bytes);
    if (j != checkpoint) continue;
    if (j < sparse_max_bytes / 2 && Encoding(sparse) != kSparse) {
      return "TESTFAILED sparse encoding not used";
    }
    bool invalid = false;
    const uint64_t card = Count(dense, &invalid);
    if (card != Count(sparse, &invalid)) return "TESTFAILED dense/sparse disagree";
    int64_t abserr = static_cast<int64_t>(checkpoint) - static_cast<int64_t>(card);
    auto maxerr = static_cast<uint64_t>(std::ceil(relerr * 6 * static_cast<double>(checkpoint)));
    // Collisions make cardinality 10 err more often than the bound suggests.
    if (j == 10) maxerr = 1;
    if (abserr < 0) abserr = -abserr;
    if (abserr > static_cast<int64_t>(maxerr)) {
      return "TESTFAILED Too big error. card:" + std::to_string(checkpoint) +
             " abserr:" + std::to_string(abserr);
    }
    checkpoint *= 10;
  }
  return "";
}

}  // namespace valkdb::hll
