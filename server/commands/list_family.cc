// LPUSH LPUSHX RPUSH RPUSHX LPOP RPOP LLEN LINDEX LINSERT LSET LRANGE LTRIM
// LREM LPOS LMOVE RPOPLPUSH LMPOP
//
// Each follows its Redis 7.0 counterpart in t_list.c, including the order in
// which arguments are checked against the key's type (which error wins).
// A list is a QuickList owned by its entry (Redis 7.0 lists are always
// quicklists). Dispatch locks every key's shard (kCmdLocksKeys) before a
// handler runs, so LMOVE between shards is whole.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "protocol/str_util.h"
#include "server/commands/blocking.h"
#include "server/commands/command_table.h"
#include "server/commands/errors.h"
#include "server/commands/typed.h"
#include "server/store/types/quicklist.h"

namespace valkdb {
namespace {

constexpr Entry::Type kList = Entry::Type::kList;

enum class ListEnd { kLeft, kRight };

// A new, empty list at `key` (which holds nothing), with the node limit configured now.
QuickList* CreateList(CommandContext& ctx, Shard& shard,
                      std::string_view key) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  auto* list = new QuickList(ctx.server.config->list_max_listpack_size(),
                             ctx.server.config->list_compress_depth());
  shard.Put(key, Entry::MakeList(key, list), std::nullopt, false);
  ctx.KeyReady(ctx.client.db, key);
  return list;
}

// Redis's addListRangeReply: elements start..end (negative: from the tail),
// reversed (end first) when asked.
void ReplyListRange(CommandContext& ctx, const QuickList& list, int64_t start, int64_t end,
                    bool reverse) {
  const auto length = static_cast<int64_t>(list.size());
  if (start < 0) start += length;
  if (end < 0) end += length;
  if (start < 0) start = 0;
  if (start > end || start >= length) {
    ctx.out.Array(0);
    return;
  }
  if (end >= length) end = length - 1;
  int64_t remaining = end - start + 1;
  ctx.out.Array(static_cast<size_t>(remaining));
  list.ForEachFrom(static_cast<size_t>(reverse ? end : start), reverse, [&](std::string_view e) {
    ctx.out.Bulk(e);
    return --remaining > 0;
  });
}

void PopRange(QuickList* list, ListEnd where, size_t count) {
  if (where == ListEnd::kLeft) {
    list->Trim(count, 0);
  } else {
    list->Trim(0, count);
  }
}

std::string_view PopEvent(ListEnd where) { return where == ListEnd::kLeft ? "lpop" : "rpop"; }
std::string_view PushEvent(ListEnd where) { return where == ListEnd::kLeft ? "lpush" : "rpush"; }

// After elements were popped from `where`: an emptied list is deleted; the
// key changed, with Redis's events (the pop, then "del").
void ListElementsRemoved(CommandContext& ctx, Shard& shard, std::string_view key,
                         const QuickList* list, ListEnd where) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  const bool emptied = list->empty();
  if (emptied) shard.Erase(key);
  ctx.KeyModified(key);
  ctx.Notify(kEventList, PopEvent(where), key);
  if (emptied) ctx.Notify(kEventGeneric, "del", key);
}

// Redis's listPopRangeAndReplyWithKey (LMPOP, BLMPOP): [key, [elements]],
// propagated as LPOP/RPOP key count.
void PopRangeAndReplyWithKey(CommandContext& ctx, Shard& shard, std::string_view key,
                             QuickList* list, ListEnd where, int64_t count) {
  const auto length = static_cast<int64_t>(list->size());
  const int64_t taken = std::min(count, length);
  ctx.out.Array(2);
  ctx.out.Bulk(key);
  if (where == ListEnd::kLeft) {
    ReplyListRange(ctx, *list, 0, taken - 1, false);
  } else {
    ReplyListRange(ctx, *list, -taken, -1, true);
  }
  PopRange(list, where, static_cast<size_t>(taken));
  ListElementsRemoved(ctx, shard, key, list, where);
  ctx.Propagate({where == ListEnd::kLeft ? "LPOP" : "RPOP", key, StrCat(taken)});
}

bool ParseListEnd(CommandContext& ctx, std::string_view text, ListEnd* where) {
  if (EqualsIgnoreCase(text, "right")) {
    *where = ListEnd::kRight;
  } else if (EqualsIgnoreCase(text, "left")) {
    *where = ListEnd::kLeft;
  } else {
    ctx.out.Error(errors::kSyntax);
    return false;
  }
  return true;
}

