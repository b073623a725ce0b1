// SORT and SORT_RO, as Redis 7.0's sortCommandGeneric (sort.c): BY (a
// pattern, or a constant for no sorting), GET (# or patterns, with ->field
// for hashes), LIMIT, ASC/DESC, ALPHA, STORE.
//
// BY and GET name keys that are only known while the command runs, so SORT
// locks every shard of its database (in the one global order) instead of
// declaring keys up front.
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "protocol/str_util.h"
#include "server/commands/command_table.h"
#include "server/commands/errors.h"
#include "server/commands/typed.h"
#include "server/store/types/intset.h"
#include "server/store/types/packed.h"
#include "server/store/types/packed_table.h"
#include "server/store/types/quicklist.h"

namespace valkdb {
namespace {

struct SortItem {
  explicit SortItem(std::string v) : value(std::move(v)) {}
  std::string value;
  double score = 0;
  std::optional<std::string> by;  // ALPHA with BY: the value sorted by (none: missing)
};

// Redis's compareStringObjects: bytes, then length.
int CompareBytes(std::string_view a, std::string_view b) {
  const int cmp = std::memcmp(a.data(), b.data(), std::min(a.size(), b.size()));
  if (cmp != 0) return cmp;
  return a.size() < b.size() ? -1 : a.size() > b.size() ? 1 : 0;
}

// Redis's lookupKeyByPattern: the string at the key `pattern` names once its
// first '*' is replaced by `subst` (or the field after "->" of that hash);
// "#" is `subst` itself. Every shard of the database is locked.
std::optional<std::string> LookupByPattern(const CommandContext& ctx, std::string_view pattern,
                                           std::string_view subst) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  if (pattern == "#") return std::string(subst);
  const size_t star = pattern.find('*');
  if (star == std::string_view::npos) return std::nullopt;
  std::string_view field;
  size_t postfix_end = pattern.size();
  const size_t arrow = pattern.find("->", star + 1);
  if (arrow != std::string_view::npos && arrow + 2 < pattern.size()) {
    field = pattern.substr(arrow + 2);
    postfix_end = arrow;
  }
  const std::string key =
      StrCat(pattern.substr(0, star), subst, pattern.substr(star + 1, postfix_end - star - 1));
  Shard& shard = ctx.shard(key);
  const Entry* entry = shard.Find(key, ctx.now_ms);
  if (entry == nullptr) return std::nullopt;
  if (field.empty()) {
    if (entry->type() != Entry::Type::kString) return std::nullopt;
    return std::string(entry->value_view());
  }
  if (entry->type() != Entry::Type::kHash) return std::nullopt;
  std::string_view value;
  if (entry->is_table()) {
    if (!entry->table()->Find(field, &value)) return std::nullopt;
    return std::string(value);
  }
  packed::Record record;
  if (!packed::Find(entry->value_view(), field, 2, &record)) return std::nullopt;
  return std::string(record.second);
}

void SortGeneric(CommandContext& ctx, bool readonly) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  bool desc = false, alpha = false, dontsort = false;
  int64_t limit_start = 0, limit_count = -1;
  std::optional<std::string_view> store_key, sort_by;
  std::vector<std::string_view> gets;
  for (size_t j = 2; j < ctx.argc(); ++j) {
    const std::string_view option = ctx.arg(j);
    const size_t left = ctx.argc() - j - 1;
    if (EqualsIgnoreCase(option, "asc")) {
      desc = false;
    } else if (EqualsIgnoreCase(option, "desc")) {
      desc = true;
    } else if (EqualsIgnoreCase(option, "alpha")) {
      alpha = true;
    } else if (EqualsIgnoreCase(option, "limit") && left >= 2) {
      if (!ParseIntArg(ctx, ctx.arg(j + 1), &limit_start) ||
          !ParseIntArg(ctx, ctx.arg(j + 2), &limit_count)) {
        return;
      }
      j += 2;
    } else if (!readonly && EqualsIgnoreCase(option, "store") && left >= 1) {
      store_key = ctx.arg(++j);
    } else if (EqualsIgnoreCase(option, "by") && left >= 1) {
      sort_by = ctx.arg(++j);
      if (sort_by->find('*') == std::string_view::npos) dontsort = true;
    } else if (EqualsIgnoreCase(option, "get") && left >= 1) {
      gets.push_back(ctx.arg(++j));
    } else {
      ctx.out.Error(errors::kSyntax);
      return;
    }
  }

