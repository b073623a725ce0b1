#include "server/store/rdb/rdb_value.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <optional>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "server/store/rdb/crc64.h"
#include "server/store/rdb/le_bytes.h"
#include "server/store/rdb/listpack.h"
#include "server/store/rdb/ziplist.h"
#include "server/store/types/intset.h"

namespace valkdb::rdb {
namespace {

// ---------------------------------------------------------------- encoding

// quicklist.c: optimization_level, SIZE_SAFETY_LIMIT, SIZE_ESTIMATE_OVERHEAD,
// packed_threshold.
constexpr size_t kNodeSizeLevels[] = {4096, 8192, 16384, 32768, 65536};
constexpr size_t kNodeSafetyLimit = 8192;
constexpr size_t kNodeSizeOverhead = 8;
constexpr size_t kPlainNodeThreshold = size_t{1} << 30;
constexpr uint64_t kContainerPlain = 1, kContainerPacked = 2;

// _quicklistNodeAllowInsert for a node of `node_bytes` holding `count` entries.
bool NodeAllowsInsert(size_t node_bytes, size_t count, size_t element_size, int fill) {
  const size_t new_sz = node_bytes + element_size + kNodeSizeOverhead;
  if (fill < 0) {
    const auto level = static_cast<size_t>(-fill - 1);
    if (level < std::size(kNodeSizeLevels) && new_sz <= kNodeSizeLevels[level]) return true;
  }
  if (new_sz > kNodeSafetyLimit) return false;
  return fill > 0 && count < static_cast<size_t>(fill);
}

void EncodeQuicklist(const std::vector<std::string>& items, const EncodeOptions& opts,
                     std::string* out) {
  const int fill = std::clamp(opts.list_max_listpack_size, -5, 1 << 15);  // quicklistSetFill
  std::vector<std::pair<uint64_t, std::string>> nodes;
  ListpackBuilder node;
  for (const std::string& item : items) {
    if (item.size() >= kPlainNodeThreshold) {
      if (node.count() > 0) nodes.emplace_back(kContainerPacked, node.Finish());
      nodes.emplace_back(kContainerPlain, item);
      continue;
    }
    if (node.count() > 0 && !NodeAllowsInsert(node.bytes(), node.count(), item.size(), fill)) {
      nodes.emplace_back(kContainerPacked, node.Finish());
    }
    node.Append(item);
  }
  if (node.count() > 0) nodes.emplace_back(kContainerPacked, node.Finish());
  SaveLen(nodes.size(), out);
  for (const auto& [container, bytes] : nodes) {
    SaveLen(container, out);
    SaveString(bytes, opts.rdb_compression, out);
  }
}

// Intset blob: encoding width and count (u32 LE), then sorted members.
std::optional<std::string> MakeIntset(const std::vector<std::string>& members) {
  std::vector<int64_t> values;
  values.reserve(members.size());
  for (const std::string& m : members) {
    auto v = intset::ParseMember(m);
    if (!v) return std::nullopt;
    values.push_back(*v);
  }
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  uint32_t width = 2;
  for (int64_t v : values) {
    if (v < INT32_MIN || v > INT32_MAX) {
      width = 8;
    } else if ((v < INT16_MIN || v > INT16_MAX) && width < 4) {
      width = 4;
    }
  }
  std::string blob;
  const auto put = [&blob](uint64_t x, size_t n) { StoreLe(x, n, &blob); };
  put(width, 4);
  put(values.size(), 4);
  for (int64_t v : values) put(static_cast<uint64_t>(v), width);
  return blob;
}

// Redis's skiplist / listpack order: score, then member bytes.
std::vector<std::pair<std::string, double>> SortedZSet(const Value& v) {
  auto sorted = v.zset;
  std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
    if (a.second != b.second) return a.second < b.second;
    return a.first < b.first;
  });
  return sorted;
}

