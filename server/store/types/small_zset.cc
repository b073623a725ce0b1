#include "server/store/types/small_zset.h"

#include <cmath>
#include <cstdint>
#include <cstring>

#include "server/store/types/packed.h"

namespace valkdb::small_zset {
namespace {

constexpr double kExactIntegerLimit = 9007199254740992.0;  // 2^53

}  // namespace

void AppendScore(std::string* out, double score) {
  char buf[8];
  size_t length = 8;
  // An integral score is stored as an integer, as Redis's listpack stores
  // it: -0 comes back as 0 there too.
  if (score == std::trunc(score) && std::fabs(score) < kExactIntegerLimit) {
    const auto value = static_cast<int64_t>(score);
    length = 0;
    // The fewest bytes whose sign-extension gives the value back.
    while (length < 7) {
      const int bits = static_cast<int>(length) * 8;
      const int64_t lo = length == 0 ? 0 : -(int64_t{1} << (bits - 1));
      const int64_t hi = length == 0 ? 0 : (int64_t{1} << (bits - 1)) - 1;
      if (value >= lo && value <= hi) break;
      ++length;
    }
    const auto bits = static_cast<uint64_t>(value);
    for (size_t i = 0; i < length; ++i) buf[i] = static_cast<char>(bits >> (8 * i));
  } else {
    std::memcpy(buf, &score, 8);
  }
  packed::Append(out, std::string_view(buf, length));
}

double DecodeScore(std::string_view bytes) {
  if (bytes.size() == 8) {
    double score;
    std::memcpy(&score, bytes.data(), 8);
    return score;
  }
  if (bytes.empty() || bytes.size() > 8) return 0;
  uint64_t bits = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    bits |= static_cast<uint64_t>(static_cast<uint8_t>(bytes[i])) << (8 * i);
  }
  const int shift = 64 - static_cast<int>(bytes.size()) * 8;
  return static_cast<double>(static_cast<int64_t>(bits << shift) >> shift);
}

bool Decode(std::string_view bytes, std::vector<Record>* records) {
  records->clear();
  packed::Reader reader(bytes);
  std::string_view member, score;
  while (reader.Next(&member)) {
    if (!reader.Next(&score)) return false;
    records->push_back({member, DecodeScore(score)});
  }
  return reader.at_end();
}

void Encode(const std::vector<Record>& records, std::string* out) {
  out->clear();
  for (const Record& r : records) {
    packed::Append(out, r.member);
    AppendScore(out, r.score);
  }
}

size_t Count(std::string_view bytes) { return packed::Count(bytes) / 2; }

bool Find(std::string_view bytes, std::string_view member, double* score) {
  packed::Record record;
  if (!packed::Find(bytes, member, 2, &record)) return false;
  *score = DecodeScore(record.second);
  return true;
}

}  // namespace valkdb::small_zset
