// Sorted sets: ZADD ZINCRBY ZREM ZCARD ZCOUNT ZLEXCOUNT ZSCORE ZMSCORE ZRANK
// ZREVRANK ZRANGE ZRANGESTORE ZREVRANGE ZRANGEBYSCORE ZREVRANGEBYSCORE
// ZRANGEBYLEX ZREVRANGEBYLEX ZREMRANGEBYRANK ZREMRANGEBYSCORE ZREMRANGEBYLEX
// ZPOPMIN ZPOPMAX ZMPOP BZPOPMIN BZPOPMAX BZMPOP ZRANDMEMBER ZUNION ZINTER
// ZDIFF ZUNIONSTORE ZINTERSTORE ZDIFFSTORE ZINTERCARD ZSCAN
//
// Each follows its Redis 7.0 counterpart in t_zset.c: argument checks in
// the same order, the same errors, replies and propagation. A small sorted
// set lives inline in its entry (types/small_zset.h, Redis's listpack); past
// zset-max-listpack-entries members or a member longer than
// zset-max-listpack-value it becomes a SortedSet (types/sorted_set.h, in
// place of Redis's skiplist) and stays one, as in Redis.
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "protocol/str_util.h"
#include "server/commands/blocking.h"
#include "server/commands/command_table.h"
#include "server/commands/errors.h"
#include "server/commands/set_ref.h"
#include "server/commands/typed.h"
#include "server/store/types/small_zset.h"
#include "server/store/types/sorted_set.h"

namespace valkdb {
namespace {

constexpr Entry::Type kZSet = Entry::Type::kZSet;
using Record = small_zset::Record;

// ------------------------------------------------------------------ parsing

// Redis's string2d: strtod over the whole argument, no leading space, no
// overflow, no NaN ("inf" and "-inf" are scores).
bool ParseScore(std::string_view text, double* value) {
  if (text.empty() || std::isspace(static_cast<unsigned char>(text[0]))) return false;
  const std::string copy(text);
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(copy.c_str(), &end);
  if (static_cast<size_t>(end - copy.c_str()) != copy.size()) return false;
  if (errno == ERANGE && (v == HUGE_VAL || v == -HUGE_VAL || v == 0)) return false;
  if (std::isnan(v)) return false;
  *value = v;
  return true;
}

// One end of ZRANGEBYSCORE's interval, as Redis's zslParseRange: "(" makes
// it exclusive; the rest goes to strtod, which must use all of it.
bool ParseScoreBound(std::string_view text, double* value, bool* exclusive) {
  *exclusive = !text.empty() && text[0] == '(';
  if (*exclusive) text.remove_prefix(1);
  const std::string copy(text);
  char* end = nullptr;
  const double v = std::strtod(copy.c_str(), &end);
  if (*end != '\0' || std::isnan(v)) return false;
  *value = v;
  return true;
}

struct ScoreRange {
  double min = 0, max = 0;
  bool min_exclusive = false, max_exclusive = false;
};

bool ParseScoreRange(std::string_view min, std::string_view max, ScoreRange* range) {
  return ParseScoreBound(min, &range->min, &range->min_exclusive) &&
         ParseScoreBound(max, &range->max, &range->max_exclusive);
}

// One end of ZRANGEBYLEX's interval (Redis's zslParseLexRangeItem): "-" and
// "+" are the smallest and greatest strings, "(" and "[" open and closed.
struct LexBound {
  enum class Kind { kMin, kMax, kValue } kind = Kind::kValue;
  std::string_view value;
  bool exclusive = false;
};

bool ParseLexBound(std::string_view text, LexBound* bound) {
  if (text.empty()) return false;
  switch (text[0]) {
    case '+':
    case '-':
      if (text.size() != 1) return false;
      bound->kind = text[0] == '+' ? LexBound::Kind::kMax : LexBound::Kind::kMin;
      bound->exclusive = true;
      return true;
    case '(':
    case '[':
      bound->kind = LexBound::Kind::kValue;
      bound->exclusive = text[0] == '(';
      bound->value = text.substr(1);
      return true;
    default:
      return false;
  }
}

struct LexRange {
  LexBound min, max;
};

bool ParseLexRange(std::string_view min, std::string_view max, LexRange* range) {
  return ParseLexBound(min, &range->min) && ParseLexBound(max, &range->max);
}

// ------------------------------------------------------------- the handle

// A sorted set of either encoding for one command: read access, and writes
// that keep Redis's encoding rules. A small set is decoded into `records_`
// (views into its entry's bytes or into the command's arguments, both stable
// until Commit); a big one is worked on in place.
class ZSet {
 public:
  // A handle on the set held by `entry` (null: none yet; Add creates it).
  ZSet(CommandContext& ctx, Shard& shard, std::string_view key, Entry* entry)
      : ZSet(&ctx.server, &ctx, &shard, key, entry) {}
  // The same while serving a waiter (no command: creating keys is not allowed).
  ZSet(ServerState& server, Shard& shard, std::string_view key, Entry* entry)
      : ZSet(&server, nullptr, &shard, key, entry) {}
  // A read-only handle on a set's entry (no key to write back to).
  explicit ZSet(const Entry* entry)
      : ZSet(nullptr, nullptr, nullptr, {}, const_cast<Entry*>(entry)) {}
  ZSet(const ZSet&) = delete;
  ZSet& operator=(const ZSet&) = delete;

  bool big() const { return big_ != nullptr; }
  size_t size() const { return big_ != nullptr ? big_->size() : records_.size(); }

  bool Score(std::string_view member, double* score) const {
    if (big_ != nullptr) return big_->Score(member, score);
    for (const Record& r : records_) {
      if (r.member == member) {
        *score = r.score;
        return true;
      }
    }
    return false;
  }
  std::optional<size_t> Rank(std::string_view member) const {
    if (big_ != nullptr) return big_->Rank(member);
    for (size_t i = 0; i < records_.size(); ++i) {
      if (records_[i].member == member) return i;
    }
    return std::nullopt;
  }
  Record At(size_t rank) const {
    if (big_ != nullptr) {
      const SortedSet::Entry e = big_->At(rank);
      return {e.member, e.score};
    }
    return records_[rank];
  }
  // The first rank whose score is >= score (> when exclusive).
  size_t LowerBoundScore(double score, bool exclusive) const {
    if (big_ != nullptr) return big_->LowerBoundScore(score, exclusive);
    const auto it = std::partition_point(records_.begin(), records_.end(), [&](const Record& r) {
      return exclusive ? r.score <= score : r.score < score;
    });
    return static_cast<size_t>(it - records_.begin());
  }
  size_t LowerBoundLex(std::string_view member, bool exclusive) const {
    if (big_ != nullptr) return big_->LowerBoundLex(member, exclusive);
    const auto it = std::partition_point(records_.begin(), records_.end(), [&](const Record& r) {
      return exclusive ? r.member <= member : r.member < member;
    });
    return static_cast<size_t>(it - records_.begin());
  }
  // Ranks [first, last) of a score interval.
  std::pair<size_t, size_t> ScoreRanks(const ScoreRange& range) const {
    const size_t first = LowerBoundScore(range.min, range.min_exclusive);
    const size_t last = LowerBoundScore(range.max, !range.max_exclusive);
    return {first, std::max(first, last)};
  }
  // Ranks [first, last) of a lex interval (meaningful when scores are equal).
  std::pair<size_t, size_t> LexRanks(const LexRange& range) const {
    auto bound = [&](const LexBound& b, bool upper) -> size_t {
      switch (b.kind) {
        case LexBound::Kind::kMin:
          return 0;
        case LexBound::Kind::kMax:
          return size();
        default:
          return LowerBoundLex(b.value, upper ? !b.exclusive : b.exclusive);
      }
    };
    const size_t first = bound(range.min, false);
    const size_t last = bound(range.max, true);
    return {first, std::max(first, last)};
  }
  // Visits records from rank `start` forward or backward until fn returns false.
  template <class Fn>
  void ForEachFrom(size_t start, bool reverse, Fn fn) const {
    if (start >= size()) return;
    if (big_ != nullptr) {
      big_->ForEachFrom(start, reverse, [&](std::string_view m, double s) {
        return fn(Record{m, s});
      });
      return;
    }
    if (reverse) {
      for (size_t i = start + 1; i-- > 0;) {
        if (!fn(records_[i])) return;
      }
    } else {
      for (size_t i = start; i < records_.size(); ++i) {
        if (!fn(records_[i])) return;
      }
    }
  }

  // Redis's zsetAdd flags.
  enum AddFlags : int { kNx = 1, kXx = 2, kGt = 4, kLt = 8, kIncr = 16 };
  // kUnchanged: the member was there with that score (processed, not updated).
  enum class AddResult { kAdded, kUpdated, kUnchanged, kNop, kNaN };
  // Redis's zsetAdd: *new_score is the member's score after (INCR's result).
  AddResult Add(std::string_view member, double score, int flags, double* new_score) {
    double current = 0;
    if (Score(member, &current)) {
      if (flags & kNx) return AddResult::kNop;
      if (flags & kIncr) {
        score += current;
        if (std::isnan(score)) return AddResult::kNaN;
      }
      if (((flags & kLt) && score >= current) || ((flags & kGt) && score <= current)) {
        return AddResult::kNop;
      }
      *new_score = score;
      if (score == current) return AddResult::kUnchanged;
      if (big_ != nullptr) {
        big_->Insert(member, score);
      } else {
        EraseSmall(member);
        InsertSmall(member, score);
      }
      changed_ = true;
      return AddResult::kUpdated;
    }
    if (flags & kXx) return AddResult::kNop;
    if (big_ == nullptr) {
      const Config& config = *server_->config;
      if (static_cast<int64_t>(records_.size()) + 1 > config.zset_max_listpack_entries() ||
          static_cast<int64_t>(member.size()) > config.zset_max_listpack_value()) {
        ConvertToBig();
      }
    }
    if (big_ != nullptr) {
      big_->Insert(member, score);
    } else {
      InsertSmall(member, score);
    }
    *new_score = score;
    changed_ = true;
    return AddResult::kAdded;
  }

