// SADD SREM SMEMBERS SISMEMBER SMISMEMBER SCARD SPOP SRANDMEMBER SMOVE SINTER
// SINTERCARD SINTERSTORE SUNION SUNIONSTORE SDIFF SDIFFSTORE SSCAN
//
// Each follows its Redis 7.0 counterpart in t_set.c. A set of integers
// starts inline in its entry as an intset (sorted, as Redis's); a set with a
// member that is not an integer, or more than set-max-intset-entries
// members, is a PackedTable (Redis's hashtable). Dispatch locks every key's
// shard (kCmdLocksKeys) before a handler runs, so multi-key commands are whole.
#include <algorithm>
#include <charconv>
#include <memory>
#include <string>
#include <vector>

#include "protocol/str_util.h"
#include "server/commands/command_table.h"
#include "server/commands/errors.h"
#include "server/commands/set_ref.h"
#include "server/commands/typed.h"
#include "server/store/types/intset.h"
#include "server/store/types/packed_table.h"

namespace valkdb {
namespace {

constexpr Entry::Type kSet = Entry::Type::kSet;

// A set being built outside the keyspace (SUNION/SINTER/SDIFF results), with
// Redis's encoding rules: intset while it can, then a table.
class SetBuilder {
 public:
  explicit SetBuilder(int64_t max_intset) : max_intset_(max_intset), intset_(intset::Empty()) {}

  bool Add(std::string_view member) {
    if (table_ == nullptr) {
      const std::optional<int64_t> value = intset::ParseMember(member);
      if (value) {
        if (!intset::Add(intset_, *value, &scratch_)) return false;
        intset_.swap(scratch_);
        if (static_cast<int64_t>(intset::Count(intset_)) > max_intset_) ToTable();
        return true;
      }
      ToTable();
    }
    return table_->Insert(member);
  }
  SetRef ref() const { return SetRef(intset_, table_.get()); }
  size_t Size() const { return ref().Size(); }
  // The finished set as the entry of `key`.
  Entry ToEntry(std::string_view key) {
    if (table_ != nullptr) return Entry::MakeTable(key, kSet, table_.release());
    return Entry::MakeCompact(key, kSet, intset_);
  }

 private:
  void ToTable() {
    table_ = std::make_unique<PackedTable>(1);
    SetRef(intset_, nullptr).ForEach([&](std::string_view m) { table_->Insert(m); });
    intset_ = intset::Empty();
  }

  int64_t max_intset_;
  std::string intset_;
  std::string scratch_;
  std::unique_ptr<PackedTable> table_;
};

// Moves an inline intset to a table.
Entry* ConvertToTable(Shard& shard, std::string_view key,
                      Entry* entry) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  auto* table = new PackedTable(1);
  SetRef(entry).ForEach([&](std::string_view m) { table->Insert(m); });
  shard.Put(key, Entry::MakeTable(key, kSet, table), std::nullopt, true);
  return shard.FindMutable(key, 0);
}

// Redis's setTypeAdd on the set held by *entry (created, as setTypeCreate
// would, when null). True when the member is new.
bool SetAdd(CommandContext& ctx, Shard& shard, std::string_view key, Entry** entry,
            std::string_view member) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  const std::optional<int64_t> value = intset::ParseMember(member);
  if (*entry == nullptr) {
    if (value) {
      shard.Put(key, Entry::MakeCompact(key, kSet, intset::Empty()), std::nullopt, false);
    } else {
      shard.Put(key, Entry::MakeTable(key, kSet, new PackedTable(1)), std::nullopt, false);
    }
    *entry = shard.FindMutable(key, ctx.now_ms);
  }
  if (!(*entry)->is_table()) {
    if (!value) {
      *entry = ConvertToTable(shard, key, *entry);
    } else {
      std::string& scratch = Scratch();
      if (!intset::Add((*entry)->value_view(), *value, &scratch)) return false;
      WriteCompact(shard, key, scratch);
      *entry = shard.FindMutable(key, ctx.now_ms);
      if (static_cast<int64_t>(intset::Count(scratch)) >
          ctx.server.config->set_max_intset_entries()) {
        *entry = ConvertToTable(shard, key, *entry);
      }
      return true;
    }
  }
  return (*entry)->table()->Insert(member);
}