// LMOVE's work (Redis's lmoveGenericCommand) once the source is known to be
// a list with elements: false, with nothing replied, when the source is missing.
bool MoveElement(CommandContext& ctx, std::string_view from, std::string_view to, ListEnd wherefrom,
                 ListEnd whereto) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  Shard& source = ctx.shard(from);
  Entry* src = nullptr;
  const Lookup found = LookupTyped(ctx, source, from, kList, false, &src);
  if (found == Lookup::kWrongType) return true;
  if (found == Lookup::kMissing) return false;
  Shard& target = ctx.shard(to);
  Entry* dst = target.FindMutable(to, ctx.now_ms);
  if (dst != nullptr && dst->type() != kList) {
    ctx.out.Error(errors::kWrongType);
    return true;
  }
  QuickList* src_list = src->list();
  std::string value(wherefrom == ListEnd::kLeft ? src_list->Front() : src_list->Back());
  if (wherefrom == ListEnd::kLeft) {
    src_list->PopFront();
  } else {
    src_list->PopBack();
  }
  QuickList* dst_list = dst != nullptr ? dst->list() : nullptr;
  if (from == to) {
    dst_list = src_list;
  } else if (dst_list == nullptr) {
    dst_list = CreateList(ctx, target, to);
  }
  if (whereto == ListEnd::kLeft) {
    dst_list->PushFront(value);
  } else {
    dst_list->PushBack(value);
  }
  ctx.KeyModified(to);
  ctx.Notify(kEventList, PushEvent(whereto), to);
  ctx.out.Bulk(value);
  ListElementsRemoved(ctx, source, from, src_list, wherefrom);
  return true;
}

// The list at `key` for a read, or null; *wrongtype after WRONGTYPE was sent.
const QuickList* ReadList(CommandContext& ctx, std::string_view key, bool* wrongtype) {
  Entry* entry = nullptr;
  const Lookup found = LookupTyped(ctx, ctx.shard(key), key, kList, true, &entry);
  *wrongtype = found == Lookup::kWrongType;
  return found == Lookup::kFound ? entry->list() : nullptr;
}

// LPUSH RPUSH LPUSHX RPUSHX, as Redis's pushGenericCommand.
void Push(CommandContext& ctx, ListEnd where, bool only_existing) {
  std::string_view key = ctx.arg(1);
  Shard& shard = ctx.shard(key);
  AssumeLocked(shard);
  Entry* entry = nullptr;
  if (LookupTyped(ctx, shard, key, kList, false, &entry) == Lookup::kWrongType) return;
  QuickList* list = nullptr;
  if (entry != nullptr) {
    list = entry->list();
  } else if (only_existing) {
    ctx.out.Integer(0);
    return;
  } else {
    list = CreateList(ctx, shard, key);
  }
  for (size_t i = 2; i < ctx.argc(); ++i) {
    if (where == ListEnd::kLeft) {
      list->PushFront(ctx.arg(i));
    } else {
      list->PushBack(ctx.arg(i));
    }
  }
  ctx.KeyModified(key);
  ctx.Notify(kEventList, PushEvent(where), key);
  ctx.out.Integer(static_cast<int64_t>(list->size()));
}

void CmdLPush(CommandContext& ctx) { Push(ctx, ListEnd::kLeft, false); }
void CmdRPush(CommandContext& ctx) { Push(ctx, ListEnd::kRight, false); }
void CmdLPushX(CommandContext& ctx) { Push(ctx, ListEnd::kLeft, true); }
void CmdRPushX(CommandContext& ctx) { Push(ctx, ListEnd::kRight, true); }

// LPOP RPOP key [count], as Redis's popGenericCommand.
void Pop(CommandContext& ctx, ListEnd where) {
  if (ctx.argc() > 3) {
    ReplyWrongArity(ctx, ctx.client.last_command);
    return;
  }
  const bool has_count = ctx.argc() == 3;
  int64_t count = 0;
  if (has_count && (!ParseInt64(ctx.arg(2), &count) || count < 0)) {
    ctx.out.Error("value is out of range, must be positive");
    return;
  }
  std::string_view key = ctx.arg(1);
  Shard& shard = ctx.shard(key);
  AssumeLocked(shard);
  Entry* entry = nullptr;
  const Lookup found = LookupTyped(ctx, shard, key, kList, false, &entry);
  if (found == Lookup::kWrongType) return;
  if (found == Lookup::kMissing) {
    if (has_count) {
      ctx.out.NullArray();
    } else {
      ctx.out.Null();
    }
    return;
  }
  if (has_count && count == 0) {
    ctx.out.Array(0);
    return;
  }
  QuickList* list = entry->list();
  if (!has_count) {
    if (where == ListEnd::kLeft) {
      ctx.out.Bulk(list->Front());
      list->PopFront();
    } else {
      ctx.out.Bulk(list->Back());
      list->PopBack();
    }
  } else {
    const int64_t taken = std::min(count, static_cast<int64_t>(list->size()));
    if (where == ListEnd::kLeft) {
      ReplyListRange(ctx, *list, 0, taken - 1, false);
    } else {
      ReplyListRange(ctx, *list, -taken, -1, true);
    }
    PopRange(list, where, static_cast<size_t>(taken));
  }
  ListElementsRemoved(ctx, shard, key, list, where);
}

