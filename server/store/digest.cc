#include "server/store/digest.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstring>

namespace valkdb {
namespace {

// SHA1 (FIPS 180-4), one-shot over a byte string.
class Sha1Hasher {
 public:
  void Update(std::string_view bytes) {
    const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
    size_t n = bytes.size();
    if (n == 0) return;  // an empty view's data() may be null: nothing to copy
    total_bytes_ += n;
    if (buffered_ > 0) {
      size_t take = std::min(n, sizeof(block_) - buffered_);
      std::memcpy(block_ + buffered_, p, take);
      buffered_ += take;
      p += take;
      n -= take;
      if (buffered_ < sizeof(block_)) return;
      Compress(block_);
      buffered_ = 0;
    }
    for (; n >= sizeof(block_); p += sizeof(block_), n -= sizeof(block_)) Compress(p);
    std::memcpy(block_, p, n);
    buffered_ = n;
  }

  Digest Finish() {
    const uint64_t bit_length = total_bytes_ * 8;
    uint8_t pad[72] = {0x80};
    size_t pad_len = (buffered_ < 56 ? 56 : 120) - buffered_;
    for (int i = 0; i < 8; ++i) pad[pad_len + i] = uint8_t(bit_length >> (56 - 8 * i));
    Update(std::string_view(reinterpret_cast<const char*>(pad), pad_len + 8));
    Digest out;
    for (int i = 0; i < 5; ++i) {
      for (int j = 0; j < 4; ++j) out[4 * i + j] = uint8_t(h_[i] >> (24 - 8 * j));
    }
    return out;
  }

 private:
  static uint32_t Rotl(uint32_t x, int n) { return (x << n) | (x >> (32 - n)); }