  bool Erase(std::string_view member) {
    const bool erased = big_ != nullptr ? big_->Erase(member) : EraseSmall(member);
    changed_ |= erased;
    return erased;
  }
  // Removes ranks [first, last); returns how many went.
  size_t EraseRanks(size_t first, size_t last) {
    if (first >= last) return 0;
    changed_ = true;
    if (big_ != nullptr) return big_->EraseRankRange(first, last - 1);
    records_.erase(records_.begin() + static_cast<ptrdiff_t>(first),
                   records_.begin() + static_cast<ptrdiff_t>(last));
    return last - first;
  }

  // Writes the changes back: the key is created, rewritten or deleted (when
  // empty). Returns true when the key was deleted.
  bool Commit() ABSL_NO_THREAD_SAFETY_ANALYSIS {
    if (!changed_) return false;
    changed_ = false;
    if (size() == 0) {
      if (entry_ != nullptr || converted_) shard_->Erase(key_);
      return true;
    }
    if (big_ != nullptr) {
      if (owned_big_ != nullptr) {
        // New, or converted from the small form (keeping the key's TTL).
        const bool existed = entry_ != nullptr;
        shard_->Put(key_, Entry::MakeSortedSet(key_, owned_big_.release()), std::nullopt, existed);
        if (!existed && ctx_ != nullptr) ctx_->KeyReady(ctx_->client.db, key_);
      }
      return false;
    }
    std::string& bytes = Scratch();
    small_zset::Encode(records_, &bytes);
    if (entry_ != nullptr) {
      WriteCompact(*shard_, key_, bytes);
    } else {
      shard_->Put(key_, Entry::MakeCompact(key_, kZSet, bytes), std::nullopt, false);
      if (ctx_ != nullptr) ctx_->KeyReady(ctx_->client.db, key_);
    }
    return false;
  }

 private:
  ZSet(ServerState* server, CommandContext* ctx, Shard* shard, std::string_view key, Entry* entry)
      : server_(server), ctx_(ctx), shard_(shard), key_(key), entry_(entry) {
    if (entry == nullptr) return;
    if (entry->is_table()) {
      big_ = entry->sorted_set();
    } else {
      small_zset::Decode(entry->value_view(), &records_);
    }
  }
  void InsertSmall(std::string_view member, double score) {
    const Record r{member, score};
    records_.insert(std::upper_bound(records_.begin(), records_.end(), r, small_zset::Less), r);
  }
  bool EraseSmall(std::string_view member) {
    for (auto it = records_.begin(); it != records_.end(); ++it) {
      if (it->member == member) {
        records_.erase(it);
        return true;
      }
    }
    return false;
  }
  void ConvertToBig() {
    owned_big_ = std::make_unique<SortedSet>();
    for (const Record& r : records_) owned_big_->Insert(r.member, r.score);
    big_ = owned_big_.get();
    converted_ = true;
  }

  ServerState* server_;
  CommandContext* ctx_;
  Shard* shard_;
  std::string_view key_;
  Entry* entry_;
  SortedSet* big_ = nullptr;
  std::unique_ptr<SortedSet> owned_big_;  // until Commit hands it to the key
  std::vector<Record> records_;
  bool changed_ = false;
  bool converted_ = false;
};

// After a change that may have emptied `key` (deleted with its last
// member): the command's event, then "del" when it is gone, as Redis.
void NotifyZSetChange(ChangeFeed& feed, int db, Shard& shard, std::string_view event,
                      std::string_view key) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  feed.Notify(kEventZset, db, event, key);
  if (feed.Wants(kEventGeneric) && shard.FindAny(key) == nullptr) {
    feed.Notify(kEventGeneric, db, "del", key);
  }
}

// A sorted set computed outside the keyspace (ZUNIONSTORE, ZRANGESTORE...),
// stored at `dest`, or `dest` deleted when empty; replies the size. The
// event is the command's name, as Redis's.
void StoreResult(CommandContext& ctx, std::string_view dest,
                 std::vector<Record>* records) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  Shard& shard = ctx.shard(dest);
  const size_t size = records->size();
  if (size == 0) {
    if (shard.Find(dest, ctx.now_ms) != nullptr && shard.Erase(dest)) {
      ctx.KeyModified(dest);
      ctx.Notify(kEventGeneric, "del", dest);
    }
    ctx.out.Integer(0);
    return;
  }
  shard.Put(dest, MakeZSetEntry(dest, records, *ctx.server.config), std::nullopt, false);
  ctx.KeyReady(ctx.client.db, dest);
  ctx.KeyModified(dest);
  ctx.Notify(kEventZset, ctx.client.last_command, dest);
  ctx.out.Integer(static_cast<int64_t>(size));
}

// ---------------------------------------------------------------- replies

// A member and, with scores, its score: RESP2 flat, RESP3 as a pair.
void ReplyRecord(CommandContext& ctx, const Record& r, bool withscores) {
  if (withscores && ctx.out.resp3()) ctx.out.Array(2);
  ctx.out.Bulk(r.member);
  if (withscores) ctx.out.Double(r.score);
}

void ReplyRecordsHeader(CommandContext& ctx, size_t count, bool withscores) {
  ctx.out.Array(withscores && !ctx.out.resp3() ? count * 2 : count);
}

// The entry of `key` for a read; null when missing. *wrongtype after WRONGTYPE.
Entry* ReadZSet(CommandContext& ctx, std::string_view key, bool* wrongtype) {
  Entry* entry = nullptr;
  const Lookup found = LookupTyped(ctx, ctx.shard(key), key, kZSet, true, &entry);
  *wrongtype = found == Lookup::kWrongType;
  return found == Lookup::kFound ? entry : nullptr;
}

// --------------------------------------------------------------- commands

void ZAddGeneric(CommandContext& ctx, int flags) {
  std::string_view key = ctx.arg(1);
  size_t score_index = 2;
  bool ch = false;
  for (; score_index < ctx.argc(); ++score_index) {
    std::string_view opt = ctx.arg(score_index);
    if (EqualsIgnoreCase(opt, "nx")) {
      flags |= ZSet::kNx;
    } else if (EqualsIgnoreCase(opt, "xx")) {
      flags |= ZSet::kXx;
    } else if (EqualsIgnoreCase(opt, "ch")) {
      ch = true;
    } else if (EqualsIgnoreCase(opt, "incr")) {
      flags |= ZSet::kIncr;
    } else if (EqualsIgnoreCase(opt, "gt")) {
      flags |= ZSet::kGt;
    } else if (EqualsIgnoreCase(opt, "lt")) {
      flags |= ZSet::kLt;
    } else {
      break;
    }
  }
  const bool incr = flags & ZSet::kIncr, nx = flags & ZSet::kNx, xx = flags & ZSet::kXx;
  const bool gt = flags & ZSet::kGt, lt = flags & ZSet::kLt;
  const size_t elements = ctx.argc() - score_index;
  if (elements % 2 != 0 || elements == 0) {
    ctx.out.Error(errors::kSyntax);
    return;
  }
  if (nx && xx) {
    ctx.out.Error("XX and NX options at the same time are not compatible");
    return;
  }
  if ((gt && nx) || (lt && nx) || (gt && lt)) {
    ctx.out.Error("GT, LT, and/or NX options at the same time are not compatible");
    return;
  }
  if (incr && elements > 2) {
    ctx.out.Error("INCR option supports a single increment-element pair");
    return;
  }
  absl::InlinedVector<double, 8> scores(elements / 2);
  for (size_t j = 0; j < scores.size(); ++j) {
    if (!ParseScore(ctx.arg(score_index + j * 2), &scores[j])) {
      ctx.out.Error(errors::kNotFloat);
      return;
    }
  }
  Shard& shard = ctx.shard(key);
  Entry* entry = nullptr;
  if (LookupTyped(ctx, shard, key, kZSet, false, &entry) == Lookup::kWrongType) return;
  int64_t added = 0, updated = 0, processed = 0;
  double score = 0;
  bool nan_error = false;
  if (entry != nullptr || !xx) {
    ZSet zset(ctx, shard, key, entry);
    for (size_t j = 0; j < scores.size(); ++j) {
      double new_score = scores[j];
      const ZSet::AddResult result =
          zset.Add(ctx.arg(score_index + 1 + j * 2), scores[j], flags, &new_score);
      if (result == ZSet::AddResult::kNaN) {
        ctx.out.Error("resulting score is not a number (NaN)");
        nan_error = true;
        break;
      }
      if (result == ZSet::AddResult::kAdded) ++added;
      if (result == ZSet::AddResult::kUpdated) ++updated;
      if (result != ZSet::AddResult::kNop) ++processed;
      score = new_score;
    }
    zset.Commit();
    if (added + updated > 0) {
      ctx.KeyModified(key);
      ctx.Notify(kEventZset, incr ? "zincr" : "zadd", key);
    }
    if (nan_error) return;
  }
  if (incr) {
    if (processed > 0) {
      ctx.out.Double(score);
    } else {
      ctx.out.Null();
    }
  } else {
    ctx.out.Integer(ch ? added + updated : added);
  }
}

