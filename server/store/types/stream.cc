#include "server/store/types/stream.h"

#include <algorithm>
#include <iterator>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "server/store/rdb/listpack.h"
#include "server/store/types/stream_listpack.h"

namespace valkdb {
namespace {

using stream_lp::GetInt;
using stream_lp::kNone;
using stream_lp::Next;
using stream_lp::Prev;

// An entry's flags (t_stream.c's STREAM_ITEM_FLAG_*).
constexpr int64_t kFlagDeleted = 1;
constexpr int64_t kFlagSameFields = 2;
// STREAM_LISTPACK_MAX_SIZE: a node never grows past it whatever the config.
constexpr size_t kListpackMaxSize = size_t{1} << 30;

// A node's master entry: its counts and where its parts are.
struct Master {
  int64_t count = 0;    // live entries
  int64_t deleted = 0;  // entries marked deleted
  int64_t num_fields = 0;
  size_t count_pos = 0;
  size_t fields_pos = 0;   // the first master field
  size_t first_entry = 0;  // the first entry's flags, kNone if none
};

Master ReadMaster(std::string_view lp) {
  Master m;
  m.count_pos = stream_lp::First(lp);
  m.count = GetInt(lp, m.count_pos);
  size_t p = Next(lp, m.count_pos);
  m.deleted = GetInt(lp, p);
  p = Next(lp, p);
  m.num_fields = GetInt(lp, p);
  p = Next(lp, p);
  m.fields_pos = p;
  for (int64_t i = 0; i < m.num_fields; ++i) p = Next(lp, p);
  m.first_entry = Next(lp, p);  // past the master's zero terminator
  return m;
}

// One entry, live or deleted, as read from its flags onwards.
struct EntryRef {
  size_t flags_pos = 0;
  int64_t flags = 0;
  StreamID id;
  int64_t num_fields = 0;
  size_t fields_pos = 0;  // its first field, or first value with same fields
  size_t next = 0;        // the next entry's flags, kNone at the end
};

EntryRef ReadEntry(std::string_view lp, const StreamID& master_id, const Master& m,
                   size_t flags_pos) {
  EntryRef e;
  e.flags_pos = flags_pos;
  e.flags = GetInt(lp, flags_pos);
  size_t p = Next(lp, flags_pos);
  // Deltas from the master ID, stored as int64 and added modulo 2^64 (the
  // seq delta is negative when the entry's ms is greater).
  e.id.ms = master_id.ms + static_cast<uint64_t>(GetInt(lp, p));
  p = Next(lp, p);
  e.id.seq = master_id.seq + static_cast<uint64_t>(GetInt(lp, p));
  p = Next(lp, p);
  int64_t elements;
  if (e.flags & kFlagSameFields) {
    e.num_fields = m.num_fields;
    elements = e.num_fields;
  } else {
    e.num_fields = GetInt(lp, p);
    p = Next(lp, p);
    elements = 2 * e.num_fields;
  }
  e.fields_pos = p;
  for (int64_t i = 0; i < elements; ++i) p = Next(lp, p);
  e.next = Next(lp, p);  // past the lp-count
  return e;
}

// The flags of the entry whose lp-count is at `pos`; kNone when `pos` is the
// master entry's zero terminator.
size_t EntryStartFromEnd(std::string_view lp, size_t lp_count_pos) {
  int64_t n = GetInt(lp, lp_count_pos);
  if (n == 0) return kNone;
  size_t p = lp_count_pos;
  while (n-- > 0) p = Prev(lp, p);
  return p;
}

// lpGetEdgeStreamID(lp, 0): the last entry's ID, live or not.
StreamID LastEntryId(std::string_view lp, const StreamID& master_id, const Master& m) {
  const size_t pos = EntryStartFromEnd(lp, stream_lp::Last(lp));
  if (pos == kNone) return master_id;  // never: a node holds at least one entry
  return ReadEntry(lp, master_id, m, pos).id;
}

void WriteBigEndian(uint64_t v, char* out) {
  for (int i = 7; i >= 0; --i, v >>= 8) out[i] = static_cast<char>(v & 0xff);
}

uint64_t ReadBigEndian(const char* in) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(in[i]);
  return v;
}

// Checks a listpack as a stream node for `master`, as Redis's
// streamValidateListpackIntegrity does in deep mode, and more: numbers are
// integer-encoded, flags known, IDs ascending from the master's, the master's
// counts equal to the live and deleted entries. Reads only inside `lp`.
bool ValidateNode(const StreamID& master, std::string_view lp) {
  std::vector<rdb::ListpackEntry> el;
  if (!rdb::DecodeListpack(lp, &el).ok()) return false;
  const size_t n = el.size();
  size_t i = 0;
  // The next element as a number, failing past the end or on a string.
  const auto take_int = [&](int64_t* v) {
    if (i >= n || !el[i].is_int) return false;
    *v = el[i++].num;
    return true;
  };
  int64_t count, deleted, master_fields, zero;
  if (!take_int(&count) || !take_int(&deleted) || !take_int(&master_fields)) return false;
  if (count < 0 || deleted < 0 || master_fields < 1) return false;
  if (static_cast<uint64_t>(master_fields) > n - i) return false;
  i += static_cast<size_t>(master_fields);
  if (!take_int(&zero) || zero != 0) return false;

  int64_t live = 0, dead = 0;
  std::optional<StreamID> prev;
  while (i < n) {
    int64_t flags, ms_delta, seq_delta;
    if (!take_int(&flags) || !take_int(&ms_delta) || !take_int(&seq_delta)) return false;
    if (flags & ~(kFlagDeleted | kFlagSameFields)) return false;
    // IDs only grow, from the master's: an ms delta is never negative, a seq
    // delta is negative only once ms grew (then it wraps, as Redis stores it).
    if (ms_delta < 0 || master.ms > UINT64_MAX - static_cast<uint64_t>(ms_delta)) return false;
    const StreamID id{master.ms + static_cast<uint64_t>(ms_delta),
                      master.seq + static_cast<uint64_t>(seq_delta)};
    if (id < master || (prev && id <= *prev)) return false;
    prev = id;
    int64_t fields = master_fields;
    int64_t elements = fields;
    if (!(flags & kFlagSameFields)) {
      if (!take_int(&fields) || fields < 1) return false;
      if (static_cast<uint64_t>(fields) > (n - i) / 2) return false;
      elements = 2 * fields;
    }
    if (static_cast<uint64_t>(elements) > n - i) return false;
    i += static_cast<size_t>(elements);
    int64_t lp_count;
    if (!take_int(&lp_count)) return false;
    if (lp_count != elements + 3 + ((flags & kFlagSameFields) ? 0 : 1)) return false;
    ++((flags & kFlagDeleted) ? dead : live);
  }
  return prev && live == count && dead == deleted;
}

}  // namespace

