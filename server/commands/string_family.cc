// GET SET SETNX SETEX PSETEX GETSET GETDEL GETEX MGET MSET MSETNX APPEND STRLEN
// INCR DECR INCRBY DECRBY INCRBYFLOAT GETRANGE SUBSTR SETRANGE LCS
//
// Each follows its Redis 7.0 counterpart in t_string.c: the same checks in the
// same order, so the same inputs get the same replies and errors.
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <vector>

#include "protocol/str_util.h"
#include "server/commands/command_table.h"
#include "server/commands/errors.h"
#include "server/commands/typed.h"

namespace valkdb {
namespace {

// Redis compares options as C strings, so an argument ends at its first NUL.
bool OptionIs(std::string_view arg, std::string_view option) {
  return EqualsIgnoreCase(AsCString(arg), option);
}

// Redis's checkType for string commands: true (after replying WRONGTYPE)
// when the key holds another type.
bool WrongType(CommandContext& ctx, const Entry* entry) {
  if (entry == nullptr || entry->type() == Entry::Type::kString) return false;
  ctx.out.Error(errors::kWrongType);
  return true;
}

// Redis's checkStringLength: a string may not grow past proto-max-bulk-len.
bool CheckStringLength(CommandContext& ctx, uint64_t size, uint64_t append) {
  const uint64_t total = size + append;
  if (total > static_cast<uint64_t>(ctx.server.config->proto_max_bulk_len()) || total < size) {
    ctx.out.Error(errors::kStringTooLong);
    return false;
  }
  return true;
}

void CmdGet(CommandContext& ctx) {
  std::string_view key = ctx.arg(1);
  Shard* shard = &ctx.shard(key);
  AssumeLocked(*shard);
  const Entry* entry = shard->Find(key, ctx.now_ms);
  CountLookup(ctx, entry != nullptr, key);
  if (entry == nullptr) {
    ctx.out.Null();
    return;
  }
  if (WrongType(ctx, entry)) return;
  ctx.out.Bulk(entry->value());
}

// Options of SET and GETEX, as Redis's parseExtendedStringArgumentsOrReply.
enum SetFlags : uint32_t {
  kSetNx = 1 << 0,
  kSetXx = 1 << 1,
  kSetGet = 1 << 2,
  kSetKeepTtl = 1 << 3,
  kSetEx = 1 << 4,
  kSetPx = 1 << 5,
  kSetExAt = 1 << 6,
  kSetPxAt = 1 << 7,
  kSetPersist = 1 << 8,
};
constexpr uint32_t kSetAnyExpire = kSetEx | kSetPx | kSetExAt | kSetPxAt;

enum class OptionsOf { kSet, kGetEx };

bool ParseStringOptions(CommandContext& ctx, OptionsOf command, uint32_t* flags,
                        std::string_view* expire_arg) {
  const bool set = command == OptionsOf::kSet;
  for (size_t j = set ? 3 : 2; j < ctx.argc(); ++j) {
    std::string_view opt = ctx.arg(j);
    const bool has_next = j + 1 < ctx.argc();
    // An expiry option conflicts with KEEPTTL, PERSIST and the other expiry options.
    auto expire_ok = [&](uint32_t self) {
      return has_next && !(*flags & (kSetKeepTtl | kSetPersist | (kSetAnyExpire & ~self)));
    };
    if (OptionIs(opt, "nx") && !(*flags & kSetXx) && set) {
      *flags |= kSetNx;
    } else if (OptionIs(opt, "xx") && !(*flags & kSetNx) && set) {
      *flags |= kSetXx;
    } else if (OptionIs(opt, "get") && set) {
      *flags |= kSetGet;
    } else if (OptionIs(opt, "keepttl") && !(*flags & (kSetPersist | kSetAnyExpire)) && set) {
      *flags |= kSetKeepTtl;
    } else if (OptionIs(opt, "persist") && !set && !(*flags & (kSetAnyExpire | kSetKeepTtl))) {
      *flags |= kSetPersist;
    } else if (OptionIs(opt, "ex") && expire_ok(kSetEx)) {
      *flags |= kSetEx;
      *expire_arg = ctx.arg(++j);
    } else if (OptionIs(opt, "px") && expire_ok(kSetPx)) {
      *flags |= kSetPx;
      *expire_arg = ctx.arg(++j);
    } else if (OptionIs(opt, "exat") && expire_ok(kSetExAt)) {
      *flags |= kSetExAt;
      *expire_arg = ctx.arg(++j);
    } else if (OptionIs(opt, "pxat") && expire_ok(kSetPxAt)) {
      *flags |= kSetPxAt;
      *expire_arg = ctx.arg(++j);
    } else {
      ctx.out.Error(errors::kSyntax);
      return false;
    }
  }
  return true;
}

// Redis's getExpireMillisecondsOrReply: the absolute expiry in unix ms.
bool ExpireMsOrReply(CommandContext& ctx, std::string_view text, uint32_t flags, int64_t* when_ms) {
  int64_t when = 0;
  if (!ParseIntArg(ctx, text, &when)) return false;
  const bool seconds = flags & (kSetEx | kSetExAt);
  const std::string_view name = ctx.client.last_command;
  if (when <= 0 || (seconds && when > INT64_MAX / 1000)) {
    ctx.out.Error(StrCat("invalid expire time in '", name, "' command"));
    return false;
  }
  if (seconds) when *= 1000;
  if (flags & (kSetEx | kSetPx)) {
    if (when > INT64_MAX - ctx.now_ms) {
      ctx.out.Error(StrCat("invalid expire time in '", name, "' command"));
      return false;
    }
    when += ctx.now_ms;
  }
  *when_ms = when;
  return true;
}

// Redis's setGenericCommand. ok_reply/abort_reply: what SET (nullptr: +OK and
// nil) or SETNX (:1 and :0) answer.
void SetGeneric(CommandContext& ctx, uint32_t flags, size_t value_index,
                std::string_view expire_arg, const char* ok_reply = nullptr,
                const char* abort_reply = nullptr) {
  std::optional<int64_t> expire_ms;
  if (flags & kSetAnyExpire) {
    int64_t when = 0;
    if (!ExpireMsOrReply(ctx, expire_arg, flags, &when)) return;
    expire_ms = when;
  }
  std::string_view key = ctx.arg(1);
  Shard* shard = &ctx.shard(key);
  AssumeLocked(*shard);
  const Entry* existing = shard->Find(key, ctx.now_ms);
  if (flags & kSetGet) {
    CountLookup(ctx, existing != nullptr, key);
    if (WrongType(ctx, existing)) return;
    if (existing == nullptr) {
      ctx.out.Null();
    } else {
      ctx.out.Bulk(existing->value());
    }
  }
  if (((flags & kSetNx) && existing != nullptr) || ((flags & kSetXx) && existing == nullptr)) {
    if (!(flags & kSetGet)) {
      if (abort_reply != nullptr) {
        ctx.out.Raw(abort_reply);
      } else {
        ctx.out.Null();
      }
    }
    return;
  }
  shard->Put(key, MakeEntry(ctx, key, value_index), expire_ms, flags & kSetKeepTtl);
  // Replayed later, a relative expiry would end later: Redis propagates PXAT.
  if (expire_ms) ctx.Propagate({"SET", key, ctx.arg(value_index), "PXAT", StrCat(*expire_ms)});
  ctx.KeyModified(key);
  ctx.Notify(kEventString, "set", key);
  if (expire_ms) ctx.Notify(kEventGeneric, "expire", key);
  if (!(flags & kSetGet)) {
    if (ok_reply != nullptr) {
      ctx.out.Raw(ok_reply);
    } else {
      ctx.out.Ok();
    }
  }
}

void CmdSet(CommandContext& ctx) {
  uint32_t flags = 0;
  std::string_view expire_arg;
  if (!ParseStringOptions(ctx, OptionsOf::kSet, &flags, &expire_arg)) return;
  SetGeneric(ctx, flags, 2, expire_arg);
}

void CmdSetNx(CommandContext& ctx) { SetGeneric(ctx, kSetNx, 2, {}, ":1\r\n", ":0\r\n"); }
void CmdSetEx(CommandContext& ctx) { SetGeneric(ctx, kSetEx, 3, ctx.arg(2)); }
void CmdPSetEx(CommandContext& ctx) { SetGeneric(ctx, kSetPx, 3, ctx.arg(2)); }

void CmdGetSet(CommandContext& ctx) {
  std::string_view key = ctx.arg(1);
  Shard* shard = &ctx.shard(key);
  AssumeLocked(*shard);
  const Entry* existing = shard->Find(key, ctx.now_ms);
  CountLookup(ctx, existing != nullptr, key);
  if (WrongType(ctx, existing)) return;
  if (existing == nullptr) {
    ctx.out.Null();
  } else {
    ctx.out.Bulk(existing->value());
  }
  shard->Put(key, MakeEntry(ctx, key, 2), std::nullopt, false);
  ctx.KeyModified(key);
  ctx.Notify(kEventString, "set", key);
}

void CmdGetDel(CommandContext& ctx) {
  std::string_view key = ctx.arg(1);
  Shard* shard = &ctx.shard(key);
  AssumeLocked(*shard);
  const Entry* entry = shard->Find(key, ctx.now_ms);
  CountLookup(ctx, entry != nullptr, key);
  if (entry == nullptr) {
    ctx.out.Null();
    return;
  }
  if (WrongType(ctx, entry)) return;
  ctx.out.Bulk(entry->value());
  shard->Erase(key);
  ctx.KeyModified(key);
  ctx.Notify(kEventGeneric, "del", key);
}

void CmdGetEx(CommandContext& ctx) {
  uint32_t flags = 0;
  std::string_view expire_arg;
  if (!ParseStringOptions(ctx, OptionsOf::kGetEx, &flags, &expire_arg)) return;
  std::string_view key = ctx.arg(1);
  Shard* shard = &ctx.shard(key);
  AssumeLocked(*shard);
  const Entry* entry = shard->Find(key, ctx.now_ms);
  CountLookup(ctx, entry != nullptr, key);
  if (entry == nullptr) {
    ctx.out.Null();
    return;
  }
  if (WrongType(ctx, entry)) return;
  int64_t when = 0;
  if ((flags & kSetAnyExpire) && !ExpireMsOrReply(ctx, expire_arg, flags, &when)) return;
  ctx.out.Bulk(entry->value());
  if ((flags & (kSetExAt | kSetPxAt)) && when <= ctx.now_ms) {
    shard->Erase(key);  // an absolute time already past: the key goes now
    ctx.Propagate({"DEL", key});
    ctx.KeyModified(key);
    ctx.Notify(kEventGeneric, "del", key);
  } else if (flags & kSetAnyExpire) {
    shard->SetExpire(key, when);
    ctx.Propagate({"PEXPIREAT", key, StrCat(when)});
    ctx.KeyModified(key);
    ctx.Notify(kEventGeneric, "expire", key);
  } else if (flags & kSetPersist) {
    ctx.Propagate({"PERSIST", key});
    if (shard->Persist(key)) {
      ctx.KeyModified(key);
      ctx.Notify(kEventGeneric, "persist", key);
    }
  }
}

void CmdMGet(CommandContext& ctx) {
  // All shards at once: MGET sees other clients' MSETs whole or not at all.
  ctx.out.Array(ctx.argc() - 1);
  for (size_t i = 1; i < ctx.argc(); ++i) {
    std::string_view key = ctx.arg(i);
    Shard& shard = ctx.shard(key);
    AssumeLocked(shard);
    const Entry* entry = shard.Find(key, ctx.now_ms);
    CountLookup(ctx, entry != nullptr, key);
    if (entry == nullptr || entry->type() != Entry::Type::kString) {
      ctx.out.Null();
    } else {
      ctx.out.Bulk(entry->value());
    }
  }
}

// MSET / MSETNX, as Redis's msetGenericCommand.
void MSetGeneric(CommandContext& ctx, bool nx) {
  if (ctx.argc() % 2 == 0) {
    ReplyWrongArity(ctx, nx ? "msetnx" : "mset");
    return;
  }
  if (nx) {
    for (size_t i = 1; i < ctx.argc(); i += 2) {
      Shard& shard = ctx.shard(ctx.arg(i));
      AssumeLocked(shard);
      if (shard.Find(ctx.arg(i), ctx.now_ms) != nullptr) {
        ctx.out.Integer(0);
        return;
      }
    }
  }
  for (size_t i = 1; i < ctx.argc(); i += 2) {
    std::string_view key = ctx.arg(i);
    Shard& shard = ctx.shard(key);
    AssumeLocked(shard);
    shard.Put(key, MakeEntry(ctx, key, i + 1), std::nullopt, false);
    ctx.KeyModified(key);
    ctx.Notify(kEventString, "set", key);
  }
  if (nx) {
    ctx.out.Integer(1);
  } else {
    ctx.out.Ok();
  }
}

void CmdMSet(CommandContext& ctx) { MSetGeneric(ctx, false); }
void CmdMSetNx(CommandContext& ctx) { MSetGeneric(ctx, true); }

void CmdAppend(CommandContext& ctx) {
  std::string_view key = ctx.arg(1);
  std::string_view append = ctx.arg(2);
  Shard* shard = &ctx.shard(key);
  AssumeLocked(*shard);
  const Entry* entry = shard->Find(key, ctx.now_ms);
  if (WrongType(ctx, entry)) return;
  size_t total = 0;
  if (entry == nullptr) {
    shard->Put(key, MakeEntry(ctx, key, 2), std::nullopt, false);
    total = append.size();
  } else {
    const size_t old_size = entry->value_size();
    if (!CheckStringLength(ctx, old_size, append.size())) return;
    total = old_size + append.size();
    char* value = shard->ResizeValue(key, total, Entry::Encoding::kRaw);
    if (!append.empty()) std::memcpy(value + old_size, append.data(), append.size());
  }
  ctx.KeyModified(key);
  ctx.Notify(kEventString, "append", key);
  ctx.out.Integer(static_cast<int64_t>(total));
}

void CmdStrLen(CommandContext& ctx) {
  std::string_view key = ctx.arg(1);
  Shard* shard = &ctx.shard(key);
  AssumeLocked(*shard);
  const Entry* entry = shard->Find(key, ctx.now_ms);
  CountLookup(ctx, entry != nullptr, key);
  if (WrongType(ctx, entry)) return;
  ctx.out.Integer(entry == nullptr ? 0 : static_cast<int64_t>(entry->value_size()));
}

// Redis's incrDecrCommand. The value keeps its TTL.
void IncrDecr(CommandContext& ctx, int64_t incr) {
  std::string_view key = ctx.arg(1);
  Shard* shard = &ctx.shard(key);
  AssumeLocked(*shard);
  const Entry* entry = shard->Find(key, ctx.now_ms);
  if (WrongType(ctx, entry)) return;
  int64_t value = 0;
  if (entry != nullptr && !ParseInt64(entry->value_view(), &value)) {
    ctx.out.Error(errors::kNotInteger);
    return;
  }
  if ((incr < 0 && value < 0 && incr < INT64_MIN - value) ||
      (incr > 0 && value > 0 && incr > INT64_MAX - value)) {
    ctx.out.Error(errors::kOverflow);
    return;
  }
  value += incr;
  char digits[24];
  const int length = std::snprintf(digits, sizeof(digits), "%lld", static_cast<long long>(value));
  const std::string_view text(digits, static_cast<size_t>(length));
  if (entry == nullptr) {
    shard->Put(key, Entry::Make(key, text), std::nullopt, false);
  } else {
    std::memcpy(shard->ResizeValue(key, text.size(), Entry::Encoding::kAuto), text.data(),
                text.size());
  }
  ctx.KeyModified(key);
  ctx.Notify(kEventString, "incrby", key);  // INCR and DECR too, as Redis
  ctx.out.Integer(value);
}

void CmdIncr(CommandContext& ctx) { IncrDecr(ctx, 1); }
void CmdDecr(CommandContext& ctx) { IncrDecr(ctx, -1); }

void CmdIncrBy(CommandContext& ctx) {
  int64_t incr = 0;
  if (!ParseIntArg(ctx, ctx.arg(2), &incr)) return;
  IncrDecr(ctx, incr);
}

void CmdDecrBy(CommandContext& ctx) {
  int64_t incr = 0;
  if (!ParseIntArg(ctx, ctx.arg(2), &incr)) return;
  if (incr == INT64_MIN) {
    ctx.out.Error(errors::kDecrementOverflow);
    return;
  }
  IncrDecr(ctx, -incr);
}

}  // namespace

// Redis's string2ld: strtold over the whole text, no spaces, no NaN.
constexpr size_t kMaxLongDoubleChars = 5 * 1024;

bool ParseLongDouble(std::string_view text, long double* out) {
  if (text.empty() || text.size() >= kMaxLongDoubleChars) return false;
  char buf[kMaxLongDoubleChars];
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  errno = 0;
  char* end = nullptr;
  const long double value = std::strtold(buf, &end);
  if (std::isspace(static_cast<unsigned char>(buf[0])) || *end != '\0' ||
      static_cast<size_t>(end - buf) != text.size() ||
      (errno == ERANGE &&
       (value == HUGE_VALL || value == -HUGE_VALL || std::fpclassify(value) == FP_ZERO)) ||
      errno == EINVAL || std::isnan(value)) {
    return false;
  }
  *out = value;
  return true;
}

// Redis's ld2string(LD_STR_HUMAN): %.17Lf without trailing zeros.
std::string FormatLongDouble(long double value) {
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  auto buf = std::make_unique<char[]>(kMaxLongDoubleChars);
  const int n = std::snprintf(buf.get(), kMaxLongDoubleChars, "%.17Lf", value);
  if (n < 0 || static_cast<size_t>(n) + 1 > kMaxLongDoubleChars) return "";
  size_t length = static_cast<size_t>(n);
  if (std::memchr(buf.get(), '.', length) != nullptr) {
    while (buf[length - 1] == '0') --length;
    if (buf[length - 1] == '.') --length;
  }
  if (length == 2 && buf[0] == '-' && buf[1] == '0') return "0";
  return std::string(buf.get(), length);
}

namespace {

void CmdIncrByFloat(CommandContext& ctx) {
  std::string_view key = ctx.arg(1);
  Shard* shard = &ctx.shard(key);
  AssumeLocked(*shard);
  const Entry* entry = shard->Find(key, ctx.now_ms);
  if (WrongType(ctx, entry)) return;
  long double value = 0, incr = 0;
  if ((entry != nullptr && !ParseLongDouble(entry->value_view(), &value)) ||
      !ParseLongDouble(ctx.arg(2), &incr)) {
    ctx.out.Error(errors::kNotFloat);
    return;
  }
  value += incr;
  if (std::isnan(value) || std::isinf(value)) {
    ctx.out.Error(errors::kNanOrInfinity);
    return;
  }
  const std::string text = FormatLongDouble(value);
  // Redis stores the result as a plain string (never "int" encoded), keeping the TTL.
  shard->Put(key, Entry::Make(key, text, Entry::Encoding::kNoInt), std::nullopt, true);
  ctx.Propagate({"SET", key, text, "KEEPTTL"});
  ctx.KeyModified(key);
  ctx.Notify(kEventString, "incrbyfloat", key);
  ctx.out.Bulk(text);
}

// GETRANGE and SUBSTR, as Redis's getrangeCommand.
void CmdGetRange(CommandContext& ctx) {
  int64_t start = 0, end = 0;
  if (!ParseIntArg(ctx, ctx.arg(2), &start) || !ParseIntArg(ctx, ctx.arg(3), &end)) return;
  std::string_view key = ctx.arg(1);
  Shard* shard = &ctx.shard(key);
  AssumeLocked(*shard);
  const Entry* entry = shard->Find(key, ctx.now_ms);
  CountLookup(ctx, entry != nullptr, key);
  if (entry == nullptr) {
    ctx.out.Bulk(std::string_view());
    return;
  }
  if (WrongType(ctx, entry)) return;
  const int64_t length = static_cast<int64_t>(entry->value_size());
  if (start < 0 && end < 0 && start > end) {
    ctx.out.Bulk(std::string_view());
    return;
  }
  if (start < 0) start += length;
  if (end < 0) end += length;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= length) end = length - 1;
  if (start > end || length == 0) {
    ctx.out.Bulk(std::string_view());
    return;
  }
  ctx.out.Bulk(
      entry->value().Slice(static_cast<size_t>(start), static_cast<size_t>(end - start + 1)));
}

void CmdSetRange(CommandContext& ctx) {
  int64_t offset = 0;
  if (!ParseIntArg(ctx, ctx.arg(2), &offset)) return;
  if (offset < 0) {
    ctx.out.Error(errors::kOffsetOutOfRange);
    return;
  }
  std::string_view key = ctx.arg(1);
  std::string_view value = ctx.arg(3);
  Shard* shard = &ctx.shard(key);
  AssumeLocked(*shard);
  const Entry* entry = shard->Find(key, ctx.now_ms);
  if (WrongType(ctx, entry)) return;
  const size_t old_size = entry == nullptr ? 0 : entry->value_size();
  if (value.empty()) {
    ctx.out.Integer(static_cast<int64_t>(old_size));
    return;
  }
  if (!CheckStringLength(ctx, static_cast<uint64_t>(offset), value.size())) return;
  const size_t end = static_cast<size_t>(offset) + value.size();
  const size_t new_size = std::max(old_size, end);
  char* bytes = GrowString(*shard, key, entry != nullptr, old_size, new_size);
  std::memcpy(bytes + offset, value.data(), value.size());
  ctx.KeyModified(key);
  ctx.Notify(kEventString, "setrange", key);
  ctx.out.Integer(static_cast<int64_t>(new_size));
}

// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN], as Redis's
// lcsCommand, down to the order in which ranges are reported.
void CmdLcs(CommandContext& ctx) {
  Bytes a, b;
  {
    for (int i : {1, 2}) {
      Shard& shard = ctx.shard(ctx.arg(i));
      AssumeLocked(shard);
      const Entry* entry = shard.Find(ctx.arg(i), ctx.now_ms);
      CountLookup(ctx, entry != nullptr, ctx.arg(i));
      if (entry != nullptr && entry->type() != Entry::Type::kString) {
        ctx.out.Error("The specified keys must contain string values");
        return;
      }
      if (entry != nullptr) (i == 1 ? a : b) = entry->value();
    }
  }
  bool get_len = false, get_idx = false, with_match_len = false;
  int64_t min_match_len = 0;
  for (size_t j = 3; j < ctx.argc(); ++j) {
    std::string_view opt = ctx.arg(j);
    const bool more = j + 1 < ctx.argc();
    if (OptionIs(opt, "idx")) {
      get_idx = true;
    } else if (OptionIs(opt, "len")) {
      get_len = true;
    } else if (OptionIs(opt, "withmatchlen")) {
      with_match_len = true;
    } else if (OptionIs(opt, "minmatchlen") && more) {
      if (!ParseIntArg(ctx, ctx.arg(j + 1), &min_match_len)) return;
      if (min_match_len < 0) min_match_len = 0;
      ++j;
    } else {
      ctx.out.Error(errors::kSyntax);
      return;
    }
  }
  if (get_idx && get_len) {
    ctx.out.Error(errors::kLcsLenAndIdx);
    return;
  }
  if (a.size() >= UINT32_MAX - 1 || b.size() >= UINT32_MAX - 1) {
    ctx.out.Error(errors::kLcsTooLong);
    return;
  }
  const uint32_t alen = static_cast<uint32_t>(a.size());
  const uint32_t blen = static_cast<uint32_t>(b.size());
  const char* sa = a.data();
  const char* sb = b.data();
  // Redis allocates the whole table even for LEN, and refuses one bigger
  // than proto-max-bulk-len.
  const uint64_t cells = static_cast<uint64_t>(alen + 1) * (blen + 1);
  if (cells * sizeof(uint32_t) > static_cast<uint64_t>(ctx.server.config->proto_max_bulk_len())) {
    ctx.out.Error(errors::kLcsTooMuchMemory);
    return;
  }

  if (get_len) {
    // Only the length: two rows of the table are enough.
    std::vector<uint32_t> previous(blen + 1, 0), current(blen + 1, 0);
    for (uint32_t i = 1; i <= alen; ++i) {
      for (uint32_t j = 1; j <= blen; ++j) {
        current[j] =
            sa[i - 1] == sb[j - 1] ? previous[j - 1] + 1 : std::max(previous[j], current[j - 1]);
      }
      std::swap(previous, current);
    }
    ctx.out.Integer(previous[blen]);
    return;
  }

  // The whole table, to walk back through it as Redis does.
  std::unique_ptr<uint32_t[]> table(new (std::nothrow) uint32_t[cells]);
  if (table == nullptr) {
    ctx.out.Error(errors::kLcsNoMemory);
    return;
  }
  auto lcs = [&](uint32_t i, uint32_t j) -> uint32_t& {
    return table[static_cast<uint64_t>(i) * (blen + 1) + j];
  };
  for (uint32_t i = 0; i <= alen; ++i) {
    for (uint32_t j = 0; j <= blen; ++j) {
      if (i == 0 || j == 0) {
        lcs(i, j) = 0;
      } else if (sa[i - 1] == sb[j - 1]) {
        lcs(i, j) = lcs(i - 1, j - 1) + 1;
      } else {
        lcs(i, j) = std::max(lcs(i - 1, j), lcs(i, j - 1));
      }
    }
  }
  uint32_t idx = lcs(alen, blen);
  std::string result(idx, '\0');
  struct Range {
    uint32_t a_start, a_end, b_start, b_end;
  };
  std::vector<Range> matches;
  uint32_t a_start = alen, a_end = 0, b_start = 0, b_end = 0;  // a_start == alen: no range
  uint32_t i = alen, j = blen;
  while (i > 0 && j > 0) {
    bool emit = false;
    if (sa[i - 1] == sb[j - 1]) {
      result[idx - 1] = sa[i - 1];
      if (a_start == alen) {
        a_start = a_end = i - 1;
        b_start = b_end = j - 1;
      } else if (a_start == i && b_start == j) {
        --a_start;
        --b_start;
      } else {
        emit = true;
      }
      if (a_start == 0 || b_start == 0) emit = true;
      --idx;
      --i;
      --j;
    } else {
      if (lcs(i - 1, j) > lcs(i, j - 1)) {
        --i;
      } else {
        --j;
      }
      if (a_start != alen) emit = true;
    }
    const uint32_t match_len = a_end - a_start + 1;
    if (emit) {
      if (min_match_len == 0 || match_len >= min_match_len) {
        matches.push_back({a_start, a_end, b_start, b_end});
      }
      a_start = alen;
    }
  }
  if (!get_idx) {
    ctx.out.Bulk(result);
    return;
  }
  ctx.out.Map(2);
  ctx.out.Bulk("matches");
  ctx.out.Array(matches.size());
  for (const Range& m : matches) {
    ctx.out.Array(with_match_len ? 3 : 2);
    ctx.out.Array(2);
    ctx.out.Integer(m.a_start);
    ctx.out.Integer(m.a_end);
    ctx.out.Array(2);
    ctx.out.Integer(m.b_start);
    ctx.out.Integer(m.b_end);
    if (with_match_len) ctx.out.Integer(m.a_end - m.a_start + 1);
  }
  ctx.out.Bulk("len");
  ctx.out.Integer(lcs(alen, blen));
}

}  // namespace