void CmdZAdd(CommandContext& ctx) { ZAddGeneric(ctx, 0); }
void CmdZIncrBy(CommandContext& ctx) { ZAddGeneric(ctx, ZSet::kIncr); }

void CmdZRem(CommandContext& ctx) {
  std::string_view key = ctx.arg(1);
  Shard& shard = ctx.shard(key);
  Entry* entry = nullptr;
  const Lookup found = LookupTyped(ctx, shard, key, kZSet, false, &entry);
  if (found == Lookup::kWrongType) return;
  if (found == Lookup::kMissing) {
    ctx.out.Integer(0);
    return;
  }
  ZSet zset(ctx, shard, key, entry);
  int64_t deleted = 0;
  for (size_t j = 2; j < ctx.argc(); ++j) {
    if (zset.Erase(ctx.arg(j))) ++deleted;
    if (zset.size() == 0) break;
  }
  zset.Commit();
  if (deleted > 0) {
    ctx.KeyModified(key);
    NotifyZSetChange(ctx.store.feed(), ctx.client.db, shard, "zrem", key);
  }
  ctx.out.Integer(deleted);
}

void CmdZCard(CommandContext& ctx) {
  bool wrongtype = false;
  const Entry* entry = ReadZSet(ctx, ctx.arg(1), &wrongtype);
  if (wrongtype) return;
  if (entry == nullptr) {
    ctx.out.Integer(0);
    return;
  }
  ctx.out.Integer(static_cast<int64_t>(entry->is_table() ? entry->sorted_set()->size()
                                                         : small_zset::Count(entry->value_view())));
}

void CmdZCount(CommandContext& ctx) {
  ScoreRange range;
  if (!ParseScoreRange(ctx.arg(2), ctx.arg(3), &range)) {
    ctx.out.Error("min or max is not a float");
    return;
  }
  bool wrongtype = false;
  const Entry* entry = ReadZSet(ctx, ctx.arg(1), &wrongtype);
  if (wrongtype) return;
  if (entry == nullptr) {
    ctx.out.Integer(0);
    return;
  }
  ZSet zset(entry);
  const auto [first, last] = zset.ScoreRanks(range);
  ctx.out.Integer(static_cast<int64_t>(last - first));
}

void CmdZLexCount(CommandContext& ctx) {
  LexRange range;
  if (!ParseLexRange(ctx.arg(2), ctx.arg(3), &range)) {
    ctx.out.Error("min or max not valid string range item");
    return;
  }
  bool wrongtype = false;
  const Entry* entry = ReadZSet(ctx, ctx.arg(1), &wrongtype);
  if (wrongtype) return;
  if (entry == nullptr) {
    ctx.out.Integer(0);
    return;
  }
  ZSet zset(entry);
  const auto [first, last] = zset.LexRanks(range);
  ctx.out.Integer(static_cast<int64_t>(last - first));
}

bool EntryScore(const Entry* entry, std::string_view member, double* score) {
  if (entry->is_table()) return entry->sorted_set()->Score(member, score);
  return small_zset::Find(entry->value_view(), member, score);
}

void CmdZScore(CommandContext& ctx) {
  bool wrongtype = false;
  const Entry* entry = ReadZSet(ctx, ctx.arg(1), &wrongtype);
  if (wrongtype) return;
  double score = 0;
  if (entry == nullptr || !EntryScore(entry, ctx.arg(2), &score)) {
    ctx.out.Null();
    return;
  }
  ctx.out.Double(score);
}

void CmdZMScore(CommandContext& ctx) {
  bool wrongtype = false;
  const Entry* entry = ReadZSet(ctx, ctx.arg(1), &wrongtype);
  if (wrongtype) return;
  ctx.out.Array(ctx.argc() - 2);
  for (size_t j = 2; j < ctx.argc(); ++j) {
    double score = 0;
    if (entry == nullptr || !EntryScore(entry, ctx.arg(j), &score)) {
      ctx.out.Null();
    } else {
      ctx.out.Double(score);
    }
  }
}

void RankGeneric(CommandContext& ctx, bool reverse) {
  bool wrongtype = false;
  const Entry* entry = ReadZSet(ctx, ctx.arg(1), &wrongtype);
  if (wrongtype) return;
  if (entry == nullptr) {
    ctx.out.Null();
    return;
  }
  ZSet zset(entry);
  const std::optional<size_t> rank = zset.Rank(ctx.arg(2));
  if (!rank) {
    ctx.out.Null();
    return;
  }
  ctx.out.Integer(static_cast<int64_t>(reverse ? zset.size() - 1 - *rank : *rank));
}

void CmdZRank(CommandContext& ctx) { RankGeneric(ctx, false); }
void CmdZRevRank(CommandContext& ctx) { RankGeneric(ctx, true); }

// ------------------------------------------------------------------ ranges

enum class RangeType { kAuto, kRank, kScore, kLex };
enum class Direction { kAuto, kForward, kReverse };

// Redis's zrangeGenericCommand: ZRANGE ZREVRANGE Z[REV]RANGEBYSCORE
// Z[REV]RANGEBYLEX, and ZRANGESTORE (dest non-empty; the source is at `src_index`).
void RangeGeneric(CommandContext& ctx, size_t src_index, std::string_view dest, RangeType type,
                  Direction direction) {
  const bool store = !dest.empty();
  size_t min_index = src_index + 1, max_index = src_index + 2;
  bool withscores = false;
  int64_t offset = 0, limit = -1;
  for (size_t j = src_index + 3; j < ctx.argc(); ++j) {
    const size_t left = ctx.argc() - j - 1;
    std::string_view opt = ctx.arg(j);
    if (!store && EqualsIgnoreCase(opt, "withscores")) {
      withscores = true;
    } else if (EqualsIgnoreCase(opt, "limit") && left >= 2) {
      if (!ParseIntArg(ctx, ctx.arg(j + 1), &offset) || !ParseIntArg(ctx, ctx.arg(j + 2), &limit)) {
        return;
      }
      j += 2;
    } else if (direction == Direction::kAuto && EqualsIgnoreCase(opt, "rev")) {
      direction = Direction::kReverse;
    } else if (type == RangeType::kAuto && EqualsIgnoreCase(opt, "bylex")) {
      type = RangeType::kLex;
    } else if (type == RangeType::kAuto && EqualsIgnoreCase(opt, "byscore")) {
      type = RangeType::kScore;
    } else {
      ctx.out.Error(errors::kSyntax);
      return;
    }
  }
  if (direction == Direction::kAuto) direction = Direction::kForward;
  if (type == RangeType::kAuto) type = RangeType::kRank;
  if (limit != -1 && type == RangeType::kRank) {
    ctx.out.Error(
        "syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX");
    return;
  }
  if (withscores && type == RangeType::kLex) {
    ctx.out.Error("syntax error, WITHSCORES not supported in combination with BYLEX");
    return;
  }
  const bool reverse = direction == Direction::kReverse;
  if (reverse && type != RangeType::kRank) std::swap(min_index, max_index);
  int64_t start = 0, end = 0;
  ScoreRange score_range;
  LexRange lex_range;
  switch (type) {
    case RangeType::kScore:
      if (!ParseScoreRange(ctx.arg(min_index), ctx.arg(max_index), &score_range)) {
        ctx.out.Error("min or max is not a float");
        return;
      }
      break;
    case RangeType::kLex:
      if (!ParseLexRange(ctx.arg(min_index), ctx.arg(max_index), &lex_range)) {
        ctx.out.Error("min or max not valid string range item");
        return;
      }
      break;
    default:
      if (!ParseIntArg(ctx, ctx.arg(min_index), &start) ||
          !ParseIntArg(ctx, ctx.arg(max_index), &end)) {
        return;
      }
  }
  bool wrongtype = false;
  const Entry* entry = ReadZSet(ctx, ctx.arg(src_index), &wrongtype);
  if (wrongtype) return;
  std::vector<Record> stored;
  if (entry == nullptr) {
    if (store) {
      StoreResult(ctx, dest, &stored);
    } else {
      ctx.out.Array(0);
    }
    return;
  }
  ZSet zset(entry);
  const auto size = static_cast<int64_t>(zset.size());
  // The ranks to emit: `count` of them from `first`, walking backwards when reverse.
  size_t first = 0, count = 0;
  if (type == RangeType::kRank) {
    if (start < 0) start += size;
    if (end < 0) end += size;
    if (start < 0) start = 0;
    if (!(start > end || start >= size)) {
      if (end >= size) end = size - 1;
      count = static_cast<size_t>(end - start + 1);
      first = static_cast<size_t>(reverse ? size - 1 - start : start);
    }
  } else if (!(offset > 0 && offset >= size) && offset >= 0) {
    const auto [lo, hi] =
        type == RangeType::kScore ? zset.ScoreRanks(score_range) : zset.LexRanks(lex_range);
    const auto skip = static_cast<size_t>(offset);
    if (hi - lo > skip) {
      count = hi - lo - skip;
      if (limit >= 0) count = std::min(count, static_cast<size_t>(limit));
      first = reverse ? hi - 1 - skip : lo + skip;
    }
  }
  if (store) {
    stored.reserve(count);
    size_t remaining = count;
    if (remaining > 0) {
      zset.ForEachFrom(first, reverse, [&](const Record& r) {
        stored.push_back(r);
        return --remaining > 0;
      });
    }
    StoreResult(ctx, dest, &stored);
    return;
  }
  ReplyRecordsHeader(ctx, count, withscores);
  size_t remaining = count;
  if (remaining == 0) return;
  zset.ForEachFrom(first, reverse, [&](const Record& r) {
    ReplyRecord(ctx, r, withscores);
    return --remaining > 0;
  });
}

