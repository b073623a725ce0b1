#include "server/store/rdb/ziplist.h"

#include <cstdint>
#include <optional>

#include "absl/strings/str_cat.h"
#include "server/store/rdb/le_bytes.h"
#include "server/store/types/intset.h"

namespace valkdb::rdb {
namespace {

constexpr size_t kHeaderSize = 10;  // zlbytes, zltail (u32 LE), zllen (u16 LE)
constexpr unsigned char kEnd = 0xFF;
constexpr unsigned char kBigPrevlen = 254;

}  // namespace

absl::Status DecodeZiplist(std::string_view zl, std::vector<ListpackEntry>* out) {
  const auto bad = [](const char* why) {
    return absl::InvalidArgumentError(absl::StrCat("ziplist integrity check failed: ", why));
  };
  const auto* z = reinterpret_cast<const unsigned char*>(zl.data());
  const size_t size = zl.size();
  if (size < kHeaderSize + 1) return bad("too short");
  if (LoadLe(z, 4) != size) return bad("total bytes");
  if (z[size - 1] != kEnd) return bad("terminator");
  const uint64_t tail = LoadLe(z + 4, 4);
  if (tail > size - 1) return bad("tail offset");
  const uint64_t header_count = LoadLe(z + 8, 2);
  const size_t last = size - 1;
  size_t pos = kHeaderSize, prev_raw = 0, prev_pos = 0, count = 0;
  while (z[pos] != kEnd) {  // pos <= last holds: checked below before moving
    const size_t prevlen_size = z[pos] < kBigPrevlen ? 1 : 5;
    if (pos + prevlen_size > last) return bad("prevlen out of range");
    const uint64_t prevlen = prevlen_size == 1 ? z[pos] : LoadLe(z + pos + 1, 4);
    const size_t epos = pos + prevlen_size;
    unsigned char enc = z[epos];
    if (enc < 0xC0) enc &= 0xC0;
    size_t lensize;
    uint64_t len = 0;
    ListpackEntry e;
    int int_bytes = 0;
    switch (enc) {
      case 0x00:
        lensize = 1;
        break;
      case 0x40:
        lensize = 2;
        break;
      case 0x80:
        lensize = 5;
        break;
      case 0xFE:
        lensize = 1, int_bytes = 1;
        break;
      case 0xC0:
        lensize = 1, int_bytes = 2;
        break;
      case 0xF0:
        lensize = 1, int_bytes = 3;
        break;
      case 0xD0:
        lensize = 1, int_bytes = 4;
        break;
      case 0xE0:
        lensize = 1, int_bytes = 8;
        break;
      default:
        if (enc >= 0xF1 && enc <= 0xFD) {
          lensize = 1;
          e.is_int = true;
          e.num = (enc & 0x0F) - 1;
          break;
        }
        return bad("bad encoding");
    }
    if (epos + lensize > last) return bad("encoding out of range");
    if (enc == 0x00) len = z[epos] & 0x3F;
    if (enc == 0x40) len = (uint64_t{z[epos] & 0x3Fu} << 8) | z[epos + 1];
    if (enc == 0x80) {
      len = (uint64_t{z[epos + 1]} << 24) | (uint64_t{z[epos + 2]} << 16) |
            (uint64_t{z[epos + 3]} << 8) | z[epos + 4];
    }
    if (int_bytes > 0) len = static_cast<uint64_t>(int_bytes);
    const size_t header = prevlen_size + lensize;
    if (len > last - pos - header) return bad("entry out of range");
    if (prevlen > pos - kHeaderSize) return bad("prevlen out of range");
    if (prevlen != prev_raw) return bad("prevlen mismatch");
    const unsigned char* data = z + pos + header;
    if (int_bytes > 0) {
      e.is_int = true;
      e.num = SignExtend(LoadLe(data, static_cast<size_t>(int_bytes)),
                         static_cast<unsigned>(8 * int_bytes));
    } else if (!e.is_int) {
      e.str = zl.substr(pos + header, len);
    }
    out->push_back(e);
    prev_raw = header + len;
    prev_pos = pos;
    pos += header + len;
    ++count;
  }
  if (pos != last) return bad("entries do not end at the terminator");
  if (count > 0 && prev_pos != tail) return bad("tail offset");
  if (header_count != 0xFFFF && header_count != count) return bad("element count");
  return absl::OkStatus();
}

std::string EncodeZiplist(const std::vector<std::string>& elements) {
  std::string out(kHeaderSize, '\0');
  size_t prev_raw = 0, tail = kHeaderSize;
  for (const std::string& s : elements) {
    tail = out.size();
    const size_t start = out.size();
    if (prev_raw < kBigPrevlen) {
      out.push_back(static_cast<char>(prev_raw));
    } else {
      out.push_back(static_cast<char>(kBigPrevlen));
      StoreLe(prev_raw, 4, &out);
    }
    const size_t header_start = out.size();
    std::optional<int64_t> v;
    if (s.size() < 32) v = intset::ParseMember(s);
    if (v) {
      const int64_t n = *v;
      if (n >= 0 && n <= 12) {
        out.push_back(static_cast<char>(0xF1 + n));
      } else if (n >= INT8_MIN && n <= INT8_MAX) {
        out.push_back(static_cast<char>(0xFE));
        StoreLe(static_cast<uint64_t>(n), 1, &out);
      } else if (n >= INT16_MIN && n <= INT16_MAX) {
        out.push_back(static_cast<char>(0xC0));
        StoreLe(static_cast<uint64_t>(n), 2, &out);
      } else if (n >= -(1 << 23) && n < (1 << 23)) {
        out.push_back(static_cast<char>(0xF0));
        StoreLe(static_cast<uint64_t>(n), 3, &out);
      } else if (n >= INT32_MIN && n <= INT32_MAX) {
        out.push_back(static_cast<char>(0xD0));
        StoreLe(static_cast<uint64_t>(n), 4, &out);
      } else {
        out.push_back(static_cast<char>(0xE0));
        StoreLe(static_cast<uint64_t>(n), 8, &out);
      }
    } else if (s.size() <= 0x3F) {
      out.push_back(static_cast<char>(s.size()));
      out += s;
    } else if (s.size() <= 0x3FFF) {
      out.push_back(static_cast<char>(0x40 | (s.size() >> 8)));
      out.push_back(static_cast<char>(s.size() & 0xFF));
      out += s;
    } else {
      out.push_back(static_cast<char>(0x80));
      for (int i = 3; i >= 0; --i) out.push_back(static_cast<char>(s.size() >> (8 * i)));
      out += s;
    }
    prev_raw = out.size() - header_start + (header_start - start);
  }
  out.push_back(static_cast<char>(kEnd));
  std::string hdr;
  StoreLe(out.size(), 4, &hdr);
  StoreLe(tail, 4, &hdr);
  StoreLe(elements.size() < 0xFFFF ? elements.size() : 0xFFFF, 2, &hdr);
  out.replace(0, kHeaderSize, hdr);
  return out;
}

}  // namespace valkdb::rdb
