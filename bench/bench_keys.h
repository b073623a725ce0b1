#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>

namespace valkdb::bench {

// Keys as redis-benchmark makes them with -r: "key:" and 12 digits, 16 bytes.
inline constexpr size_t kKeyLen = 16;

// Writes the key for `index` (< 10^12) into out[0..kKeyLen).
inline void FormatKey(uint64_t index, char* out) {
  out[0] = 'k';
  out[1] = 'e';
  out[2] = 'y';
  out[3] = ':';
  for (int i = static_cast<int>(kKeyLen) - 1; i >= 4; --i) {
    out[i] = static_cast<char>('0' + index % 10);
    index /= 10;
  }
}

inline std::string Key(uint64_t index) {
  std::string key(kKeyLen, '0');
  FormatKey(index, key.data());
  return key;
}

// xoshiro-style fast generator (splitmix64): good enough to pick keys, and
// cheap enough not to show up next to a network round trip.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n).
  uint64_t Below(uint64_t n) {
    return static_cast<uint64_t>((static_cast<unsigned __int128>(Next()) * n) >> 64);
  }
  // Uniform in [0, 1).
  double Unit() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

 private:
  uint64_t state_;
};

// Zipfian ranks in [0, n) with exponent theta (< 1), by the method of Gray et
// al., "Quickly generating billion-record synthetic databases" (as YCSB does):
// O(n) set-up for zeta(n), O(1) per draw. Rank 0 is the hottest key.
class Zipfian {
 public:
  Zipfian(uint64_t n, double theta) : n_(n) {
    double zeta_n = 0;
    for (uint64_t i = 1; i <= n; ++i) zeta_n += 1.0 / std::pow(static_cast<double>(i), theta);
    zeta_n_ = zeta_n;
    const double zeta_2 = 1.0 + 1.0 / std::pow(2.0, theta);
    alpha_ = 1.0 / (1.0 - theta);
    eta_ = (1.0 - std::pow(2.0 / static_cast<double>(n), 1.0 - theta)) / (1.0 - zeta_2 / zeta_n);
    half_pow_theta_ = 1.0 + std::pow(0.5, theta);
  }

  uint64_t Next(Rng& rng) const {
    const double u = rng.Unit();
    const double uz = u * zeta_n_;
    if (uz < 1.0) return 0;
    if (uz < half_pow_theta_) return n_ > 1 ? 1 : 0;
    uint64_t rank =
        static_cast<uint64_t>(static_cast<double>(n_) * std::pow(eta_ * u - eta_ + 1.0, alpha_));
    return rank < n_ ? rank : n_ - 1;
  }

 private:
  uint64_t n_;
  double zeta_n_;
  double alpha_;
  double eta_;
  double half_pow_theta_;
};

}  // namespace valkdb::bench