void CmdLPop(CommandContext& ctx) { Pop(ctx, ListEnd::kLeft); }
void CmdRPop(CommandContext& ctx) { Pop(ctx, ListEnd::kRight); }

void CmdLLen(CommandContext& ctx) {
  bool wrongtype = false;
  const QuickList* list = ReadList(ctx, ctx.arg(1), &wrongtype);
  if (wrongtype) return;
  ctx.out.Integer(list == nullptr ? 0 : static_cast<int64_t>(list->size()));
}

void CmdLIndex(CommandContext& ctx) {
  bool wrongtype = false;
  const QuickList* list = ReadList(ctx, ctx.arg(1), &wrongtype);
  if (wrongtype) return;
  if (list == nullptr) {
    ctx.out.Null();
    return;
  }
  int64_t index = 0;
  if (!ParseIntArg(ctx, ctx.arg(2), &index)) return;
  const auto length = static_cast<int64_t>(list->size());
  if (index < 0) index += length;
  if (index < 0 || index >= length) {
    ctx.out.Null();
    return;
  }
  ctx.out.Bulk(list->At(list->Locate(static_cast<size_t>(index))));
}

void CmdLSet(CommandContext& ctx) {
  std::string_view key = ctx.arg(1);
  Shard& shard = ctx.shard(key);
  AssumeLocked(shard);
  Entry* entry = nullptr;
  const Lookup found = LookupTyped(ctx, shard, key, kList, false, &entry);
  if (found == Lookup::kWrongType) return;
  if (found == Lookup::kMissing) {
    ctx.out.Error(errors::kNoSuchKey);
    return;
  }
  int64_t index = 0;
  if (!ParseIntArg(ctx, ctx.arg(2), &index)) return;
  QuickList* list = entry->list();
  const auto length = static_cast<int64_t>(list->size());
  if (index < 0) index += length;
  if (index < 0 || index >= length) {
    ctx.out.Error("index out of range");
    return;
  }
  list->Replace(list->Locate(static_cast<size_t>(index)), ctx.arg(3));
  ctx.KeyModified(key);
  ctx.Notify(kEventList, "lset", key);
  ctx.out.Ok();
}

void CmdLInsert(CommandContext& ctx) {
  bool after = false;
  if (EqualsIgnoreCase(ctx.arg(2), "after")) {
    after = true;
  } else if (!EqualsIgnoreCase(ctx.arg(2), "before")) {
    ctx.out.Error(errors::kSyntax);
    return;
  }
  std::string_view key = ctx.arg(1);
  Shard& shard = ctx.shard(key);
  AssumeLocked(shard);
  Entry* entry = nullptr;
  const Lookup found = LookupTyped(ctx, shard, key, kList, false, &entry);
  if (found == Lookup::kWrongType) return;
  if (found == Lookup::kMissing) {
    ctx.out.Integer(0);
    return;
  }
  QuickList* list = entry->list();
  QuickList::Position position = list->Locate(0);
  do {
    if (list->At(position) == ctx.arg(3)) {
      list->Insert(position, after, ctx.arg(4));
      ctx.KeyModified(key);
      ctx.Notify(kEventList, "linsert", key);
      ctx.out.Integer(static_cast<int64_t>(list->size()));
      return;
    }
  } while (list->Next(&position));
  ctx.out.Integer(-1);
}

void CmdLRange(CommandContext& ctx) {
  int64_t start = 0, end = 0;
  if (!ParseIntArg(ctx, ctx.arg(2), &start) || !ParseIntArg(ctx, ctx.arg(3), &end)) return;
  bool wrongtype = false;
  const QuickList* list = ReadList(ctx, ctx.arg(1), &wrongtype);
  if (wrongtype) return;
  if (list == nullptr) {
    ctx.out.Array(0);
    return;
  }
  ReplyListRange(ctx, *list, start, end, false);
}

void CmdLTrim(CommandContext& ctx) {
  int64_t start = 0, end = 0;
  if (!ParseIntArg(ctx, ctx.arg(2), &start) || !ParseIntArg(ctx, ctx.arg(3), &end)) return;
  std::string_view key = ctx.arg(1);
  Shard& shard = ctx.shard(key);
  AssumeLocked(shard);
  Entry* entry = nullptr;
  const Lookup found = LookupTyped(ctx, shard, key, kList, false, &entry);
  if (found == Lookup::kWrongType) return;
  if (found == Lookup::kMissing) {
    ctx.out.Ok();
    return;
  }
  QuickList* list = entry->list();
  const auto length = static_cast<int64_t>(list->size());
  if (start < 0) start += length;
  if (end < 0) end += length;
  if (start < 0) start = 0;
  int64_t ltrim = 0, rtrim = 0;
  if (start > end || start >= length) {
    ltrim = length;
  } else {
    if (end >= length) end = length - 1;
    ltrim = start;
    rtrim = length - end - 1;
  }
  list->Trim(static_cast<size_t>(ltrim), static_cast<size_t>(rtrim));
  const bool emptied = list->empty();
  if (emptied) shard.Erase(key);
  ctx.KeyModified(key);
  ctx.Notify(kEventList, "ltrim", key);
  if (emptied) ctx.Notify(kEventGeneric, "del", key);
  ctx.out.Ok();
}