// Removes a member; true when it was there. The caller deletes an emptied key.
bool SetRemove(Shard& shard, std::string_view key, Entry* entry,
               std::string_view member) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  if (entry->is_table()) return entry->table()->Erase(member);
  const std::optional<int64_t> value = intset::ParseMember(member);
  if (!value) return false;
  std::string& scratch = Scratch();
  if (!intset::Remove(entry->value_view(), *value, &scratch)) return false;
  WriteCompact(shard, key, scratch);
  return true;
}

// Deletes `key` when its set has become empty; true when it did.
bool DeleteIfEmpty(CommandContext& ctx, Shard& shard,
                   std::string_view key) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  Entry* entry = shard.FindMutable(key, ctx.now_ms);
  if (entry == nullptr || SetRef(entry).Size() > 0) return false;
  shard.Erase(key);
  return true;
}

void ReplyMembers(CommandContext& ctx, const SetRef& set, bool as_set) {
  if (as_set) {
    ctx.out.Set(set.Size());
  } else {
    ctx.out.Array(set.Size());
  }
  set.ForEach([&](std::string_view m) { ctx.out.Bulk(m); });
}

void CmdSAdd(CommandContext& ctx) {
  std::string_view key = ctx.arg(1);
  Shard& shard = ctx.shard(key);
  AssumeLocked(shard);
  Entry* entry = nullptr;
  if (LookupTyped(ctx, shard, key, kSet, false, &entry) == Lookup::kWrongType) return;
  int64_t added = 0;
  for (size_t i = 2; i < ctx.argc(); ++i) added += SetAdd(ctx, shard, key, &entry, ctx.arg(i));
  if (added > 0) {
    ctx.KeyModified(key);
    ctx.Notify(kEventSet, "sadd", key);
  }
  ctx.out.Integer(added);
}

void CmdSRem(CommandContext& ctx) {
  std::string_view key = ctx.arg(1);
  Shard& shard = ctx.shard(key);
  AssumeLocked(shard);
  Entry* entry = nullptr;
  const Lookup found = LookupTyped(ctx, shard, key, kSet, false, &entry);
  if (found == Lookup::kWrongType) return;
  int64_t removed = 0;
  bool emptied = false;
  if (found == Lookup::kFound) {
    for (size_t i = 2; i < ctx.argc(); ++i) {
      if (!SetRemove(shard, key, entry, ctx.arg(i))) continue;
      ++removed;
      if ((emptied = DeleteIfEmpty(ctx, shard, key))) break;
      entry = shard.FindMutable(key, ctx.now_ms);
    }
  }
  if (removed > 0) {
    ctx.KeyModified(key);
    ctx.Notify(kEventSet, "srem", key);
    if (emptied) ctx.Notify(kEventGeneric, "del", key);
  }
  ctx.out.Integer(removed);
}

// A set for reading; nullptr when missing or (after WRONGTYPE) of another type.
const Entry* ReadSet(CommandContext& ctx, std::string_view key, bool* wrongtype) {
  Entry* entry = nullptr;
  *wrongtype = LookupTyped(ctx, ctx.shard(key), key, kSet, true, &entry) == Lookup::kWrongType;
  return entry;
}

void CmdSMembers(CommandContext& ctx) {
  bool wrongtype = false;
  const Entry* entry = ReadSet(ctx, ctx.arg(1), &wrongtype);
  if (wrongtype) return;
  if (entry == nullptr) {
    ctx.out.Set(0);
    return;
  }
  ReplyMembers(ctx, SetRef(entry), true);
}

void CmdSIsMember(CommandContext& ctx) {
  bool wrongtype = false;
  const Entry* entry = ReadSet(ctx, ctx.arg(1), &wrongtype);
  if (wrongtype) return;
  ctx.out.Integer(entry != nullptr && SetRef(entry).Contains(ctx.arg(2)) ? 1 : 0);
}