  MultiShardLock locks(ctx.store);
  locks.LockDatabase(ctx.client.db);
  ctx.locks = &locks;
  std::string_view key = ctx.arg(1);
  Shard& shard = ctx.shard(key);
  const Entry* entry = shard.Find(key, ctx.now_ms);
  CountLookup(ctx, entry != nullptr, key);
  if (entry != nullptr && entry->type() != Entry::Type::kList &&
      entry->type() != Entry::Type::kSet && entry->type() != Entry::Type::kZSet) {
    ctx.out.Error(errors::kWrongType);
    ctx.locks = nullptr;
    return;
  }
  const bool is_set = entry != nullptr && entry->type() == Entry::Type::kSet;
  // A set has no order of its own: stored results, and results a script
  // sees, are sorted so replicas agree (a script's writes may depend on them).
  const bool from_script = ctx.client.script_changes != nullptr;
  if (dontsort && is_set && (store_key || from_script)) {
    dontsort = false;
    alpha = true;
    sort_by.reset();
  }

  std::vector<SortItem> items;
  if (entry != nullptr && entry->type() == Entry::Type::kList) {
    entry->list()->ForEachFrom(0, false, [&](std::string_view e) {
      items.emplace_back(std::string(e));
      return true;
    });
  } else if (entry != nullptr && entry->type() == Entry::Type::kZSet) {
    // In the set's order, so BY nosort keeps it (reversed for DESC).
    ForEachZSetRecord(*entry,
                      [&](std::string_view m, double) { items.emplace_back(std::string(m)); });
  } else if (is_set) {
    if (entry->is_table()) {
      entry->table()->ForEach(
          [&](std::string_view m, std::string_view) { items.emplace_back(std::string(m)); });
    } else {
      const std::string_view set = entry->value_view();
      for (size_t i = 0; i < intset::Count(set); ++i) {
        items.emplace_back(StrCat(intset::Get(set, i)));
      }
    }
  }
  const auto length = static_cast<int64_t>(items.size());
  int64_t start = std::min(std::max<int64_t>(limit_start, 0), length);
  limit_count = std::min(std::max<int64_t>(limit_count, -1), length);
  int64_t end = limit_count < 0 ? length - 1 : start + limit_count - 1;
  if (start >= length) {
    start = length - 1;
    end = length - 2;
  }
  if (end >= length) end = length - 1;
  if (dontsort && desc && !is_set) std::reverse(items.begin(), items.end());

  bool conversion_error = false;
  if (!dontsort) {
    for (SortItem& item : items) {
      std::optional<std::string> by_value;
      if (sort_by) {
        by_value = LookupByPattern(ctx, *sort_by, item.value);
        if (!by_value) continue;
      }
      const std::string& text = sort_by ? *by_value : item.value;
      if (alpha) {
        if (sort_by) item.by = text;
        continue;
      }
      char* end_ptr = nullptr;
      errno = 0;
      item.score = std::strtod(text.c_str(), &end_ptr);
      if (*end_ptr != '\0' || end_ptr != text.c_str() + text.size() || errno == ERANGE ||
          std::isnan(item.score)) {
        conversion_error = true;
      }
    }
    const bool by_pattern = sort_by.has_value();
    std::stable_sort(items.begin(), items.end(), [&](const SortItem& a, const SortItem& b) {
      int cmp = 0;
      if (!alpha) {
        cmp = a.score > b.score ? 1 : a.score < b.score ? -1 : CompareBytes(a.value, b.value);
      } else if (by_pattern) {
        if (!a.by || !b.by) {
          cmp = a.by == b.by ? 0 : !a.by ? -1 : 1;
        } else {
          cmp = CompareBytes(*a.by, *b.by);
        }
      } else {
        cmp = CompareBytes(a.value, b.value);
      }
      return desc ? cmp > 0 : cmp < 0;
    });
  }

