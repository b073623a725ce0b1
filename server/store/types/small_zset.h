#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace valkdb::small_zset {

// A small sorted set held inline in its entry (Redis's listpack encoding):
// packed elements (types/packed.h) member, score, member, score, ... in
// Redis's order — score, then member bytes. A score is its integer value in
// the fewest little-endian bytes (0..7, for integral scores below 2^53 in
// magnitude: ranks, counters, timestamps) or the 8 bytes of the double. So a
// 12-byte member with a small integer score takes 15 bytes. -0 is stored as
// the integer 0, as Redis's listpack stores it (ZSCORE then answers 0).
//
// Sets stay small up to zset-max-listpack-entries members of at most
// zset-max-listpack-value bytes; operations are linear in that bound, as
// Redis's listpack operations are.

struct Record {
  std::string_view member;
  double score = 0;
};

// Redis's order: score (so -0.0 == 0.0), then member bytes.
inline bool Less(const Record& a, const Record& b) {
  if (a.score != b.score) return a.score < b.score;
  return a.member < b.member;
}

// Appends the encoded score element (its varint length first).
void AppendScore(std::string* out, double score);
// Decodes a score element's bytes (without the length).
double DecodeScore(std::string_view bytes);

// Every record, in order, as views into `bytes`. False when the bytes are
// malformed (then *records holds what decoded).
bool Decode(std::string_view bytes, std::vector<Record>* records);
// The encoding of `records` (which must be in order, members distinct).
void Encode(const std::vector<Record>& records, std::string* out);

size_t Count(std::string_view bytes);
// member's score, or false when absent.
bool Find(std::string_view bytes, std::string_view member, double* score);

}  // namespace valkdb::small_zset
