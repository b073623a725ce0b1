#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/functional/function_ref.h"

namespace valkdb {

// A stream entry ID: milliseconds and a sequence number, ordered as a pair.
struct StreamID {
  uint64_t ms = 0;
  uint64_t seq = 0;

  auto operator<=>(const StreamID&) const = default;
  static constexpr StreamID Min() { return {0, 0}; }
  static constexpr StreamID Max() { return {UINT64_MAX, UINT64_MAX}; }
  // "ms-seq", as replies show it.
  std::string ToString() const;
  // The 16-byte big-endian form Redis uses as the radix-tree key (RDB).
  void EncodeBigEndian(char out[16]) const;
  static StreamID DecodeBigEndian(const char in[16]);
  // The next / previous ID (Redis's streamIncrID / streamDecrID); false,
  // leaving the ID unchanged, past the end (Max) or before the start (Min).
  bool Increment();
  bool Decrement();
};

struct StreamConsumer;

// A message delivered to a consumer and not yet acknowledged (Redis's
// streamNACK). The group's PEL owns it; the consumer's PEL points to it.
struct StreamNack {
  int64_t delivery_time = 0;  // unix ms of the last delivery
  uint64_t delivery_count = 0;
  StreamConsumer* consumer = nullptr;
};

// A consumer of a group (Redis's streamConsumer).
struct StreamConsumer {
  std::string name;
  int64_t seen_time = 0;  // unix ms it was last active
  // Its pending messages: the same NACKs as in the group's PEL.
  absl::btree_map<StreamID, StreamNack*> pel;
};

// A consumer group (Redis's streamCG).
struct StreamGroup {
  static constexpr int64_t kInvalidEntriesRead = -1;  // SCG_INVALID_ENTRIES_READ

  StreamID last_id;  // the last ID delivered to the group
  int64_t entries_read = kInvalidEntriesRead;
  absl::btree_map<StreamID, std::unique_ptr<StreamNack>> pel;
  // By name in byte order, as Redis's rax iterates them (XINFO CONSUMERS).
  std::map<std::string, std::unique_ptr<StreamConsumer>, std::less<>> consumers;

  StreamConsumer* FindConsumer(std::string_view name) const;
  // Creates the consumer (seen now); nullptr if it exists.
  StreamConsumer* CreateConsumer(std::string_view name, int64_t now_ms);
  // Deletes the consumer and its pending messages (from the group's PEL
  // too); returns how many it had pending, -1 if there is no such consumer.
  int64_t DeleteConsumer(std::string_view name);
};

// A Redis stream, stored as Redis 7.0 stores it: entries packed into
// listpack nodes (Redis's t_stream.c format: a master entry with the node's
// first ID and field names, then each entry as flags, ID deltas from the
// master ID, its fields — omitted when they equal the master's — values and
// a lp-count), the nodes kept in ID order by their master ID. So the RDB
// form (RDB_TYPE_STREAM_LISTPACKS_2) is the nodes as they are, a node
// splits where Redis's would (stream-node-max-bytes / -entries), and
// approximate trimming removes the whole nodes Redis's would.
//
// Not thread-safe: the owning shard's lock guards it.
class Stream {
 public:
  // stream-node-max-bytes (0: no limit but Redis's own 1 GB cap) and
  // stream-node-max-entries (0: no limit).
  struct NodeLimits {
    size_t max_bytes = 4096;
    int64_t max_entries = 100;
  };

  // One live entry as a visit sees it; the views are valid during the visit.
  struct EntryView {
    StreamID id;
    // Field, value, field, value, ...
    std::span<const std::string_view> fields_and_values;
  };

  enum class TrimStrategy { kNone, kMaxLen, kMinId };
  struct TrimSpec {
    TrimStrategy strategy = TrimStrategy::kNone;
    int64_t maxlen = 0;   // kMaxLen
    StreamID minid;       // kMinId
    bool approx = false;  // "~": only whole nodes go
    int64_t limit = 0;    // with approx: at most this many entries (0: no limit)
  };

  Stream() = default;
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;
  // A deep copy (COPY): entries, metadata, groups, consumers and PELs.
  std::unique_ptr<Stream> Clone() const;

