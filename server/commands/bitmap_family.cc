// SETBIT GETBIT BITCOUNT BITPOS BITOP BITFIELD BITFIELD_RO: bit operations on
// string values.
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
  CountLookup(ctx, entry != nullptr, key);
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
    char* bytes = GrowString(*shard, key, entry != nullptr, old_size, new_size);
    auto value = static_cast<unsigned char>(bytes[byte]);
    value =
        static_cast<unsigned char>((value & ~(1u << shift)) | (static_cast<unsigned>(on) << shift));
    bytes[byte] = static_cast<char>(value);
    ctx.KeyModified(key);
    ctx.Notify(kEventString, "setbit", key);
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
    ctx.Notify(kEventString, "set", dest);
  } else if (shard.Erase(dest)) {
    ctx.KeyModified(dest);
    ctx.Notify(kEventGeneric, "del", dest);
  }
  ctx.out.Integer(static_cast<int64_t>(max_length));
}

// BITFIELD integers: `bits` bits from bit `offset`, most significant first.
uint64_t GetUnsigned(const unsigned char* p, uint64_t offset, int bits) {
  uint64_t value = 0;
  for (int j = 0; j < bits; ++j, ++offset) {
    value = (value << 1) | ((p[offset >> 3] >> (7 - (offset & 7))) & 1);
  }
  return value;
}

int64_t GetSigned(const unsigned char* p, uint64_t offset, int bits) {
  uint64_t value = GetUnsigned(p, offset, bits);
  if (bits < 64 && (value & (uint64_t{1} << (bits - 1)))) value |= ~uint64_t{0} << bits;
  return static_cast<int64_t>(value);
}

void SetBits(unsigned char* p, uint64_t offset, int bits, uint64_t value) {
  for (int j = 0; j < bits; ++j, ++offset) {
    const unsigned bit = (value >> (bits - 1 - j)) & 1;
    const int shift = 7 - static_cast<int>(offset & 7);
    p[offset >> 3] = static_cast<unsigned char>((p[offset >> 3] & ~(1u << shift)) | (bit << shift));
  }
}

enum class Overflow { kWrap, kSat, kFail };

// Redis's checkUnsignedBitfieldOverflow / checkSignedBitfieldOverflow: 0
// when value + incr fits, else nonzero with *limit set to what WRAP or SAT
// stores (unchanged for FAIL). Sums are done unsigned, so they wrap as Redis's do.
int UnsignedOverflow(uint64_t value, int64_t incr, int bits, Overflow how, uint64_t* limit) {
  const uint64_t max = bits == 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1;
  const auto max_incr = static_cast<int64_t>(max - value);
  const auto min_incr = static_cast<int64_t>(0 - value);
  int result = 0;
  if (value > max || (incr > 0 && incr > max_incr)) {
    result = 1;
    if (how == Overflow::kSat) *limit = max;
  } else if (incr < 0 && incr < min_incr) {
    result = -1;
    if (how == Overflow::kSat) *limit = 0;
  }
  if (result != 0 && how == Overflow::kWrap) {
    *limit = (value + static_cast<uint64_t>(incr)) & ~(~uint64_t{0} << bits);
    result = 1;
  }
  return result;
}

int SignedOverflow(int64_t value, int64_t incr, int bits, Overflow how, int64_t* limit) {
  const int64_t max = bits == 64 ? INT64_MAX : (int64_t{1} << (bits - 1)) - 1;
  const int64_t min = -max - 1;
  const auto max_incr =
      static_cast<int64_t>(static_cast<uint64_t>(max) - static_cast<uint64_t>(value));
  const auto min_incr =
      static_cast<int64_t>(static_cast<uint64_t>(min) - static_cast<uint64_t>(value));
  int result = 0;
  if (value > max || (bits != 64 && incr > max_incr) ||
      (value >= 0 && incr > 0 && incr > max_incr)) {
    result = 1;
    if (how == Overflow::kSat) *limit = max;
  } else if (value < min || (bits != 64 && incr < min_incr) ||
             (value < 0 && incr < 0 && incr < min_incr)) {
    result = -1;
    if (how == Overflow::kSat) *limit = min;
  }
  if (result != 0 && how == Overflow::kWrap) {
    uint64_t c = static_cast<uint64_t>(value) + static_cast<uint64_t>(incr);
    if (bits < 64) {
      const uint64_t mask = ~uint64_t{0} << bits;
      c = (c & (uint64_t{1} << (bits - 1))) ? (c | mask) : (c & ~mask);
    }
    *limit = static_cast<int64_t>(c);
    result = 1;
  }
  return result;
}