void CmdZRange(CommandContext& ctx) {
  RangeGeneric(ctx, 1, {}, RangeType::kAuto, Direction::kAuto);
}
void CmdZRangeStore(CommandContext& ctx) {
  RangeGeneric(ctx, 2, ctx.arg(1), RangeType::kAuto, Direction::kAuto);
}
void CmdZRevRange(CommandContext& ctx) {
  RangeGeneric(ctx, 1, {}, RangeType::kRank, Direction::kReverse);
}
void CmdZRangeByScore(CommandContext& ctx) {
  RangeGeneric(ctx, 1, {}, RangeType::kScore, Direction::kForward);
}
void CmdZRevRangeByScore(CommandContext& ctx) {
  RangeGeneric(ctx, 1, {}, RangeType::kScore, Direction::kReverse);
}
void CmdZRangeByLex(CommandContext& ctx) {
  RangeGeneric(ctx, 1, {}, RangeType::kLex, Direction::kForward);
}
void CmdZRevRangeByLex(CommandContext& ctx) {
  RangeGeneric(ctx, 1, {}, RangeType::kLex, Direction::kReverse);
}

// ZREMRANGEBYRANK ZREMRANGEBYSCORE ZREMRANGEBYLEX (Redis's zremrangeGenericCommand).
void RemoveRangeGeneric(CommandContext& ctx, RangeType type) {
  int64_t start = 0, end = 0;
  ScoreRange score_range;
  LexRange lex_range;
  if (type == RangeType::kRank) {
    if (!ParseIntArg(ctx, ctx.arg(2), &start) || !ParseIntArg(ctx, ctx.arg(3), &end)) return;
  } else if (type == RangeType::kScore) {
    if (!ParseScoreRange(ctx.arg(2), ctx.arg(3), &score_range)) {
      ctx.out.Error("min or max is not a float");
      return;
    }
  } else if (!ParseLexRange(ctx.arg(2), ctx.arg(3), &lex_range)) {
    ctx.out.Error("min or max not valid string range item");
    return;
  }
  std::string_view key = ctx.arg(1);
  Shard& shard = ctx.shard(key);
  Entry* entry = nullptr;
  const Lookup found = LookupTyped(ctx, shard, key, kZSet, false, &entry);
  if (found == Lookup::kWrongType) return;
  if (found == Lookup::kMissing) {
    ctx.out.Integer(0);
    return;
  }
  ZSet zset(ctx, shard, key, entry);
  size_t first = 0, last = 0;
  if (type == RangeType::kRank) {
    const auto size = static_cast<int64_t>(zset.size());
    if (start < 0) start += size;
    if (end < 0) end += size;
    if (start < 0) start = 0;
    if (start > end || start >= size) {
      ctx.out.Integer(0);
      return;
    }
    if (end >= size) end = size - 1;
    first = static_cast<size_t>(start);
    last = static_cast<size_t>(end) + 1;
  } else {
    std::tie(first, last) =
        type == RangeType::kScore ? zset.ScoreRanks(score_range) : zset.LexRanks(lex_range);
  }
  const size_t deleted = zset.EraseRanks(first, last);
  zset.Commit();
  if (deleted > 0) {
    ctx.KeyModified(key);
    NotifyZSetChange(ctx.store.feed(), ctx.client.db, shard, ctx.client.last_command, key);
  }
  ctx.out.Integer(static_cast<int64_t>(deleted));
}

void CmdZRemRangeByRank(CommandContext& ctx) { RemoveRangeGeneric(ctx, RangeType::kRank); }
void CmdZRemRangeByScore(CommandContext& ctx) { RemoveRangeGeneric(ctx, RangeType::kScore); }
void CmdZRemRangeByLex(CommandContext& ctx) { RemoveRangeGeneric(ctx, RangeType::kLex); }

// -------------------------------------------------------------------- pops

enum class PopEnd { kMin = 0, kMax = 1 };

// Where a pop's reply goes: a command's writer, or a served waiter's bytes.
class PopReply {
 public:
  explicit PopReply(RespWriter* out) : out_(out), resp3_(out->resp3()) {}
  PopReply(std::string* bytes, bool resp3) : bytes_(bytes), resp3_(resp3) {}
  bool resp3() const { return resp3_; }
  void Array(size_t n) {
    if (out_ != nullptr) {
      out_->Array(n);
    } else {
      AppendArrayHeader(bytes_, n);
    }
  }
  void Bulk(std::string_view b) {
    if (out_ != nullptr) {
      out_->Bulk(b);
    } else {
      AppendBulk(bytes_, b);
    }
  }
  void Double(double d) {
    if (out_ != nullptr) {
      out_->Double(d);
    } else {
      AppendDouble(bytes_, d, resp3_);
    }
  }

 private:
  RespWriter* out_ = nullptr;
  std::string* bytes_ = nullptr;
  bool resp3_;
};

// Pops up to `count` members (count -1: one, the plain form) from a set
// with members, replying as Redis's genericZpopCommand does: emit_key
// prefixes the key (BZPOP*: flat; ZMPOP/BZMPOP: nested). Returns how many went.
size_t PopAndReply(ServerState& server, Shard& shard, std::string_view key, Entry* entry,
                   PopEnd end, int64_t count, bool emit_key, bool nested, PopReply& reply) {
  ZSet zset(server, shard, key, entry);
  if (count == -1) count = 1;
  const size_t taken = std::min(static_cast<size_t>(count), zset.size());
  if (!nested && !emit_key) {
    reply.Array(taken * 2);
  } else if (nested && !emit_key) {
    reply.Array(taken);
  } else if (!nested && emit_key) {
    reply.Array(taken * 2 + 1);
    reply.Bulk(key);
  } else {
    reply.Array(2);
    reply.Bulk(key);
    reply.Array(taken);
  }
  const bool from_max = end == PopEnd::kMax;
  size_t remaining = taken;
  zset.ForEachFrom(from_max ? zset.size() - 1 : 0, from_max, [&](const Record& r) {
    if (nested) reply.Array(2);
    reply.Bulk(r.member);
    reply.Double(r.score);
    return --remaining > 0;
  });
  if (from_max) {
    zset.EraseRanks(zset.size() - taken, zset.size());
  } else {
    zset.EraseRanks(0, taken);
  }
  zset.Commit();
  return taken;
}

void PopMinMax(CommandContext& ctx, PopEnd end) {
  if (ctx.argc() > 3) {
    ctx.out.Error(errors::kSyntax);
    return;
  }
  int64_t count = -1;
  if (ctx.argc() == 3) {
    // Redis's getPositiveLongFromObjectOrReply: one message for both failures.
    if (!ParseInt64(ctx.arg(2), &count) || count < 0) {
      ctx.out.Error("value is out of range, must be positive");
      return;
    }
  }
  const bool nested = ctx.out.resp3() && count != -1;
  std::string_view key = ctx.arg(1);
  Shard& shard = ctx.shard(key);
  Entry* entry = nullptr;
  const Lookup found = LookupTyped(ctx, shard, key, kZSet, false, &entry);
  if (found == Lookup::kWrongType) return;
  if (found == Lookup::kMissing || count == 0) {
    ctx.out.Array(0);
    return;
  }
  PopReply reply(&ctx.out);
  PopAndReply(ctx.server, shard, key, entry, end, count, false, nested, reply);
  ctx.KeyModified(key);
  NotifyZSetChange(ctx.store.feed(), ctx.client.db, shard,
                   end == PopEnd::kMax ? "zpopmax" : "zpopmin", key);
}

void CmdZPopMin(CommandContext& ctx) { PopMinMax(ctx, PopEnd::kMin); }
void CmdZPopMax(CommandContext& ctx) { PopMinMax(ctx, PopEnd::kMax); }

// ZMPOP/BZMPOP's arguments after numkeys (Redis's zmpopGenericCommand).
struct MultiPop {
  PopEnd end = PopEnd::kMin;
  int64_t count = 1;
  size_t first_key = 0;
  size_t numkeys = 0;
};

bool ParseMultiPop(CommandContext& ctx, size_t numkeys_index, MultiPop* pop) {
  int64_t numkeys = 0;
  if (!ParseInt64(ctx.arg(numkeys_index), &numkeys) || numkeys < 1) {
    ctx.out.Error("numkeys should be greater than 0");
    return false;
  }
  if (static_cast<uint64_t>(numkeys) >= ctx.argc() - numkeys_index - 1) {
    ctx.out.Error(errors::kSyntax);
    return false;
  }
  const size_t where_index = numkeys_index + static_cast<size_t>(numkeys) + 1;
  if (EqualsIgnoreCase(ctx.arg(where_index), "min")) {
    pop->end = PopEnd::kMin;
  } else if (EqualsIgnoreCase(ctx.arg(where_index), "max")) {
    pop->end = PopEnd::kMax;
  } else {
    ctx.out.Error(errors::kSyntax);
    return false;
  }
  pop->count = -1;
  for (size_t j = where_index + 1; j < ctx.argc(); ++j) {
    if (pop->count == -1 && EqualsIgnoreCase(ctx.arg(j), "count") && j + 1 < ctx.argc()) {
      if (!ParseInt64(ctx.arg(++j), &pop->count) || pop->count < 1) {
        ctx.out.Error("count should be greater than 0");
        return false;
      }
    } else {
      ctx.out.Error(errors::kSyntax);
      return false;
    }
  }
  if (pop->count == -1) pop->count = 1;
  pop->first_key = numkeys_index + 1;
  pop->numkeys = static_cast<size_t>(numkeys);
  return true;
}