void CmdSMIsMember(CommandContext& ctx) {
  bool wrongtype = false;
  const Entry* entry = ReadSet(ctx, ctx.arg(1), &wrongtype);
  if (wrongtype) return;
  ctx.out.Array(ctx.argc() - 2);
  for (size_t i = 2; i < ctx.argc(); ++i) {
    ctx.out.Integer(entry != nullptr && SetRef(entry).Contains(ctx.arg(i)) ? 1 : 0);
  }
}

void CmdSCard(CommandContext& ctx) {
  bool wrongtype = false;
  const Entry* entry = ReadSet(ctx, ctx.arg(1), &wrongtype);
  if (wrongtype) return;
  ctx.out.Integer(entry == nullptr ? 0 : static_cast<int64_t>(SetRef(entry).Size()));
}

// SPOP key [count], as Redis's spopCommand and spopWithCountCommand.
void CmdSPop(CommandContext& ctx) {
  if (ctx.argc() > 3) {
    ctx.out.Error(errors::kSyntax);
    return;
  }
  int64_t count = 1;
  const bool with_count = ctx.argc() == 3;
  if (with_count) {
    // Redis's getPositiveLongFromObjectOrReply: one text for every unusable count.
    if (!ParseInt64(ctx.arg(2), &count) || count < 0) {
      ctx.out.Error("value is out of range, must be positive");
      return;
    }
  }
  std::string_view key = ctx.arg(1);
  Shard& shard = ctx.shard(key);
  AssumeLocked(shard);
  Entry* entry = nullptr;
  const Lookup found = LookupTyped(ctx, shard, key, kSet, false, &entry);
  if (found == Lookup::kWrongType) return;
  if (found == Lookup::kMissing || count == 0) {
    if (with_count) {
      ctx.out.Set(0);
    } else {
      ctx.out.Null();
    }
    return;
  }
  const size_t size = SetRef(entry).Size();
  if (with_count && static_cast<uint64_t>(count) >= size) {
    ReplyMembers(ctx, SetRef(entry), true);
    AssumeLocked(shard);
    shard.Erase(key);
    ctx.Propagate({"DEL", key});
    ctx.KeyModified(key);
    ctx.Notify(kEventSet, "spop", key);
    ctx.Notify(kEventGeneric, "del", key);
    return;
  }
  if (!with_count) {  // the common case, without the list of members below
    const std::string member = SetRef(entry).Random();
    SetRemove(shard, key, entry, member);
    const bool emptied = DeleteIfEmpty(ctx, shard, key);
    // Replayed, a random pop would pick another member: Redis propagates SREM.
    ctx.Propagate({"SREM", key, member});
    ctx.KeyModified(key);
    ctx.Notify(kEventSet, "spop", key);
    if (emptied) ctx.Notify(kEventGeneric, "del", key);
    ctx.out.Bulk(member);
    return;
  }
  std::vector<std::string> popped;
  for (int64_t i = 0; i < count; ++i) {
    popped.push_back(SetRef(entry).Random());
    SetRemove(shard, key, entry, popped.back());
    entry = shard.FindMutable(key, ctx.now_ms);
  }
  const bool emptied = DeleteIfEmpty(ctx, shard, key);
  // Replayed, a random pop would pick other members: Redis propagates SREM.
  ctx.propagate.assign({"SREM", std::string(key)});
  for (const std::string& m : popped) ctx.propagate.push_back(m);
  ctx.KeyModified(key);
  ctx.Notify(kEventSet, "spop", key);
  if (emptied) ctx.Notify(kEventGeneric, "del", key);
  ctx.out.Set(popped.size());
  for (const std::string& m : popped) ctx.out.Bulk(m);
}