void RegisterStringFamily(CommandTable* table) {
  constexpr uint32_t kWriteFast = kCmdWrite | kCmdDenyOom | kCmdFast;
  table->Register({"get", 2, kCmdReadOnly | kCmdFast | kCmdLocksKeys, 1, 1, 1, CmdGet, "string",
                   "Get the value of a key", "1.0.0", "@read @string @fast", "RO access"});
  table->Register({"set", -3, kCmdWrite | kCmdDenyOom | kCmdLocksKeys, 1, 1, 1, CmdSet, "string",
                   "Set the string value of a key", "1.0.0", "@write @string @slow",
                   "RW access update variable_flags"});
  table->Register({"setnx", 3, kWriteFast | kCmdLocksKeys, 1, 1, 1, CmdSetNx, "string",
                   "Set the value of a key, only if the key does not exist", "1.0.0",
                   "@write @string @fast", "OW insert"});
  table->Register({"setex", 4, kCmdWrite | kCmdDenyOom | kCmdLocksKeys, 1, 1, 1, CmdSetEx, "string",
                   "Set the value and expiration of a key", "2.0.0", "@write @string @slow",
                   "OW update"});
  table->Register({"psetex", 4, kCmdWrite | kCmdDenyOom | kCmdLocksKeys, 1, 1, 1, CmdPSetEx,
                   "string", "Set the value and expiration in milliseconds of a key", "2.6.0",
                   "@write @string @slow", "OW update"});
  table->Register({"getset", 3, kWriteFast | kCmdLocksKeys, 1, 1, 1, CmdGetSet, "string",
                   "Set the string value of a key and return its old value", "1.0.0",
                   "@write @string @fast", "RW access update"});
  table->Register({"getdel", 2, kCmdWrite | kCmdFast | kCmdLocksKeys, 1, 1, 1, CmdGetDel, "string",
                   "Get the value of a key and delete the key", "6.2.0", "@write @string @fast",
                   "RW access delete"});
  table->Register({"getex", -2, kCmdWrite | kCmdFast | kCmdLocksKeys, 1, 1, 1, CmdGetEx, "string",
                   "Get the value of a key and optionally set its expiration", "6.2.0",
                   "@write @string @fast", "RW access update"});
  table->Register({"mget", -2, kCmdReadOnly | kCmdFast | kCmdLocksKeys, 1, -1, 1, CmdMGet, "string",
                   "Get the values of all the given keys", "1.0.0", "@read @string @fast",
                   "RO access", "O(N) where N is the number of keys to retrieve."});
  table->Register({"mset", -3, kCmdWrite | kCmdDenyOom | kCmdLocksKeys, 1, -1, 2, CmdMSet, "string",
                   "Set multiple keys to multiple values", "1.0.1", "@write @string @slow",
                   "OW update", "O(N) where N is the number of keys to set."});
  table->Register({"msetnx", -3, kCmdWrite | kCmdDenyOom | kCmdLocksKeys, 1, -1, 2, CmdMSetNx,
                   "string", "Set multiple keys to multiple values, only if none of the keys exist",
                   "1.0.1", "@write @string @slow", "OW insert",
                   "O(N) where N is the number of keys to set."});
  table->Register({"append", 3, kWriteFast | kCmdLocksKeys, 1, 1, 1, CmdAppend, "string",
                   "Append a value to a key", "2.0.0", "@write @string @fast", "RW insert",
                   "O(1). The amortized time complexity is O(1) assuming the appended value is "
                   "small and the already present value is of any size, since the dynamic "
                   "string library used by Redis will double the free space available on every "
                   "reallocation."});
  table->Register({"strlen", 2, kCmdReadOnly | kCmdFast | kCmdLocksKeys, 1, 1, 1, CmdStrLen,
                   "string", "Get the length of the value stored in a key", "2.2.0",
                   "@read @string @fast", "RO"});
  table->Register({"incr", 2, kWriteFast | kCmdLocksKeys, 1, 1, 1, CmdIncr, "string",
                   "Increment the integer value of a key by one", "1.0.0", "@write @string @fast",
                   "RW access update"});
  table->Register({"decr", 2, kWriteFast | kCmdLocksKeys, 1, 1, 1, CmdDecr, "string",
                   "Decrement the integer value of a key by one", "1.0.0", "@write @string @fast",
                   "RW access update"});
  table->Register({"incrby", 3, kWriteFast | kCmdLocksKeys, 1, 1, 1, CmdIncrBy, "string",
                   "Increment the integer value of a key by the given amount", "1.0.0",
                   "@write @string @fast", "RW access update"});
  table->Register({"decrby", 3, kWriteFast | kCmdLocksKeys, 1, 1, 1, CmdDecrBy, "string",
                   "Decrement the integer value of a key by the given number", "1.0.0",
                   "@write @string @fast", "RW access update"});
  table->Register({"incrbyfloat", 3, kWriteFast | kCmdLocksKeys, 1, 1, 1, CmdIncrByFloat, "string",
                   "Increment the float value of a key by the given amount", "2.6.0",
                   "@write @string @fast", "RW access update"});
  constexpr std::string_view kRangeComplexity =
      "O(N) where N is the length of the returned string. The complexity is ultimately "
      "determined by the returned length, but because creating a substring from an existing "
      "string is very cheap, it can be considered O(1) for small strings.";
  table->Register({"getrange", 4, kCmdReadOnly | kCmdLocksKeys, 1, 1, 1, CmdGetRange, "string",
                   "Get a substring of the string stored at a key", "2.4.0", "@read @string @slow",
                   "RO access", kRangeComplexity});
  table->Register({"substr", 4, kCmdReadOnly | kCmdLocksKeys, 1, 1, 1, CmdGetRange, "string",
                   "Get a substring of the string stored at a key", "1.0.0", "@read @string @slow",
                   "RO access", kRangeComplexity});
  table->Register({"setrange", 4, kCmdWrite | kCmdDenyOom | kCmdLocksKeys, 1, 1, 1, CmdSetRange,
                   "string", "Overwrite part of a string at key starting at the specified offset",
                   "2.2.0", "@write @string @slow", "RW update",
                   "O(1), not counting the time taken to copy the new string in place. Usually, "
                   "this string is very small so the amortized complexity is O(1). Otherwise, "
                   "complexity is O(M) with M being the length of the value argument."});
  table->Register({"lcs", -3, kCmdReadOnly | kCmdLocksKeys, 1, 2, 1, CmdLcs, "string",
                   "Find longest common substring", "7.0.0", "@read @string @slow", "RO access",
                   "O(N*M) where N and M are the lengths of s1 and s2, respectively"});
}

}  // namespace valkdb
