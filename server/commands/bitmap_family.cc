// SETBIT GETBIT BITCOUNT BITPOS BITOP: bit operations on string values.
//
// Each follows its Redis 7.0 counterpart in bitops.c: the same checks in the
// same order (some look the key up before parsing the rest, some after), so
// the same inputs get the same replies and errors. Bits are numbered from the
// most significant bit of the first byte, as in Redis.
#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "protocol/str_util.h"
#include "server/commands/command_table.h"
#include "server/commands/errors.h"
#include "server/commands/typed.h"

namespace valkdb {
namespace {

constexpr std::string_view kBitOffsetError = "bit offset is not an integer or out of range";
constexpr std::string_view kBitValueError = "bit is not an integer or out of range";

bool OptionIs(std::string_view arg, std::string_view option) {
  return EqualsIgnoreCase(AsCString(arg), option);
}

// Redis's getBitOffsetFromArgument: 0 <= offset and offset / 8 below proto-max-bulk-len.
bool ParseBitOffset(CommandContext& ctx, std::string_view arg, uint64_t* offset) {
  int64_t value = 0;
  if (!ParseInt64(arg, &value) || value < 0 ||
      (value >> 3) >= ctx.server.config->proto_max_bulk_len()) {
    ctx.out.Error(kBitOffsetError);
    return false;
  }
  *offset = static_cast<uint64_t>(value);
  return true;
}

// The string at key for reading; false after replying WRONGTYPE. *bytes is
// empty and *found false for a missing key.
bool ReadString(CommandContext& ctx, std::string_view key, std::string_view* bytes, bool* found) {
  Shard& shard = ctx.shard(key);
  AssumeLocked(shard);
  const Entry* entry = shard.Find(key, ctx.now_ms);
  CountLookup(ctx, entry != nullptr);
  *found = entry != nullptr;
  *bytes = {};
  if (entry == nullptr) return true;
  if (entry->type() != Entry::Type::kString) {
    ctx.out.Error(errors::kWrongType);
    return false;
  }
  *bytes = entry->value_view();
  return true;
}

uint64_t Popcount(const unsigned char* p, size_t n) {
  uint64_t count = 0;
  for (; n >= 8; p += 8, n -= 8) {
    uint64_t word;
    std::memcpy(&word, p, 8);
    count += static_cast<uint64_t>(std::popcount(word));
  }
  for (; n > 0; ++p, --n) count += static_cast<uint64_t>(std::popcount(*p));
  return count;
}

// Redis's redisBitpos: the first bit equal to `bit` in n bytes; when none,
// -1 for a 1 and n * 8 for a 0 (the string is taken as zero-padded).
int64_t Bitpos(const unsigned char* p, size_t n, int bit) {
  const unsigned char skip = bit ? 0x00 : 0xff;
  for (size_t i = 0; i < n; ++i) {
    if (p[i] == skip) continue;
    const unsigned char byte = bit ? p[i] : static_cast<unsigned char>(~p[i]);
    return static_cast<int64_t>(i * 8) + std::countl_zero(byte);
  }
  return bit ? -1 : static_cast<int64_t>(n * 8);
}

void CmdSetBit(CommandContext& ctx) {
  uint64_t offset = 0;
  if (!ParseBitOffset(ctx, ctx.arg(2), &offset)) return;
  int64_t on = 0;
  if (!ParseInt64(ctx.arg(3), &on) || (on & ~int64_t{1}) != 0) {
    ctx.out.Error(kBitValueError);
    return;
  }
  std::string_view key = ctx.arg(1);
  Shard* shard = &ctx.shard(key);
  AssumeLocked(*shard);
  const Entry* entry = shard->Find(key, ctx.now_ms);
  if (entry != nullptr && entry->type() != Entry::Type::kString) {
    ctx.out.Error(errors::kWrongType);
    return;
  }
  const size_t byte = static_cast<size_t>(offset >> 3);
  const size_t old_size = entry == nullptr ? 0 : entry->value_size();
  const size_t new_size = std::max(old_size, byte + 1);
  const int shift = 7 - static_cast<int>(offset & 7);
  const bool was_set =
      byte < old_size && ((static_cast<unsigned char>(entry->value_view()[byte]) >> shift) & 1);
  const bool dirty = entry == nullptr || new_size != old_size || was_set != (on == 1);
  if (dirty) {
    char* bytes = nullptr;
    if (entry == nullptr) {
      Entry created = Entry::MakeWithRoom(key, {}, new_size, new_size, Entry::Encoding::kRaw);
      bytes = created.MutableValue();
      shard->Put(key, std::move(created), std::nullopt, false);
    } else {
      bytes = shard->ResizeValue(key, new_size, Entry::Encoding::kRaw);
    }
    if (new_size > old_size) std::memset(bytes + old_size, 0, new_size - old_size);
    auto value = static_cast<unsigned char>(bytes[byte]);
    value =
        static_cast<unsigned char>((value & ~(1u << shift)) | (static_cast<unsigned>(on) << shift));
    bytes[byte] = static_cast<char>(value);
    ctx.KeyModified(key);
  }
  ctx.out.Integer(was_set ? 1 : 0);
}

void CmdGetBit(CommandContext& ctx) {
  uint64_t offset = 0;
  if (!ParseBitOffset(ctx, ctx.arg(2), &offset)) return;
  std::string_view bytes;
  bool found = false;
  if (!ReadString(ctx, ctx.arg(1), &bytes, &found)) return;
  const size_t byte = static_cast<size_t>(offset >> 3);
  int bit = 0;
  if (byte < bytes.size()) {
    bit = (static_cast<unsigned char>(bytes[byte]) >> (7 - (offset & 7))) & 1;
  }
  ctx.out.Integer(bit);
}

// Start and end as Redis's bitcount/bitpos resolve them: negative from the
// end, clamped; in BIT mode the edge bytes get masks of the bits outside.
struct BitRange {
  int64_t start = 0;
  int64_t end = 0;
  unsigned char first_mask = 0;  // bits of the first byte before start
  unsigned char last_mask = 0;   // bits of the last byte after end
};

void ResolveRange(int64_t length, bool is_bit, BitRange* r) {
  int64_t total = is_bit ? length << 3 : length;
  if (r->start < 0) r->start = total + r->start;
  if (r->end < 0) r->end = total + r->end;
  if (r->start < 0) r->start = 0;
  if (r->end < 0) r->end = 0;
  if (r->end >= total) r->end = total - 1;
  if (is_bit && r->start <= r->end) {
    r->first_mask = static_cast<unsigned char>(~((1u << (8 - (r->start & 7))) - 1) & 0xff);
    r->last_mask = static_cast<unsigned char>((1u << (7 - (r->end & 7))) - 1);
    r->start >>= 3;
    r->end >>= 3;
  }
}

// BITCOUNT key [start end [BYTE|BIT]]
void CmdBitCount(CommandContext& ctx) {
  std::string_view value;
  bool found = false;
  if (!ReadString(ctx, ctx.arg(1), &value, &found)) return;
  if (!found) {
    ctx.out.Integer(0);
    return;
  }
  const auto* p = reinterpret_cast<const unsigned char*>(value.data());
  BitRange r;
  if (ctx.argc() == 4 || ctx.argc() == 5) {
    if (!ParseIntArg(ctx, ctx.arg(2), &r.start) || !ParseIntArg(ctx, ctx.arg(3), &r.end)) return;
    if (r.start < 0 && r.end < 0 && r.start > r.end) {
      ctx.out.Integer(0);
      return;
    }
    bool is_bit = false;
    if (ctx.argc() == 5) {
      if (OptionIs(ctx.arg(4), "bit")) {
        is_bit = true;
      } else if (!OptionIs(ctx.arg(4), "byte")) {
        ctx.out.Error(errors::kSyntax);
        return;
      }
    }
    ResolveRange(static_cast<int64_t>(value.size()), is_bit, &r);
  } else if (ctx.argc() == 2) {
    r.end = static_cast<int64_t>(value.size()) - 1;
  } else {
    ctx.out.Error(errors::kSyntax);
    return;
  }
  if (r.start > r.end) {
    ctx.out.Integer(0);
    return;
  }
  uint64_t count = Popcount(p + r.start, static_cast<size_t>(r.end - r.start + 1));
  count -=
      static_cast<uint64_t>(std::popcount(static_cast<unsigned char>(p[r.start] & r.first_mask)));
  count -= static_cast<uint64_t>(std::popcount(static_cast<unsigned char>(p[r.end] & r.last_mask)));
  ctx.out.Integer(static_cast<int64_t>(count));
}

// BITPOS key bit [start [end [BYTE|BIT]]]
void CmdBitPos(CommandContext& ctx) {
  int64_t bit = 0;
  if (!ParseIntArg(ctx, ctx.arg(2), &bit)) return;
  if (bit != 0 && bit != 1) {
    ctx.out.Error("The bit argument must be 1 or 0.");
    return;
  }
  std::string_view value;
  bool found = false;
  if (!ReadString(ctx, ctx.arg(1), &value, &found)) return;
  if (!found) {
    // A missing key is an endless run of 0 bits.
    ctx.out.Integer(bit ? -1 : 0);
    return;
  }
  const auto* p = reinterpret_cast<const unsigned char*>(value.data());
  const auto length = static_cast<int64_t>(value.size());
  BitRange r;
  bool end_given = false;
  if (ctx.argc() >= 4 && ctx.argc() <= 6) {
    if (!ParseIntArg(ctx, ctx.arg(3), &r.start)) return;
    bool is_bit = false;
    if (ctx.argc() == 6) {
      if (OptionIs(ctx.arg(5), "bit")) {
        is_bit = true;
      } else if (!OptionIs(ctx.arg(5), "byte")) {
        ctx.out.Error(errors::kSyntax);
        return;
      }
    }
    if (ctx.argc() >= 5) {
      if (!ParseIntArg(ctx, ctx.arg(4), &r.end)) return;
      end_given = true;
    } else {
      r.end = length - 1;
    }
    ResolveRange(length, is_bit, &r);
  } else if (ctx.argc() == 3) {
    r.end = length - 1;
  } else {
    ctx.out.Error(errors::kSyntax);
    return;
  }
  if (r.start > r.end) {
    ctx.out.Integer(-1);
    return;
  }
  // As Redis: the first byte with its outside bits forced to "not found",
  // then the whole bytes, then the last byte likewise.
  int64_t start = r.start;
  int64_t bytes = r.end - r.start + 1;
  int64_t pos = -1;
  const auto masked = [&](unsigned char c, unsigned char mask) {
    return static_cast<unsigned char>(bit ? (c & ~mask) : (c | mask));
  };
  bool done = false;
  if (r.first_mask != 0) {
    unsigned char c = masked(p[start], r.first_mask);
    if (r.last_mask != 0 && bytes == 1) c = masked(c, r.last_mask);
    pos = Bitpos(&c, 1, static_cast<int>(bit));
    if (bytes == 1 || (pos != -1 && pos != 8)) {
      done = true;
    } else {
      ++start;
      --bytes;
    }
  }
  if (!done) {
    const int64_t whole = bytes - (r.last_mask != 0 ? 1 : 0);
    if (whole > 0) {
      pos = Bitpos(p + start, static_cast<size_t>(whole), static_cast<int>(bit));
      if (bytes == whole || (pos != -1 && pos != whole << 3)) {
        done = true;
      } else {
        start += whole;
        bytes -= whole;
      }
    }
  }
  if (!done) {
    const unsigned char c = masked(p[r.end], r.last_mask);
    pos = Bitpos(&c, 1, static_cast<int>(bit));
  }
  // With an explicit end, a run of 1s up to it holds no 0: -1, not the bit after.
  if (end_given && bit == 0 && pos == bytes << 3) {
    ctx.out.Integer(-1);
    return;
  }
  if (pos != -1) pos += start << 3;
  ctx.out.Integer(pos);
}

// BITOP AND|OR|XOR|NOT destkey key [key ...]
void CmdBitOp(CommandContext& ctx) {
  enum class Op { kAnd, kOr, kXor, kNot } op;
  const std::string_view name = AsCString(ctx.arg(1));
  if (EqualsIgnoreCase(name, "and")) {
    op = Op::kAnd;
  } else if (EqualsIgnoreCase(name, "or")) {
    op = Op::kOr;
  } else if (EqualsIgnoreCase(name, "xor")) {
    op = Op::kXor;
  } else if (EqualsIgnoreCase(name, "not")) {
    op = Op::kNot;
  } else {
    ctx.out.Error(errors::kSyntax);
    return;
  }
  if (op == Op::kNot && ctx.argc() != 4) {
    ctx.out.Error("BITOP NOT must be called with a single source key.");
    return;
  }
  std::vector<std::string_view> sources;
  size_t max_length = 0;
  for (size_t j = 3; j < ctx.argc(); ++j) {
    std::string_view value;
    bool found = false;
    if (!ReadString(ctx, ctx.arg(j), &value, &found)) return;
    sources.push_back(value);
    max_length = std::max(max_length, value.size());
  }
  std::string result(max_length, '\0');
  for (size_t i = 0; i < max_length; ++i) {
    const auto byte_of = [&](size_t k) {
      return i < sources[k].size() ? static_cast<unsigned char>(sources[k][i]) : 0;
    };
    unsigned char out = byte_of(0);
    if (op == Op::kNot) out = static_cast<unsigned char>(~out);
    for (size_t k = 1; k < sources.size(); ++k) {
      if (op == Op::kAnd) {
        out &= byte_of(k);
      } else if (op == Op::kOr) {
        out |= byte_of(k);
      } else {
        out ^= byte_of(k);
      }
    }
    result[i] = static_cast<char>(out);
  }
  const std::string_view dest = ctx.arg(2);
  Shard& shard = ctx.shard(dest);
  AssumeLocked(shard);
  if (max_length > 0) {
    shard.Put(dest, Entry::Make(dest, std::string_view(result), Entry::Encoding::kRaw),
              std::nullopt, false);
    ctx.KeyModified(dest);
  } else if (shard.Erase(dest)) {
    ctx.KeyModified(dest);
  }
  ctx.out.Integer(static_cast<int64_t>(max_length));
}

}  // namespace

void RegisterBitmapFamily(CommandTable* table) {
  table->Register({"setbit", 4, kCmdWrite | kCmdDenyOom | kCmdLocksKeys, 1, 1, 1, CmdSetBit,
                   "bitmap", "Sets or clears the bit at offset in the string value stored at key",
                   "2.2.0", "@write @bitmap @slow", "RW access update"});
  table->Register({"getbit", 3, kCmdReadOnly | kCmdFast | kCmdLocksKeys, 1, 1, 1, CmdGetBit,
                   "bitmap", "Returns the bit value at offset in the string value stored at key",
                   "2.2.0", "@read @bitmap @fast", "RO access"});
  table->Register({"bitcount", -2, kCmdReadOnly | kCmdLocksKeys, 1, 1, 1, CmdBitCount, "bitmap",
                   "Count set bits in a string", "2.6.0", "@read @bitmap @slow", "RO access",
                   "O(N)"});
  table->Register({"bitpos", -3, kCmdReadOnly | kCmdLocksKeys, 1, 1, 1, CmdBitPos, "bitmap",
                   "Find first bit set or clear in a string", "2.8.7", "@read @bitmap @slow",
                   "RO access", "O(N)"});
  table->Register({"bitop", -4, kCmdWrite | kCmdDenyOom | kCmdLocksKeys, 2, -1, 1, CmdBitOp,
                   "bitmap", "Perform bitwise operations between strings", "2.6.0",
                   "@write @bitmap @slow", "OW update", "O(N)"});
}

}  // namespace valkdb