void CmdLRem(CommandContext& ctx) {
  int64_t to_remove = 0;
  if (!ParseIntArg(ctx, ctx.arg(2), &to_remove)) return;
  std::string_view key = ctx.arg(1);
  Shard& shard = ctx.shard(key);
  AssumeLocked(shard);
  Entry* entry = nullptr;
  const Lookup found = LookupTyped(ctx, shard, key, kList, false, &entry);
  if (found == Lookup::kWrongType) return;
  if (found == Lookup::kMissing) {
    ctx.out.Integer(0);
    return;
  }
  QuickList* list = entry->list();
  const bool from_tail = to_remove < 0;
  const uint64_t limit =
      from_tail ? 0 - static_cast<uint64_t>(to_remove) : static_cast<uint64_t>(to_remove);
  const std::string_view element = ctx.arg(3);
  int64_t removed = 0;
  QuickList::Position position = list->Locate(from_tail ? list->size() - 1 : 0);
  bool more = true;
  while (more) {
    if (list->At(position) == element) {
      more = list->Erase(&position, !from_tail);
      ++removed;
      if (limit != 0 && static_cast<uint64_t>(removed) == limit) break;
    } else {
      more = from_tail ? list->Prev(&position) : list->Next(&position);
    }
  }
  if (removed > 0) {
    const bool emptied = list->empty();
    if (emptied) shard.Erase(key);
    ctx.KeyModified(key);
    ctx.Notify(kEventList, "lrem", key);
    if (emptied) ctx.Notify(kEventGeneric, "del", key);
  }
  ctx.out.Integer(removed);
}

void CmdLPos(CommandContext& ctx) {
  int64_t rank = 1, count = -1, maxlen = 0;
  for (size_t j = 3; j < ctx.argc(); ++j) {
    const std::string_view option = ctx.arg(j);
    const bool more = j + 1 < ctx.argc();
    if (EqualsIgnoreCase(option, "rank") && more) {
      if (!ParseIntArg(ctx, ctx.arg(++j), &rank)) return;
      if (rank == 0) {
        ctx.out.Error(
            "RANK can't be zero: use 1 to start from the first match, 2 from the second ... or "
            "use negative to start from the end of the list");
        return;
      }
    } else if (EqualsIgnoreCase(option, "count") && more) {
      if (!ParseInt64(ctx.arg(++j), &count) || count < 0) {
        ctx.out.Error("COUNT can't be negative");
        return;
      }
    } else if (EqualsIgnoreCase(option, "maxlen") && more) {
      if (!ParseInt64(ctx.arg(++j), &maxlen) || maxlen < 0) {
        ctx.out.Error("MAXLEN can't be negative");
        return;
      }
    } else {
      ctx.out.Error(errors::kSyntax);
      return;
    }
  }
  const bool from_tail = rank < 0;
  // LONG_MIN negated: any rank past the list's length behaves alike.
  const uint64_t wanted_rank =
      from_tail ? 0 - static_cast<uint64_t>(rank) : static_cast<uint64_t>(rank);
  bool wrongtype = false;
  const QuickList* list = ReadList(ctx, ctx.arg(1), &wrongtype);
  if (wrongtype) return;
  if (list == nullptr) {
    if (count != -1) {
      ctx.out.Array(0);
    } else {
      ctx.out.Null();
    }
    return;
  }
  const std::string_view element = ctx.arg(2);
  const int64_t length = static_cast<int64_t>(list->size());
  std::vector<int64_t> found;
  int64_t index = 0;
  uint64_t matches = 0;
  list->ForEachFrom(from_tail ? list->size() - 1 : 0, from_tail, [&](std::string_view e) {
    if (maxlen != 0 && index >= maxlen) return false;
    if (e == element && ++matches >= wanted_rank) {
      found.push_back(from_tail ? length - index - 1 : index);
      if (count == -1) return false;
      if (count != 0 && static_cast<int64_t>(found.size()) >= count) return false;
    }
    ++index;
    return true;
  });
  if (count != -1) {
    ctx.out.Array(found.size());
    for (int64_t i : found) ctx.out.Integer(i);
  } else if (found.empty()) {
    ctx.out.Null();
  } else {
    ctx.out.Integer(found.front());
  }
}

void CmdLMove(CommandContext& ctx) {
  ListEnd wherefrom, whereto;
  if (!ParseListEnd(ctx, ctx.arg(3), &wherefrom) || !ParseListEnd(ctx, ctx.arg(4), &whereto)) {
    return;
  }
  if (!MoveElement(ctx, ctx.arg(1), ctx.arg(2), wherefrom, whereto)) ctx.out.Null();
}