enum class ServeResult { kReplied, kNothing };

// Pops from the first key that holds a sorted set (ZMPOP, BZMPOP, BZPOPMIN...),
// propagated as ZPOPMIN/ZPOPMAX.
ServeResult PopFirstNonEmpty(CommandContext& ctx, size_t first, size_t numkeys, PopEnd end,
                             int64_t count, bool nested) {
  for (size_t i = first; i < first + numkeys; ++i) {
    std::string_view key = ctx.arg(i);
    Shard& shard = ctx.shard(key);
    Entry* entry = nullptr;
    const Lookup found = LookupTyped(ctx, shard, key, kZSet, false, &entry);
    if (found == Lookup::kWrongType) return ServeResult::kReplied;
    if (found == Lookup::kMissing) continue;
    PopReply reply(&ctx.out);
    const size_t taken =
        PopAndReply(ctx.server, shard, key, entry, end, count, true, nested, reply);
    ctx.KeyModified(key);
    NotifyZSetChange(ctx.store.feed(), ctx.client.db, shard,
                     end == PopEnd::kMax ? "zpopmax" : "zpopmin", key);
    const std::string_view name = end == PopEnd::kMax ? "ZPOPMAX" : "ZPOPMIN";
    if (count == -1) {
      ctx.Propagate({name, key});
    } else {
      ctx.Propagate({name, key, StrCat(taken)});
    }
    return ServeResult::kReplied;
  }
  return ServeResult::kNothing;
}

void CmdZMPop(CommandContext& ctx) {
  MultiPop pop;
  if (!ParseMultiPop(ctx, 1, &pop)) return;
  if (PopFirstNonEmpty(ctx, pop.first_key, pop.numkeys, pop.end, pop.count, true) ==
      ServeResult::kNothing) {
    ctx.out.NullArray();
  }
}

// Serves a sorted-set waiter (BZPOPMIN BZPOPMAX BZMPOP) from `key`, under the
// locks ServeReady took, propagated as ZPOPMIN/ZPOPMAX.
void ServeZSetWaiter(ServeContext& ctx, Waiter& waiter,
                     std::string_view key) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  const int db = waiter.db;
  Shard& shard = ctx.locks(db, key);
  Entry* entry = shard.FindMutable(key, ctx.now_ms);
  const auto end = static_cast<PopEnd>(waiter.from);
  const bool nested = waiter.count != -1;  // BZMPOP
  PopReply reply(&waiter.reply, waiter.resp3);
  const size_t taken =
      PopAndReply(ctx.server, shard, key, entry, end, waiter.count, true, nested, reply);
  ChangeFeed& feed = ctx.store.feed();
  const std::string_view name = end == PopEnd::kMax ? "ZPOPMAX" : "ZPOPMIN";
  if (feed.active()) {
    if (waiter.count == -1) {
      feed.Publish(db, {name, key});
    } else {
      feed.Publish(db, {name, key, StrCat(taken)});
    }
  }
  NotifyZSetChange(feed, db, shard, end == PopEnd::kMax ? "zpopmax" : "zpopmin", key);
  ctx.server.watches.Touch(db, key);
  ctx.store.feed().KeyChanged(key, /*by_client=*/true);
}

void BlockOnZSets(CommandContext& ctx, size_t first, size_t numkeys, PopEnd end, int64_t count,
                  int64_t deadline) {
  auto waiter = std::make_shared<Waiter>();
  for (size_t i = first; i < first + numkeys; ++i) waiter->keys.emplace_back(ctx.arg(i));
  waiter->from = static_cast<int>(end);
  waiter->count = count;
  waiter->deadline_ms = deadline;
  waiter->client_id = ctx.client.id;
  waiter->loop = ctx.client.loop;
  waiter->db = ctx.client.db;
  waiter->type = kZSet;
  waiter->resp3 = ctx.out.resp3();
  waiter->serve = ServeZSetWaiter;
  ctx.client.blocked = waiter;
  ctx.server.blocking.Add(std::move(waiter));
}

// BZPOPMIN / BZPOPMAX key [key ...] timeout.
void BlockingPop(CommandContext& ctx, PopEnd end) {
  int64_t deadline = 0;
  if (!ParseBlockTimeout(ctx, ctx.arg(ctx.argc() - 1), &deadline)) return;
  const size_t numkeys = ctx.argc() - 2;
  if (PopFirstNonEmpty(ctx, 1, numkeys, end, -1, false) == ServeResult::kReplied) return;
  if (!ctx.may_block()) {
    ctx.out.NullArray();
    return;
  }
  BlockOnZSets(ctx, 1, numkeys, end, -1, deadline);
}

void CmdBZPopMin(CommandContext& ctx) { BlockingPop(ctx, PopEnd::kMin); }
void CmdBZPopMax(CommandContext& ctx) { BlockingPop(ctx, PopEnd::kMax); }

void CmdBZMPop(CommandContext& ctx) {
  MultiPop pop;
  if (!ParseMultiPop(ctx, 2, &pop)) return;
  int64_t deadline = 0;
  if (!ParseBlockTimeout(ctx, ctx.arg(1), &deadline)) return;
  if (PopFirstNonEmpty(ctx, pop.first_key, pop.numkeys, pop.end, pop.count, true) ==
      ServeResult::kReplied) {
    return;
  }
  if (!ctx.may_block()) {
    ctx.out.NullArray();
    return;
  }
  BlockOnZSets(ctx, pop.first_key, pop.numkeys, pop.end, pop.count, deadline);
}

// ------------------------------------------------------------- ZRANDMEMBER

uint64_t& ZRng() {
  thread_local uint64_t rng = 0x9E3779B97F4A7C15ULL ^ reinterpret_cast<uintptr_t>(&rng);
  return rng;
}

void CmdZRandMember(CommandContext& ctx) {
  if (ctx.argc() >= 3) {
    int64_t l = 0;
    if (!ParseIntArg(ctx, ctx.arg(2), &l)) return;
    if (l < -INT64_MAX) {
      ctx.out.Error(
          "value is out of range, value must between -9223372036854775807 and "
          "9223372036854775807");
      return;
    }
    bool withscores = false;
    if (ctx.argc() > 4 || (ctx.argc() == 4 && !EqualsIgnoreCase(ctx.arg(3), "withscores"))) {
      ctx.out.Error(errors::kSyntax);
      return;
    }
    if (ctx.argc() == 4) {
      withscores = true;
      if (l < -INT64_MAX / 2 || l > INT64_MAX / 2) {
        ctx.out.Error("value is out of range");
        return;
      }
    }
    bool wrongtype = false;
    const Entry* entry = ReadZSet(ctx, ctx.arg(1), &wrongtype);
    if (wrongtype) return;
    if (entry == nullptr) {
      ctx.out.Array(0);
      return;
    }
    ZSet zset(entry);
    const size_t size = zset.size();
    const bool unique = l >= 0;
    const uint64_t count = unique ? static_cast<uint64_t>(l) : static_cast<uint64_t>(-l);
    if (count == 0) {
      ctx.out.Array(0);
      return;
    }
    if (!unique || count == 1) {
      // With repetitions: each pick is uniform over the whole set.
      ReplyRecordsHeader(ctx, count, withscores);
      for (uint64_t i = 0; i < count; ++i) {
        ReplyRecord(ctx, zset.At(NextRandom(&ZRng()) % size), withscores);
      }
      return;
    }
    if (count >= size) {
      ReplyRecordsHeader(ctx, size, withscores);
      zset.ForEachFrom(0, false, [&](const Record& r) {
        ReplyRecord(ctx, r, withscores);
        return true;
      });
      return;
    }
    // Distinct ranks: a partial Fisher-Yates over rank numbers when the
    // sample is a large part of the set, else rejection of repeats.
    std::vector<size_t> ranks;
    if (count * 3 > size) {
      ranks.resize(size);
      for (size_t i = 0; i < size; ++i) ranks[i] = i;
      for (size_t i = 0; i < count; ++i) {
        std::swap(ranks[i], ranks[i + NextRandom(&ZRng()) % (size - i)]);
      }
      ranks.resize(count);
    } else {
      absl::flat_hash_set<size_t> picked;
      while (picked.size() < count) {
        const size_t rank = NextRandom(&ZRng()) % size;
        if (picked.insert(rank).second) ranks.push_back(rank);
      }
    }
    ReplyRecordsHeader(ctx, count, withscores);
    for (size_t rank : ranks) ReplyRecord(ctx, zset.At(rank), withscores);
    return;
  }
  bool wrongtype = false;
  const Entry* entry = ReadZSet(ctx, ctx.arg(1), &wrongtype);
  if (wrongtype) return;
  if (entry == nullptr) {
    ctx.out.Null();
    return;
  }
  ZSet zset(entry);
  ctx.out.Bulk(zset.At(NextRandom(&ZRng()) % zset.size()).member);
}

// ------------------------------------------------ ZUNION ZINTER ZDIFF (STORE)

enum class SetOp { kUnion, kInter, kDiff };
enum class Aggregate { kSum, kMin, kMax };