  void Compress(const uint8_t* p) {
    uint32_t w[80];
    for (int i = 0; i < 16; ++i) {
      w[i] = uint32_t(p[4 * i]) << 24 | uint32_t(p[4 * i + 1]) << 16 | uint32_t(p[4 * i + 2]) << 8 |
             uint32_t(p[4 * i + 3]);
    }
    for (int i = 16; i < 80; ++i) w[i] = Rotl(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    uint32_t a = h_[0], b = h_[1], c = h_[2], d = h_[3], e = h_[4];
    for (int i = 0; i < 80; ++i) {
      uint32_t f, k;
      if (i < 20) {
        f = (b & c) | (~b & d);
        k = 0x5A827999;
      } else if (i < 40) {
        f = b ^ c ^ d;
        k = 0x6ED9EBA1;
      } else if (i < 60) {
        f = (b & c) | (b & d) | (c & d);
        k = 0x8F1BBCDC;
      } else {
        f = b ^ c ^ d;
        k = 0xCA62C1D6;
      }
      uint32_t t = Rotl(a, 5) + f + e + k + w[i];
      e = d;
      d = c;
      c = Rotl(b, 30);
      b = a;
      a = t;
    }
    h_[0] += a;
    h_[1] += b;
    h_[2] += c;
    h_[3] += d;
    h_[4] += e;
  }

  uint32_t h_[5] = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
  uint8_t block_[64];
  size_t buffered_ = 0;
  uint64_t total_bytes_ = 0;
};

std::string_view AsBytes(const Digest& d) {
  return std::string_view(reinterpret_cast<const char*>(d.data()), d.size());
}

// Redis mixes a 32-bit number as htonl(n): 4 big-endian bytes.
void MixU32(Digest* d, uint32_t n) {
  const char bytes[4] = {char(n >> 24), char(n >> 16), char(n >> 8), char(n)};
  MixDigest(d, std::string_view(bytes, 4));
}

// Redis's OBJ_* type codes, which xorObjectDigest mixes in first.
enum : uint32_t { kString = 0, kList = 1, kSet = 2, kZSet = 3, kHash = 4, kStream = 6 };

}  // namespace

Digest Sha1(std::string_view bytes) {
  Sha1Hasher h;
  h.Update(bytes);
  return h.Finish();
}

void XorDigest(Digest* d, std::string_view bytes) {
  const Digest h = Sha1(bytes);
  for (size_t i = 0; i < d->size(); ++i) (*d)[i] ^= h[i];
}

void MixDigest(Digest* d, std::string_view bytes) {
  XorDigest(d, bytes);
  *d = Sha1(AsBytes(*d));
}

std::string DigestHex(const Digest& d) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(2 * d.size(), '0');
  for (size_t i = 0; i < d.size(); ++i) {
    out[2 * i] = kHex[d[i] >> 4];
    out[2 * i + 1] = kHex[d[i] & 0xf];
  }
  return out;
}

void MixStringValue(Digest* d, std::string_view value) {
  MixU32(d, kString);
  MixDigest(d, value);
}

void MixListValue(Digest* d, ForEachString for_each_element) {
  MixU32(d, kList);
  for_each_element([d](std::string_view element) { MixDigest(d, element); });
}

void MixSetValue(Digest* d, ForEachString for_each_member) {
  MixU32(d, kSet);
  for_each_member([d](std::string_view member) { XorDigest(d, member); });
}

void MixHashValue(Digest* d, ForEachPair for_each_pair) {
  MixU32(d, kHash);
  for_each_pair([d](std::string_view field, std::string_view value) {
    Digest element{};
    MixDigest(&element, field);
    MixDigest(&element, value);
    XorDigest(d, AsBytes(element));
  });
}

void MixZSetValue(Digest* d, ForEachScored for_each_member) {
  MixU32(d, kZSet);
  for_each_member([d](std::string_view member, double score) {
    // Redis: snprintf(buf, sizeof(buf), "%.17g", score). to_chars with general
    // format and a precision is specified as printf's %.*g in the C locale.
    char buf[64];
    const auto [end, ec] =
        std::to_chars(buf, buf + sizeof(buf), score, std::chars_format::general, 17);
    (void)ec;  // 64 bytes always suffice for %.17g
    Digest element{};
    MixDigest(&element, member);
    MixDigest(&element, std::string_view(buf, end - buf));
    XorDigest(d, AsBytes(element));
  });
}

void MixStreamValue(Digest* d, ForEachStreamEntry for_each_entry) {
  MixU32(d, kStream);
  for_each_entry([d](uint64_t ms, uint64_t seq,
                     std::span<const std::string_view> fields_and_values) {
    char id[48];
    const int n = std::snprintf(id, sizeof(id), "%llu.%llu", static_cast<unsigned long long>(ms),
                                static_cast<unsigned long long>(seq));
    MixDigest(d, std::string_view(id, static_cast<size_t>(n)));
    for (std::string_view s : fields_and_values) MixDigest(d, s);
  });
}

void MixExpireFlag(Digest* d) { XorDigest(d, "!!expire!!"); }

Digest ValueDigest(ValueMixer mix_value, bool has_expire) {
  Digest d{};
  mix_value(&d);
  if (has_expire) MixExpireFlag(&d);
  return d;
}

Digest StringValueDigest(std::string_view value) {
  return ValueDigest([&](Digest* d) { MixStringValue(d, value); }, false);
}

Digest ListValueDigest(ForEachString for_each_element) {
  return ValueDigest([&](Digest* d) { MixListValue(d, for_each_element); }, false);
}

Digest SetValueDigest(ForEachString for_each_member) {
  return ValueDigest([&](Digest* d) { MixSetValue(d, for_each_member); }, false);
}

Digest HashValueDigest(ForEachPair for_each_pair) {
  return ValueDigest([&](Digest* d) { MixHashValue(d, for_each_pair); }, false);
}

Digest ZSetValueDigest(ForEachScored for_each_member) {
  return ValueDigest([&](Digest* d) { MixZSetValue(d, for_each_member); }, false);
}

Digest KeyDigest(std::string_view key, ValueMixer mix_value, bool has_expire) {
  Digest d{};
  MixDigest(&d, key);
  mix_value(&d);
  if (has_expire) MixExpireFlag(&d);
  return d;
}

void DatasetDigest::BeginDb(int db) { MixU32(&digest_, static_cast<uint32_t>(db)); }

void DatasetDigest::AddKeyDigest(const Digest& key_digest) {
  XorDigest(&digest_, AsBytes(key_digest));  // Redis: xorDigest(final, digest, 20)
}

}  // namespace valkdb