// SRANDMEMBER key [count], as Redis's srandmemberCommand.
void CmdSRandMember(CommandContext& ctx) {
  if (ctx.argc() > 3) {
    ctx.out.Error(errors::kSyntax);
    return;
  }
  if (ctx.argc() == 2) {
    bool wrongtype = false;
    const Entry* entry = ReadSet(ctx, ctx.arg(1), &wrongtype);
    if (wrongtype) return;
    if (entry == nullptr) {
      ctx.out.Null();
    } else {
      ctx.out.Bulk(SetRef(entry).Random());
    }
    return;
  }
  int64_t count = 0;
  if (!ParseIntArg(ctx, ctx.arg(2), &count)) return;
  if (count == INT64_MIN) {
    ctx.out.Error(
        "value is out of range, value must between -9223372036854775807 and "
        "9223372036854775807");
    return;
  }
  bool wrongtype = false;
  const Entry* entry = ReadSet(ctx, ctx.arg(1), &wrongtype);
  if (wrongtype) return;
  if (entry == nullptr || count == 0) {
    ctx.out.Array(0);
    return;
  }
  const SetRef set(entry);
  if (count < 0) {
    ctx.out.Array(static_cast<size_t>(-count));
    for (int64_t i = 0; i < -count; ++i) ctx.out.Bulk(set.Random());
    return;
  }
  std::vector<std::string> members = set.Members();
  const auto wanted = static_cast<size_t>(count);
  if (wanted < members.size()) {
    for (size_t i = 0; i < wanted; ++i) {
      std::swap(members[i], members[i + NextRandom(&Rng()) % (members.size() - i)]);
    }
    members.resize(wanted);
  }
  ctx.out.Array(members.size());
  for (const std::string& m : members) ctx.out.Bulk(m);
}

void CmdSMove(CommandContext& ctx) {
  std::string_view from = ctx.arg(1), to = ctx.arg(2), member = ctx.arg(3);
  Shard& source = ctx.shard(from);
  AssumeLocked(source);
  Shard& target = ctx.shard(to);
  AssumeLocked(target);
  Entry* src = source.FindMutable(from, ctx.now_ms);
  Entry* dst = target.FindMutable(to, ctx.now_ms);
  if (src == nullptr) {
    ctx.out.Integer(0);
    return;
  }
  if (src->type() != kSet || (dst != nullptr && dst->type() != kSet)) {
    ctx.out.Error(errors::kWrongType);
    return;
  }
  if (from == to) {
    ctx.out.Integer(SetRef(src).Contains(member) ? 1 : 0);
    return;
  }
  if (!SetRemove(source, from, src, member)) {
    ctx.out.Integer(0);
    return;
  }
  ctx.Notify(kEventSet, "srem", from);
  if (DeleteIfEmpty(ctx, source, from)) ctx.Notify(kEventGeneric, "del", from);
  dst = target.FindMutable(to, ctx.now_ms);
  ctx.KeyModified(from);
  // Only a member really added changes the destination (Redis's SMOVE).
  if (SetAdd(ctx, target, to, &dst, member) > 0) {
    ctx.KeyModified(to);
    ctx.Notify(kEventSet, "sadd", to);
  }
  ctx.out.Integer(1);
}

// The sets named by args[first, first + count): null for a missing key.
// False after WRONGTYPE.
bool LookupSets(CommandContext& ctx, size_t first, size_t count, bool read,
                std::vector<const Entry*>* sets) {
  for (size_t i = first; i < first + count; ++i) {
    Entry* entry = nullptr;
    if (LookupTyped(ctx, ctx.shard(ctx.arg(i)), ctx.arg(i), kSet, read, &entry) ==
        Lookup::kWrongType) {
      return false;
    }
    sets->push_back(entry);
  }
  return true;
}

// Stores a result set at `dest` (deleting it when the result is empty) and
// replies its size, as the *STORE commands do.
void StoreResult(CommandContext& ctx, std::string_view dest, SetBuilder* result,
                 std::string_view event) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  Shard& shard = ctx.shard(dest);
  AssumeLocked(shard);
  const size_t size = result->Size();
  if (size > 0) {
    shard.Put(dest, result->ToEntry(dest), std::nullopt, false);
    ctx.KeyModified(dest);
    ctx.Notify(kEventSet, event, dest);
  } else if (shard.Find(dest, ctx.now_ms) != nullptr && shard.Erase(dest)) {
    ctx.KeyModified(dest);
    ctx.Notify(kEventGeneric, "del", dest);
  }
  ctx.out.Integer(static_cast<int64_t>(size));
}

enum class SetOp { kInter, kUnion, kDiff };