void AggregateInto(double* target, double value, Aggregate aggregate) {
  switch (aggregate) {
    case Aggregate::kSum:
      *target += value;
      if (std::isnan(*target)) *target = 0;  // inf + -inf
      break;
    case Aggregate::kMin:
      *target = std::min(*target, value);
      break;
    case Aggregate::kMax:
      *target = std::max(*target, value);
      break;
  }
}

// One input of a set operation: a sorted set, a plain set (scores 1), or
// nothing (a missing key).
struct Source {
  const Entry* entry = nullptr;
  double weight = 1;
  std::unique_ptr<ZSet> zset;
  // A plain set's members, copied out (an intset's are formatted on the fly).
  std::vector<std::string> members;
  size_t size() const {
    if (entry == nullptr) return 0;
    return zset != nullptr ? zset->size() : members.size();
  }
  bool Find(std::string_view member, double* score) const {
    if (entry == nullptr) return false;
    if (zset != nullptr) return zset->Score(member, score);
    if (!SetRef(entry).Contains(member)) return false;
    *score = 1;
    return true;
  }
  template <class Fn>
  void ForEach(Fn fn) const {
    if (entry == nullptr) return;
    if (zset != nullptr) {
      zset->ForEachFrom(0, false, [&](const Record& r) {
        fn(r.member, r.score);
        return true;
      });
    } else {
      for (const std::string& m : members) fn(std::string_view(m), 1.0);
    }
  }
};

// Redis's zunionInterDiffGenericCommand. dest: empty unless storing.
void SetOperation(CommandContext& ctx, std::string_view dest, size_t numkeys_index, SetOp op,
                  bool cardinality_only) {
  int64_t setnum = 0;
  if (!ParseIntArg(ctx, ctx.arg(numkeys_index), &setnum)) return;
  if (setnum < 1) {
    ctx.out.Error(
        StrCat("at least 1 input key is needed for '", ctx.client.last_command, "' command"));
    return;
  }
  if (setnum > static_cast<int64_t>(ctx.argc() - (numkeys_index + 1))) {
    ctx.out.Error(errors::kSyntax);
    return;
  }
  std::vector<Source> sources(static_cast<size_t>(setnum));
  size_t j = numkeys_index + 1;
  for (Source& source : sources) {
    std::string_view key = ctx.arg(j++);
    Shard& shard = ctx.shard(key);
    AssumeLocked(shard);
    Entry* entry = shard.FindMutable(key, ctx.now_ms);
    CountLookup(ctx, entry != nullptr, key);
    if (entry == nullptr) continue;
    if (entry->type() != kZSet && entry->type() != Entry::Type::kSet) {
      ctx.out.Error(errors::kWrongType);
      return;
    }
    source.entry = entry;
    if (entry->type() == kZSet) {
      source.zset = std::make_unique<ZSet>(entry);
    } else {
      source.members = SetRef(entry).Members();
    }
  }
  Aggregate aggregate = Aggregate::kSum;
  bool withscores = false;
  int64_t limit = 0;
  while (j < ctx.argc()) {
    const size_t remaining = ctx.argc() - j;
    std::string_view opt = ctx.arg(j);
    if (op != SetOp::kDiff && !cardinality_only && remaining >= static_cast<size_t>(setnum) + 1 &&
        EqualsIgnoreCase(opt, "weights")) {
      ++j;
      for (Source& source : sources) {
        if (!ParseScore(ctx.arg(j++), &source.weight)) {
          ctx.out.Error("weight value is not a float");
          return;
        }
      }
    } else if (op != SetOp::kDiff && !cardinality_only && remaining >= 2 &&
               EqualsIgnoreCase(opt, "aggregate")) {
      std::string_view how = ctx.arg(j + 1);
      if (EqualsIgnoreCase(how, "sum")) {
        aggregate = Aggregate::kSum;
      } else if (EqualsIgnoreCase(how, "min")) {
        aggregate = Aggregate::kMin;
      } else if (EqualsIgnoreCase(how, "max")) {
        aggregate = Aggregate::kMax;
      } else {
        ctx.out.Error(errors::kSyntax);
        return;
      }
      j += 2;
    } else if (dest.empty() && !cardinality_only && EqualsIgnoreCase(opt, "withscores")) {
      ++j;
      withscores = true;
    } else if (cardinality_only && remaining >= 2 && EqualsIgnoreCase(opt, "limit")) {
      if (!ParseInt64(ctx.arg(j + 1), &limit) || limit < 0) {
        ctx.out.Error("LIMIT can't be negative");
        return;
      }
      j += 2;
    } else {
      ctx.out.Error(errors::kSyntax);
      return;
    }
  }
  if (op != SetOp::kDiff) {
    std::stable_sort(sources.begin(), sources.end(),
                     [](const Source& a, const Source& b) { return a.size() < b.size(); });
  }
  std::vector<Record> result;
  int64_t cardinality = 0;
  if (op == SetOp::kInter) {
    if (sources[0].size() > 0) {
      bool stop = false;
      sources[0].ForEach([&](std::string_view member, double s) {
        if (stop) return;
        double score = sources[0].weight * s;
        if (std::isnan(score)) score = 0;
        for (size_t k = 1; k < sources.size(); ++k) {
          double value = 0;
          if (sources[k].entry == sources[0].entry) {
            value = s;
          } else if (!sources[k].Find(member, &value)) {
            return;
          }
          AggregateInto(&score, value * sources[k].weight, aggregate);
        }
        if (cardinality_only) {
          ++cardinality;
          if (limit != 0 && cardinality >= limit) stop = true;
        } else {
          result.push_back({member, score});
        }
      });
    }
  } else if (op == SetOp::kUnion) {
    absl::flat_hash_map<std::string_view, double> accumulator;
    std::vector<std::string_view> order;
    for (const Source& source : sources) {
      source.ForEach([&](std::string_view member, double s) {
        double score = source.weight * s;
        if (std::isnan(score)) score = 0;
        auto [it, inserted] = accumulator.try_emplace(member, score);
        if (inserted) {
          order.push_back(member);
        } else {
          AggregateInto(&it->second, score, aggregate);
        }
      });
    }
    result.reserve(order.size());
    for (std::string_view member : order) result.push_back({member, accumulator[member]});
  } else {
    // ZDIFF: members of the first input in none of the others, with their scores.
    sources[0].ForEach([&](std::string_view member, double s) {
      for (size_t k = 1; k < sources.size(); ++k) {
        double unused = 0;
        if (sources[k].Find(member, &unused)) return;
      }
      result.push_back({member, s});
    });
  }
  if (!dest.empty()) {
    StoreResult(ctx, dest, &result);
  } else if (cardinality_only) {
    ctx.out.Integer(cardinality);
  } else {
    std::sort(result.begin(), result.end(), small_zset::Less);
    ReplyRecordsHeader(ctx, result.size(), withscores);
    for (const Record& r : result) ReplyRecord(ctx, r, withscores);
  }
}

void CmdZUnionStore(CommandContext& ctx) { SetOperation(ctx, ctx.arg(1), 2, SetOp::kUnion, false); }
void CmdZInterStore(CommandContext& ctx) { SetOperation(ctx, ctx.arg(1), 2, SetOp::kInter, false); }
void CmdZDiffStore(CommandContext& ctx) { SetOperation(ctx, ctx.arg(1), 2, SetOp::kDiff, false); }
void CmdZUnion(CommandContext& ctx) { SetOperation(ctx, {}, 1, SetOp::kUnion, false); }
void CmdZInter(CommandContext& ctx) { SetOperation(ctx, {}, 1, SetOp::kInter, false); }
void CmdZInterCard(CommandContext& ctx) { SetOperation(ctx, {}, 1, SetOp::kInter, true); }
void CmdZDiff(CommandContext& ctx) { SetOperation(ctx, {}, 1, SetOp::kDiff, false); }

// ------------------------------------------------------------------- ZSCAN

// Scores as ZSCAN shows them: a small set's as Redis's listpack holds them
// (d2string: integers in full), a big one's as createStringObjectFromLongDouble
// (%.17Lg).
std::string SmallScanScore(double score) {
  if (std::isnan(score)) return "nan";
  if (std::isinf(score)) return score > 0 ? "inf" : "-inf";
  if (score == 0) return std::signbit(score) ? "-0" : "0";
  // Redis's double2ll range: integral scores within LLONG_MAX/2 are listpack integers.
  if (score == std::trunc(score) && std::fabs(score) <= 4611686018427387904.0) {
    return StrCat(static_cast<int64_t>(score));
  }
  return FormatDouble(score);
}

std::string BigScanScore(double score) {
  if (std::isnan(score)) return "nan";
  if (std::isinf(score)) return score > 0 ? "inf" : "-inf";
  char buf[64];
  const int len = std::snprintf(buf, sizeof(buf), "%.17Lg", static_cast<long double>(score));
  return std::string(buf, static_cast<size_t>(len));
}