void CmdRPopLPush(CommandContext& ctx) {
  if (!MoveElement(ctx, ctx.arg(1), ctx.arg(2), ListEnd::kRight, ListEnd::kLeft)) ctx.out.Null();
}

// LMPOP/BLMPOP's parsed arguments.
struct MultiPop {
  ListEnd where = ListEnd::kLeft;
  int64_t count = 1;
  size_t first_key = 0;
  size_t numkeys = 0;
};

// Redis's lmpopGenericCommand argument checks, numkeys at `numkeys_index`.
bool ParseMultiPop(CommandContext& ctx, size_t numkeys_index, MultiPop* pop) {
  int64_t numkeys = 0;
  if (!ParseInt64(ctx.arg(numkeys_index), &numkeys) || numkeys < 1) {
    ctx.out.Error("numkeys should be greater than 0");
    return false;
  }
  const size_t where_index = numkeys_index + 1 + static_cast<uint64_t>(numkeys);
  if (numkeys >= static_cast<int64_t>(ctx.argc()) || where_index >= ctx.argc()) {
    ctx.out.Error(errors::kSyntax);
    return false;
  }
  if (!ParseListEnd(ctx, ctx.arg(where_index), &pop->where)) return false;
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

// Pops from the first of the keys that holds a list (Redis's mpopGenericCommand).
ServeResult ServeMultiPop(CommandContext& ctx, const MultiPop& pop) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  for (size_t i = pop.first_key; i < pop.first_key + pop.numkeys; ++i) {
    std::string_view key = ctx.arg(i);
    Shard& shard = ctx.shard(key);
    Entry* entry = nullptr;
    const Lookup found = LookupTyped(ctx, shard, key, kList, false, &entry);
    if (found == Lookup::kWrongType) return ServeResult::kReplied;
    if (found == Lookup::kMissing) continue;
    PopRangeAndReplyWithKey(ctx, shard, key, entry->list(), pop.where, pop.count);
    return ServeResult::kReplied;
  }
  return ServeResult::kNothing;
}

void CmdLMPop(CommandContext& ctx) {
  MultiPop pop;
  if (!ParseMultiPop(ctx, 1, &pop)) return;
  if (ServeMultiPop(ctx, pop) == ServeResult::kNothing) ctx.out.NullArray();
}

void LMPopKeys(const CommandContext& ctx, KeyList* keys) { NumKeysFrom(ctx, 1, keys); }

// ---------------------------------------------------------------- blocking

// Serves a list waiter (BLPOP BRPOP BLMPOP BLMOVE BRPOPLPUSH) from `key`,
// under the locks ServeReady took: what the command would have done had the
// element been there when it ran, propagated in its non-blocking form.
void ServeListWaiter(ServeContext& ctx, Waiter& waiter,
                     std::string_view key) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  const int db = waiter.db;
  Shard& shard = ctx.locks(db, key);
  QuickList* list = shard.FindMutable(key, ctx.now_ms)->list();
  const auto from = static_cast<ListEnd>(waiter.from);
  ChangeFeed& feed = ctx.store.feed();
  std::string& reply = waiter.reply;
  if (!waiter.destination.empty()) {
    const std::string_view to_key = waiter.destination;
    Shard& target = ctx.locks(db, to_key);
    Entry* dst = target.FindMutable(to_key, ctx.now_ms);
    if (dst != nullptr && dst->type() != Entry::Type::kList) {
      reply = StrCat(errors::kWrongType, "\r\n");
      return;
    }
    std::string value(from == ListEnd::kLeft ? list->Front() : list->Back());
    if (from == ListEnd::kLeft) {
      list->PopFront();
    } else {
      list->PopBack();
    }
    QuickList* dst_list = key == to_key ? list : dst != nullptr ? dst->list() : nullptr;
    if (dst_list == nullptr) {
      dst_list = new QuickList(ctx.server.config->list_max_listpack_size(),
                               ctx.server.config->list_compress_depth());
      target.Put(to_key, Entry::MakeList(to_key, dst_list), std::nullopt, false);
      if (ctx.server.blocking.HasWaiters(db, to_key))
        ctx.ready->push_back({db, std::string(to_key)});
    }
    if (static_cast<ListEnd>(waiter.to) == ListEnd::kLeft) {
      dst_list->PushFront(value);
    } else {
      dst_list->PushBack(value);
    }
    const bool emptied = list->empty();
    if (emptied) shard.Erase(key);
    AppendBulk(&reply, value);
    if (feed.active()) {
      feed.Publish(db, {"LMOVE", key, to_key, from == ListEnd::kLeft ? "LEFT" : "RIGHT",
                        static_cast<ListEnd>(waiter.to) == ListEnd::kLeft ? "LEFT" : "RIGHT"});
    }
    feed.Notify(kEventList, db, PushEvent(static_cast<ListEnd>(waiter.to)), to_key);
    feed.Notify(kEventList, db, PopEvent(from), key);
    if (emptied) feed.Notify(kEventGeneric, db, "del", key);
    ctx.server.watches.Touch(db, key);
    ctx.store.feed().KeyChanged(key, /*by_client=*/true);
    ctx.server.watches.Touch(db, to_key);
    ctx.store.feed().KeyChanged(to_key, /*by_client=*/true);
    return;
  }
  const std::string_view pop = from == ListEnd::kLeft ? "LPOP" : "RPOP";
  AppendArrayHeader(&reply, 2);
  AppendBulk(&reply, key);
  if (waiter.count < 0) {
    // BLPOP / BRPOP: [key, element].
    AppendBulk(&reply, from == ListEnd::kLeft ? list->Front() : list->Back());
    if (from == ListEnd::kLeft) {
      list->PopFront();
    } else {
      list->PopBack();
    }
    if (feed.active()) feed.Publish(db, {pop, key});
  } else {
    // BLMPOP: [key, [elements]].
    const size_t taken = std::min<size_t>(static_cast<size_t>(waiter.count), list->size());
    AppendArrayHeader(&reply, taken);
    size_t remaining = taken;
    list->ForEachFrom(from == ListEnd::kLeft ? 0 : list->size() - 1, from == ListEnd::kRight,
                      [&](std::string_view e) {
                        AppendBulk(&reply, e);
                        return --remaining > 0;
                      });
    PopRange(list, from, taken);
    if (feed.active()) feed.Publish(db, {pop, key, StrCat(taken)});
  }
  feed.Notify(kEventList, db, PopEvent(from), key);
  if (list->empty()) {
    shard.Erase(key);
    feed.Notify(kEventGeneric, db, "del", key);
  }
  ctx.server.watches.Touch(db, key);
  ctx.store.feed().KeyChanged(key, /*by_client=*/true);
}