std::string StreamID::ToString() const { return absl::StrCat(ms, "-", seq); }

void StreamID::EncodeBigEndian(char out[16]) const {
  WriteBigEndian(ms, out);
  WriteBigEndian(seq, out + 8);
}

StreamID StreamID::DecodeBigEndian(const char in[16]) {
  return {ReadBigEndian(in), ReadBigEndian(in + 8)};
}

bool StreamID::Increment() {
  if (seq != UINT64_MAX) {
    ++seq;
  } else if (ms != UINT64_MAX) {
    ++ms;
    seq = 0;
  } else {
    return false;
  }
  return true;
}

bool StreamID::Decrement() {
  if (seq != 0) {
    --seq;
  } else if (ms != 0) {
    --ms;
    seq = UINT64_MAX;
  } else {
    return false;
  }
  return true;
}

StreamConsumer* StreamGroup::FindConsumer(std::string_view name) const {
  auto it = consumers.find(name);
  return it == consumers.end() ? nullptr : it->second.get();
}

StreamConsumer* StreamGroup::CreateConsumer(std::string_view name, int64_t now_ms) {
  auto [it, inserted] = consumers.try_emplace(std::string(name));
  if (!inserted) return nullptr;
  it->second = std::make_unique<StreamConsumer>();
  it->second->name = std::string(name);
  it->second->seen_time = now_ms;
  return it->second.get();
}

