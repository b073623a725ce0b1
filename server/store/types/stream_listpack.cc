#include "server/store/types/stream_listpack.h"

#include <charconv>

#include "server/store/types/intset.h"

namespace valkdb::stream_lp {
namespace {

constexpr size_t kHeaderSize = 6;
constexpr unsigned char kEof = 0xFF;
constexpr uint32_t kCountUnknown = 65535;

const unsigned char* Bytes(std::string_view lp) {
  return reinterpret_cast<const unsigned char*>(lp.data());
}

uint64_t LoadLe(const unsigned char* p, size_t n) {
  uint64_t v = 0;
  for (size_t i = n; i-- > 0;) v = (v << 8) | p[i];
  return v;
}

void StoreLe(uint64_t v, size_t n, char* out) {
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<char>(v >> (8 * i));
}

int64_t SignExtend(uint64_t v, unsigned bits) {
  if (bits >= 64) return static_cast<int64_t>(v);
  const uint64_t sign = uint64_t{1} << (bits - 1);
  return static_cast<int64_t>(((v & ((sign << 1) - 1)) ^ sign) - sign);
}

// lpEncodeBacklen's sizes, not quite powers of two.
size_t BacklenSize(uint64_t l) {
  return l <= 127 ? 1 : l < 16383 ? 2 : l < 2097151 ? 3 : l < 268435455 ? 4 : 5;
}

void AppendBacklen(uint64_t l, std::string* out) {
  const size_t n = BacklenSize(l);
  for (size_t i = 0; i < n; ++i) {
    const uint64_t part = l >> (7 * (n - 1 - i));
    out->push_back(static_cast<char>(i == 0 ? part : (part & 127) | 128));
  }
}

// The encoding and data bytes of an integer (lpEncodeIntegerGetType).
void EncodeInt(int64_t v, std::string* out) {
  const auto u = static_cast<uint64_t>(v);
  if (v >= 0 && v <= 127) {
    out->push_back(static_cast<char>(v));
    return;
  }
  if (v >= -4096 && v <= 4095) {
    const uint64_t t = u & 0x1fff;
    out->push_back(static_cast<char>(0xC0 | (t >> 8)));
    out->push_back(static_cast<char>(t & 0xff));
    return;
  }
  unsigned char tag;
  size_t bytes;
  if (v >= -32768 && v <= 32767) {
    tag = 0xF1, bytes = 2;
  } else if (v >= -8388608 && v <= 8388607) {
    tag = 0xF2, bytes = 3;
  } else if (v >= INT32_MIN && v <= INT32_MAX) {
    tag = 0xF3, bytes = 4;
  } else {
    tag = 0xF4, bytes = 8;
  }
  out->push_back(static_cast<char>(tag));
  const size_t at = out->size();
  out->resize(at + bytes);
  StoreLe(u, bytes, out->data() + at);
}

void EncodeString(std::string_view s, std::string* out) {
  const size_t len = s.size();
  if (len < 64) {
    out->push_back(static_cast<char>(0x80 | len));
  } else if (len < 4096) {
    out->push_back(static_cast<char>(0xE0 | (len >> 8)));
    out->push_back(static_cast<char>(len & 0xff));
  } else {
    out->push_back(static_cast<char>(0xF0));
    const size_t at = out->size();
    out->resize(at + 4);
    StoreLe(len, 4, out->data() + at);
  }
  out->append(s);
}

// Bytes of the encoding and data of the element at p (lpCurrentEncodedSize).
size_t EncodedSize(const unsigned char* p) {
  const unsigned char b = p[0];
  if ((b & 0x80) == 0) return 1;
  if ((b & 0xC0) == 0x80) return 1 + (b & 0x3f);
  if ((b & 0xE0) == 0xC0) return 2;
  if ((b & 0xF0) == 0xE0) return 2 + ((size_t{b & 0x0fu} << 8) | p[1]);
  switch (b) {
    case 0xF0:
      return 5 + LoadLe(p + 1, 4);
    case 0xF1:
      return 3;
    case 0xF2:
      return 4;
    case 0xF3:
      return 5;
    default:  // 0xF4
      return 9;
  }
}

size_t ElementSize(const unsigned char* p) {
  const size_t enc = EncodedSize(p);
  return enc + BacklenSize(enc);
}

void SetTotalBytes(std::string* lp) { StoreLe(lp->size(), 4, lp->data()); }

// Opens room for an element before the terminator; returns where it starts.
size_t BeginAppend(std::string* lp) {
  lp->pop_back();  // the terminator
  return lp->size();
}

// Ends the element begun at `start` (lpInsert at the end): its backlen, the
// terminator and the header.
void EndAppend(std::string* lp, size_t start) {
  AppendBacklen(lp->size() - start, lp);
  lp->push_back(static_cast<char>(kEof));
  SetTotalBytes(lp);
  const uint64_t count = LoadLe(reinterpret_cast<const unsigned char*>(lp->data()) + 4, 2);
  // Once unknown, the count stays so (a reader counts the elements).
  if (count != kCountUnknown) StoreLe(count + 1, 2, lp->data() + 4);
}

}  // namespace

std::string New() {
  std::string lp(kHeaderSize, '\0');
  lp.push_back(static_cast<char>(kEof));
  SetTotalBytes(&lp);
  return lp;
}

void AppendInt(std::string* lp, int64_t v) {
  const size_t start = BeginAppend(lp);
  EncodeInt(v, lp);
  EndAppend(lp, start);
}

void Append(std::string* lp, std::string_view s) {
  const size_t start = BeginAppend(lp);
  if (auto v = intset::ParseMember(s)) {
    EncodeInt(*v, lp);
  } else {
    EncodeString(s, lp);
  }
  EndAppend(lp, start);
}

void ReplaceInt(std::string* lp, size_t pos, int64_t v) {
  std::string enc;
  EncodeInt(v, &enc);
  AppendBacklen(enc.size(), &enc);
  const size_t old = ElementSize(reinterpret_cast<const unsigned char*>(lp->data()) + pos);
  lp->replace(pos, old, enc);
  if (old != enc.size()) SetTotalBytes(lp);
}

size_t First(std::string_view lp) { return Bytes(lp)[kHeaderSize] == kEof ? kNone : kHeaderSize; }

size_t Next(std::string_view lp, size_t pos) {
  const size_t next = pos + ElementSize(Bytes(lp) + pos);
  return Bytes(lp)[next] == kEof ? kNone : next;
}

size_t Prev(std::string_view lp, size_t pos) {
  if (pos <= kHeaderSize) return kNone;
  // The previous element's backlen ends at pos - 1; read it right to left.
  const unsigned char* p = Bytes(lp);
  size_t q = pos - 1;
  uint64_t len = 0;
  unsigned shift = 0;
  for (;;) {
    len |= uint64_t{p[q] & 127u} << shift;
    if (!(p[q] & 128)) break;
    shift += 7;
    --q;
  }
  return pos - (len + BacklenSize(len));
}

size_t Last(std::string_view lp) { return Prev(lp, lp.size() - 1); }

int64_t GetInt(std::string_view lp, size_t pos) {
  const unsigned char* p = Bytes(lp) + pos;
  const unsigned char b = p[0];
  if ((b & 0x80) == 0) return b & 0x7f;
  if ((b & 0xE0) == 0xC0) return SignExtend((uint64_t{b & 0x1fu} << 8) | p[1], 13);
  switch (b) {
    case 0xF1:
      return SignExtend(LoadLe(p + 1, 2), 16);
    case 0xF2:
      return SignExtend(LoadLe(p + 1, 3), 24);
    case 0xF3:
      return SignExtend(LoadLe(p + 1, 4), 32);
    case 0xF4:
      return static_cast<int64_t>(LoadLe(p + 1, 8));
    default: {
      // A string: not written by the stream code, but read it as lpGet would.
      char buf[kIntTextSize];
      const std::string_view text = GetText(lp, pos, buf);
      return intset::ParseMember(text).value_or(0);
    }
  }
}

std::string_view GetText(std::string_view lp, size_t pos, char (&buf)[kIntTextSize]) {
  const unsigned char* p = Bytes(lp) + pos;
  const unsigned char b = p[0];
  if ((b & 0xC0) == 0x80) return lp.substr(pos + 1, b & 0x3f);
  if ((b & 0xF0) == 0xE0) return lp.substr(pos + 2, (size_t{b & 0x0fu} << 8) | p[1]);
  if (b == 0xF0) return lp.substr(pos + 5, LoadLe(p + 1, 4));
  const int64_t v = GetInt(lp, pos);
  const auto res = std::to_chars(buf, buf + kIntTextSize, v);
  return std::string_view(buf, static_cast<size_t>(res.ptr - buf));
}

}  // namespace valkdb::stream_lp