// SINTER SINTERSTORE SINTERCARD SUNION SUNIONSTORE SDIFF SDIFFSTORE.
// first: the first source key; dest: empty unless storing; limit for SINTERCARD.
void SetOperation(CommandContext& ctx, SetOp op, size_t first, size_t count, std::string_view dest,
                  bool cardinality_only, int64_t limit) {
  std::vector<const Entry*> sets;
  if (!LookupSets(ctx, first, count, dest.empty(), &sets)) return;
  SetBuilder result(ctx.server.config->set_max_intset_entries());
  if (op == SetOp::kInter) {
    const bool any_missing = std::find(sets.begin(), sets.end(), nullptr) != sets.end();
    if (any_missing) {
      if (!dest.empty()) {
        StoreResult(ctx, dest, &result, "sinterstore");
      } else if (cardinality_only) {
        ctx.out.Integer(0);
      } else {
        ctx.out.Set(0);
      }
      return;
    }
    // Walk the smallest set, checking the others (Redis sorts them by size).
    std::stable_sort(sets.begin(), sets.end(), [](const Entry* a, const Entry* b) {
      return SetRef(a).Size() < SetRef(b).Size();
    });
    std::vector<std::string> members;
    int64_t cardinality = 0;
    bool stop = false;
    SetRef(sets[0]).ForEach([&](std::string_view m) {
      if (stop) return;
      for (size_t j = 1; j < sets.size(); ++j) {
        if (sets[j] != sets[0] && !SetRef(sets[j]).Contains(m)) return;
      }
      if (cardinality_only) {
        ++cardinality;
        if (limit > 0 && cardinality >= limit) stop = true;
      } else if (!dest.empty()) {
        result.Add(m);
      } else {
        members.emplace_back(m);
      }
    });
    if (cardinality_only) {
      ctx.out.Integer(cardinality);
    } else if (!dest.empty()) {
      StoreResult(ctx, dest, &result, "sinterstore");
    } else {
      ctx.out.Set(members.size());
      for (const std::string& m : members) ctx.out.Bulk(m);
    }
    return;
  }
  if (op == SetOp::kUnion) {
    for (const Entry* set : sets) {
      if (set != nullptr) SetRef(set).ForEach([&](std::string_view m) { result.Add(m); });
    }
  } else if (sets[0] != nullptr) {
    SetRef(sets[0]).ForEach([&](std::string_view m) {
      for (size_t j = 1; j < sets.size(); ++j) {
        if (sets[j] != nullptr && (sets[j] == sets[0] || SetRef(sets[j]).Contains(m))) return;
      }
      result.Add(m);
    });
  }
  if (!dest.empty()) {
    StoreResult(ctx, dest, &result, op == SetOp::kUnion ? "sunionstore" : "sdiffstore");
  } else {
    ReplyMembers(ctx, result.ref(), true);
  }
}

void CmdSInter(CommandContext& ctx) {
  SetOperation(ctx, SetOp::kInter, 1, ctx.argc() - 1, {}, false, 0);
}
void CmdSInterStore(CommandContext& ctx) {
  SetOperation(ctx, SetOp::kInter, 2, ctx.argc() - 2, ctx.arg(1), false, 0);
}
void CmdSUnion(CommandContext& ctx) {
  SetOperation(ctx, SetOp::kUnion, 1, ctx.argc() - 1, {}, false, 0);
}
void CmdSUnionStore(CommandContext& ctx) {
  SetOperation(ctx, SetOp::kUnion, 2, ctx.argc() - 2, ctx.arg(1), false, 0);
}
void CmdSDiff(CommandContext& ctx) {
  SetOperation(ctx, SetOp::kDiff, 1, ctx.argc() - 1, {}, false, 0);
}
void CmdSDiffStore(CommandContext& ctx) {
  SetOperation(ctx, SetOp::kDiff, 2, ctx.argc() - 2, ctx.arg(1), false, 0);
}