int64_t StreamGroup::DeleteConsumer(std::string_view name) {
  auto it = consumers.find(name);
  if (it == consumers.end()) return -1;
  const auto pending = static_cast<int64_t>(it->second->pel.size());
  for (const auto& [id, nack] : it->second->pel) pel.erase(id);
  consumers.erase(it);
  return pending;
}

std::unique_ptr<Stream> Stream::Clone() const {
  auto copy = std::make_unique<Stream>();
  copy->nodes_ = nodes_;
  copy->length_ = length_;
  copy->last_id_ = last_id_;
  copy->first_id_ = first_id_;
  copy->max_deleted_entry_id_ = max_deleted_entry_id_;
  copy->entries_added_ = entries_added_;
  for (const auto& [name, group] : groups_) {
    StreamGroup* g = copy->CreateGroup(name, group->last_id, group->entries_read);
    for (const auto& [id, nack] : group->pel) {
      auto n = std::make_unique<StreamNack>();
      n->delivery_time = nack->delivery_time;
      n->delivery_count = nack->delivery_count;
      g->pel.emplace(id, std::move(n));
    }
    for (const auto& [cname, consumer] : group->consumers) {
      StreamConsumer* c = g->CreateConsumer(cname, consumer->seen_time);
      for (const auto& [id, nack] : consumer->pel) {
        auto it = g->pel.find(id);
        if (it == g->pel.end()) continue;  // never: the group's PEL holds every NACK
        it->second->consumer = c;
        c->pel.emplace(id, it->second.get());
      }
    }
  }
  return copy;
}

size_t Stream::MemoryUsage() const {
  // A node: its listpack's allocation plus the tree slot holding key and string.
  size_t bytes = sizeof(Stream);
  for (const auto& [id, lp] : nodes_) {
    bytes += sizeof(StreamID) + sizeof(std::string) + lp.capacity() + 1;
  }
  constexpr size_t kPelSlot = sizeof(StreamID) + sizeof(void*);
  for (const auto& [name, group] : groups_) {
    bytes += sizeof(StreamGroup) + name.size() + 64;  // the group and its map node
    bytes += group->pel.size() * (kPelSlot + sizeof(StreamNack));
    for (const auto& [cname, consumer] : group->consumers) {
      bytes += sizeof(StreamConsumer) + 2 * cname.size() + 64;
      bytes += consumer->pel.size() * kPelSlot;
    }
  }
  return bytes;
}