struct BitfieldOp {
  enum class Kind { kGet, kSet, kIncrBy } kind;
  uint64_t offset;
  int64_t value;
  Overflow overflow;
  int bits;
  bool is_signed;
};

// BITFIELD key [GET type offset] [SET type offset value] [INCRBY type offset
// increment] [OVERFLOW WRAP|SAT|FAIL] ...; BITFIELD_RO takes GETs only.
// As Redis's bitfieldGeneric: every operation is parsed before the key is
// looked up, then they run in order on one copy of the string.
void Bitfield(CommandContext& ctx, bool read_only_command) {
  std::vector<BitfieldOp> ops;
  Overflow overflow = Overflow::kWrap;
  bool read_only = true;
  uint64_t highest_write = 0;
  for (size_t j = 2; j < ctx.argc(); ++j) {
    const size_t remaining = ctx.argc() - j - 1;
    const std::string_view sub = ctx.arg(j);
    BitfieldOp op{};
    if (OptionIs(sub, "get") && remaining >= 2) {
      op.kind = BitfieldOp::Kind::kGet;
    } else if (OptionIs(sub, "set") && remaining >= 3) {
      op.kind = BitfieldOp::Kind::kSet;
    } else if (OptionIs(sub, "incrby") && remaining >= 3) {
      op.kind = BitfieldOp::Kind::kIncrBy;
    } else if (OptionIs(sub, "overflow") && remaining >= 1) {
      const std::string_view how = ctx.arg(++j);
      if (OptionIs(how, "wrap")) {
        overflow = Overflow::kWrap;
      } else if (OptionIs(how, "sat")) {
        overflow = Overflow::kSat;
      } else if (OptionIs(how, "fail")) {
        overflow = Overflow::kFail;
      } else {
        ctx.out.Error("Invalid OVERFLOW type specified");
        return;
      }
      continue;
    } else {
      ctx.out.Error(errors::kSyntax);
      return;
    }
    // The type: i1..i64 or u1..u63.
    const std::string_view type = AsCString(ctx.arg(j + 1));
    int64_t bits = 0;
    if (type.empty() || (type[0] != 'i' && type[0] != 'u') || !ParseInt64(type.substr(1), &bits) ||
        bits < 1 || (type[0] == 'i' && bits > 64) || (type[0] == 'u' && bits > 63)) {
      ctx.out.Error(
          "Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but "
          "i64 is.");
      return;
    }
    op.is_signed = type[0] == 'i';
    op.bits = static_cast<int>(bits);
    // The offset, or #N for the Nth field of this width.
    std::string_view offset_arg = ctx.arg(j + 2);
    const bool by_field = !offset_arg.empty() && offset_arg[0] == '#';
    int64_t offset = 0;
    if (!ParseInt64(by_field ? offset_arg.substr(1) : offset_arg, &offset)) {
      ctx.out.Error(kBitOffsetError);
      return;
    }
    if (by_field)
      offset = static_cast<int64_t>(static_cast<uint64_t>(offset) * static_cast<uint64_t>(bits));
    if (offset < 0 || (offset >> 3) >= ctx.server.config->proto_max_bulk_len()) {
      ctx.out.Error(kBitOffsetError);
      return;
    }
    op.offset = static_cast<uint64_t>(offset);
    if (op.kind != BitfieldOp::Kind::kGet) {
      read_only = false;
      highest_write = std::max(highest_write, op.offset + static_cast<uint64_t>(bits) - 1);
      if (!ParseIntArg(ctx, ctx.arg(j + 3), &op.value)) return;
    }
    op.overflow = overflow;
    ops.push_back(op);
    j += op.kind == BitfieldOp::Kind::kGet ? 2 : 3;
  }

  if (!read_only && read_only_command) {
    ctx.out.Error("BITFIELD_RO only supports the GET subcommand");
    return;
  }
  std::string_view key = ctx.arg(1);
  Shard* shard = &ctx.shard(key);
  AssumeLocked(*shard);
  const Entry* entry = shard->Find(key, ctx.now_ms);
  if (read_only) CountLookup(ctx, entry != nullptr, key);
  if (entry != nullptr && entry->type() != Entry::Type::kString) {
    ctx.out.Error(errors::kWrongType);
    return;
  }
  // Writes work on the string grown (with zeros) to the highest bit written.
  unsigned char* bytes = nullptr;
  std::string_view value = entry == nullptr ? std::string_view() : entry->value_view();
  bool grew = false;
  if (!read_only) {
    const size_t old_size = value.size();
    const size_t new_size = std::max<size_t>(old_size, static_cast<size_t>(highest_write >> 3) + 1);
    char* raw = GrowString(*shard, key, entry != nullptr, old_size, new_size);
    grew = entry == nullptr || new_size != old_size;
    bytes = reinterpret_cast<unsigned char*>(raw);
    value = std::string_view(raw, new_size);
  }
  ctx.out.Array(ops.size());
  int changes = 0;
  for (const BitfieldOp& op : ops) {
    if (op.kind == BitfieldOp::Kind::kGet) {
      // Up to 9 bytes from the field's first byte, zero-padded past the end.
      unsigned char window[9] = {};
      const uint64_t first = op.offset >> 3;
      for (uint64_t i = 0; i < 9 && first + i < value.size(); ++i) {
        window[i] = static_cast<unsigned char>(value[first + i]);
      }
      const uint64_t within = op.offset - first * 8;
      if (op.is_signed) {
        ctx.out.Integer(GetSigned(window, within, op.bits));
      } else {
        ctx.out.Integer(static_cast<int64_t>(GetUnsigned(window, within, op.bits)));
      }
      continue;
    }
    bool failed = false;
    int64_t reply = 0;
    uint64_t old_bits = 0, new_bits = 0;
    if (op.is_signed) {
      const int64_t old_value = GetSigned(bytes, op.offset, op.bits);
      int64_t wrapped = 0, new_value;
      int over;
      if (op.kind == BitfieldOp::Kind::kIncrBy) {
        over = SignedOverflow(old_value, op.value, op.bits, op.overflow, &wrapped);
        new_value = over ? wrapped
                         : static_cast<int64_t>(static_cast<uint64_t>(old_value) +
                                                static_cast<uint64_t>(op.value));
        reply = new_value;
      } else {
        new_value = op.value;
        over = SignedOverflow(new_value, 0, op.bits, op.overflow, &wrapped);
        if (over) new_value = wrapped;
        reply = old_value;
      }
      failed = over != 0 && op.overflow == Overflow::kFail;
      old_bits = static_cast<uint64_t>(old_value);
      new_bits = static_cast<uint64_t>(new_value);
    } else {
      const uint64_t old_value = GetUnsigned(bytes, op.offset, op.bits);
      uint64_t wrapped = 0, new_value;
      int over;
      if (op.kind == BitfieldOp::Kind::kIncrBy) {
        new_value = old_value + static_cast<uint64_t>(op.value);
        over = UnsignedOverflow(old_value, op.value, op.bits, op.overflow, &wrapped);
        if (over) new_value = wrapped;
        reply = static_cast<int64_t>(new_value);
      } else {
        new_value = static_cast<uint64_t>(op.value);
        over = UnsignedOverflow(new_value, 0, op.bits, op.overflow, &wrapped);
        if (over) new_value = wrapped;
        reply = static_cast<int64_t>(old_value);
      }
      failed = over != 0 && op.overflow == Overflow::kFail;
      old_bits = old_value;
      new_bits = new_value;
    }
    if (failed) {  // OVERFLOW FAIL: nothing written, a null reply
      ctx.out.Null();
      continue;
    }
    ctx.out.Integer(reply);
    SetBits(bytes, op.offset, op.bits, new_bits);
    if (grew || old_bits != new_bits) ++changes;
  }
  if (changes > 0 || grew) {
    ctx.KeyModified(key);
    ctx.Notify(kEventString, "setbit", key);
  }
}

void CmdBitfield(CommandContext& ctx) { Bitfield(ctx, false); }
void CmdBitfieldRo(CommandContext& ctx) { Bitfield(ctx, true); }

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
  table->Register({"bitfield", -2, kCmdWrite | kCmdDenyOom | kCmdLocksKeys, 1, 1, 1, CmdBitfield,
                   "bitmap", "Perform arbitrary bitfield integer operations on strings", "3.2.0",
                   "@write @bitmap @slow", "RW access update variable_flags",
                   "O(1) for each subcommand specified"});
  table->Register(
      {"bitfield_ro", -2, kCmdReadOnly | kCmdFast | kCmdLocksKeys, 1, 1, 1, CmdBitfieldRo, "bitmap",
       "Perform arbitrary bitfield integer operations on strings. Read-only variant of "
       "BITFIELD",
       "6.0.0", "@read @bitmap @fast", "RO access", "O(1) for each subcommand specified"});
}

}  // namespace valkdb