bool AllShorterThan(const std::vector<std::string>& items, size_t max_len) {
  return std::all_of(items.begin(), items.end(),
                     [max_len](const std::string& s) { return s.size() <= max_len; });
}

// rdbSaveObject's stream IDs: as two lengths, or (in a PEL) as the raw
// 16-byte big-endian radix-tree key.
void SaveStreamId(const StreamID& id, std::string* out) {
  SaveLen(id.ms, out);
  SaveLen(id.seq, out);
}

void SaveRawStreamId(const StreamID& id, std::string* out) {
  char raw[16];
  id.EncodeBigEndian(raw);
  out->append(raw, sizeof(raw));
}

void EncodeStreamPayload(const Stream& stream, bool compress, std::string* out) {
  SaveLen(stream.node_count(), out);
  stream.ForEachNode([&](const StreamID& master, std::string_view listpack) {
    char key[16];
    master.EncodeBigEndian(key);
    SaveString(std::string_view(key, sizeof(key)), compress, out);
    SaveString(listpack, compress, out);
  });
  SaveLen(stream.length(), out);
  SaveStreamId(stream.last_id(), out);
  SaveStreamId(stream.first_id(), out);
  SaveStreamId(stream.max_deleted_entry_id(), out);
  SaveLen(stream.entries_added(), out);
  SaveLen(stream.groups().size(), out);
  for (const auto& [name, group] : stream.groups()) {
    SaveString(name, compress, out);
    SaveStreamId(group->last_id, out);
    // -1 (entries read unknown) goes as the 64-bit length 2^64-1, as Redis writes it.
    SaveLen(static_cast<uint64_t>(group->entries_read), out);
    SaveLen(group->pel.size(), out);
    for (const auto& [id, nack] : group->pel) {
      SaveRawStreamId(id, out);
      SaveMillis(nack->delivery_time, out);
      SaveLen(nack->delivery_count, out);
    }
    // A consumer's PEL is IDs only: loading finds each in the group's PEL.
    SaveLen(group->consumers.size(), out);
    for (const auto& [consumer_name, consumer] : group->consumers) {
      SaveString(consumer_name, compress, out);
      SaveMillis(consumer->seen_time, out);
      SaveLen(consumer->pel.size(), out);
      for (const auto& [id, nack] : consumer->pel) SaveRawStreamId(id, out);
    }
  }
}

// ---------------------------------------------------------------- decoding

absl::Status Corrupt(const char* why) { return absl::InvalidArgumentError(why); }

// Redis refuses an empty collection (rdbLoadObject's "emptykey").
absl::Status EmptyKey() { return Corrupt("empty collection"); }

absl::StatusOr<double> ParseScore(const ListpackEntry& e) {
  if (e.is_int) return static_cast<double>(e.num);
  const std::string text(e.str);
  char* end = nullptr;
  const double d = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || std::isnan(d)) {
    return Corrupt("invalid zset score");
  }
  return d;
}