void Stream::Append(const StreamID& id, std::span<const std::string_view> fields_and_values,
                    const NodeLimits& limits) {
  const size_t num_fields = fields_and_values.size() / 2;
  size_t total_len = 0;
  for (std::string_view s : fields_and_values) total_len += s.size();

  // streamAppendItem: append to the tail node unless it is full.
  std::string* lp = nullptr;
  StreamID master_id;
  if (!nodes_.empty()) {
    auto tail = std::prev(nodes_.end());
    size_t max_bytes = limits.max_bytes;
    if (max_bytes == 0 || max_bytes > kListpackMaxSize) max_bytes = kListpackMaxSize;
    bool full = tail->second.size() + total_len >= max_bytes;
    if (!full && limits.max_entries > 0) {
      // Deleted entries count too: they still take room.
      const Master m = ReadMaster(tail->second);
      full = m.count + m.deleted >= limits.max_entries;
    }
    if (full) {
      tail->second.shrink_to_fit();  // as lpShrinkToFit: it takes no more entries
    } else {
      lp = &tail->second;
      master_id = tail->first;
    }
  }

  int64_t flags = 0;
  if (lp == nullptr) {
    // A new node whose master entry takes this entry's ID and fields.
    master_id = id;
    lp = &nodes_.emplace_hint(nodes_.end(), id, stream_lp::New())->second;
    stream_lp::AppendInt(lp, 1);
    stream_lp::AppendInt(lp, 0);
    stream_lp::AppendInt(lp, static_cast<int64_t>(num_fields));
    for (size_t i = 0; i < num_fields; ++i) stream_lp::Append(lp, fields_and_values[2 * i]);
    stream_lp::AppendInt(lp, 0);
    flags = kFlagSameFields;
  } else {
    const Master m = ReadMaster(*lp);
    stream_lp::ReplaceInt(lp, m.count_pos, m.count + 1);
    if (static_cast<int64_t>(num_fields) == m.num_fields) {
      // The count may have changed size: find the master fields again.
      size_t p = Next(*lp, Next(*lp, Next(*lp, m.count_pos)));
      size_t i = 0;
      for (; i < num_fields; ++i, p = Next(*lp, p)) {
        char buf[stream_lp::kIntTextSize];
        if (stream_lp::GetText(*lp, p, buf) != fields_and_values[2 * i]) break;
      }
      if (i == num_fields) flags = kFlagSameFields;
    }
  }

  const bool same = flags & kFlagSameFields;
  stream_lp::AppendInt(lp, flags);
  stream_lp::AppendInt(lp, static_cast<int64_t>(id.ms - master_id.ms));
  stream_lp::AppendInt(lp, static_cast<int64_t>(id.seq - master_id.seq));
  if (!same) stream_lp::AppendInt(lp, static_cast<int64_t>(num_fields));
  for (size_t i = 0; i < num_fields; ++i) {
    if (!same) stream_lp::Append(lp, fields_and_values[2 * i]);
    stream_lp::Append(lp, fields_and_values[2 * i + 1]);
  }
  // lp-count: the elements after the master, so a reverse walk finds flags.
  const auto n = static_cast<int64_t>(num_fields);
  stream_lp::AppendInt(lp, same ? n + 3 : 2 * n + 4);

  ++length_;
  ++entries_added_;
  last_id_ = id;
  if (length_ == 1) first_id_ = id;
}

void Stream::Range(const StreamID& start, const StreamID& end, bool rev,
                   absl::FunctionRef<bool(const EntryView&)> fn) const {
  if (nodes_.empty() || start > end) return;
  struct IntText {
    char buf[stream_lp::kIntTextSize];
  };
  std::vector<std::string_view> fv;
  std::vector<IntText> texts;
  const auto emit = [&](std::string_view lp, const Master& m, const EntryRef& e) {
    const auto n = static_cast<size_t>(e.num_fields);
    if (texts.size() < 2 * n) texts.resize(2 * n);
    fv.resize(2 * n);
    const bool same = e.flags & kFlagSameFields;
    size_t p = e.fields_pos, mp = m.fields_pos;
    for (size_t i = 0; i < n; ++i) {
      if (same) {
        fv[2 * i] = stream_lp::GetText(lp, mp, texts[2 * i].buf);
        mp = Next(lp, mp);
      } else {
        fv[2 * i] = stream_lp::GetText(lp, p, texts[2 * i].buf);
        p = Next(lp, p);
      }
      fv[2 * i + 1] = stream_lp::GetText(lp, p, texts[2 * i + 1].buf);
      p = Next(lp, p);
    }
    return fn(EntryView{e.id, fv});
  };

  if (!rev) {
    // From the node that may hold `start` (the last one keyed at or before it).
    auto it = nodes_.upper_bound(start);
    if (it != nodes_.begin()) --it;
    for (; it != nodes_.end(); ++it) {
      const std::string_view lp = it->second;
      const Master m = ReadMaster(lp);
      for (size_t pos = m.first_entry; pos != kNone;) {
        const EntryRef e = ReadEntry(lp, it->first, m, pos);
        pos = e.next;
        if (e.id < start || (e.flags & kFlagDeleted)) continue;
        if (e.id > end || !emit(lp, m, e)) return;
      }
    }
    return;
  }
  for (auto it = nodes_.upper_bound(end); it != nodes_.begin();) {
    --it;
    const std::string_view lp = it->second;
    const Master m = ReadMaster(lp);
    for (size_t pos = EntryStartFromEnd(lp, stream_lp::Last(lp)); pos != kNone;) {
      const EntryRef e = ReadEntry(lp, it->first, m, pos);
      pos = EntryStartFromEnd(lp, Prev(lp, pos));
      if (e.id > end || (e.flags & kFlagDeleted)) continue;
      if (e.id < start || !emit(lp, m, e)) return;
    }
  }
}