// Registers the client as waiting on `keys` (the command's locks are held).
void BlockClient(CommandContext& ctx, std::shared_ptr<Waiter> waiter) {
  waiter->client_id = ctx.client.id;
  waiter->loop = ctx.client.loop;
  waiter->db = ctx.client.db;
  waiter->resp3 = ctx.client.protocol >= 3;  // tracking pushes after the reply
  waiter->type = kList;
  waiter->serve = ServeListWaiter;
  ctx.client.blocked = waiter;
  ctx.server.blocking.Add(std::move(waiter));
}

// BLPOP BRPOP key [key ...] timeout, as Redis's blockingPopGenericCommand.
void BlockingPop(CommandContext& ctx, ListEnd where) {
  int64_t deadline = 0;
  if (!ParseBlockTimeout(ctx, ctx.arg(ctx.argc() - 1), &deadline)) return;
  for (size_t i = 1; i + 1 < ctx.argc(); ++i) {
    std::string_view key = ctx.arg(i);
    Shard& shard = ctx.shard(key);
    AssumeLocked(shard);
    Entry* entry = nullptr;
    const Lookup found = LookupTyped(ctx, shard, key, kList, false, &entry);
    if (found == Lookup::kWrongType) return;
    if (found == Lookup::kMissing) continue;
    QuickList* list = entry->list();
    ctx.out.Array(2);
    ctx.out.Bulk(key);
    if (where == ListEnd::kLeft) {
      ctx.out.Bulk(list->Front());
      list->PopFront();
    } else {
      ctx.out.Bulk(list->Back());
      list->PopBack();
    }
    ListElementsRemoved(ctx, shard, key, list, where);
    ctx.Propagate({where == ListEnd::kLeft ? "LPOP" : "RPOP", key});
    return;
  }
  if (!ctx.may_block()) {
    ctx.out.NullArray();
    return;
  }
  auto waiter = std::make_shared<Waiter>();
  for (size_t i = 1; i + 1 < ctx.argc(); ++i) waiter->keys.emplace_back(ctx.arg(i));
  waiter->from = static_cast<int>(where);
  waiter->deadline_ms = deadline;
  BlockClient(ctx, std::move(waiter));
}

void CmdBLPop(CommandContext& ctx) { BlockingPop(ctx, ListEnd::kLeft); }
void CmdBRPop(CommandContext& ctx) { BlockingPop(ctx, ListEnd::kRight); }

// BLMOVE / BRPOPLPUSH, as Redis's blmoveGenericCommand.
void BlockingMove(CommandContext& ctx, ListEnd from, ListEnd to, int64_t deadline) {
  std::string_view source = ctx.arg(1);
  Entry* entry = nullptr;
  const Lookup found = LookupTyped(ctx, ctx.shard(source), source, kList, false, &entry);
  if (found == Lookup::kWrongType) return;
  if (found == Lookup::kFound) {
    MoveElement(ctx, source, ctx.arg(2), from, to);
    if (ctx.wrote) {
      ctx.Propagate({"LMOVE", source, ctx.arg(2), from == ListEnd::kLeft ? "LEFT" : "RIGHT",
                     to == ListEnd::kLeft ? "LEFT" : "RIGHT"});
    }
    return;
  }
  if (!ctx.may_block()) {
    ctx.out.Null();
    return;
  }
  auto waiter = std::make_shared<Waiter>();
  waiter->keys.emplace_back(source);
  waiter->destination = std::string(ctx.arg(2));
  waiter->from = static_cast<int>(from);
  waiter->to = static_cast<int>(to);
  waiter->null_array_on_timeout = false;
  waiter->deadline_ms = deadline;
  BlockClient(ctx, std::move(waiter));
}