// SINTERCARD numkeys key [key ...] [LIMIT limit]: the keys follow numkeys.
void SInterCardKeys(const CommandContext& ctx, KeyList* keys) {
  int64_t numkeys = 0;
  if (!ParseInt64(ctx.arg(1), &numkeys) || numkeys < 1) return;
  const auto last = std::min<uint64_t>(ctx.argc() - 1, 1 + static_cast<uint64_t>(numkeys));
  for (size_t i = 2; i <= last; ++i) keys->push_back({ctx.client.db, ctx.arg(i)});
}

void CmdSInterCard(CommandContext& ctx) {
  int64_t numkeys = 0;
  if (!ParseInt64(ctx.arg(1), &numkeys) || numkeys < 1) {
    ctx.out.Error("numkeys should be greater than 0");
    return;
  }
  if (numkeys > static_cast<int64_t>(ctx.argc()) - 2) {
    ctx.out.Error("Number of keys can't be greater than number of args");
    return;
  }
  int64_t limit = 0;
  for (size_t j = 2 + static_cast<size_t>(numkeys); j < ctx.argc(); ++j) {
    if (EqualsIgnoreCase(ctx.arg(j), "limit") && j + 1 < ctx.argc()) {
      if (!ParseInt64(ctx.arg(j + 1), &limit) || limit < 0) {
        ctx.out.Error("LIMIT can't be negative");
        return;
      }
      ++j;
    } else {
      ctx.out.Error(errors::kSyntax);
      return;
    }
  }
  SetOperation(ctx, SetOp::kInter, 2, static_cast<size_t>(numkeys), {}, true, limit);
}

void CmdSScan(CommandContext& ctx) {
  uint64_t cursor = 0;
  if (!ParseScanCursor(ctx.arg(2), &cursor)) {
    ctx.out.Error(errors::kInvalidCursor);
    return;
  }
  bool wrongtype = false;
  const Entry* entry = ReadSet(ctx, ctx.arg(1), &wrongtype);
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
  auto visit = [&](std::string_view m) {
    if (options.use_pattern && !GlobMatch(options.pattern, m, false)) return;
    found.emplace_back(m);
  };
  uint64_t next = 0;
  if (entry->is_table()) {
    const PackedTable& table = *entry->table();
    size_t steps = static_cast<size_t>(options.count) * 10;
    next = cursor;
    do {
      next = table.Scan(next, [&](std::string_view m, std::string_view) { visit(m); });
    } while (next != 0 && found.size() < static_cast<size_t>(options.count) && --steps > 0);
  } else {
    SetRef(entry).ForEach(visit);
  }
  ctx.out.Array(2);
  ctx.out.Bulk(StrCat(next));
  ctx.out.Array(found.size());
  for (const std::string& m : found) ctx.out.Bulk(m);
}

}  // namespace