namespace {

// streamGetEdgeID(s, 1, 1): the first live entry's ID (0-0 if none).
StreamID FirstLiveId(const Stream& s) {
  StreamID first;
  s.Range(StreamID::Min(), StreamID::Max(), false, [&](const Stream::EntryView& e) {
    first = e.id;
    return false;
  });
  return first;
}

}  // namespace

bool Stream::Delete(const StreamID& id) {
  auto it = nodes_.upper_bound(id);
  if (it == nodes_.begin()) return false;
  --it;
  std::string& lp = it->second;
  const Master m = ReadMaster(lp);
  std::optional<EntryRef> found;
  for (size_t pos = m.first_entry; pos != kNone;) {
    const EntryRef e = ReadEntry(lp, it->first, m, pos);
    if (e.id >= id) {
      if (e.id == id && !(e.flags & kFlagDeleted)) found = e;
      break;
    }
    pos = e.next;
  }
  if (!found) return false;

  // streamIteratorRemoveEntry: mark it deleted, move it from the live count
  // to the deleted one; a node with no live entry left goes.
  if (m.count == 1) {
    nodes_.erase(it);
  } else {
    stream_lp::ReplaceInt(&lp, found->flags_pos, found->flags | kFlagDeleted);
    stream_lp::ReplaceInt(&lp, m.count_pos, m.count - 1);
    stream_lp::ReplaceInt(&lp, Next(lp, m.count_pos), m.deleted + 1);
  }
  --length_;

  // XDEL's bookkeeping.
  if (length_ == 0) {
    first_id_ = {};
  } else if (id == first_id_) {
    first_id_ = FirstLiveId(*this);
  }
  if (id > max_deleted_entry_id_) max_deleted_entry_id_ = id;
  return true;
}

int64_t Stream::Trim(const TrimSpec& spec) {
  if (spec.strategy == TrimStrategy::kNone) return 0;
  const bool by_len = spec.strategy == TrimStrategy::kMaxLen;
  const uint64_t maxlen = static_cast<uint64_t>(std::max<int64_t>(spec.maxlen, 0));
  int64_t deleted = 0;
  for (auto it = nodes_.begin(); it != nodes_.end();) {
    if (by_len && length_ <= maxlen) break;
    std::string& lp = it->second;
    const Master m = ReadMaster(lp);
    const int64_t entries = m.count;
    // LIMIT bounds the work: a node whose entries would pass it stays whole.
    if (spec.limit && deleted + entries > spec.limit) break;

    const bool remove_node = by_len ? length_ - static_cast<uint64_t>(entries) >= maxlen
                                    : LastEntryId(lp, it->first, m) < spec.minid;
    if (remove_node) {
      length_ -= static_cast<uint64_t>(entries);
      deleted += entries;
      it = nodes_.erase(it);
      continue;
    }
    // Approximate trimming removes whole nodes only.
    if (spec.approx) break;

    // Mark this node's leading entries deleted, as far as needed.
    int64_t deleted_here = 0;
    for (size_t pos = m.first_entry; pos != kNone;) {
      const EntryRef e = ReadEntry(lp, it->first, m, pos);
      if (by_len ? length_ <= maxlen : e.id >= spec.minid) break;
      if (!(e.flags & kFlagDeleted)) {
        // Flags stay one byte, so e.next still addresses the next entry.
        stream_lp::ReplaceInt(&lp, e.flags_pos, e.flags | kFlagDeleted);
        ++deleted_here;
        --length_;
      }
      pos = e.next;
    }
    deleted += deleted_here;
    stream_lp::ReplaceInt(&lp, m.count_pos, entries - deleted_here);
    stream_lp::ReplaceInt(&lp, Next(lp, m.count_pos), m.deleted + deleted_here);
    break;  // the rest of the stream is past what was to go
  }
  if (length_ == 0) {
    first_id_ = {};
  } else if (deleted) {
    first_id_ = FirstLiveId(*this);
  }
  return deleted;
}