void CmdZScan(CommandContext& ctx) {
  uint64_t cursor = 0;
  if (!ParseScanCursor(ctx.arg(2), &cursor)) {
    ctx.out.Error(errors::kInvalidCursor);
    return;
  }
  bool wrongtype = false;
  const Entry* entry = ReadZSet(ctx, ctx.arg(1), &wrongtype);
  if (wrongtype) return;
  if (entry == nullptr) {
    ctx.out.Array(2);
    ctx.out.Bulk("0");
    ctx.out.Array(0);
    return;
  }
  ScanOptions options;
  if (!ParseScanArgs(ctx, 2, false, &cursor, &options)) return;
  std::vector<std::string> found;
  auto visit = [&](std::string_view member, std::string score) {
    if (options.use_pattern && !GlobMatch(options.pattern, member, false)) return;
    found.emplace_back(member);
    found.push_back(std::move(score));
  };
  uint64_t next = 0;
  if (entry->is_table()) {
    const SortedSet& set = *entry->sorted_set();
    size_t steps = static_cast<size_t>(options.count) * 10;
    next = cursor;
    do {
      next = set.Scan(next, [&](std::string_view m, double s) { visit(m, BigScanScore(s)); });
    } while (next != 0 && found.size() / 2 < static_cast<size_t>(options.count) && --steps > 0);
  } else {
    ZSet zset(entry);
    zset.ForEachFrom(0, false, [&](const Record& r) {
      visit(r.member, SmallScanScore(r.score));
      return true;
    });
  }
  ctx.out.Array(2);
  ctx.out.Bulk(StrCat(next));
  ctx.out.Array(found.size());
  for (const std::string& s : found) ctx.out.Bulk(s);
}

// ---------------------------------------------------------------- key finders

// numkeys, then that many keys (ZUNION ZINTER ZDIFF ZINTERCARD ZMPOP BZMPOP).
void NumKeysAt1(const CommandContext& ctx, KeyList* keys) { NumKeysFrom(ctx, 1, keys); }
void NumKeysAt2(const CommandContext& ctx, KeyList* keys) { NumKeysFrom(ctx, 2, keys); }
// ZUNIONSTORE ZINTERSTORE ZDIFFSTORE: the destination, then the sources.
void DestAndNumKeysAt2(const CommandContext& ctx, KeyList* keys) {
  if (ctx.argc() > 1) keys->push_back({ctx.client.db, ctx.arg(1)});
  NumKeysFrom(ctx, 2, keys);
}

}  // namespace

Entry MakeZSetEntry(std::string_view key, std::vector<small_zset::Record>* records,
                    const Config& config) {
  std::sort(records->begin(), records->end(), small_zset::Less);
  size_t longest = 0;
  for (const Record& r : *records) longest = std::max(longest, r.member.size());
  if (static_cast<int64_t>(records->size()) <= config.zset_max_listpack_entries() &&
      static_cast<int64_t>(longest) <= config.zset_max_listpack_value()) {
    std::string bytes;
    small_zset::Encode(*records, &bytes);
    return Entry::MakeCompact(key, kZSet, bytes);
  }
  auto set = std::make_unique<SortedSet>();
  for (const Record& r : *records) set->Insert(r.member, r.score);
  return Entry::MakeSortedSet(key, set.release());
}

void ForEachZSetRecord(const Entry& entry, absl::FunctionRef<void(std::string_view, double)> fn) {
  ZSet(&entry).ForEachFrom(0, false, [&](const Record& r) {
    fn(r.member, r.score);
    return true;
  });
}

void ZAddCommand(CommandContext& ctx) { ZAddGeneric(ctx, 0); }

bool ParseZSetScore(std::string_view text, double* value) { return ParseScore(text, value); }

bool ZSetMemberScore(const Entry& entry, std::string_view member, double* score) {
  return ZSet(&entry).Score(member, score);
}

void ForEachZSetInScoreRange(const Entry& entry, double min, double max,
                             absl::FunctionRef<bool(std::string_view, double)> fn) {
  const ZSet zset(&entry);
  zset.ForEachFrom(zset.LowerBoundScore(min, false), false,
                   [&](const Record& r) { return r.score < max && fn(r.member, r.score); });
}