  uint64_t length() const { return length_; }
  const StreamID& last_id() const { return last_id_; }
  // The first live entry's ID, 0-0 when empty.
  const StreamID& first_id() const { return first_id_; }
  const StreamID& max_deleted_entry_id() const { return max_deleted_entry_id_; }
  uint64_t entries_added() const { return entries_added_; }
  // XSETID and loading set these directly (the caller checks them).
  void set_last_id(const StreamID& id) { last_id_ = id; }
  void set_max_deleted_entry_id(const StreamID& id) { max_deleted_entry_id_ = id; }
  void set_entries_added(uint64_t n) { entries_added_ = n; }
  // Listpack nodes (XINFO STREAM radix-tree-keys).
  size_t node_count() const { return nodes_.size(); }
  // Bytes allocated (MEMORY USAGE, used memory).
  size_t MemoryUsage() const;

  // Appends an entry whose ID the caller chose, greater than last_id();
  // fields_and_values has an even, non-zero size. Updates length,
  // last_id, first_id and entries_added.
  void Append(const StreamID& id, std::span<const std::string_view> fields_and_values,
              const NodeLimits& limits);
  // Visits the live entries with start <= id <= end, ascending (descending
  // with `rev`), until fn returns false.
  void Range(const StreamID& start, const StreamID& end, bool rev,
             absl::FunctionRef<bool(const EntryView&)> fn) const;
  // XDEL of one ID: false if there is no such live entry. Updates length,
  // first_id and max_deleted_entry_id; a node left with no live entry goes.
  bool Delete(const StreamID& id);
  // XTRIM and XADD's trimming, as Redis's streamTrim: returns the number of
  // entries removed. Does nothing for kNone.
  int64_t Trim(const TrimSpec& spec);

  // Redis's streamEstimateDistanceFromFirstEverEntry (consumer group lag):
  // the number of entries added up to `id`, -1 (Redis's
  // SCG_INVALID_ENTRIES_READ) when it cannot tell.
  int64_t EstimateDistanceFromFirstEverEntry(const StreamID& id) const;
  // Redis's streamRangeHasTombstones: whether a deleted entry may lie in
  // [start, end] (judged from max_deleted_entry_id and first_id).
  bool RangeHasTombstones(const StreamID& start, const StreamID& end) const;

  // Consumer groups, by name in byte order (XINFO GROUPS lists them so).
  const std::map<std::string, std::unique_ptr<StreamGroup>, std::less<>>& groups() const {
    return groups_;
  }
  StreamGroup* FindGroup(std::string_view name) const;
  // nullptr if a group of that name exists.
  StreamGroup* CreateGroup(std::string_view name, const StreamID& last_id, int64_t entries_read);
  bool DestroyGroup(std::string_view name);

  // The nodes as Redis stores them: each node's master ID (the radix-tree
  // key) and its listpack, in ID order.
  void ForEachNode(
      absl::FunctionRef<void(const StreamID& master, std::string_view listpack)> fn) const;
  // Loading (RDB, RESTORE): adds a node after the last one. The caller sets
  // length, last_id and the rest afterwards, then calls FinishLoading.
  // false if the listpack is not a valid stream node for that master ID
  // (checked entry by entry, as Redis's deep integrity check does), or is
  // not after the previous node; nothing is added then.
  bool AddLoadedNode(const StreamID& master, std::string listpack);
  // After the nodes: sets length (and first_id from the nodes, as Redis's
  // streamGetEdgeID).
  void FinishLoading(uint64_t length);
  // The live entries the nodes hold (their master counts summed): loading
  // can check the length it was given against it.
  uint64_t CountLiveEntries() const;

 private:
  // Master ID -> the node's listpack (Redis's format, byte for byte).
  absl::btree_map<StreamID, std::string> nodes_;
  uint64_t length_ = 0;
  StreamID last_id_;
  StreamID first_id_;
  StreamID max_deleted_entry_id_;
  uint64_t entries_added_ = 0;
  std::map<std::string, std::unique_ptr<StreamGroup>, std::less<>> groups_;
};

}  // namespace valkdb
