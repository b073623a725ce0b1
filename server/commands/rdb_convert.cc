#include "server/commands/rdb_convert.h"

#include <memory>
#include <utility>
#include <vector>

#include "protocol/str_util.h"
#include "server/commands/typed.h"
#include "server/store/types/intset.h"
#include "server/store/types/packed.h"
#include "server/store/types/packed_table.h"
#include "server/store/types/quicklist.h"
#include "server/store/types/stream.h"

namespace valkdb {

rdb::EncodeOptions RdbEncodeOptions(const Config& config) {
  rdb::EncodeOptions options;
  options.hash_max_listpack_entries = static_cast<size_t>(config.hash_max_listpack_entries());
  options.hash_max_listpack_value = static_cast<size_t>(config.hash_max_listpack_value());
  options.set_max_intset_entries = static_cast<size_t>(config.set_max_intset_entries());
  options.zset_max_listpack_entries = static_cast<size_t>(config.zset_max_listpack_entries());
  options.zset_max_listpack_value = static_cast<size_t>(config.zset_max_listpack_value());
  options.list_max_listpack_size = static_cast<int>(config.list_max_listpack_size());
  options.rdb_compression = config.GetString("rdbcompression") != "no";
  return options;
}

rdb::Value EntryToRdbValue(const Entry& entry, rdb::RdbType* type) {
  rdb::Value value;
  switch (entry.type()) {
    case Entry::Type::kString:
      value.kind = rdb::Kind::kString;
      value.string = std::string(entry.value_view());
      *type = rdb::kTypeString;
      break;
    case Entry::Type::kList:
      value.kind = rdb::Kind::kList;
      entry.list()->ForEachFrom(0, false, [&](std::string_view e) {
        value.items.emplace_back(e);
        return true;
      });
      *type = rdb::kTypeListQuicklist2;
      break;
    case Entry::Type::kSet:
      value.kind = rdb::Kind::kSet;
      if (entry.is_table()) {
        entry.table()->ForEach(
            [&](std::string_view m, std::string_view) { value.items.emplace_back(m); });
        *type = rdb::kTypeSet;
      } else {
        const std::string_view set = entry.value_view();
        for (size_t i = 0; i < intset::Count(set); ++i) {
          value.items.push_back(StrCat(intset::Get(set, i)));
        }
        *type = rdb::kTypeSetIntset;
      }
      break;
    case Entry::Type::kHash:
      value.kind = rdb::Kind::kHash;
      if (entry.is_table()) {
        entry.table()->ForEach([&](std::string_view f, std::string_view v) {
          value.items.emplace_back(f);
          value.items.emplace_back(v);
        });
        *type = rdb::kTypeHash;
      } else {
        packed::Reader reader(entry.value_view());
        std::string_view e;
        while (reader.Next(&e)) value.items.emplace_back(e);
        *type = rdb::kTypeHashListpack;
      }
      break;
    case Entry::Type::kZSet:
      value.kind = rdb::Kind::kZSet;
      ForEachZSetRecord(entry,
                        [&](std::string_view m, double s) { value.zset.emplace_back(m, s); });
      *type = entry.is_table() ? rdb::kTypeZSet2 : rdb::kTypeZSetListpack;
      break;
    case Entry::Type::kStream:
      value.kind = rdb::Kind::kStream;
      value.stream = entry.stream()->Clone();
      *type = rdb::kTypeStreamListpacks2;
      break;
  }
  return value;
}

std::optional<Entry> EntryFromRdbValue(const Config& config, std::string_view key,
                                       rdb::Value& value) {
  switch (value.kind) {
    case rdb::Kind::kString:
      return Entry::Make(key, std::string_view(value.string));
    case rdb::Kind::kList: {
      auto list = std::make_unique<QuickList>(config.list_max_listpack_size(),
                                              config.list_compress_depth());
      for (const std::string& e : value.items) list->PushBack(e);
      return Entry::MakeList(key, list.release());
    }
    case rdb::Kind::kSet: {
      std::string set = intset::Empty(), scratch;
      bool small = static_cast<int64_t>(value.items.size()) <= config.set_max_intset_entries();
      for (size_t i = 0; small && i < value.items.size(); ++i) {
        const std::optional<int64_t> member = intset::ParseMember(value.items[i]);
        if (!member || !intset::Add(set, *member, &scratch)) {
          small = false;
          break;
        }
        set.swap(scratch);
      }
      if (small) return Entry::MakeCompact(key, Entry::Type::kSet, set);
      auto table = std::make_unique<PackedTable>(1);
      for (const std::string& m : value.items) table->Insert(m);
      return Entry::MakeTable(key, Entry::Type::kSet, table.release());
    }
    case rdb::Kind::kHash: {
      const size_t pairs = value.items.size() / 2;
      bool small = static_cast<int64_t>(pairs) <= config.hash_max_listpack_entries();
      for (size_t i = 0; small && i < value.items.size(); ++i) {
        small = static_cast<int64_t>(value.items[i].size()) <= config.hash_max_listpack_value();
      }
      if (small) {
        std::string bytes;
        for (const std::string& e : value.items) packed::Append(&bytes, e);
        return Entry::MakeCompact(key, Entry::Type::kHash, bytes);
      }
      auto table = std::make_unique<PackedTable>(2);
      for (size_t i = 0; i + 1 < value.items.size(); i += 2) {
        table->Insert(value.items[i], value.items[i + 1]);
      }
      return Entry::MakeTable(key, Entry::Type::kHash, table.release());
    }
    case rdb::Kind::kZSet: {
      std::vector<small_zset::Record> records;
      records.reserve(value.zset.size());
      for (const auto& [member, score] : value.zset) records.push_back({member, score});
      return MakeZSetEntry(key, &records, config);
    }
    case rdb::Kind::kStream:
      // Kept as loaded: Redis does not re-split a loaded stream's nodes either.
      if (value.stream == nullptr) return std::nullopt;
      return Entry::MakeStream(key, value.stream.release());
  }
  return std::nullopt;
}

void EncodeEntry(const Entry& entry, const rdb::EncodeOptions& options, std::string* out) {
  if (entry.type() == Entry::Type::kStream) {  // written from the stream itself, not a copy
    rdb::EncodeStream(*entry.stream(), options.rdb_compression, out);
    return;
  }
  rdb::RdbType type = rdb::kTypeString;
  const rdb::Value value = EntryToRdbValue(entry, &type);
  // A value that no longer fits its encoding's form (cannot happen for what
  // the store builds) is written in the form the thresholds pick.
  const size_t start = out->size();
  if (!rdb::EncodeAs(value, type, options, out).ok()) {
    out->resize(start);
    rdb::Encode(value, options, out);
  }
}

}  // namespace valkdb
