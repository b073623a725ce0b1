#pragma once

// Shared pieces of the libFuzzer targets: failing loudly, splitting an input
// into reads the way a socket would, and Redis's request-parser error texts.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace valkdb::fuzz {

// Reports a broken invariant and aborts, so libFuzzer saves the input as a crash.
[[noreturn]] inline void Fail(const char* what, std::string_view detail = {}) {
  std::fprintf(stderr, "\n*** fuzz invariant broken: %s\n", what);
  if (!detail.empty()) {
    std::fprintf(stderr, "    %.*s\n", static_cast<int>(std::min<size_t>(detail.size(), 2000)),
                 detail.data());
  }
  std::abort();
}

#define FUZZ_CHECK(cond, ...)                                                       \
  do {                                                                              \
    if (!(cond)) ::valkdb::fuzz::Fail(__FILE__ ":" FUZZ_STRINGIFY(__LINE__) ": " #cond \
                                      __VA_OPT__(, ) __VA_ARGS__);                  \
  } while (0)
#define FUZZ_STRINGIFY(x) FUZZ_STRINGIFY2(x)
#define FUZZ_STRINGIFY2(x) #x

// A small deterministic generator (splitmix64), seeded from the input so a
// crash reproduces from the saved input alone.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform-ish in [0, n); n > 0.
  size_t Below(size_t n) { return static_cast<size_t>(Next() % n); }

 private:
  uint64_t state_;
};

inline uint64_t HashBytes(std::string_view data) {
  uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a
  for (unsigned char c : data) h = (h ^ c) * 0x100000001b3ULL;
  return h;
}

// How an input is cut into reads. kWhole is one read; kFixed reads of
// `size` bytes; kRandom reads of 0..max_random bytes drawn from a seed
// (zero-length reads included when allow_empty).
struct Chunking {
  enum class Kind { kWhole, kFixed, kRandom } kind = Kind::kWhole;
  size_t size = 0;
  uint64_t seed = 0;
  size_t max_random = 64;
  bool allow_empty = false;
};

// Cut points of `size` bytes under `chunking`: the lengths of consecutive reads.
inline std::vector<size_t> ReadLengths(size_t size, const Chunking& chunking) {
  std::vector<size_t> lengths;
  switch (chunking.kind) {
    case Chunking::Kind::kWhole:
      lengths.push_back(size);
      break;
    case Chunking::Kind::kFixed:
      for (size_t pos = 0; pos < size; pos += chunking.size) {
        lengths.push_back(std::min(chunking.size, size - pos));
      }
      break;
    case Chunking::Kind::kRandom: {
      Rng rng(chunking.seed);
      size_t pos = 0;
      while (pos < size) {
        size_t n = rng.Below(chunking.max_random + 1);
        if (n == 0 && !chunking.allow_empty) n = 1;
        n = std::min(n, size - pos);
        lengths.push_back(n);
        pos += n;
      }
      break;
    }
  }
  return lengths;
}

// A read in a heap buffer of its own that is poisoned (overwritten) and freed
// once the parser is done with it: anything that kept pointing into an old
// read reads garbage, or is a use-after-free under ASan.
class ReadBuffer {
 public:
  explicit ReadBuffer(std::string_view data)
      : size_(data.size()), buffer_(new char[data.size() + 1]) {
    std::memcpy(buffer_.get(), data.data(), data.size());
  }
  ~ReadBuffer() { std::memset(buffer_.get(), 0xA5, size_ + 1); }
  ReadBuffer(const ReadBuffer&) = delete;
  ReadBuffer& operator=(const ReadBuffer&) = delete;
  // Never a null data(), even for an empty read (a socket read never is).
  std::string_view view() const { return std::string_view(buffer_.get(), size_); }

 private:
  size_t size_;
  std::unique_ptr<char[]> buffer_;
};

// The texts RequestParser may fail with (Redis 7's, networking.c), without "-ERR ".
inline bool IsRedisRequestError(std::string_view e) {
  static constexpr std::string_view kExact[] = {
      "Protocol error: too big inline request",
      "Protocol error: unbalanced quotes in request",
      "Protocol error: too big mbulk count string",
      "Protocol error: invalid multibulk length",
      "Protocol error: unauthenticated multibulk length",
      "Protocol error: too big bulk count string",
      "Protocol error: invalid bulk length",
      "Protocol error: unauthenticated bulk length",
  };
  for (std::string_view text : kExact) {
    if (e == text) return true;
  }
  // "Protocol error: expected '$', got '%c'" with any byte but CR/LF (shown as ' ').
  constexpr std::string_view kExpected = "Protocol error: expected '$', got '";
  return e.size() == kExpected.size() + 2 && e.substr(0, kExpected.size()) == kExpected &&
         e.back() == '\'' && e[kExpected.size()] != '\r' && e[kExpected.size()] != '\n';
}

// Errors that only say how far a header line had grown when it was cut off:
// whether one is reported instead of the error (or command) of the complete
// line depends on where the reads split, in Redis as here.
inline bool IsLineTooBigError(std::string_view e) {
  return e == "Protocol error: too big inline request" ||
         e == "Protocol error: too big mbulk count string" ||
         e == "Protocol error: too big bulk count string";
}

inline std::string Printable(std::string_view s, size_t max = 200) {
  std::string out;
  for (size_t i = 0; i < s.size() && i < max; ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '\r') {
      out += "\\r";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c < 0x20 || c >= 0x7f) {
      char hex[8];
      std::snprintf(hex, sizeof(hex), "\\x%02x", c);
      out += hex;
    } else {
      out += static_cast<char>(c);
    }
  }
  if (s.size() > max) out += "...";
  return out;
}

}  // namespace valkdb::fuzz
