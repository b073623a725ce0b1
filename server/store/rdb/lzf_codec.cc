#include "server/store/rdb/lzf_codec.h"

#include <lzf.h>

#include <climits>

namespace valkdb::rdb {

size_t LzfCompress(std::string_view in, size_t max_out, std::string* out) {
  if (in.empty() || max_out == 0 || in.size() > UINT_MAX) return 0;
  if (max_out > UINT_MAX) max_out = UINT_MAX;
  const size_t base = out->size();
  out->resize(base + max_out);
  const unsigned int n = lzf_compress(in.data(), static_cast<unsigned int>(in.size()),
                                      out->data() + base, static_cast<unsigned int>(max_out));
  out->resize(base + n);
  return n;
}

absl::Status LzfDecompress(std::string_view in, size_t out_len, std::string* out) {
  const size_t base = out->size();
  out->resize(base + out_len);
  auto* const op0 = reinterpret_cast<unsigned char*>(out->data() + base);
  unsigned char* op = op0;
  unsigned char* const op_end = op0 + out_len;
  const auto* ip = reinterpret_cast<const unsigned char*>(in.data());
  const auto* const ip_end = ip + in.size();
  const absl::Status bad = absl::InvalidArgumentError("Invalid LZF compressed string");
  while (ip < ip_end) {
    unsigned int ctrl = *ip++;
    if (ctrl < 32) {  // a run of ctrl+1 literal bytes
      const size_t run = ctrl + 1;
      if (static_cast<size_t>(ip_end - ip) < run || static_cast<size_t>(op_end - op) < run) {
        return bad;
      }
      for (size_t i = 0; i < run; ++i) *op++ = *ip++;
      continue;
    }
    size_t len = ctrl >> 5;  // a back reference of len+2 bytes
    if (len == 7) {
      if (ip >= ip_end) return bad;
      len += *ip++;
    }
    if (ip >= ip_end) return bad;
    const size_t dist = ((ctrl & 0x1f) << 8) + *ip++ + 1;
    len += 2;
    if (dist > static_cast<size_t>(op - op0) || static_cast<size_t>(op_end - op) < len) return bad;
    const unsigned char* ref = op - dist;
    for (size_t i = 0; i < len; ++i) *op++ = *ref++;  // may overlap: byte by byte
  }
  if (op != op_end) return bad;
  return absl::OkStatus();
}

}  // namespace valkdb::rdb