int64_t Stream::EstimateDistanceFromFirstEverEntry(const StreamID& id) const {
  // Nothing ever added: every ID is at 0.
  if (entries_added_ == 0) return 0;
  // An empty stream: anything up to the last ID was read with everything.
  if (length_ == 0 && id <= last_id_) return static_cast<int64_t>(entries_added_);
  if (id == last_id_) return static_cast<int64_t>(entries_added_);
  if (id > last_id_) return StreamGroup::kInvalidEntriesRead;  // the future
  // Without a tombstone from first_id on, the entries before first_id were
  // all the ones removed.
  if (max_deleted_entry_id_ == StreamID::Min() || max_deleted_entry_id_ < first_id_) {
    if (id < first_id_) return static_cast<int64_t>(entries_added_ - length_);
    if (id == first_id_) return static_cast<int64_t>(entries_added_ - length_ + 1);
  }
  return StreamGroup::kInvalidEntriesRead;
}

bool Stream::RangeHasTombstones(const StreamID& start, const StreamID& end) const {
  if (length_ == 0 || max_deleted_entry_id_ == StreamID::Min()) return false;
  if (first_id_ > max_deleted_entry_id_) return false;  // the last tombstone is before the first
  return start <= max_deleted_entry_id_ && max_deleted_entry_id_ <= end;
}

StreamGroup* Stream::FindGroup(std::string_view name) const {
  auto it = groups_.find(name);
  return it == groups_.end() ? nullptr : it->second.get();
}

StreamGroup* Stream::CreateGroup(std::string_view name, const StreamID& last_id,
                                 int64_t entries_read) {
  auto [it, inserted] = groups_.try_emplace(std::string(name));
  if (!inserted) return nullptr;
  it->second = std::make_unique<StreamGroup>();
  it->second->last_id = last_id;
  it->second->entries_read = entries_read;
  return it->second.get();
}

bool Stream::DestroyGroup(std::string_view name) {
  auto it = groups_.find(name);
  if (it == groups_.end()) return false;
  groups_.erase(it);
  return true;
}

void Stream::ForEachNode(
    absl::FunctionRef<void(const StreamID& master, std::string_view listpack)> fn) const {
  for (const auto& [master, lp] : nodes_) fn(master, lp);
}

bool Stream::AddLoadedNode(const StreamID& master, std::string listpack) {
  if (!ValidateNode(master, listpack)) return false;
  if (!nodes_.empty()) {
    // After every entry of the previous node, so the nodes stay in ID order.
    auto tail = std::prev(nodes_.end());
    const std::string_view prev_lp = tail->second;
    if (master <= LastEntryId(prev_lp, tail->first, ReadMaster(prev_lp))) return false;
  }
  nodes_.emplace_hint(nodes_.end(), master, std::move(listpack));
  return true;
}

void Stream::FinishLoading(uint64_t length) {
  length_ = length;
  first_id_ = FirstLiveId(*this);
}

uint64_t Stream::CountLiveEntries() const {
  uint64_t live = 0;
  for (const auto& [master, lp] : nodes_) live += static_cast<uint64_t>(ReadMaster(lp).count);
  return live;
}

}  // namespace valkdb
