#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace valkdb::hll {

// Redis's HyperLogLog, byte for byte (hyperloglog.c in 7.0): a string value
// with a 16-byte header ("HYLL", an encoding byte, 3 unused bytes, the cached
// cardinality as 8 little-endian bytes whose top bit set means "stale"), then
// either 16384 6-bit registers packed from the least significant bit (dense),
// or a run-length coding of them (sparse):
//   ZERO  00xxxxxx           xxxxxx+1 registers at 0 (1..64)
//   XZERO 01xxxxxx yyyyyyyy  the 14-bit x:y+1 registers at 0 (1..16384)
//   VAL   1vvvvvxx           xx+1 registers (1..4) at vvvvv+1 (1..32)
// Values come from clients (SET, RESTORE), so nothing here trusts them beyond
// what IsValid() checks; a sparse body whose runs do not add up to exactly
// 16384 registers is reported as corrupt, never read out of bounds. That
// includes a VAL past the end, which 7.0.15's source accepted in a merge but
// Redis's fix for CVE-2025-32023 (in the Debian 7.0.15 we compare with) does
// not. An XZERO cut in half at the end reads its missing byte as 0, as Redis
// reads its sds's NUL.

inline constexpr size_t kHeaderSize = 16;
inline constexpr int kP = 14;
inline constexpr int kQ = 64 - kP;
inline constexpr size_t kRegisters = size_t{1} << kP;
inline constexpr int kRegisterMax = 63;
inline constexpr size_t kDenseSize = kHeaderSize + (kRegisters * 6 + 7) / 8;  // 12304
inline constexpr uint8_t kDense = 0;
inline constexpr uint8_t kSparse = 1;
inline constexpr int kSparseValMax = 32;

// Redis's MurmurHash64A (endian-neutral), and the hash PFADD uses.
uint64_t MurmurHash64A(const void* key, size_t len, uint64_t seed);
// The register an element goes to and the length of its 0...01 pattern (1..51).
uint8_t PatternLength(std::string_view element, uint32_t* index);

// Redis's isHLLObjectOrReply checks on a string: header size, magic,
// encoding, and a dense value's exact size. The sparse body is checked by use.
bool IsValid(std::string_view value);
inline uint8_t Encoding(std::string_view value) { return static_cast<uint8_t>(value[4]); }

// An empty HLL as Redis creates it: sparse, XZERO:16384, cached cardinality 0.
void MakeEmpty(std::string* out);

// The cached cardinality: valid unless its top bit is set.
bool CacheValid(std::string_view value);
uint64_t CachedCardinality(std::string_view value);
void StoreCardinality(char* value, uint64_t card);
void InvalidateCache(char* value);

// Dense registers (the bytes after the header).
inline uint8_t GetRegister(const uint8_t* registers, size_t index) {
  const size_t byte = index * 6 / 8;
  const unsigned fb = static_cast<unsigned>(index * 6) & 7;
  // A register starting at bit 0..2 fits in its byte; only the others read the
  // next one (so the last register never reads past the end).
  unsigned value = registers[byte] >> fb;
  if (fb > 2) value |= static_cast<unsigned>(registers[byte + 1]) << (8 - fb);
  return static_cast<uint8_t>(value & kRegisterMax);
}
inline void SetRegister(uint8_t* registers, size_t index, uint8_t value) {
  const size_t byte = index * 6 / 8;
  const unsigned fb = static_cast<unsigned>(index * 6) & 7;
  registers[byte] = static_cast<uint8_t>((registers[byte] & ~(kRegisterMax << fb)) | (value << fb));
  if (fb > 2) {
    const unsigned fb8 = 8 - fb;
    registers[byte + 1] =
        static_cast<uint8_t>((registers[byte + 1] & ~(kRegisterMax >> fb8)) | (value >> fb8));
  }
}
// Raises register `index` to `count`; true when it was lower.
inline bool DenseSet(uint8_t* registers, size_t index, uint8_t count) {
  if (count <= GetRegister(registers, index)) return false;
  SetRegister(registers, index, count);
  return true;
}

enum class SetResult { kUnchanged, kChanged, kCorrupt };

// Raises register `index` of the HLL in *value (valid header) to `count`,
// as Redis's hllSparseSet / hllDenseSet: a sparse value is edited in place
// and becomes dense when `count` does not fit a VAL or when it would grow
// past `sparse_max_bytes`. A sparse value edited before a later error keeps
// the edit (as in Redis).
SetResult Set(std::string* value, size_t index, uint8_t count, size_t sparse_max_bytes);
// Adds one element (PFADD's hllAdd).
SetResult Add(std::string* value, std::string_view element, size_t sparse_max_bytes);
// Makes a sparse value dense (the cached cardinality is kept); false, with
// *value unchanged, when the sparse body is corrupt. A dense value is left as is.
bool SparseToDense(std::string* value);

// max[i] = max(max[i], register i) over a valid-header HLL; false when its
// sparse body is corrupt (max may be partly updated then).
bool Merge(std::string_view value, uint8_t* max);

// Redis 7's estimator (hllCount: Ertl's tau/sigma) over a valid-header HLL;
// *invalid is set when a sparse body is corrupt.
uint64_t Count(std::string_view value, bool* invalid);
// The same over kRegisters byte registers (PFCOUNT of several keys).
uint64_t CountRaw(const uint8_t* registers);

// PFDEBUG DECODE's text for a sparse value: "Z:16384", "z:3 v:2,1 ...".
std::string DecodeSparse(std::string_view value);

// PFSELFTEST: register access and the estimator's error against dense and
// sparse HLLs; "" when all passed, else the error text. `seed` picks the values.
std::string SelfTest(size_t sparse_max_bytes, uint64_t seed);

}  // namespace valkdb::hll
