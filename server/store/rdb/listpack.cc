#include "server/store/rdb/listpack.h"

#include "absl/strings/str_cat.h"
#include "server/store/rdb/le_bytes.h"
#include "server/store/types/intset.h"

namespace valkdb::rdb {
namespace {

constexpr size_t kHeaderSize = 6;
constexpr unsigned char kEof = 0xFF;
constexpr uint32_t kCountUnknown = 65535;

// Backlen: the entry's size written so it can be read right to left, 7 bits a
// byte, the high bit marking that more bytes precede.
size_t EncodeBacklen(uint64_t l, unsigned char* buf) {
  // Redis's thresholds (lpEncodeBacklen), not quite powers of two.
  const size_t n = l <= 127 ? 1 : l < 16383 ? 2 : l < 2097151 ? 3 : l < 268435455 ? 4 : 5;
  for (size_t i = 0; i < n; ++i) {
    const uint64_t part = l >> (7 * (n - 1 - i));
    buf[i] = static_cast<unsigned char>(i == 0 ? part : (part & 127) | 128);
  }
  return n;
}

}  // namespace

std::string ListpackEntry::ToString() const {
  return is_int ? absl::StrCat(num) : std::string(str);
}

ListpackBuilder::ListpackBuilder() { buf_.assign(kHeaderSize, '\0'); }

void ListpackBuilder::AppendEntry(const unsigned char* enc, size_t enc_len, std::string_view data) {
  buf_.append(reinterpret_cast<const char*>(enc), enc_len);
  buf_.append(data);
  unsigned char back[5];
  const size_t n = EncodeBacklen(enc_len + data.size(), back);
  buf_.append(reinterpret_cast<const char*>(back), n);
  ++count_;
}

void ListpackBuilder::AppendInt(int64_t v) {
  unsigned char e[9];
  size_t n;
  const auto u = static_cast<uint64_t>(v);
  if (v >= 0 && v <= 127) {
    e[0] = static_cast<unsigned char>(v);
    n = 1;
  } else if (v >= -4096 && v <= 4095) {
    const uint64_t t = u & 0x1fff;
    e[0] = static_cast<unsigned char>(0xC0 | (t >> 8));
    e[1] = static_cast<unsigned char>(t & 0xff);
    n = 2;
  } else {
    int bytes;
    if (v >= -32768 && v <= 32767) {
      e[0] = 0xF1, bytes = 2;
    } else if (v >= -8388608 && v <= 8388607) {
      e[0] = 0xF2, bytes = 3;
    } else if (v >= INT32_MIN && v <= INT32_MAX) {
      e[0] = 0xF3, bytes = 4;
    } else {
      e[0] = 0xF4, bytes = 8;
    }
    for (int i = 0; i < bytes; ++i) e[1 + i] = static_cast<unsigned char>(u >> (8 * i));
    n = 1 + static_cast<size_t>(bytes);
  }
  AppendEntry(e, n, {});
}

void ListpackBuilder::Append(std::string_view s) {
  if (auto v = intset::ParseMember(s)) {
    AppendInt(*v);
    return;
  }
  unsigned char e[5];
  size_t n;
  const size_t len = s.size();
  if (len < 64) {
    e[0] = static_cast<unsigned char>(0x80 | len);
    n = 1;
  } else if (len < 4096) {
    e[0] = static_cast<unsigned char>(0xE0 | (len >> 8));
    e[1] = static_cast<unsigned char>(len & 0xff);
    n = 2;
  } else {
    e[0] = 0xF0;
    for (int i = 0; i < 4; ++i) e[1 + i] = static_cast<unsigned char>(len >> (8 * i));
    n = 5;
  }
  AppendEntry(e, n, s);
}

std::string ListpackBuilder::Finish() {
  buf_.push_back(static_cast<char>(kEof));
  const uint64_t total = buf_.size();
  const uint64_t count = count_ < kCountUnknown ? count_ : kCountUnknown;
  for (int i = 0; i < 4; ++i) buf_[i] = static_cast<char>(total >> (8 * i));
  buf_[4] = static_cast<char>(count & 0xff);
  buf_[5] = static_cast<char>(count >> 8);
  std::string out = std::move(buf_);
  buf_.assign(kHeaderSize, '\0');
  count_ = 0;
  return out;
}

absl::Status DecodeListpack(std::string_view lp, std::vector<ListpackEntry>* out) {
  const auto bad = [](const char* why) {
    return absl::InvalidArgumentError(absl::StrCat("listpack integrity check failed: ", why));
  };
  const auto* p = reinterpret_cast<const unsigned char*>(lp.data());
  const size_t size = lp.size();
  if (size < kHeaderSize + 1) return bad("too short");
  if (LoadLe(p, 4) != size) return bad("total bytes");
  if (p[size - 1] != kEof) return bad("terminator");
  const uint64_t numele = LoadLe(p + 4, 2);
  const size_t start = out->size();
  size_t pos = kHeaderSize;
  const size_t last = size - 1;  // the terminator
  while (pos < last) {
    const unsigned char b = p[pos];
    if (b == kEof) break;
    ListpackEntry e;
    uint64_t hdr = 1, data_len = 0;  // encoding bytes, payload bytes
    int int_bytes = 0, int_bits = 0;
    if ((b & 0x80) == 0) {
      e.is_int = true;
      e.num = b & 0x7f;
    } else if ((b & 0xC0) == 0x80) {
      data_len = b & 0x3f;
    } else if ((b & 0xE0) == 0xC0) {
      int_bytes = 1, int_bits = 13;
    } else if ((b & 0xF0) == 0xE0) {
      hdr = 2;
    } else if (b == 0xF0) {
      hdr = 5;
    } else if (b >= 0xF1 && b <= 0xF4) {
      static constexpr int kBytes[] = {2, 3, 4, 8};
      int_bytes = kBytes[b - 0xF1];
      int_bits = int_bytes * 8;
      hdr = 1;
    } else {
      return bad("bad encoding");
    }
    if (pos + hdr > last) return bad("entry header out of range");
    if (hdr == 2) data_len = (uint64_t{b & 0x0fu} << 8) | p[pos + 1];
    if (hdr == 5) data_len = LoadLe(p + pos + 1, 4);
    if (int_bits == 13) {
      if (pos + 2 > last) return bad("entry out of range");
      e.is_int = true;
      e.num = SignExtend((uint64_t{b & 0x1fu} << 8) | p[pos + 1], 13);
      data_len = 0;
      hdr = 2;
    } else if (int_bytes > 0) {
      data_len = static_cast<uint64_t>(int_bytes);
    }
    const uint64_t entry_len = hdr + data_len;
    unsigned char back[5];
    const size_t back_len = EncodeBacklen(entry_len, back);
    if (entry_len > last - pos || back_len > last - pos - entry_len) {
      return bad("entry out of range");
    }
    // Redis decodes the backlen right to left and compares; we require the
    // same bytes Redis would have written.
    uint64_t decoded = 0;
    size_t q = pos + entry_len + back_len - 1, shift = 0;
    for (;;) {
      decoded |= uint64_t{p[q] & 127u} << shift;
      if (!(p[q] & 128)) break;
      shift += 7;
      if (shift > 28 || q == pos + entry_len) return bad("backlen");
      --q;
    }
    if (decoded != entry_len || q != pos + entry_len) return bad("backlen");
    if (int_bits > 13) {
      e.is_int = true;
      e.num = SignExtend(LoadLe(p + pos + 1, static_cast<size_t>(int_bytes)),
                         static_cast<unsigned>(int_bits));
    } else if (!e.is_int) {
      e.str = lp.substr(pos + hdr, data_len);
    }
    out->push_back(e);
    pos += entry_len + back_len;
  }
  if (pos != last) return bad("entries do not end at the terminator");
  const size_t count = out->size() - start;
  if (numele != kCountUnknown && numele != count) return bad("element count");
  return absl::OkStatus();
}

}  // namespace valkdb::rdb