void CmdBLMove(CommandContext& ctx) {
  ListEnd from, to;
  if (!ParseListEnd(ctx, ctx.arg(3), &from) || !ParseListEnd(ctx, ctx.arg(4), &to)) return;
  int64_t deadline = 0;
  if (!ParseBlockTimeout(ctx, ctx.arg(5), &deadline)) return;
  BlockingMove(ctx, from, to, deadline);
}

void CmdBRPopLPush(CommandContext& ctx) {
  int64_t deadline = 0;
  if (!ParseBlockTimeout(ctx, ctx.arg(3), &deadline)) return;
  BlockingMove(ctx, ListEnd::kRight, ListEnd::kLeft, deadline);
}

void CmdBLMPop(CommandContext& ctx) {
  MultiPop pop;
  if (!ParseMultiPop(ctx, 2, &pop)) return;
  int64_t deadline = 0;
  if (!ParseBlockTimeout(ctx, ctx.arg(1), &deadline)) return;
  if (ServeMultiPop(ctx, pop) == ServeResult::kReplied) return;
  if (!ctx.may_block()) {
    ctx.out.NullArray();
    return;
  }
  auto waiter = std::make_shared<Waiter>();
  for (size_t i = pop.first_key; i < pop.first_key + pop.numkeys; ++i) {
    waiter->keys.emplace_back(ctx.arg(i));
  }
  waiter->from = static_cast<int>(pop.where);
  waiter->count = pop.count;
  waiter->deadline_ms = deadline;
  BlockClient(ctx, std::move(waiter));
}

void BLMPopKeys(const CommandContext& ctx, KeyList* keys) { NumKeysFrom(ctx, 2, keys); }

}  // namespace