void RegisterSetFamily(CommandTable* table) {
  constexpr uint32_t kWriteFast = kCmdWrite | kCmdDenyOom | kCmdFast | kCmdLocksKeys;
  constexpr uint32_t kWrite = kCmdWrite | kCmdDenyOom | kCmdLocksKeys;
  constexpr uint32_t kReadFast = kCmdReadOnly | kCmdFast | kCmdLocksKeys;
  constexpr uint32_t kRead = kCmdReadOnly | kCmdLocksKeys;
  table->Register({"sadd", -3, kWriteFast, 1, 1, 1, CmdSAdd, "set",
                   "Add one or more members to a set", "1.0.0", "@write @set @fast", "RW insert",
                   "O(1) for each element added, so O(N) to add N elements when the command is "
                   "called with multiple arguments."});
  table->Register({"srem", -3, kCmdWrite | kCmdFast | kCmdLocksKeys, 1, 1, 1, CmdSRem, "set",
                   "Remove one or more members from a set", "1.0.0", "@write @set @fast",
                   "RW delete", "O(N) where N is the number of members to be removed."});
  table->Register({"smembers", 2, kRead, 1, 1, 1, CmdSMembers, "set",
                   "Get all the members in a set", "1.0.0", "@read @set @slow", "RO access",
                   "O(N) where N is the set cardinality."});
  table->Register({"sismember", 3, kReadFast, 1, 1, 1, CmdSIsMember, "set",
                   "Determine if a given value is a member of a set", "1.0.0", "@read @set @fast",
                   "RO"});
  table->Register({"smismember", -3, kReadFast, 1, 1, 1, CmdSMIsMember, "set",
                   "Returns the membership associated with the given elements for a set", "6.2.0",
                   "@read @set @fast", "RO",
                   "O(N) where N is the number of elements being checked for membership"});
  table->Register({"scard", 2, kReadFast, 1, 1, 1, CmdSCard, "set",
                   "Get the number of members in a set", "1.0.0", "@read @set @fast", "RO"});
  table->Register({"spop", -2, kCmdWrite | kCmdFast | kCmdLocksKeys, 1, 1, 1, CmdSPop, "set",
                   "Remove and return one or multiple random members from a set", "1.0.0",
                   "@write @set @fast", "RW access delete",
                   "Without the count argument O(1), otherwise O(N) where N is the value of the "
                   "passed count."});
  table->Register({"srandmember", -2, kRead, 1, 1, 1, CmdSRandMember, "set",
                   "Get one or multiple random members from a set", "1.0.0", "@read @set @slow",
                   "RO access",
                   "Without the count argument O(1), otherwise O(N) where N is the absolute value "
                   "of the passed count."});
  table->Register({"smove", 4, kWriteFast, 1, 2, 1, CmdSMove, "set",
                   "Move a member from one set to another", "1.0.0", "@write @set @fast",
                   "RW access delete"});
  table->Register({"sinter", -2, kRead, 1, -1, 1, CmdSInter, "set", "Intersect multiple sets",
                   "1.0.0", "@read @set @slow", "RO access",
                   "O(N*M) worst case where N is the cardinality of the smallest set and M is the "
                   "number of sets."});
  table->Register({"sintercard",
                   -3,
                   kRead,
                   0,
                   0,
                   0,
                   CmdSInterCard,
                   "set",
                   "Intersect multiple sets and return the cardinality of the result",
                   "7.0.0",
                   "@read @set @slow",
                   "RO access",
                   "O(N*M) worst case where N is the cardinality of the smallest set and M is the "
                   "number of sets.",
                   {},
                   SInterCardKeys});
  table->Register({"sinterstore", -3, kWrite, 1, -1, 1, CmdSInterStore, "set",
                   "Intersect multiple sets and store the resulting set in a key", "1.0.0",
                   "@write @set @slow", "OW update",
                   "O(N*M) worst case where N is the cardinality of the smallest set and M is the "
                   "number of sets."});
  table->Register({"sunion", -2, kRead, 1, -1, 1, CmdSUnion, "set", "Add multiple sets", "1.0.0",
                   "@read @set @slow", "RO access",
                   "O(N) where N is the total number of elements in all given sets."});
  table->Register({"sunionstore", -3, kWrite, 1, -1, 1, CmdSUnionStore, "set",
                   "Add multiple sets and store the resulting set in a key", "1.0.0",
                   "@write @set @slow", "OW update",
                   "O(N) where N is the total number of elements in all given sets."});
  table->Register({"sdiff", -2, kRead, 1, -1, 1, CmdSDiff, "set", "Subtract multiple sets", "1.0.0",
                   "@read @set @slow", "RO access",
                   "O(N) where N is the total number of elements in all given sets."});
  table->Register({"sdiffstore", -3, kWrite, 1, -1, 1, CmdSDiffStore, "set",
                   "Subtract multiple sets and store the resulting set in a key", "1.0.0",
                   "@write @set @slow", "OW update",
                   "O(N) where N is the total number of elements in all given sets."});
  table->Register({"sscan", -3, kRead, 1, 1, 1, CmdSScan, "set",
                   "Incrementally iterate Set elements", "2.8.0", "@read @set @slow", "RO access",
                   "O(1) for every call. O(N) for a complete iteration, including enough command "
                   "calls for the cursor to return back to 0. N is the size of the collection."});
  // The members each looks up (MemberPrefetcher).
  for (std::string_view name : {"sadd", "srem", "sismember", "smismember"}) {
    table->SetMemberArgs(name, 2, 1);
  }
  table->SetMemberArgs("smove", 3, 1);
}

}  // namespace valkdb