  const int64_t count = end >= start ? end - start + 1 : 0;
  const auto output_length =
      static_cast<size_t>(gets.empty() ? count : count * static_cast<int64_t>(gets.size()));
  if (conversion_error) {
    ctx.out.Error("One or more scores can't be converted into double");
  } else if (!store_key) {
    ctx.out.Array(output_length);
    for (int64_t j = start; j <= end; ++j) {
      const std::string& value = items[static_cast<size_t>(j)].value;
      if (gets.empty()) ctx.out.Bulk(value);
      for (std::string_view pattern : gets) {
        const std::optional<std::string> got = LookupByPattern(ctx, pattern, value);
        if (got) {
          ctx.out.Bulk(*got);
        } else {
          ctx.out.Null();
        }
      }
    }
  } else {
    Shard& target = ctx.shard(*store_key);
    if (output_length > 0) {
      auto* list = new QuickList(ctx.server.config->list_max_listpack_size(),
                                 ctx.server.config->list_compress_depth());
      for (int64_t j = start; j <= end; ++j) {
        const std::string& value = items[static_cast<size_t>(j)].value;
        if (gets.empty()) list->PushBack(value);
        for (std::string_view pattern : gets) {
          list->PushBack(LookupByPattern(ctx, pattern, value).value_or(""));
        }
      }
      target.Put(*store_key, Entry::MakeList(*store_key, list), std::nullopt, false);
      ctx.KeyModified(*store_key);
      ctx.Notify(kEventList, "sortstore", *store_key);
      ctx.KeyReady(ctx.client.db, *store_key);
    } else if (target.Erase(*store_key)) {
      ctx.KeyModified(*store_key);
      ctx.Notify(kEventGeneric, "del", *store_key);
    }
    ctx.out.Integer(static_cast<int64_t>(output_length));
  }
  // The change is published while every shard is still locked.
  if (ctx.wrote && ctx.store.feed().active()) PublishChange(ctx);
  ctx.wrote = false;
  ctx.locks = nullptr;
}

// Redis's sortGetKeys: the key, and the last STORE's destination (LIMIT,
// GET and BY arguments are skipped, so a key named "store" there is not one).
void SortKeys(const CommandContext& ctx, KeyList* keys) {
  keys->push_back({ctx.client.db, ctx.arg(1)});
  std::optional<std::string_view> store;
  for (size_t i = 2; i < ctx.argc(); ++i) {
    const std::string_view word = ctx.arg(i);
    if (EqualsIgnoreCase(word, "limit")) {
      i += 2;
    } else if (EqualsIgnoreCase(word, "get") || EqualsIgnoreCase(word, "by")) {
      i += 1;
    } else if (EqualsIgnoreCase(word, "store") && i + 1 < ctx.argc()) {
      store = ctx.arg(i + 1);
    }
  }
  if (store) keys->push_back({ctx.client.db, *store});
}

void CmdSort(CommandContext& ctx) { SortGeneric(ctx, false); }
void CmdSortRo(CommandContext& ctx) { SortGeneric(ctx, true); }

}  // namespace

void RegisterSortFamily(CommandTable* table) {
  constexpr std::string_view kComplexity =
      "O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the "
      "number of returned elements. When the elements are not sorted, complexity is O(N).";
  table->Register({"sort",
                   -2,
                   kCmdWrite | kCmdDenyOom,
                   1,
                   1,
                   1,
                   CmdSort,
                   "generic",
                   "Sort the elements in a list, set or sorted set",
                   "1.0.0",
                   "@write @set @sortedset @list @slow @dangerous",
                   "RO access",
                   kComplexity,
                   {},
                   SortKeys});
  table->Register({"sort_ro", -2, kCmdReadOnly, 1, 1, 1, CmdSortRo, "generic",
                   "Sort the elements in a list, set or sorted set. Read-only variant of SORT.",
                   "7.0.0", "@read @set @sortedset @list @slow @dangerous", "RO access",
                   kComplexity});
}

}  // namespace valkdb