void RegisterListFamily(CommandTable* table) {
  constexpr uint32_t kWriteFast = kCmdWrite | kCmdDenyOom | kCmdFast | kCmdLocksKeys;
  constexpr uint32_t kWriteFastNoOom = kCmdWrite | kCmdFast | kCmdLocksKeys;
  constexpr uint32_t kWrite = kCmdWrite | kCmdLocksKeys;
  constexpr uint32_t kReadFast = kCmdReadOnly | kCmdFast | kCmdLocksKeys;
  constexpr uint32_t kRead = kCmdReadOnly | kCmdLocksKeys;
  constexpr std::string_view kPushComplexity =
      "O(1) for each element added, so O(N) to add N elements when the command is called with "
      "multiple arguments.";
  table->Register({"lpush", -3, kWriteFast, 1, 1, 1, CmdLPush, "list",
                   "Prepend one or multiple elements to a list", "1.0.0", "@write @list @fast",
                   "RW insert", kPushComplexity});
  table->Register({"rpush", -3, kWriteFast, 1, 1, 1, CmdRPush, "list",
                   "Append one or multiple elements to a list", "1.0.0", "@write @list @fast",
                   "RW insert", kPushComplexity});
  table->Register({"lpushx", -3, kWriteFast, 1, 1, 1, CmdLPushX, "list",
                   "Prepend an element to a list, only if the list exists", "2.2.0",
                   "@write @list @fast", "RW insert", kPushComplexity});
  table->Register({"rpushx", -3, kWriteFast, 1, 1, 1, CmdRPushX, "list",
                   "Append an element to a list, only if the list exists", "2.2.0",
                   "@write @list @fast", "RW insert", kPushComplexity});
  table->Register({"lpop", -2, kWriteFastNoOom, 1, 1, 1, CmdLPop, "list",
                   "Remove and get the first elements in a list", "1.0.0", "@write @list @fast",
                   "RW access delete", "O(N) where N is the number of elements returned"});
  table->Register({"rpop", -2, kWriteFastNoOom, 1, 1, 1, CmdRPop, "list",
                   "Remove and get the last elements in a list", "1.0.0", "@write @list @fast",
                   "RW access delete", "O(N) where N is the number of elements returned"});
  table->Register({"llen", 2, kReadFast, 1, 1, 1, CmdLLen, "list", "Get the length of a list",
                   "1.0.0", "@read @list @fast", "RO"});
  table->Register({"lindex", 3, kRead, 1, 1, 1, CmdLIndex, "list",
                   "Get an element from a list by its index", "1.0.0", "@read @list @slow",
                   "RO access",
                   "O(N) where N is the number of elements to traverse to get to the element at "
                   "index. This makes asking for the first or the last element of the list O(1)."});
  table->Register({"lset", 4, kCmdWrite | kCmdDenyOom | kCmdLocksKeys, 1, 1, 1, CmdLSet, "list",
                   "Set the value of an element in a list by its index", "1.0.0",
                   "@write @list @slow", "RW update",
                   "O(N) where N is the length of the list. Setting either the first or the last "
                   "element of the list is O(1)."});
  table->Register({"linsert", 5, kCmdWrite | kCmdDenyOom | kCmdLocksKeys, 1, 1, 1, CmdLInsert,
                   "list", "Insert an element before or after another element in a list", "2.2.0",
                   "@write @list @slow", "RW insert",
                   "O(N) where N is the number of elements to traverse before seeing the value "
                   "pivot. This means that inserting somewhere on the left end on the list (head) "
                   "can be considered O(1) and inserting somewhere on the right end (tail) is "
                   "O(N)."});
  table->Register({"lrange", 4, kRead, 1, 1, 1, CmdLRange, "list",
                   "Get a range of elements from a list", "1.0.0", "@read @list @slow", "RO access",
                   "O(S+N) where S is the distance of start offset from HEAD for small lists, from "
                   "nearest end (HEAD or TAIL) for large lists; and N is the number of elements in "
                   "the specified range."});
  table->Register({"ltrim", 4, kWrite, 1, 1, 1, CmdLTrim, "list",
                   "Trim a list to the specified range", "1.0.0", "@write @list @slow", "RW delete",
                   "O(N) where N is the number of elements to be removed by the "
                   "operation."});
  table->Register({"lrem", 4, kWrite, 1, 1, 1, CmdLRem, "list", "Remove elements from a list",
                   "1.0.0", "@write @list @slow", "RW delete",
                   "O(N+M) where N is the length of the list and M is the number of elements "
                   "removed."});
  table->Register({"lpos", -3, kRead, 1, 1, 1, CmdLPos, "list",
                   "Return the index of matching elements on a list", "6.0.6", "@read @list @slow",
                   "RO",
                   "O(N) where N is the number of elements in the list, for the average "
                   "case. When searching for elements near the head or the tail of the list, or "
                   "when the MAXLEN option is provided, the command may run in constant time."});
  table->Register({"lmove", 5, kCmdWrite | kCmdDenyOom | kCmdLocksKeys, 1, 2, 1, CmdLMove, "list",
                   "Pop an element from a list, push it to another list and return it", "6.2.0",
                   "@write @list @slow", "RW access delete"});
  table->Register({"rpoplpush", 3, kCmdWrite | kCmdDenyOom | kCmdLocksKeys, 1, 2, 1, CmdRPopLPush,
                   "list",
                   "Remove the last element in a list, prepend it to another list and return it",
                   "1.2.0", "@write @list @slow", "RW access delete"});
  table->Register({"lmpop",
                   -4,
                   kWrite,
                   0,
                   0,
                   0,
                   CmdLMPop,
                   "list",
                   "Pop elements from a list",
                   "7.0.0",
                   "@write @list @slow",
                   "RW access delete",
                   "O(N+M) where N is the number of provided keys and M is the number of elements "
                   "returned.",
                   {},
                   LMPopKeys});
  constexpr uint32_t kBlocking = kCmdWrite | kCmdNoScript | kCmdMayBlock | kCmdLocksKeys;
  table->Register({"blpop", -3, kBlocking, 1, -2, 1, CmdBLPop, "list",
                   "Remove and get the first element in a list, or block until one is available",
                   "2.0.0", "@write @list @slow @blocking", "RW access delete",
                   "O(N) where N is the number of provided keys."});
  table->Register({"brpop", -3, kBlocking, 1, -2, 1, CmdBRPop, "list",
                   "Remove and get the last element in a list, or block until one is available",
                   "2.0.0", "@write @list @slow @blocking", "RW access delete",
                   "O(N) where N is the number of provided keys."});
  table->Register({"blmove", 6, kBlocking | kCmdDenyOom, 1, 2, 1, CmdBLMove, "list",
                   "Pop an element from a list, push it to another list and return it; or block "
                   "until one is available",
                   "6.2.0", "@write @list @slow @blocking", "RW access delete"});
  table->Register({"brpoplpush", 4, kBlocking | kCmdDenyOom, 1, 2, 1, CmdBRPopLPush, "list",
                   "Pop an element from a list, push it to another list and return it; or block "
                   "until one is available",
                   "2.2.0", "@write @list @slow @blocking", "RW access delete"});
  table->Register({"blmpop",
                   -5,
                   kBlocking,
                   0,
                   0,
                   0,
                   CmdBLMPop,
                   "list",
                   "Pop elements from a list, or block until one is available",
                   "7.0.0",
                   "@write @list @slow @blocking",
                   "RW access delete",
                   "O(N+M) where N is the number of provided keys and M is the number of elements "
                   "returned.",
                   {},
                   BLMPopKeys});
}

}  // namespace valkdb