void RegisterZSetFamily(CommandTable* table) {
  table->Register(
      {"bzmpop",
       -5,
       kCmdWrite | kCmdMayBlock | kCmdLocksKeys,
       0,
       0,
       0,
       CmdBZMPop,
       "sorted-set",
       "Remove and return members with scores in a sorted set or block until one is available",
       "7.0.0",
       "@write @sortedset @slow @blocking",
       "RW access delete",
       "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements "
       "in the sorted set, and M being the number of elements popped.",
       {},
       NumKeysAt2});
  table->Register({"bzpopmax", -3,
                   kCmdWrite | kCmdNoScript | kCmdMayBlock | kCmdFast | kCmdLocksKeys, 1, -2, 1,
                   CmdBZPopMax, "sorted-set",
                   "Remove and return the member with the highest score from one or more sorted "
                   "sets, or block until one is available",
                   "5.0.0", "@write @sortedset @fast @blocking", "RW access delete",
                   "O(log(N)) with N being the number of elements in the sorted set."});
  table->Register({"bzpopmin", -3,
                   kCmdWrite | kCmdNoScript | kCmdMayBlock | kCmdFast | kCmdLocksKeys, 1, -2, 1,
                   CmdBZPopMin, "sorted-set",
                   "Remove and return the member with the lowest score from one or more sorted "
                   "sets, or block until one is available",
                   "5.0.0", "@write @sortedset @fast @blocking", "RW access delete",
                   "O(log(N)) with N being the number of elements in the sorted set."});
  table->Register(
      {"zadd", -4, kCmdWrite | kCmdDenyOom | kCmdFast | kCmdLocksKeys, 1, 1, 1, CmdZAdd,
       "sorted-set",
       "Add one or more members to a sorted set, or update its score if it already exists", "1.2.0",
       "@write @sortedset @fast", "RW update",
       "O(log(N)) for each item added, where N is the number of elements in the sorted set."});
  table->Register({"zcard", 2, kCmdReadOnly | kCmdFast | kCmdLocksKeys, 1, 1, 1, CmdZCard,
                   "sorted-set", "Get the number of members in a sorted set", "1.2.0",
                   "@read @sortedset @fast", "RO", "O(1)"});
  table->Register({"zcount", 4, kCmdReadOnly | kCmdFast | kCmdLocksKeys, 1, 1, 1, CmdZCount,
                   "sorted-set",
                   "Count the members in a sorted set with scores within the given values", "2.0.0",
                   "@read @sortedset @fast", "RO access",
                   "O(log(N)) with N being the number of elements in the sorted set."});
  table->Register({"zdiff",
                   -3,
                   kCmdReadOnly | kCmdLocksKeys,
                   0,
                   0,
                   0,
                   CmdZDiff,
                   "sorted-set",
                   "Subtract multiple sorted sets",
                   "6.2.0",
                   "@read @sortedset @slow",
                   "RO access",
                   "O(L + (N-K)log(N)) worst case where L is the total number of elements in all "
                   "the sets, N is the size of the first set, and K is the size of the result set.",
                   {},
                   NumKeysAt1});
  table->Register({"zdiffstore",
                   -4,
                   kCmdWrite | kCmdDenyOom | kCmdLocksKeys,
                   1,
                   1,
                   1,
                   CmdZDiffStore,
                   "sorted-set",
                   "Subtract multiple sorted sets and store the resulting sorted set in a new key",
                   "6.2.0",
                   "@write @sortedset @slow",
                   "OW update",
                   "O(L + (N-K)log(N)) worst case where L is the total number of elements in all "
                   "the sets, N is the size of the first set, and K is the size of the result set.",
                   {},
                   DestAndNumKeysAt2});
  table->Register({"zincrby", 4, kCmdWrite | kCmdDenyOom | kCmdFast | kCmdLocksKeys, 1, 1, 1,
                   CmdZIncrBy, "sorted-set", "Increment the score of a member in a sorted set",
                   "1.2.0", "@write @sortedset @fast", "RW access update",
                   "O(log(N)) where N is the number of elements in the sorted set."});
  table->Register({"zinter",
                   -3,
                   kCmdReadOnly | kCmdLocksKeys,
                   0,
                   0,
                   0,
                   CmdZInter,
                   "sorted-set",
                   "Intersect multiple sorted sets",
                   "6.2.0",
                   "@read @sortedset @slow",
                   "RO access",
                   "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K "
                   "being the number of input sorted sets and M being the number of elements in "
                   "the resulting sorted set.",
                   {},
                   NumKeysAt1});
  table->Register({"zintercard",
                   -3,
                   kCmdReadOnly | kCmdLocksKeys,
                   0,
                   0,
                   0,
                   CmdZInterCard,
                   "sorted-set",
                   "Intersect multiple sorted sets and return the cardinality of the result",
                   "7.0.0",
                   "@read @sortedset @slow",
                   "RO access",
                   "O(N*K) worst case with N being the smallest input sorted set, K being the "
                   "number of input sorted sets.",
                   {},
                   NumKeysAt1});
  table->Register({"zinterstore",
                   -4,
                   kCmdWrite | kCmdDenyOom | kCmdLocksKeys,
                   1,
                   1,
                   1,
                   CmdZInterStore,
                   "sorted-set",
                   "Intersect multiple sorted sets and store the resulting sorted set in a new key",
                   "2.0.0",
                   "@write @sortedset @slow",
                   "OW update",
                   "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K "
                   "being the number of input sorted sets and M being the number of elements in "
                   "the resulting sorted set.",
                   {},
                   DestAndNumKeysAt2});
  table->Register(
      {"zlexcount", 4, kCmdReadOnly | kCmdFast | kCmdLocksKeys, 1, 1, 1, CmdZLexCount, "sorted-set",
       "Count the number of members in a sorted set between a given lexicographical range", "2.8.9",
       "@read @sortedset @fast", "RO access",
       "O(log(N)) with N being the number of elements in the sorted set."});
  table->Register({"zmpop",
                   -4,
                   kCmdWrite | kCmdLocksKeys,
                   0,
                   0,
                   0,
                   CmdZMPop,
                   "sorted-set",
                   "Remove and return members with scores in a sorted set",
                   "7.0.0",
                   "@write @sortedset @slow",
                   "RW access delete",
                   "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number "
                   "of elements in the sorted set, and M being the number of elements popped.",
                   {},
                   NumKeysAt1});
  table->Register({"zmscore", -3, kCmdReadOnly | kCmdFast | kCmdLocksKeys, 1, 1, 1, CmdZMScore,
                   "sorted-set", "Get the score associated with the given members in a sorted set",
                   "6.2.0", "@read @sortedset @fast", "RO access",
                   "O(N) where N is the number of members being requested."});
  table->Register({"zpopmax", -2, kCmdWrite | kCmdFast | kCmdLocksKeys, 1, 1, 1, CmdZPopMax,
                   "sorted-set",
                   "Remove and return members with the highest scores in a sorted set", "5.0.0",
                   "@write @sortedset @fast", "RW access delete",
                   "O(log(N)*M) with N being the number of elements in the sorted set, and M being "
                   "the number of elements popped."});
  table->Register({"zpopmin", -2, kCmdWrite | kCmdFast | kCmdLocksKeys, 1, 1, 1, CmdZPopMin,
                   "sorted-set", "Remove and return members with the lowest scores in a sorted set",
                   "5.0.0", "@write @sortedset @fast", "RW access delete",
                   "O(log(N)*M) with N being the number of elements in the sorted set, and M being "
                   "the number of elements popped."});
  table->Register({"zrandmember", -2, kCmdReadOnly | kCmdLocksKeys, 1, 1, 1, CmdZRandMember,
                   "sorted-set", "Get one or multiple random elements from a sorted set", "6.2.0",
                   "@read @sortedset @slow", "RO access",
                   "O(N) where N is the number of elements returned"});
  table->Register({"zrange", -4, kCmdReadOnly | kCmdLocksKeys, 1, 1, 1, CmdZRange, "sorted-set",
                   "Return a range of members in a sorted set", "1.2.0", "@read @sortedset @slow",
                   "RO access",
                   "O(log(N)+M) with N being the number of elements in the sorted set and M the "
                   "number of elements returned."});
  table->Register({"zrangebylex", -4, kCmdReadOnly | kCmdLocksKeys, 1, 1, 1, CmdZRangeByLex,
                   "sorted-set",
                   "Return a range of members in a sorted set, by lexicographical range", "2.8.9",
                   "@read @sortedset @slow", "RO access",
                   "O(log(N)+M) with N being the number of elements in the sorted set and M the "
                   "number of elements being returned. If M is constant (e.g. always asking for "
                   "the first 10 elements with LIMIT), you can consider it O(log(N))."});
  table->Register({"zrangebyscore", -4, kCmdReadOnly | kCmdLocksKeys, 1, 1, 1, CmdZRangeByScore,
                   "sorted-set", "Return a range of members in a sorted set, by score", "1.0.5",
                   "@read @sortedset @slow", "RO access",
                   "O(log(N)+M) with N being the number of elements in the sorted set and M the "
                   "number of elements being returned. If M is constant (e.g. always asking for "
                   "the first 10 elements with LIMIT), you can consider it O(log(N))."});
  table->Register({"zrangestore", -5, kCmdWrite | kCmdDenyOom | kCmdLocksKeys, 1, 2, 1,
                   CmdZRangeStore, "sorted-set",
                   "Store a range of members from sorted set into another key", "6.2.0",
                   "@write @sortedset @slow", "OW update",
                   "O(log(N)+M) with N being the number of elements in the sorted set and M the "
                   "number of elements stored into the destination key."});
  table->Register({"zrank", 3, kCmdReadOnly | kCmdFast | kCmdLocksKeys, 1, 1, 1, CmdZRank,
                   "sorted-set", "Determine the index of a member in a sorted set", "2.0.0",
                   "@read @sortedset @fast", "RO access", "O(log(N))"});
  table->Register({"zrem", -3, kCmdWrite | kCmdFast | kCmdLocksKeys, 1, 1, 1, CmdZRem, "sorted-set",
                   "Remove one or more members from a sorted set", "1.2.0",
                   "@write @sortedset @fast", "RW delete",
                   "O(M*log(N)) with N being the number of elements in the sorted set and M the "
                   "number of elements to be removed."});
  table->Register({"zremrangebylex", 4, kCmdWrite | kCmdLocksKeys, 1, 1, 1, CmdZRemRangeByLex,
                   "sorted-set",
                   "Remove all members in a sorted set between the given lexicographical range",
                   "2.8.9", "@write @sortedset @slow", "RW delete",
                   "O(log(N)+M) with N being the number of elements in the sorted set and M the "
                   "number of elements removed by the operation."});
  table->Register({"zremrangebyrank", 4, kCmdWrite | kCmdLocksKeys, 1, 1, 1, CmdZRemRangeByRank,
                   "sorted-set", "Remove all members in a sorted set within the given indexes",
                   "2.0.0", "@write @sortedset @slow", "RW delete",
                   "O(log(N)+M) with N being the number of elements in the sorted set and M the "
                   "number of elements removed by the operation."});
  table->Register({"zremrangebyscore", 4, kCmdWrite | kCmdLocksKeys, 1, 1, 1, CmdZRemRangeByScore,
                   "sorted-set", "Remove all members in a sorted set within the given scores",
                   "1.2.0", "@write @sortedset @slow", "RW delete",
                   "O(log(N)+M) with N being the number of elements in the sorted set and M the "
                   "number of elements removed by the operation."});
  table->Register(
      {"zrevrange", -4, kCmdReadOnly | kCmdLocksKeys, 1, 1, 1, CmdZRevRange, "sorted-set",
       "Return a range of members in a sorted set, by index, with scores ordered from high to low",
       "1.2.0", "@read @sortedset @slow", "RO access",
       "O(log(N)+M) with N being the number of elements in the sorted set and M the number of "
       "elements returned."});
  table->Register({"zrevrangebylex", -4, kCmdReadOnly | kCmdLocksKeys, 1, 1, 1, CmdZRevRangeByLex,
                   "sorted-set",
                   "Return a range of members in a sorted set, by lexicographical range, ordered "
                   "from higher to lower strings.",
                   "2.8.9", "@read @sortedset @slow", "RO access",
                   "O(log(N)+M) with N being the number of elements in the sorted set and M the "
                   "number of elements being returned. If M is constant (e.g. always asking for "
                   "the first 10 elements with LIMIT), you can consider it O(log(N))."});
  table->Register(
      {"zrevrangebyscore", -4, kCmdReadOnly | kCmdLocksKeys, 1, 1, 1, CmdZRevRangeByScore,
       "sorted-set",
       "Return a range of members in a sorted set, by score, with scores ordered from high to low",
       "2.2.0", "@read @sortedset @slow", "RO access",
       "O(log(N)+M) with N being the number of elements in the sorted set and M the number of "
       "elements being returned. If M is constant (e.g. always asking for the first 10 elements "
       "with LIMIT), you can consider it O(log(N))."});
  table->Register(
      {"zrevrank", 3, kCmdReadOnly | kCmdFast | kCmdLocksKeys, 1, 1, 1, CmdZRevRank, "sorted-set",
       "Determine the index of a member in a sorted set, with scores ordered from high to low",
       "2.0.0", "@read @sortedset @fast", "RO access", "O(log(N))"});
  table->Register(
      {"zscan", -3, kCmdReadOnly | kCmdLocksKeys, 1, 1, 1, CmdZScan, "sorted-set",
       "Incrementally iterate sorted sets elements and associated scores", "2.8.0",
       "@read @sortedset @slow", "RO access",
       "O(1) for every call. O(N) for a complete iteration, including enough command calls for the "
       "cursor to return back to 0. N is the number of elements inside the collection.."});
  table->Register({"zscore", 3, kCmdReadOnly | kCmdFast | kCmdLocksKeys, 1, 1, 1, CmdZScore,
                   "sorted-set", "Get the score associated with the given member in a sorted set",
                   "1.2.0", "@read @sortedset @fast", "RO access", "O(1)"});
  table->Register({"zunion",
                   -3,
                   kCmdReadOnly | kCmdLocksKeys,
                   0,
                   0,
                   0,
                   CmdZUnion,
                   "sorted-set",
                   "Add multiple sorted sets",
                   "6.2.0",
                   "@read @sortedset @slow",
                   "RO access",
                   "O(N)+O(M*log(M)) with N being the sum of the sizes of the input sorted sets, "
                   "and M being the number of elements in the resulting sorted set.",
                   {},
                   NumKeysAt1});
  table->Register({"zunionstore",
                   -4,
                   kCmdWrite | kCmdDenyOom | kCmdLocksKeys,
                   1,
                   1,
                   1,
                   CmdZUnionStore,
                   "sorted-set",
                   "Add multiple sorted sets and store the resulting sorted set in a new key",
                   "2.0.0",
                   "@write @sortedset @slow",
                   "OW update",
                   "O(N)+O(M log(M)) with N being the sum of the sizes of the input sorted sets, "
                   "and M being the number of elements in the resulting sorted set.",
                   {},
                   DestAndNumKeysAt2});
  // The members each looks up (MemberPrefetcher). ZADD's are at 3, 5, ...
  // when no option comes first; a guess that misses only loses the prefetch.
  for (std::string_view name : {"zadd", "zincrby"}) table->SetMemberArgs(name, 3, 2);
  for (std::string_view name : {"zscore", "zmscore", "zrem", "zrank", "zrevrank"}) {
    table->SetMemberArgs(name, 2, 1);
  }
}

}  // namespace valkdb