// Field/member, value/score pairs from a listpack or ziplist (rdb.c's
// lpPairsValidateIntegrityAndDups / ziplistPairsConvertAndValidateIntegrity).
absl::Status PairsToValue(const std::vector<ListpackEntry>& entries, Kind kind, Value* out) {
  if (entries.size() % 2 != 0) return Corrupt("odd number of entries in pairs");
  if (entries.empty()) return EmptyKey();
  out->kind = kind;
  const size_t pairs = entries.size() / 2;
  if (kind == Kind::kHash) {
    out->items.reserve(entries.size());
  } else {
    out->zset.reserve(pairs);
  }
  // Small ones (most loaded values) are checked for duplicates pairwise,
  // without a set's allocations.
  constexpr size_t kPairwiseLimit = 16;
  absl::flat_hash_set<std::string> seen;
  if (pairs > kPairwiseLimit) seen.reserve(pairs);
  const auto duplicate = [&](const std::string& field) {
    if (pairs > kPairwiseLimit) return !seen.insert(field).second;
    if (kind == Kind::kHash) {
      for (size_t j = 0; j < out->items.size(); j += 2) {
        if (out->items[j] == field) return true;
      }
      return false;
    }
    for (const auto& member : out->zset) {
      if (member.first == field) return true;
    }
    return false;
  };
  for (size_t i = 0; i < entries.size(); i += 2) {
    std::string field = entries[i].ToString();
    if (duplicate(field)) return Corrupt("duplicate field or member");
    if (kind == Kind::kHash) {
      out->items.push_back(std::move(field));
      out->items.push_back(entries[i + 1].ToString());
    } else {
      auto score = ParseScore(entries[i + 1]);
      if (!score.ok()) return score.status();
      out->zset.emplace_back(std::move(field), *score);
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<ListpackEntry>> ReadPacked(std::string_view blob, bool ziplist) {
  std::vector<ListpackEntry> entries;
  absl::Status s = ziplist ? DecodeZiplist(blob, &entries) : DecodeListpack(blob, &entries);
  if (!s.ok()) return s;
  return entries;
}

absl::Status DecodeZipmap(std::string_view zm, Value* out) {
  const auto* z = reinterpret_cast<const unsigned char*>(zm.data());
  const size_t size = zm.size();
  if (size < 2 || z[size - 1] != 0xFF) return Corrupt("zipmap integrity check failed");
  const size_t last = size - 1;
  size_t p = 1, count = 0;
  absl::flat_hash_set<std::string_view> seen;
  // A length is one byte below 254, else 0xFE/0xFF and a u32 LE.
  const auto read_len = [&](uint64_t* len) {
    const size_t s = z[p] < 254 ? 1 : 5;
    if (p + s > last) return false;
    *len = s == 1 ? z[p]
                  : (uint64_t{z[p + 1]} | uint64_t{z[p + 2]} << 8 | uint64_t{z[p + 3]} << 16 |
                     uint64_t{z[p + 4]} << 24);
    p += s;
    return true;
  };
  out->kind = Kind::kHash;
  while (z[p] != 0xFF) {
    uint64_t flen, vlen;
    if (!read_len(&flen) || flen > last - p) return Corrupt("zipmap integrity check failed");
    const std::string_view field = zm.substr(p, flen);
    p += flen;
    if (!read_len(&vlen)) return Corrupt("zipmap integrity check failed");
    const uint64_t free = z[p++];  // p <= last after read_len
    if (p > last || vlen + free > last - p) return Corrupt("zipmap integrity check failed");
    if (!seen.insert(field).second) return Corrupt("duplicate field or member");
    out->items.emplace_back(field);
    out->items.emplace_back(zm.substr(p, vlen));
    p += vlen + free;
    ++count;
  }
  if (count == 0 || (z[0] != 254 && z[0] != count)) return Corrupt("zipmap integrity check failed");
  return absl::OkStatus();
}

absl::Status DecodeIntset(std::string_view blob, Value* out) {
  const auto* b = reinterpret_cast<const unsigned char*>(blob.data());
  const auto le = [b](size_t at, size_t n) { return LoadLe(b + at, n); };
  if (blob.size() < 8) return Corrupt("intset integrity check failed");
  const uint64_t width = le(0, 4), count = le(4, 4);
  if ((width != 2 && width != 4 && width != 8) || 8 + count * width != blob.size() || count == 0) {
    return Corrupt("intset integrity check failed");
  }
  out->kind = Kind::kSet;
  out->items.reserve(count);
  int64_t prev = 0;
  for (uint64_t i = 0; i < count; ++i) {
    const uint64_t raw = le(8 + i * width, width);
    const int64_t v = SignExtend(raw, static_cast<unsigned>(8 * width));
    if (i > 0 && v <= prev) return Corrupt("intset integrity check failed");
    prev = v;
    out->items.push_back(absl::StrCat(v));
  }
  return absl::OkStatus();
}

// Reserving for a claimed count is capped by the input left: every element
// takes at least one byte.
size_t ReserveFor(uint64_t claimed, const RdbReader& r) {
  return static_cast<size_t>(std::min<uint64_t>(claimed, r.remaining()));
}

absl::Status DecodeStrings(RdbReader& r, uint64_t n, std::vector<std::string>* out) {
  out->reserve(out->size() + ReserveFor(n, r));
  for (uint64_t i = 0; i < n; ++i) {
    auto s = r.ReadString();
    if (!s.ok()) return s.status();
    out->push_back(*std::move(s));
  }
  return absl::OkStatus();
}

absl::Status DecodeQuicklist(RdbReader& r, bool v2, Value* out) {
  auto nodes = r.ReadLen();
  if (!nodes.ok()) return nodes.status();
  if (*nodes == 0) return EmptyKey();
  out->kind = Kind::kList;
  for (uint64_t i = 0; i < *nodes; ++i) {
    uint64_t container = kContainerPacked;
    if (v2) {
      auto c = r.ReadLen();
      if (!c.ok()) return c.status();
      if (*c != kContainerPacked && *c != kContainerPlain) {
        return Corrupt("quicklist integrity check failed");
      }
      container = *c;
    }
    auto blob = r.ReadString();
    if (!blob.ok()) return blob.status();
    if (blob->empty()) return Corrupt("empty quicklist node");
    if (container == kContainerPlain) {
      out->items.push_back(*std::move(blob));
      continue;
    }
    auto entries = ReadPacked(*blob, /*ziplist=*/!v2);
    if (!entries.ok()) return entries.status();
    for (const ListpackEntry& e : *entries) out->items.push_back(e.ToString());
  }
  // Redis skips empty nodes, then refuses a list left empty.
  if (out->items.empty()) return EmptyKey();
  return absl::OkStatus();
}

absl::Status DecodeZSet(RdbReader& r, bool binary_scores, Value* out) {
  auto n = r.ReadLen();
  if (!n.ok()) return n.status();
  if (*n == 0) return EmptyKey();
  out->kind = Kind::kZSet;
  out->zset.reserve(ReserveFor(*n, r));
  absl::flat_hash_set<std::string> seen;
  for (uint64_t i = 0; i < *n; ++i) {
    auto member = r.ReadString();
    if (!member.ok()) return member.status();
    auto score = binary_scores ? r.ReadBinaryDouble() : r.ReadStringDouble();
    if (!score.ok()) return score.status();
    if (std::isnan(*score)) return Corrupt("zset with NaN score");
    if (!seen.insert(*member).second) return Corrupt("duplicate field or member");
    out->zset.emplace_back(*std::move(member), *score);
  }
  return absl::OkStatus();
}

absl::Status DecodeCollection(RdbReader& r, uint8_t type, Value* out) {
  auto n = r.ReadLen();
  if (!n.ok()) return n.status();
  if (*n == 0) return EmptyKey();
  if (type == kTypeList) {
    out->kind = Kind::kList;
    return DecodeStrings(r, *n, &out->items);
  }
  const bool hash = type == kTypeHash;
  out->kind = hash ? Kind::kHash : Kind::kSet;
  if (hash && *n > UINT64_MAX / 2) return Corrupt("hash length out of range");
  if (absl::Status s = DecodeStrings(r, hash ? *n * 2 : *n, &out->items); !s.ok()) return s;
  absl::flat_hash_set<std::string_view> seen;
  seen.reserve(*n);
  for (size_t i = 0; i < out->items.size(); i += hash ? 2 : 1) {
    if (!seen.insert(out->items[i]).second) return Corrupt("duplicate field or member");
  }
  return absl::OkStatus();
}

absl::Status DecodeBlobType(RdbReader& r, uint8_t type, Value* out) {
  auto blob = r.ReadString();
  if (!blob.ok()) return blob.status();
  switch (type) {
    case kTypeHashZipmap:
      return DecodeZipmap(*blob, out);
    case kTypeSetIntset:
      return DecodeIntset(*blob, out);
    case kTypeListZiplist: {
      auto entries = ReadPacked(*blob, /*ziplist=*/true);
      if (!entries.ok()) return entries.status();
      if (entries->empty()) return EmptyKey();
      out->kind = Kind::kList;
      for (const ListpackEntry& e : *entries) out->items.push_back(e.ToString());
      return absl::OkStatus();
    }
    default: {
      const bool ziplist = type == kTypeZSetZiplist || type == kTypeHashZiplist;
      const bool hash = type == kTypeHashZiplist || type == kTypeHashListpack;
      auto entries = ReadPacked(*blob, ziplist);
      if (!entries.ok()) return entries.status();
      return PairsToValue(*entries, hash ? Kind::kHash : Kind::kZSet, out);
    }
  }
}

absl::StatusOr<StreamID> ReadStreamId(RdbReader& r) {
  auto ms = r.ReadLen();
  if (!ms.ok()) return ms.status();
  auto seq = r.ReadLen();
  if (!seq.ok()) return seq.status();
  return StreamID{*ms, *seq};
}

absl::StatusOr<StreamID> ReadRawStreamId(RdbReader& r) {
  auto raw = r.ReadBytes(16);
  if (!raw.ok()) return raw.status();
  return StreamID::DecodeBigEndian(raw->data());
}

absl::Status DecodeGroups(RdbReader& r, bool v2, Stream& stream) {
  auto groups = r.ReadLen();
  if (!groups.ok()) return groups.status();
  for (uint64_t g = 0; g < *groups; ++g) {
    auto name = r.ReadString();
    if (!name.ok()) return name.status();
    auto last_id = ReadStreamId(r);
    if (!last_id.ok()) return last_id.status();
    int64_t entries_read = 0;
    if (v2) {
      auto n = r.ReadLen();
      if (!n.ok()) return n.status();
      entries_read = static_cast<int64_t>(*n);
    } else {
      entries_read = stream.EstimateDistanceFromFirstEverEntry(*last_id);
    }
    StreamGroup* group = stream.CreateGroup(*name, *last_id, entries_read);
    if (group == nullptr) return Corrupt("Duplicated consumer group name");
    // The group's PEL, its owners resolved from the consumers' PELs below.
    auto pel_size = r.ReadLen();
    if (!pel_size.ok()) return pel_size.status();
    for (uint64_t i = 0; i < *pel_size; ++i) {
      auto id = ReadRawStreamId(r);
      if (!id.ok()) return id.status();
      auto nack = std::make_unique<StreamNack>();
      auto time = r.ReadMillis();
      if (!time.ok()) return time.status();
      auto count = r.ReadLen();
      if (!count.ok()) return count.status();
      nack->delivery_time = *time;
      nack->delivery_count = *count;
      if (!group->pel.try_emplace(*id, std::move(nack)).second) {
        return Corrupt("Duplicated global PEL entry loading stream consumer group");
      }
    }
    auto consumers = r.ReadLen();
    if (!consumers.ok()) return consumers.status();
    for (uint64_t c = 0; c < *consumers; ++c) {
      auto consumer_name = r.ReadString();
      if (!consumer_name.ok()) return consumer_name.status();
      StreamConsumer* consumer = group->CreateConsumer(*consumer_name, 0);
      if (consumer == nullptr) return Corrupt("Duplicate stream consumer detected.");
      auto seen = r.ReadMillis();
      if (!seen.ok()) return seen.status();
      consumer->seen_time = *seen;
      auto own = r.ReadLen();
      if (!own.ok()) return own.status();
      for (uint64_t i = 0; i < *own; ++i) {
        auto id = ReadRawStreamId(r);
        if (!id.ok()) return id.status();
        auto it = group->pel.find(*id);
        if (it == group->pel.end()) return Corrupt("Consumer entry not found in group global PEL");
        // A NACK has one owner: one claimed twice (by this consumer or
        // another) would leave a PEL pointing at a freed NACK later.
        if (it->second->consumer != nullptr) {
          return Corrupt("Duplicated consumer PEL entry loading a stream consumer group");
        }
        it->second->consumer = consumer;
        consumer->pel.emplace(*id, it->second.get());
      }
    }
    for (const auto& [id, nack] : group->pel) {
      if (nack->consumer == nullptr) return Corrupt("Stream CG PEL entry without consumer");
    }
  }
  return absl::OkStatus();
}

// rdbLoadObject's RDB_TYPE_STREAM_LISTPACKS (v2 false) and _2, with its
// deep-sanitization checks always on (a node's listpack entry by entry).
absl::Status DecodeStream(RdbReader& r, bool v2, Value* out) {
  auto stream = std::make_unique<Stream>();
  auto nodes = r.ReadLen();
  if (!nodes.ok()) return nodes.status();
  for (uint64_t i = 0; i < *nodes; ++i) {
    auto key = r.ReadString();
    if (!key.ok()) return key.status();
    if (key->size() != 16) return Corrupt("Stream node key entry is not the size of a stream ID");
    auto listpack = r.ReadString();
    if (!listpack.ok()) return listpack.status();
    if (!stream->AddLoadedNode(StreamID::DecodeBigEndian(key->data()), *std::move(listpack))) {
      return Corrupt("Stream listpack integrity check failed");
    }
  }
  auto length = r.ReadLen();
  if (!length.ok()) return length.status();
  auto last_id = ReadStreamId(r);
  if (!last_id.ok()) return last_id.status();
  StreamID max_deleted;
  uint64_t entries_added = *length;  // a v1 stream: as Redis migrates it
  if (v2) {
    // The first ID is the first live entry's: FinishLoading finds it.
    auto first_id = ReadStreamId(r);
    if (!first_id.ok()) return first_id.status();
    auto deleted = ReadStreamId(r);
    if (!deleted.ok()) return deleted.status();
    auto added = r.ReadLen();
    if (!added.ok()) return added.status();
    max_deleted = *deleted;
    entries_added = *added;
  }
  if (*length != 0 && *nodes == 0) return Corrupt("Stream length inconsistent with rax entries");
  stream->set_last_id(*last_id);
  stream->set_max_deleted_entry_id(max_deleted);
  stream->set_entries_added(entries_added);
  stream->FinishLoading(*length);
  // Not checked by Redis: an entry past the last ID would let XADD append
  // out of order.
  bool ordered = true;
  stream->Range(StreamID::Min(), StreamID::Max(), /*rev=*/true, [&](const Stream::EntryView& e) {
    ordered = e.id <= *last_id;
    return false;
  });
  if (!ordered) return Corrupt("Stream entry ID past the last ID");
  if (absl::Status s = DecodeGroups(r, v2, *stream); !s.ok()) return s;
  out->kind = Kind::kStream;
  out->stream = std::move(stream);
  return absl::OkStatus();
}

constexpr size_t kFooterSize = 10;  // RDB version (2) + CRC64 (8)

}  // namespace

Value::Value(const Value& other)
    : kind(other.kind),
      string(other.string),
      items(other.items),
      zset(other.zset),
      stream(other.stream ? other.stream->Clone() : nullptr) {}

Value& Value::operator=(const Value& other) {
  if (this != &other) *this = Value(other);
  return *this;
}

RdbType ChooseType(const Value& v, const EncodeOptions& opts) {
  switch (v.kind) {
    case Kind::kString:
      return kTypeString;
    case Kind::kList:
      return kTypeListQuicklist2;
    case Kind::kSet: {
      const bool ints = v.items.size() <= opts.set_max_intset_entries &&
                        std::all_of(v.items.begin(), v.items.end(), [](const std::string& m) {
                          return intset::ParseMember(m).has_value();
                        });
      return ints ? kTypeSetIntset : kTypeSet;
    }
    case Kind::kHash:
      return v.items.size() / 2 <= opts.hash_max_listpack_entries &&
                     AllShorterThan(v.items, opts.hash_max_listpack_value)
                 ? kTypeHashListpack
                 : kTypeHash;
    case Kind::kZSet: {
      const bool small = v.zset.size() <= opts.zset_max_listpack_entries &&
                         std::all_of(v.zset.begin(), v.zset.end(), [&opts](const auto& e) {
                           return e.first.size() <= opts.zset_max_listpack_value;
                         });
      return small ? kTypeZSetListpack : kTypeZSet2;
    }
    case Kind::kStream:
      return kTypeStreamListpacks2;
  }
  return kTypeString;
}

absl::Status EncodeAs(const Value& v, RdbType type, const EncodeOptions& opts, std::string* out) {
  const bool fits = (v.kind == Kind::kString && type == kTypeString) ||
                    (v.kind == Kind::kList && type == kTypeListQuicklist2) ||
                    (v.kind == Kind::kSet && (type == kTypeSet || type == kTypeSetIntset)) ||
                    (v.kind == Kind::kHash && (type == kTypeHash || type == kTypeHashListpack)) ||
                    (v.kind == Kind::kZSet && (type == kTypeZSet2 || type == kTypeZSetListpack)) ||
                    (v.kind == Kind::kStream && type == kTypeStreamListpacks2 && v.stream);
  if (!fits) return absl::InvalidArgumentError("value cannot be written as this RDB type");
  if (v.kind == Kind::kHash && v.items.size() % 2 != 0) {
    return absl::InvalidArgumentError("hash items are not field/value pairs");
  }
  std::optional<std::string> blob;
  if (type == kTypeSetIntset) {
    blob = MakeIntset(v.items);
    if (!blob) return absl::InvalidArgumentError("set member is not an integer");
  }
  const bool compress = opts.rdb_compression;
  out->push_back(static_cast<char>(type));
  switch (type) {
    case kTypeString:
      SaveString(v.string, compress, out);
      break;
    case kTypeListQuicklist2:
      EncodeQuicklist(v.items, opts, out);
      break;
    case kTypeSetIntset:
      SaveString(*blob, compress, out);
      break;
    case kTypeStreamListpacks2:
      EncodeStreamPayload(*v.stream, compress, out);
      break;
    case kTypeSet:
    case kTypeHash:
      SaveLen(type == kTypeHash ? v.items.size() / 2 : v.items.size(), out);
      for (const std::string& s : v.items) SaveString(s, compress, out);
      break;
    case kTypeHashListpack: {
      ListpackBuilder lp;
      for (const std::string& s : v.items) lp.Append(s);
      SaveString(lp.Finish(), compress, out);
      break;
    }
    case kTypeZSetListpack: {
      ListpackBuilder lp;
      for (const auto& [member, score] : SortedZSet(v)) {
        lp.Append(member);
        // zzlInsertAt: integral scores as integers, others as d2string text.
        if (int64_t n; DoubleToInt64(score, &n)) {
          lp.AppendInt(n);
        } else {
          lp.Append(FormatScore(score));
        }
      }
      SaveString(lp.Finish(), compress, out);
      break;
    }
    default: {  // kTypeZSet2: from the highest element down, as rdbSaveObject
      const auto sorted = SortedZSet(v);
      SaveLen(sorted.size(), out);
      for (auto it = sorted.rbegin(); it != sorted.rend(); ++it) {
        SaveString(it->first, compress, out);
        SaveBinaryDouble(it->second, out);
      }
      break;
    }
  }
  return absl::OkStatus();
}

void EncodeStream(const Stream& stream, bool compress, std::string* out) {
  out->push_back(static_cast<char>(kTypeStreamListpacks2));
  EncodeStreamPayload(stream, compress, out);
}

void Encode(const Value& v, const EncodeOptions& opts, std::string* out) {
  // ChooseType's pick always fits `v` (intset only for integer members).
  absl::Status s = EncodeAs(v, ChooseType(v, opts), opts, out);
  (void)s;
}

std::string Encode(const Value& v, const EncodeOptions& opts) {
  std::string out;
  Encode(v, opts, &out);
  return out;
}

absl::StatusOr<Value> DecodeObject(uint8_t type, RdbReader& reader) {
  Value v;
  absl::Status s;
  switch (type) {
    case kTypeString: {
      auto str = reader.ReadString();
      if (!str.ok()) return str.status();
      v.string = *std::move(str);
      return v;
    }
    case kTypeList:
    case kTypeSet:
    case kTypeHash:
      s = DecodeCollection(reader, type, &v);
      break;
    case kTypeZSet:
    case kTypeZSet2:
      s = DecodeZSet(reader, type == kTypeZSet2, &v);
      break;
    case kTypeListQuicklist:
    case kTypeListQuicklist2:
      s = DecodeQuicklist(reader, type == kTypeListQuicklist2, &v);
      break;
    case kTypeHashZipmap:
    case kTypeListZiplist:
    case kTypeSetIntset:
    case kTypeZSetZiplist:
    case kTypeHashZiplist:
    case kTypeHashListpack:
    case kTypeZSetListpack:
      s = DecodeBlobType(reader, type, &v);
      break;
    case kTypeModule:
    case kTypeModule2:
      return absl::UnimplementedError("module values are not supported");
    case kTypeStreamListpacks:
    case kTypeStreamListpacks2:
      s = DecodeStream(reader, type == kTypeStreamListpacks2, &v);
      break;
    default:
      return absl::InvalidArgumentError(absl::StrCat("unknown RDB object type ", type));
  }
  if (!s.ok()) return s;
  return v;
}

absl::StatusOr<Value> Decode(RdbReader& reader) {
  auto type = reader.ReadByte();
  if (!type.ok()) return type.status();
  return DecodeObject(*type, reader);
}

absl::StatusOr<Value> Decode(std::string_view data) {
  RdbReader reader(data);
  auto v = Decode(reader);
  if (v.ok() && reader.remaining() != 0) return Corrupt("trailing bytes after the value");
  return v;
}

std::string MakeDumpPayload(const Value& v, const EncodeOptions& opts) {
  std::string out = Encode(v, opts);
  out.push_back(static_cast<char>(kRdbVersion & 0xff));
  out.push_back(static_cast<char>(kRdbVersion >> 8));
  const uint64_t crc = Crc64(0, out);
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(crc >> (8 * i)));
  return out;
}

absl::StatusOr<Value> ParseDumpPayload(std::string_view payload) {
  if (payload.size() < kFooterSize) return absl::DataLossError("DUMP payload too short");
  const auto* footer =
      reinterpret_cast<const unsigned char*>(payload.data() + payload.size() - kFooterSize);
  const int version = footer[0] | (footer[1] << 8);
  if (version > kRdbVersion) return absl::DataLossError("DUMP payload RDB version too new");
  uint64_t crc = 0;
  for (int i = 7; i >= 0; --i) crc = (crc << 8) | footer[2 + i];
  if (Crc64(0, payload.substr(0, payload.size() - 8)) != crc) {
    return absl::DataLossError("DUMP payload checksum mismatch");
  }
  RdbReader reader(payload.substr(0, payload.size() - kFooterSize));
  return Decode(reader);
}

DumpError ClassifyDumpError(const absl::Status& status) {
  if (status.ok()) return DumpError::kNone;
  return status.code() == absl::StatusCode::kDataLoss ? DumpError::kVersionOrChecksum
                                                      : DumpError::kBadData;
}

}  // namespace valkdb::rdb
