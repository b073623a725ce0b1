// Streams: XADD XLEN XRANGE XREVRANGE XDEL XTRIM XSETID XREAD XREADGROUP
// XGROUP XACK XPENDING XCLAIM XAUTOCLAIM XINFO
//
// Each follows its Redis 7.0 counterpart in t_stream.c: arguments checked in
// the same order, the same errors, replies and keyspace events, and the
// same propagation — XADD with the ID it generated and an approximate trim
// made exact, consumer-group reads and claims as XCLAIM / XGROUP SETID /
// XGROUP CREATECONSUMER (several in one MULTI/EXEC, as Redis's
// propagatePendingCommands wraps them). The stream itself is types/stream.h.
// XREAD and XREADGROUP BLOCK wait in the BlockingRegistry: an XADD serves
// every waiter whose ID is below the stream's new last ID.
#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "protocol/str_util.h"
#include "server/commands/blocking.h"
#include "server/commands/command_table.h"
#include "server/commands/errors.h"
#include "server/commands/typed.h"
#include "server/persist/rdb_persistence.h"
#include "server/store/types/stream.h"

namespace valkdb {
namespace {

constexpr Entry::Type kStreamType = Entry::Type::kStream;

constexpr std::string_view kInvalidId = "Invalid stream ID specified as stream command argument";
constexpr std::string_view kXGroupNeedsKey =
    "The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use "
    "the MKSTREAM option to create an empty stream automatically.";
constexpr size_t kListpackMaxSize = size_t{1} << 30;  // Redis's STREAM_LISTPACK_MAX_SIZE
constexpr int64_t kXReadBlockedDefaultCount = 1000;

// ------------------------------------------------------------------ replies

// RESP built before its counts are known (Redis's deferred lengths): a
// stream reply's sizes come out of the walk that produces it.
class Resp {
 public:
  explicit Resp(bool resp3) : resp3_(resp3) {}
  bool resp3() const { return resp3_; }
  std::string& bytes() { return bytes_; }
  void Array(size_t n) { StrAppend(&bytes_, "*", n, "\r\n"); }
  void Map(size_t pairs) {
    if (resp3_) {
      StrAppend(&bytes_, "%", pairs, "\r\n");
    } else {
      Array(pairs * 2);
    }
  }
  void Bulk(std::string_view b) {
    StrAppend(&bytes_, "$", b.size(), "\r\n");
    bytes_.append(b);
    bytes_.append("\r\n");
  }
  void BulkInt(int64_t v) { Bulk(StrCat(v)); }
  void Integer(int64_t v) { StrAppend(&bytes_, ":", v, "\r\n"); }
  void Null() { bytes_.append(resp3_ ? "_\r\n" : "$-1\r\n"); }
  void NullArray() { bytes_.append(resp3_ ? "_\r\n" : "*-1\r\n"); }
  void SimpleString(std::string_view s) { StrAppend(&bytes_, "+", s, "\r\n"); }
  void Id(const StreamID& id) { Bulk(FormatId(id)); }
  void Append(const std::string& more) { bytes_.append(more); }

  static std::string FormatId(const StreamID& id) { return StrCat(id.ms, "-", id.seq); }

 private:
  bool resp3_;
  std::string bytes_;
};

// An entry as Redis emits it: [id, [field, value, ...]].
void AppendEntry(Resp& r, const Stream::EntryView& e) {
  r.Array(2);
  r.Id(e.id);
  r.Array(e.fields_and_values.size());
  for (std::string_view s : e.fields_and_values) r.Bulk(s);
}

// Emits the entry `id` if it is in the stream (Redis's streamReplyWithRange
// of one ID with STREAM_RWR_RAWENTRIES).
bool AppendEntryById(Resp& r, const Stream& s, const StreamID& id) {
  bool found = false;
  s.Range(id, id, false, [&](const Stream::EntryView& e) {
    AppendEntry(r, e);
    found = true;
    return false;
  });
  return found;
}

bool EntryExists(const Stream& s, const StreamID& id) {
  bool found = false;
  s.Range(id, id, false, [&](const Stream::EntryView&) {
    found = true;
    return false;
  });
  return found;
}

// Redis's streamLastValidID: the last live entry (0-0 when empty).
StreamID LastValidId(const Stream& s) {
  StreamID last;
  s.Range(StreamID::Min(), StreamID::Max(), true, [&](const Stream::EntryView& e) {
    last = e.id;
    return false;
  });
  return last;
}

// Redis's addReplyErrorFormat: a formatted error's newlines become spaces
// (and %s stops at a NUL).
std::string ErrorText(std::string text) {
  std::replace(text.begin(), text.end(), '\r', ' ');
  std::replace(text.begin(), text.end(), '\n', ' ');
  return text;
}

// Redis's addReplySubcommandSyntaxError.
void ReplySubcommandSyntax(CommandContext& ctx) {
  ctx.out.Error(ErrorText(StrCat("unknown subcommand or wrong number of arguments for '",
                                 AsCString(ctx.arg(1)).substr(0, 128), "'. Try ",
                                 AsciiUpper(ctx.arg(0)), " HELP.")));
}

// ------------------------------------------------------------------ parsing

// Redis's string2ull: string2ll, then strtoull for what it rejects (so
// leading spaces and a '+' pass, as in Redis).
bool ParseULL(const std::string& text, uint64_t* value) {
  int64_t ll = 0;
  if (ParseInt64(text, &ll)) {
    if (ll < 0) return false;
    *value = static_cast<uint64_t>(ll);
    return true;
  }
  if (text.empty()) return false;
  errno = 0;
  char* end = nullptr;
  const unsigned long long v = std::strtoull(text.c_str(), &end, 10);
  if (errno == EINVAL || errno == ERANGE || *end != '\0') return false;
  *value = v;
  return true;
}

// Redis's streamGenericParseIDOrReply without the reply: "ms-seq", "ms"
// (seq `missing_seq`), "-" and "+" unless strict, and "ms-*" when seq_given
// is asked for (*seq_given false then).
bool ParseId(std::string_view arg, StreamID* id, uint64_t missing_seq, bool strict,
             bool* seq_given = nullptr) {
  if (arg.size() > 127) return false;
  const std::string_view text = AsCString(arg);  // Redis copies a C string
  if (strict && (text == "-" || text == "+")) return false;
  if (seq_given != nullptr) *seq_given = true;
  if (text == "-") {
    *id = StreamID::Min();
    return true;
  }
  if (text == "+") {
    *id = StreamID::Max();
    return true;
  }
  const size_t dash = text.find('-');
  uint64_t ms = 0, seq = missing_seq;
  if (!ParseULL(std::string(text.substr(0, dash)), &ms)) return false;
  if (dash != std::string_view::npos) {
    const std::string_view rest = text.substr(dash + 1);
    if (seq_given != nullptr && rest == "*") {
      seq = 0;
      *seq_given = false;
    } else if (!ParseULL(std::string(rest), &seq)) {
      return false;
    }
  }
  *id = {ms, seq};
  return true;
}

bool ParseIdOrReply(CommandContext& ctx, std::string_view arg, StreamID* id, uint64_t missing_seq,
                    bool strict, bool* seq_given = nullptr) {
  if (ParseId(arg, id, missing_seq, strict, seq_given)) return true;
  ctx.out.Error(kInvalidId);
  return false;
}

// Redis's streamParseIntervalIDOrReply: "(" makes the bound exclusive (and
// the ID after it strict).
bool ParseIntervalIdOrReply(CommandContext& ctx, std::string_view arg, StreamID* id, bool* exclude,
                            uint64_t missing_seq) {
  *exclude = arg.size() > 1 && arg[0] == '(';
  if (*exclude) return ParseIdOrReply(ctx, arg.substr(1), id, missing_seq, true);
  return ParseIdOrReply(ctx, arg, id, missing_seq, false);
}

// [start, end] of XRANGE/XPENDING with exclusive bounds resolved; false
// after replying.
bool ParseRange(CommandContext& ctx, std::string_view start_arg, std::string_view end_arg,
                StreamID* start, StreamID* end) {
  bool exclude = false;
  if (!ParseIntervalIdOrReply(ctx, start_arg, start, &exclude, 0)) return false;
  if (exclude && !start->Increment()) {
    ctx.out.Error("invalid start ID for the interval");
    return false;
  }
  if (!ParseIntervalIdOrReply(ctx, end_arg, end, &exclude, UINT64_MAX)) return false;
  if (exclude && !end->Decrement()) {
    ctx.out.Error("invalid end ID for the interval");
    return false;
  }
  return true;
}

// A command that comes from the master or the AOF (Redis's mustObeyClient):
// the AOF's loading client is the only one with id 0.
bool MustObey(const CommandContext& ctx) { return ctx.client.is_master || ctx.client.id == 0; }

// XADD / XTRIM options (Redis's streamAddTrimArgs).
struct AddTrimArgs {
  Stream::TrimSpec trim;
  size_t trim_arg = 0;  // the threshold's position (rewritten for approximate trims)
  bool no_mkstream = false;
  bool id_given = false;
  bool seq_given = true;
  StreamID id;
};

// Redis's streamParseAddOrTrimArgsOrReply: the ID's position (XADD), or 0
// after replying an error.
size_t ParseAddOrTrimArgs(CommandContext& ctx, AddTrimArgs* args, bool xadd) {
  size_t i = 2;
  bool limit_given = false;
  constexpr std::string_view kBoth =
      "syntax error, MAXLEN and MINID options at the same time are not compatible";
  for (; i < ctx.argc(); ++i) {
    const size_t more = ctx.argc() - 1 - i;
    const std::string_view opt = AsCString(ctx.arg(i));
    if (xadd && opt == "*") break;
    if (EqualsIgnoreCase(opt, "maxlen") && more > 0) {
      if (args->trim.strategy != Stream::TrimStrategy::kNone) {
        ctx.out.Error(kBoth);
        return 0;
      }
      args->trim.approx = false;
      const std::string_view next = AsCString(ctx.arg(i + 1));
      if (more >= 2 && next == "~") {
        args->trim.approx = true;
        ++i;
      } else if (more >= 2 && next == "=") {
        ++i;
      }
      if (!ParseIntArg(ctx, ctx.arg(i + 1), &args->trim.maxlen)) return 0;
      if (args->trim.maxlen < 0) {
        ctx.out.Error("The MAXLEN argument must be >= 0.");
        return 0;
      }
      ++i;
      args->trim.strategy = Stream::TrimStrategy::kMaxLen;
      args->trim_arg = i;
    } else if (EqualsIgnoreCase(opt, "minid") && more > 0) {
      if (args->trim.strategy != Stream::TrimStrategy::kNone) {
        ctx.out.Error(kBoth);
        return 0;
      }
      args->trim.approx = false;
      const std::string_view next = AsCString(ctx.arg(i + 1));
      if (more >= 2 && next == "~") {
        args->trim.approx = true;
        ++i;
      } else if (more >= 2 && next == "=") {
        ++i;
      }
      if (!ParseIdOrReply(ctx, ctx.arg(i + 1), &args->trim.minid, 0, true)) return 0;
      ++i;
      args->trim.strategy = Stream::TrimStrategy::kMinId;
      args->trim_arg = i;
    } else if (EqualsIgnoreCase(opt, "limit") && more > 0) {
      if (!ParseIntArg(ctx, ctx.arg(i + 1), &args->trim.limit)) return 0;
      if (args->trim.limit < 0) {
        ctx.out.Error("The LIMIT argument must be >= 0.");
        return 0;
      }
      limit_given = true;
      ++i;
    } else if (xadd && EqualsIgnoreCase(opt, "nomkstream")) {
      args->no_mkstream = true;
    } else if (xadd) {
      if (!ParseIdOrReply(ctx, ctx.arg(i), &args->id, 0, true, &args->seq_given)) return 0;
      args->id_given = true;
      break;
    } else {
      ctx.out.Error(errors::kSyntax);
      return 0;
    }
  }
  if (args->trim.limit != 0 && args->trim.strategy == Stream::TrimStrategy::kNone) {
    ctx.out.Error("syntax error, LIMIT cannot be used without specifying a trimming strategy");
    return 0;
  }
  if (!xadd && args->trim.strategy == Stream::TrimStrategy::kNone) {
    ctx.out.Error("syntax error, XTRIM must be called with a trimming strategy");
    return 0;
  }
  if (MustObey(ctx)) {
    // The threshold was made exact by the master: no limit applies.
    args->trim.limit = 0;
  } else if (limit_given) {
    if (!args->trim.approx) {
      ctx.out.Error("syntax error, LIMIT cannot be used without the special ~ option");
      return 0;
    }
  } else if (args->trim.approx) {
    // At most 100 nodes' worth of work per trim, as Redis.
    args->trim.limit = 100 * ctx.server.config->stream_node_max_entries();
    if (args->trim.limit <= 0) args->trim.limit = 10000;
    if (args->trim.limit > 1000000) args->trim.limit = 1000000;
  } else {
    args->trim.limit = 0;
  }
  return i;
}

// Redis's streamRewriteApproxSpecifier + streamRewriteTrimArgument: an
// approximate trim propagates as "= <what is left>".
void RewriteTrim(const Stream& s, const AddTrimArgs& args, std::vector<std::string>* argv) {
  (*argv)[args.trim_arg - 1].assign(1, '=');  // not = "=": GCC 12 -Wrestrict false positive
  if (args.trim.strategy == Stream::TrimStrategy::kMaxLen) {
    (*argv)[args.trim_arg] = StrCat(s.length());
  } else {
    (*argv)[args.trim_arg] = Resp::FormatId(s.length() > 0 ? s.first_id() : StreamID::Max());
  }
}

std::vector<std::string> ArgvCopy(const CommandContext& ctx) {
  std::vector<std::string> argv;
  argv.reserve(ctx.argc());
  for (size_t i = 0; i < ctx.argc(); ++i) argv.emplace_back(ctx.arg(i));
  return argv;
}

Stream::NodeLimits NodeLimits(const CommandContext& ctx) {
  Stream::NodeLimits limits;
  limits.max_bytes = static_cast<size_t>(ctx.server.config->stream_node_max_bytes());
  limits.max_entries = ctx.server.config->stream_node_max_entries();
  return limits;
}

// ------------------------------------------------------------ propagation

// What a command propagates in place of itself (Redis's alsoPropagate with
// preventCommandPropagation): published in order, in MULTI/EXEC when more
// than one, as Redis's propagatePendingCommands.
class AlsoPropagate {
 public:
  void Add(std::initializer_list<std::string_view> argv) {
    commands_.emplace_back(argv.begin(), argv.end());
  }
  bool empty() const { return commands_.empty(); }

  // XCLAIM <key> <group> <consumer> 0 <id> TIME <ms> RETRYCOUNT <n> FORCE
  // JUSTID LASTID <group last id> (Redis's streamPropagateXCLAIM).
  void XClaim(std::string_view key, const StreamGroup& group, std::string_view group_name,
              const StreamID& id, const StreamNack& nack) {
    const std::string id_text = Resp::FormatId(id), time = StrCat(nack.delivery_time),
                      count = StrCat(nack.delivery_count), last = Resp::FormatId(group.last_id);
    Add({"XCLAIM", key, group_name, nack.consumer->name, "0", id_text, "TIME", time, "RETRYCOUNT",
         count, "FORCE", "JUSTID", "LASTID", last});
  }
  // XGROUP SETID <key> <group> <last id> ENTRIESREAD <n> (streamPropagateGroupID).
  void GroupId(std::string_view key, const StreamGroup& group, std::string_view group_name) {
    const std::string last = Resp::FormatId(group.last_id), read = StrCat(group.entries_read);
    Add({"XGROUP", "SETID", key, group_name, last, "ENTRIESREAD", read});
  }
  void ConsumerCreation(std::string_view key, std::string_view group, std::string_view consumer) {
    Add({"XGROUP", "CREATECONSUMER", key, group, consumer});
  }

  // Publishes outside a command's dispatch (a served waiter).
  void Publish(ChangeFeed& feed, int db) const {
    if (!feed.active() || commands_.empty()) return;
    const bool wrap = commands_.size() > 1;
    if (wrap) feed.Publish(db, {"MULTI"});
    for (const Command& c : commands_) PublishOne(feed, db, c);
    if (wrap) feed.Publish(db, {"EXEC"});
  }

  // At the end of a handler that changed something (`dirty`): one command
  // goes through dispatch's publishing; several are published here (inside
  // EXEC, in its MULTI); none publishes nothing.
  void Finish(CommandContext& ctx, bool dirty) const {
    if (!dirty) return;
    if (commands_.size() == 1) {
      ctx.wrote = true;
      ctx.propagate.assign(commands_[0].begin(), commands_[0].end());
      return;
    }
    ChangeFeed& feed = ctx.store.feed();
    if (feed.active() && !commands_.empty()) {
      if (ctx.client.exec_feed == ClientState::ExecFeed::kPending) {
        feed.Publish(ctx.client.db, {"MULTI"});
        ctx.client.exec_feed = ClientState::ExecFeed::kOpen;
      }
      if (ctx.client.exec_feed == ClientState::ExecFeed::kOpen) {
        for (const Command& c : commands_) PublishOne(feed, ctx.client.db, c);
      } else {
        Publish(feed, ctx.client.db);
      }
    }
    // Published (or nothing to publish): dispatch must not publish the
    // command itself, but the change still counts for SAVE's thresholds.
    ctx.wrote = false;
    if (ctx.server.persistence != nullptr) ctx.server.persistence->AddChanges(1);
  }

 private:
  using Command = std::vector<std::string>;
  static void PublishOne(ChangeFeed& feed, int db, const Command& c) {
    absl::InlinedVector<std::string_view, 16> argv(c.begin(), c.end());
    feed.Publish(db, argv);
  }
  std::vector<Command> commands_;
};

// ------------------------------------------------------------ group reads

// Creates (or re-assigns) the pending entry of `id` for `consumer`, as
// streamReplyWithRange does for each entry a group read delivers.
StreamNack* DeliverNack(StreamGroup& group, StreamConsumer* consumer, const StreamID& id,
                        int64_t now) {
  auto [it, inserted] = group.pel.try_emplace(id, nullptr);
  if (inserted) it->second = std::make_unique<StreamNack>();
  StreamNack* nack = it->second.get();
  if (!inserted && nack->consumer != nullptr) nack->consumer->pel.erase(id);
  nack->consumer = consumer;
  nack->delivery_time = now;
  nack->delivery_count = 1;
  consumer->pel[id] = nack;
  return nack;
}

// Redis's streamReplyWithRange from `start` (inclusive) to the end, at
// most `count` entries (0: all), for XREAD (group null) and XREADGROUP's
// ">" reads, appending the entries array to `r`.
size_t ReplyNewEntries(Resp& r, Stream& s, const StreamID& start, int64_t count, StreamGroup* group,
                       StreamConsumer* consumer, bool noack, std::string_view key,
                       std::string_view group_name, int64_t now, AlsoPropagate* also) {
  Resp body(r.resp3());
  size_t n = 0;
  bool propagate_last_id = false;
  s.Range(start, StreamID::Max(), false, [&](const Stream::EntryView& e) {
    if (group != nullptr && e.id > group->last_id) {
      if (group->entries_read != StreamGroup::kInvalidEntriesRead &&
          !s.RangeHasTombstones(e.id, StreamID::Max())) {
        ++group->entries_read;
      } else if (s.entries_added() != 0) {
        group->entries_read = s.EstimateDistanceFromFirstEverEntry(e.id);
      }
      group->last_id = e.id;
      if (noack) propagate_last_id = true;
    }
    AppendEntry(body, e);
    if (group != nullptr && !noack) {
      StreamNack* nack = DeliverNack(*group, consumer, e.id, now);
      also->XClaim(key, *group, group_name, e.id, *nack);
    }
    ++n;
    return count == 0 || static_cast<int64_t>(n) < count;
  });
  if (propagate_last_id) also->GroupId(key, *group, group_name);
  r.Array(n);
  r.Append(body.bytes());
  return n;
}

// Redis's streamReplyWithRangeFromConsumerPEL: XREADGROUP with an ID, the
// consumer's own pending entries from `start` (a deleted one as [id, nil]).
void ReplyHistory(Resp& r, const Stream& s, const StreamID& start, int64_t count,
                  StreamConsumer* consumer, int64_t now) {
  Resp body(r.resp3());
  size_t n = 0;
  for (auto it = consumer->pel.lower_bound(start);
       it != consumer->pel.end() && (count == 0 || static_cast<int64_t>(n) < count); ++it) {
    if (AppendEntryById(body, s, it->first)) {
      it->second->delivery_time = now;
      ++it->second->delivery_count;
    } else {
      body.Array(2);
      body.Id(it->first);
      body.NullArray();
    }
    ++n;
  }
  r.Array(n);
  r.Append(body.bytes());
}

// The group's consumer `name`, seen now, created (with its event) if new;
// *created tells.
StreamConsumer* LookupOrCreateConsumer(ChangeFeed& feed, int db, StreamGroup& group,
                                       std::string_view name, std::string_view key, int64_t now,
                                       bool* created = nullptr) {
  if (StreamConsumer* c = group.FindConsumer(name)) {
    c->seen_time = now;
    if (created != nullptr) *created = false;
    return c;
  }
  StreamConsumer* c = group.CreateConsumer(name, now);
  feed.Notify(kEventStream, db, "xgroup-createconsumer", key);
  if (created != nullptr) *created = true;
  return c;
}

Stream* StreamOf(Entry* entry) { return entry->stream(); }

// ------------------------------------------------------------------ XADD

void CmdXAdd(CommandContext& ctx) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  AddTrimArgs args;
  const size_t id_pos = ParseAddOrTrimArgs(ctx, &args, true);
  if (id_pos == 0) return;
  const size_t field_pos = id_pos + 1;
  if (field_pos > ctx.argc() || ctx.argc() - field_pos < 2 || (ctx.argc() - field_pos) % 2 == 1) {
    ReplyWrongArity(ctx, "xadd");
    return;
  }
  if (args.id_given && args.seq_given && args.id == StreamID::Min()) {
    ctx.out.Error("The ID specified in XADD must be greater than 0-0");
    return;
  }
  const std::string_view key = ctx.arg(1);
  Shard& shard = ctx.shard(key);
  Entry* entry = nullptr;
  const Lookup found = LookupTyped(ctx, shard, key, kStreamType, false, &entry);
  if (found == Lookup::kWrongType) return;
  if (found == Lookup::kMissing) {
    if (args.no_mkstream) {
      ctx.out.Null();
      return;
    }
    shard.Put(key, Entry::MakeStream(key, new Stream()), std::nullopt, false);
    entry = shard.FindMutable(key, ctx.now_ms);
  }
  Stream& s = *StreamOf(entry);
  if (s.last_id() == StreamID::Max()) {
    ctx.out.Error("The stream has exhausted the last possible ID, unable to add more items");
    return;
  }
  // The new ID, as Redis's streamAppendItem chooses it.
  constexpr std::string_view kTooLarge = "Elements are too large to be stored";
  StreamID id;
  if (args.id_given) {
    if (args.seq_given) {
      id = args.id;
    } else if (s.last_id().ms == args.id.ms) {
      if (s.last_id().seq == UINT64_MAX) {
        ctx.out.Error(kTooLarge);
        return;
      }
      id = {s.last_id().ms, s.last_id().seq + 1};
    } else {
      id = args.id;
    }
  } else {
    const auto ms = static_cast<uint64_t>(ctx.now_ms);
    if (ms > s.last_id().ms) {
      id = {ms, 0};
    } else {
      id = s.last_id();
      id.Increment();
    }
  }
  if (id <= s.last_id()) {
    ctx.out.Error("The ID specified in XADD is equal or smaller than the target stream top item");
    return;
  }
  const size_t nfields = ctx.argc() - field_pos;
  size_t total = 0;
  absl::InlinedVector<std::string_view, 8> fields(nfields);
  for (size_t i = 0; i < nfields; ++i) {
    fields[i] = ctx.arg(field_pos + i);
    total += fields[i].size();
  }
  if (total > kListpackMaxSize) {
    ctx.out.Error(kTooLarge);
    return;
  }
  s.Append(id, std::span<const std::string_view>(fields.data(), fields.size()), NodeLimits(ctx));
  const std::string id_text = Resp::FormatId(id);
  ctx.out.Bulk(id_text);
  ctx.StreamModified(ctx.client.db, key);
  ctx.Notify(kEventStream, "xadd", key);
  std::vector<std::string> argv;
  const bool feed = ctx.store.feed().active();
  if (args.trim.strategy != Stream::TrimStrategy::kNone) {
    if (s.Trim(args.trim) > 0) ctx.Notify(kEventStream, "xtrim", key);
    if (args.trim.approx && feed) {
      argv = ArgvCopy(ctx);
      RewriteTrim(s, args, &argv);
    }
  }
  if ((!args.id_given || !args.seq_given) && feed) {
    if (argv.empty()) argv = ArgvCopy(ctx);
    argv[id_pos] = id_text;
  }
  if (!argv.empty()) ctx.propagate.assign(argv.begin(), argv.end());
  ctx.KeyReady(ctx.client.db, key);
}

// ------------------------------------------------------- XLEN XRANGE XDEL

// The stream at `key` for a read (hits and misses counted); null when
// missing. *wrongtype after WRONGTYPE.
Stream* ReadStream(CommandContext& ctx, std::string_view key, bool* wrongtype) {
  Entry* entry = nullptr;
  const Lookup found = LookupTyped(ctx, ctx.shard(key), key, kStreamType, true, &entry);
  *wrongtype = found == Lookup::kWrongType;
  return found == Lookup::kFound ? StreamOf(entry) : nullptr;
}

Stream* WriteStream(CommandContext& ctx, std::string_view key, bool* wrongtype) {
  Entry* entry = nullptr;
  const Lookup found = LookupTyped(ctx, ctx.shard(key), key, kStreamType, false, &entry);
  *wrongtype = found == Lookup::kWrongType;
  return found == Lookup::kFound ? StreamOf(entry) : nullptr;
}

void CmdXLen(CommandContext& ctx) {
  bool wrongtype = false;
  Stream* s = ReadStream(ctx, ctx.arg(1), &wrongtype);
  if (wrongtype) return;
  ctx.out.Integer(s != nullptr ? static_cast<int64_t>(s->length()) : 0);
}

void XRangeGeneric(CommandContext& ctx, bool rev) {
  StreamID start, end;
  if (!ParseRange(ctx, ctx.arg(rev ? 3 : 2), ctx.arg(rev ? 2 : 3), &start, &end)) return;
  int64_t count = -1;
  for (size_t j = 4; j < ctx.argc(); ++j) {
    if (EqualsIgnoreCase(AsCString(ctx.arg(j)), "count") && j + 1 < ctx.argc()) {
      if (!ParseIntArg(ctx, ctx.arg(j + 1), &count)) return;
      if (count < 0) count = 0;
      ++j;
    } else {
      ctx.out.Error(errors::kSyntax);
      return;
    }
  }
  bool wrongtype = false;
  const Stream* s = ReadStream(ctx, ctx.arg(1), &wrongtype);
  if (wrongtype) return;
  if (s == nullptr) {
    ctx.out.Array(0);
    return;
  }
  if (count == 0) {
    ctx.out.NullArray();
    return;
  }
  Resp body(ctx.out.resp3());
  size_t n = 0;
  if (start <= end) {
    s->Range(start, end, rev, [&](const Stream::EntryView& e) {
      AppendEntry(body, e);
      ++n;
      return count < 0 || static_cast<int64_t>(n) < count;
    });
  }
  ctx.out.Array(n);
  ctx.out.Raw(body.bytes());
}

void CmdXRange(CommandContext& ctx) { XRangeGeneric(ctx, false); }
void CmdXRevRange(CommandContext& ctx) { XRangeGeneric(ctx, true); }

void CmdXDel(CommandContext& ctx) {
  const std::string_view key = ctx.arg(1);
  bool wrongtype = false;
  Stream* s = WriteStream(ctx, key, &wrongtype);
  if (wrongtype) return;
  if (s == nullptr) {
    ctx.out.Integer(0);
    return;
  }
  std::vector<StreamID> ids(ctx.argc() - 2);
  for (size_t j = 2; j < ctx.argc(); ++j) {
    if (!ParseIdOrReply(ctx, ctx.arg(j), &ids[j - 2], 0, true)) return;
  }
  int64_t deleted = 0;
  for (const StreamID& id : ids) {
    if (s->Delete(id)) ++deleted;
  }
  if (deleted > 0) {
    ctx.StreamModified(ctx.client.db, key);
    ctx.Notify(kEventStream, "xdel", key);
  }
  ctx.out.Integer(deleted);
}

void CmdXTrim(CommandContext& ctx) {
  AddTrimArgs args;
  if (ParseAddOrTrimArgs(ctx, &args, false) == 0) return;
  const std::string_view key = ctx.arg(1);
  bool wrongtype = false;
  Stream* s = WriteStream(ctx, key, &wrongtype);
  if (wrongtype) return;
  if (s == nullptr) {
    ctx.out.Integer(0);
    return;
  }
  const int64_t deleted = s->Trim(args.trim);
  if (deleted > 0) {
    ctx.Notify(kEventStream, "xtrim", key);
    if (args.trim.approx && ctx.store.feed().active()) {
      std::vector<std::string> argv = ArgvCopy(ctx);
      RewriteTrim(*s, args, &argv);
      ctx.propagate.assign(argv.begin(), argv.end());
    }
    ctx.StreamModified(ctx.client.db, key);
  }
  ctx.out.Integer(deleted);
}

// ------------------------------------------------------------------ XSETID

void CmdXSetId(CommandContext& ctx) {
  StreamID id, max_xdel_id;
  int64_t entries_added = -1;
  if (!ParseIdOrReply(ctx, ctx.arg(2), &id, 0, true)) return;
  for (size_t i = 3; i < ctx.argc(); i += 2) {
    const bool more = i + 1 < ctx.argc();
    const std::string_view opt = AsCString(ctx.arg(i));
    if (EqualsIgnoreCase(opt, "entriesadded") && more) {
      if (!ParseIntArg(ctx, ctx.arg(i + 1), &entries_added)) return;
      if (entries_added < 0) {
        ctx.out.Error("entries_added must be positive");
        return;
      }
    } else if (EqualsIgnoreCase(opt, "maxdeletedid") && more) {
      if (!ParseIdOrReply(ctx, ctx.arg(i + 1), &max_xdel_id, 0, true)) return;
      if (id < max_xdel_id) {
        ctx.out.Error(
            "The ID specified in XSETID is smaller than the provided max_deleted_entry_id");
        return;
      }
    } else {
      ctx.out.Error(errors::kSyntax);
      return;
    }
  }
  const std::string_view key = ctx.arg(1);
  bool wrongtype = false;
  Stream* s = WriteStream(ctx, key, &wrongtype);
  if (wrongtype) return;
  if (s == nullptr) {
    ctx.out.Error(errors::kNoSuchKey);
    return;
  }
  if (s->length() > 0) {
    if (id < LastValidId(*s)) {
      ctx.out.Error("The ID specified in XSETID is smaller than the target stream top item");
      return;
    }
    if (entries_added != -1 && s->length() > static_cast<uint64_t>(entries_added)) {
      ctx.out.Error(
          "The entries_added specified in XSETID is smaller than the target stream length");
      return;
    }
  }
  s->set_last_id(id);
  if (entries_added != -1) s->set_entries_added(static_cast<uint64_t>(entries_added));
  if (max_xdel_id != StreamID::Min()) s->set_max_deleted_entry_id(max_xdel_id);
  ctx.out.Ok();
  ctx.wrote = true;  // Redis's dirty++ (no signalModifiedKey)
  ctx.Notify(kEventStream, "xsetid", key);
}

// ------------------------------------------------------- XREAD XREADGROUP

// Redis's xreadGetKeys: where the keys after STREAMS start and how many
// there are; false for arguments with no valid keys.
bool XReadKeyPositions(const CommandContext& ctx, size_t* first, size_t* count) {
  size_t streams = 0;
  for (size_t i = 1; i < ctx.argc(); ++i) {
    const std::string_view arg = AsCString(ctx.arg(i));
    if (EqualsIgnoreCase(arg, "block") || EqualsIgnoreCase(arg, "count")) {
      ++i;
    } else if (EqualsIgnoreCase(arg, "group")) {
      i += 2;
    } else if (EqualsIgnoreCase(arg, "noack")) {
    } else if (EqualsIgnoreCase(arg, "streams")) {
      streams = i;
      break;
    } else {
      break;
    }
  }
  if (streams == 0) return false;
  const size_t n = ctx.argc() - streams - 1;
  if (n == 0 || n % 2 != 0) return false;
  *first = streams + 1;
  *count = n / 2;
  return true;
}

void XReadKeys(const CommandContext& ctx, KeyList* keys) {
  size_t first = 0, count = 0;
  if (!XReadKeyPositions(ctx, &first, &count)) return;
  for (size_t i = first; i < first + count; ++i) keys->push_back({ctx.client.db, ctx.arg(i)});
}

bool CanServeStreamWaiter(const Entry& entry, const Waiter& waiter, std::string_view key);
void ServeStreamWaiter(ServeContext& ctx, Waiter& waiter, std::string_view key);

void CmdXRead(CommandContext& ctx) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  const bool xreadgroup = ctx.arg(0).size() == 10;
  int64_t timeout = -1;  // no BLOCK
  int64_t count = 0;
  size_t streams_arg = 0, streams_count = 0;
  bool noack = false;
  std::string_view group_name, consumer_name;
  bool has_group = false;
  for (size_t i = 1; i < ctx.argc(); ++i) {
    const size_t more = ctx.argc() - i - 1;
    const std::string_view o = AsCString(ctx.arg(i));
    if (EqualsIgnoreCase(o, "block") && more > 0) {
      if (ctx.client.script_changes != nullptr) {
        // Redis keeps this text for scripts (its CLIENT_DENY_BLOCKING covers the rest).
        ctx.out.Error(StrCat(ctx.arg(0), " command is not allowed with BLOCK option from scripts"));
        return;
      }
      ++i;
      if (!ParseIntArg(ctx, ctx.arg(i), &timeout, "timeout is not an integer or out of range")) {
        return;
      }
      if (timeout < 0) {
        ctx.out.Error("timeout is negative");
        return;
      }
    } else if (EqualsIgnoreCase(o, "count") && more > 0) {
      ++i;
      if (!ParseIntArg(ctx, ctx.arg(i), &count)) return;
      if (count < 0) count = 0;
    } else if (EqualsIgnoreCase(o, "streams") && more > 0) {
      streams_arg = i + 1;
      streams_count = ctx.argc() - streams_arg;
      if (streams_count % 2 != 0) {
        ctx.out.Error(
            "Unbalanced XREAD list of streams: for each stream key an ID or '$' must be "
            "specified.");
        return;
      }
      streams_count /= 2;
      break;
    } else if (EqualsIgnoreCase(o, "group") && more >= 2) {
      if (!xreadgroup) {
        ctx.out.Error(
            "The GROUP option is only supported by XREADGROUP. You called XREAD instead.");
        return;
      }
      group_name = ctx.arg(i + 1);
      consumer_name = ctx.arg(i + 2);
      has_group = true;
      i += 2;
    } else if (EqualsIgnoreCase(o, "noack")) {
      if (!xreadgroup) {
        ctx.out.Error(
            "The NOACK option is only supported by XREADGROUP. You called XREAD instead.");
        return;
      }
      noack = true;
    } else {
      ctx.out.Error(errors::kSyntax);
      return;
    }
  }
  if (streams_arg == 0) {
    ctx.out.Error(errors::kSyntax);
    return;
  }
  if (xreadgroup && !has_group) {
    ctx.out.Error("Missing GROUP option for XREADGROUP");
    return;
  }
  // The keys dispatch locked are those XReadKeys found: the same, or this is
  // an error (as in Redis, whose key extraction mirrors this parse).
  size_t locked_first = 0, locked_count = 0;
  if (!XReadKeyPositions(ctx, &locked_first, &locked_count) || locked_first != streams_arg ||
      locked_count != streams_count) {
    ctx.out.Error(errors::kSyntax);
    return;
  }
  std::vector<StreamID> ids(streams_count);
  std::vector<StreamGroup*> groups(has_group ? streams_count : 0);
  for (size_t k = 0; k < streams_count; ++k) {
    const std::string_view key = ctx.arg(streams_arg + k);
    const std::string_view id_arg = ctx.arg(streams_arg + streams_count + k);
    bool wrongtype = false;
    Stream* s = ReadStream(ctx, key, &wrongtype);
    if (wrongtype) return;
    if (has_group) {
      StreamGroup* group = s != nullptr ? s->FindGroup(group_name) : nullptr;
      if (group == nullptr) {
        ctx.out.Error(
            ErrorText(StrCat("-NOGROUP No such key '", AsCString(key), "' or consumer group '",
                             AsCString(group_name), "' in XREADGROUP with GROUP option")));
        return;
      }
      groups[k] = group;
    }
    if (AsCString(id_arg) == "$") {
      if (xreadgroup) {
        ctx.out.Error(
            "The $ ID is meaningless in the context of XREADGROUP: you want to read the history "
            "of this consumer by specifying a proper ID, or use the > ID to get new messages. The "
            "$ ID would just return an empty result set.");
        return;
      }
      ids[k] = s != nullptr ? s->last_id() : StreamID::Min();
      continue;
    }
    if (AsCString(id_arg) == ">") {
      if (!xreadgroup) {
        ctx.out.Error(
            "The > ID can be specified only when calling XREADGROUP using the GROUP <group> "
            "<consumer> option.");
        return;
      }
      ids[k] = StreamID::Max();  // ">": the group's last ID, resolved when served
      continue;
    }
    if (!ParseIdOrReply(ctx, id_arg, &ids[k], 0, true)) return;
  }

  // Serve synchronously what can be served.
  Resp body(ctx.out.resp3());
  size_t served = 0;
  AlsoPropagate also;
  bool dirty = false;
  ChangeFeed& feed = ctx.store.feed();
  for (size_t k = 0; k < streams_count; ++k) {
    const std::string_view key = ctx.arg(streams_arg + k);
    bool wrongtype = false;
    Stream* s = ReadStream(ctx, key, &wrongtype);
    if (s == nullptr) continue;
    StreamID gt = ids[k];
    bool serve = false, history = false;
    if (has_group) {
      if (gt != StreamID::Max()) {
        serve = history = true;
      } else if (s->length() > 0 && LastValidId(*s) > groups[k]->last_id) {
        serve = true;
        gt = groups[k]->last_id;
      }
    } else if (s->length() > 0 && LastValidId(*s) > gt) {
      serve = true;
    }
    if (!serve) continue;
    ++served;
    StreamID start = gt;
    start.Increment();
    if (!body.resp3()) body.Array(2);
    body.Bulk(key);
    if (!has_group) {
      ReplyNewEntries(body, *s, start, count, nullptr, nullptr, false, key, "", ctx.now_ms, &also);
      continue;
    }
    bool created = false;
    StreamConsumer* consumer = LookupOrCreateConsumer(feed, ctx.client.db, *groups[k],
                                                      consumer_name, key, ctx.now_ms, &created);
    if (created && noack) also.ConsumerCreation(key, group_name, consumer_name);
    if (history) {
      ReplyHistory(body, *s, start, count, consumer, ctx.now_ms);
    } else {
      ReplyNewEntries(body, *s, start, count, groups[k], consumer, noack, key, group_name,
                      ctx.now_ms, &also);
    }
    dirty = true;
  }
  if (served > 0) {
    if (body.resp3()) {
      ctx.out.Map(served);
    } else {
      ctx.out.Array(served);
    }
    ctx.out.Raw(body.bytes());
    also.Finish(ctx, dirty);
    return;
  }
  if (timeout != -1) {
    if (!ctx.may_block()) {
      ctx.out.NullArray();
      return;
    }
    auto waiter = std::make_shared<Waiter>();
    for (size_t k = 0; k < streams_count; ++k) waiter->keys.emplace_back(ctx.arg(streams_arg + k));
    waiter->stream_ids = std::move(ids);
    if (has_group) {
      waiter->group = std::string(group_name);
      waiter->consumer = std::string(consumer_name);
      waiter->noack = noack;
    }
    waiter->count = count != 0 ? count : kXReadBlockedDefaultCount;
    waiter->deadline_ms =
        timeout == 0 ? 0 : (timeout > INT64_MAX - ctx.now_ms ? INT64_MAX : ctx.now_ms + timeout);
    waiter->client_id = ctx.client.id;
    waiter->loop = ctx.client.loop;
    waiter->db = ctx.client.db;
    waiter->type = kStreamType;
    waiter->resp3 = ctx.out.resp3();
    waiter->serve = ServeStreamWaiter;
    waiter->can_serve = CanServeStreamWaiter;
    ctx.client.blocked = waiter;
    ctx.server.blocking.Add(std::move(waiter));
    return;
  }
  ctx.out.NullArray();
}

// The ID a waiter asked for on `key` (the first time the key is named).
const StreamID& WaiterId(const Waiter& waiter, std::string_view key) {
  for (size_t i = 0; i < waiter.keys.size(); ++i) {
    if (waiter.keys[i] == key) return waiter.stream_ids[i];
  }
  return waiter.stream_ids.front();
}

// As serveClientsBlockedOnStreamKey decides: a reader is served once the
// stream's last ID passes its own (a group reader: its group's last ID,
// or at once with an error when the group is gone).
bool CanServeStreamWaiter(const Entry& entry, const Waiter& waiter, std::string_view key) {
  const Stream& s = *entry.stream();
  if (!waiter.group.empty()) {
    const StreamGroup* group = s.FindGroup(waiter.group);
    return group == nullptr || s.last_id() > group->last_id;
  }
  return s.last_id() > WaiterId(waiter, key);
}

void ServeStreamWaiter(ServeContext& ctx, Waiter& waiter,
                       std::string_view key) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  const int db = waiter.db;
  Shard& shard = ctx.locks(db, key);
  Entry* entry = shard.FindMutable(key, ctx.now_ms);
  Stream& s = *entry->stream();
  Resp r(waiter.resp3);
  ChangeFeed& feed = ctx.store.feed();
  StreamGroup* group = nullptr;
  StreamID gt = WaiterId(waiter, key);
  if (!waiter.group.empty()) {
    group = s.FindGroup(waiter.group);
    if (group == nullptr) {
      StrAppend(&waiter.reply,
                "-NOGROUP the consumer group this client was blocked on no longer exists\r\n");
      return;
    }
    gt = group->last_id;
  }
  StreamID start = gt;
  start.Increment();
  AlsoPropagate also;
  StreamConsumer* consumer = nullptr;
  if (group != nullptr) {
    bool created = false;
    consumer = LookupOrCreateConsumer(feed, db, *group, waiter.consumer, key, ctx.now_ms, &created);
    if (created && waiter.noack) also.ConsumerCreation(key, waiter.group, waiter.consumer);
  }
  if (r.resp3()) {
    r.Map(1);
  } else {
    r.Array(1);
    r.Array(2);
  }
  r.Bulk(key);
  ReplyNewEntries(r, s, start, waiter.count, group, consumer, waiter.noack, key, waiter.group,
                  ctx.now_ms, &also);
  waiter.reply.append(r.bytes());
  also.Publish(feed, db);
}

// ------------------------------------------------------------------ XGROUP

// One handler for every XGROUP subcommand, as Redis's xgroupCommand.
void CmdXGroup(CommandContext& ctx) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  const std::string_view opt = AsCString(ctx.arg(1));
  bool mkstream = false;
  int64_t entries_read = StreamGroup::kInvalidEntriesRead;
  Stream* s = nullptr;
  StreamGroup* group = nullptr;
  std::string_view key, group_name;
  if (ctx.argc() >= 4) {
    const bool create = EqualsIgnoreCase(opt, "create");
    const bool setid = EqualsIgnoreCase(opt, "setid");
    for (size_t i = 5; i < ctx.argc();) {
      const std::string_view arg = AsCString(ctx.arg(i));
      if (create && EqualsIgnoreCase(arg, "mkstream")) {
        mkstream = true;
        ++i;
      } else if ((create || setid) && EqualsIgnoreCase(arg, "entriesread") && i + 1 < ctx.argc()) {
        if (!ParseIntArg(ctx, ctx.arg(i + 1), &entries_read)) return;
        if (entries_read < 0 && entries_read != StreamGroup::kInvalidEntriesRead) {
          ctx.out.Error("value for ENTRIESREAD must be positive or -1");
          return;
        }
        i += 2;
      } else {
        ReplySubcommandSyntax(ctx);
        return;
      }
    }
    key = ctx.arg(2);
    bool wrongtype = false;
    s = WriteStream(ctx, key, &wrongtype);
    if (wrongtype) return;
    group_name = ctx.arg(3);
  }
  if (ctx.argc() >= 4 && !mkstream) {
    if (s == nullptr) {
      ctx.out.Error(kXGroupNeedsKey);
      return;
    }
    group = s->FindGroup(group_name);
    if (group == nullptr &&
        (EqualsIgnoreCase(opt, "setid") || EqualsIgnoreCase(opt, "createconsumer") ||
         EqualsIgnoreCase(opt, "delconsumer"))) {
      ctx.out.Error(ErrorText(StrCat("-NOGROUP No such consumer group '", AsCString(group_name),
                                     "' for key name '", AsCString(key), "'")));
      return;
    }
  }
  if (ctx.argc() == 2 && EqualsIgnoreCase(opt, "help")) {
    ReplyHelp(
        ctx, "XGROUP",
        {"CREATE <key> <groupname> <id|$> [option]",
         "    Create a new consumer group. Options are:", "    * MKSTREAM",
         "      Create the empty stream if it does not exist.", "    * ENTRIESREAD entries_read",
         "      Set the group's entries_read counter (internal use).",
         "CREATECONSUMER <key> <groupname> <consumer>",
         "    Create a new consumer in the specified group.",
         "DELCONSUMER <key> <groupname> <consumer>", "    Remove the specified consumer.",
         "DESTROY <key> <groupname>", "    Remove the specified group.",
         "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
         "    Set the current group ID and entries_read counter."});
  } else if (EqualsIgnoreCase(opt, "create") && ctx.argc() >= 5 && ctx.argc() <= 8) {
    StreamID id;
    if (AsCString(ctx.arg(4)) == "$") {
      id = s != nullptr ? s->last_id() : StreamID::Min();
    } else if (!ParseIdOrReply(ctx, ctx.arg(4), &id, 0, true)) {
      return;
    }
    if (s == nullptr) {
      Shard& shard = ctx.shard(key);
      s = new Stream();
      shard.Put(key, Entry::MakeStream(key, s), std::nullopt, false);
      ctx.StreamModified(ctx.client.db, key);
    }
    if (s->CreateGroup(group_name, id, entries_read) != nullptr) {
      ctx.out.Ok();
      ctx.wrote = true;
      ctx.Notify(kEventStream, "xgroup-create", key);
    } else {
      ctx.out.Error("-BUSYGROUP Consumer Group name already exists");
    }
  } else if (EqualsIgnoreCase(opt, "setid") && (ctx.argc() == 5 || ctx.argc() == 7)) {
    StreamID id;
    if (AsCString(ctx.arg(4)) == "$") {
      id = s->last_id();
    } else if (!ParseIdOrReply(ctx, ctx.arg(4), &id, 0, false)) {
      return;
    }
    group->last_id = id;
    group->entries_read = entries_read;
    ctx.out.Ok();
    ctx.wrote = true;
    ctx.Notify(kEventStream, "xgroup-setid", key);
  } else if (EqualsIgnoreCase(opt, "destroy") && ctx.argc() == 4) {
    if (group != nullptr) {
      s->DestroyGroup(group_name);
      ctx.out.Integer(1);
      ctx.wrote = true;
      ctx.Notify(kEventStream, "xgroup-destroy", key);
      // XREADGROUP readers of the group get -NOGROUP.
      ctx.KeyReady(ctx.client.db, key);
    } else {
      ctx.out.Integer(0);
    }
  } else if (EqualsIgnoreCase(opt, "createconsumer") && ctx.argc() == 5) {
    const bool created = group->CreateConsumer(ctx.arg(4), ctx.now_ms) != nullptr;
    if (created) {
      ctx.wrote = true;
      ctx.Notify(kEventStream, "xgroup-createconsumer", key);
    }
    ctx.out.Integer(created ? 1 : 0);
  } else if (EqualsIgnoreCase(opt, "delconsumer") && ctx.argc() == 5) {
    int64_t pending = 0;
    if (group->FindConsumer(ctx.arg(4)) != nullptr) {
      pending = group->DeleteConsumer(ctx.arg(4));
      ctx.wrote = true;
      ctx.Notify(kEventStream, "xgroup-delconsumer", key);
    }
    ctx.out.Integer(pending);
  } else {
    ReplySubcommandSyntax(ctx);
  }
}

// ------------------------------------------------------------------- XACK

void CmdXAck(CommandContext& ctx) {
  bool wrongtype = false;
  Stream* s = ReadStream(ctx, ctx.arg(1), &wrongtype);
  if (wrongtype) return;
  StreamGroup* group = s != nullptr ? s->FindGroup(ctx.arg(2)) : nullptr;
  if (group == nullptr) {
    ctx.out.Integer(0);
    return;
  }
  std::vector<StreamID> ids(ctx.argc() - 3);
  for (size_t j = 3; j < ctx.argc(); ++j) {
    if (!ParseIdOrReply(ctx, ctx.arg(j), &ids[j - 3], 0, true)) return;
  }
  int64_t acknowledged = 0;
  for (const StreamID& id : ids) {
    auto it = group->pel.find(id);
    if (it == group->pel.end()) continue;
    if (it->second->consumer != nullptr) it->second->consumer->pel.erase(id);
    group->pel.erase(it);
    ++acknowledged;
  }
  if (acknowledged > 0) ctx.wrote = true;
  ctx.out.Integer(acknowledged);
}

// --------------------------------------------------------------- XPENDING

void CmdXPending(CommandContext& ctx) {
  const bool justinfo = ctx.argc() == 3;
  if (ctx.argc() != 3 && (ctx.argc() < 6 || ctx.argc() > 9)) {
    ctx.out.Error(errors::kSyntax);
    return;
  }
  StreamID start, end;
  int64_t count = 0, minidle = 0;
  std::optional<std::string_view> consumer_name;
  if (ctx.argc() >= 6) {
    size_t startidx = 3;
    if (EqualsIgnoreCase(AsCString(ctx.arg(3)), "idle")) {
      if (!ParseIntArg(ctx, ctx.arg(4), &minidle)) return;
      if (ctx.argc() < 8) {
        ctx.out.Error(errors::kSyntax);
        return;
      }
      startidx += 2;
    }
    if (!ParseIntArg(ctx, ctx.arg(startidx + 2), &count)) return;
    if (count < 0) count = 0;
    if (!ParseRange(ctx, ctx.arg(startidx), ctx.arg(startidx + 1), &start, &end)) return;
    if (startidx + 3 < ctx.argc()) consumer_name = ctx.arg(startidx + 3);
  }
  bool wrongtype = false;
  Stream* s = ReadStream(ctx, ctx.arg(1), &wrongtype);
  if (wrongtype) return;
  StreamGroup* group = s != nullptr ? s->FindGroup(ctx.arg(2)) : nullptr;
  if (group == nullptr) {
    ctx.out.Error(ErrorText(StrCat("-NOGROUP No such key '", AsCString(ctx.arg(1)),
                                   "' or consumer group '", AsCString(ctx.arg(2)), "'")));
    return;
  }
  Resp r(ctx.out.resp3());
  if (justinfo) {
    r.Array(4);
    r.Integer(static_cast<int64_t>(group->pel.size()));
    if (group->pel.empty()) {
      r.Null();
      r.Null();
      r.NullArray();
    } else {
      r.Id(group->pel.begin()->first);
      r.Id(group->pel.rbegin()->first);
      size_t n = 0;
      for (const auto& [name, consumer] : group->consumers) n += consumer->pel.empty() ? 0 : 1;
      r.Array(n);
      for (const auto& [name, consumer] : group->consumers) {
        if (consumer->pel.empty()) continue;
        r.Array(2);
        r.Bulk(name);
        r.BulkInt(static_cast<int64_t>(consumer->pel.size()));
      }
    }
    ctx.out.Raw(r.bytes());
    return;
  }
  const StreamConsumer* consumer = nullptr;
  if (consumer_name.has_value()) {
    consumer = group->FindConsumer(*consumer_name);
    if (consumer == nullptr) {
      ctx.out.Array(0);
      return;
    }
  }
  const int64_t now = ctx.now_ms;
  size_t n = 0;
  auto emit = [&](const StreamID& id, const StreamNack& nack) {
    if (minidle != 0 && now - nack.delivery_time < minidle) return;
    ++n;
    --count;
    r.Array(4);
    r.Id(id);
    r.Bulk(nack.consumer->name);
    r.Integer(std::max<int64_t>(0, now - nack.delivery_time));
    r.Integer(static_cast<int64_t>(nack.delivery_count));
  };
  if (consumer != nullptr) {
    for (auto it = consumer->pel.lower_bound(start);
         count > 0 && it != consumer->pel.end() && it->first <= end; ++it) {
      emit(it->first, *it->second);
    }
  } else {
    for (auto it = group->pel.lower_bound(start);
         count > 0 && it != group->pel.end() && it->first <= end; ++it) {
      emit(it->first, *it->second);
    }
  }
  ctx.out.Array(n);
  ctx.out.Raw(r.bytes());
}

// ----------------------------------------------------------------- XCLAIM

// Moves `nack` (of `id`) to `consumer`.
void Reassign(StreamNack* nack, StreamConsumer* consumer, const StreamID& id) {
  if (nack->consumer == consumer) return;
  if (nack->consumer != nullptr) nack->consumer->pel.erase(id);
  consumer->pel[id] = nack;
  nack->consumer = consumer;
}

void CmdXClaim(CommandContext& ctx) {
  const std::string_view key = ctx.arg(1), group_name = ctx.arg(2);
  bool wrongtype = false;
  Stream* s = ReadStream(ctx, key, &wrongtype);
  if (wrongtype) return;
  StreamGroup* group = s != nullptr ? s->FindGroup(group_name) : nullptr;
  if (group == nullptr) {
    ctx.out.Error(ErrorText(StrCat("-NOGROUP No such key '", AsCString(key),
                                   "' or consumer group '", AsCString(group_name), "'")));
    return;
  }
  int64_t minidle = 0;
  if (!ParseIntArg(ctx, ctx.arg(4), &minidle, "Invalid min-idle-time argument for XCLAIM")) {
    return;
  }
  if (minidle < 0) minidle = 0;
  std::vector<StreamID> ids;
  size_t j = 5;
  for (; j < ctx.argc(); ++j) {
    StreamID id;
    if (!ParseId(ctx.arg(j), &id, 0, true)) break;
    ids.push_back(id);
  }
  const int64_t now = ctx.now_ms;
  int64_t retrycount = -1, deliverytime = -1;
  bool force = false, justid = false, propagate_last_id = false;
  StreamID last_id;
  for (; j < ctx.argc(); ++j) {
    const bool more = j + 1 < ctx.argc();
    const std::string_view opt = AsCString(ctx.arg(j));
    if (EqualsIgnoreCase(opt, "force")) {
      force = true;
    } else if (EqualsIgnoreCase(opt, "justid")) {
      justid = true;
    } else if (EqualsIgnoreCase(opt, "idle") && more) {
      if (!ParseIntArg(ctx, ctx.arg(++j), &deliverytime,
                       "Invalid IDLE option argument for XCLAIM")) {
        return;
      }
      deliverytime = now - deliverytime;
    } else if (EqualsIgnoreCase(opt, "time") && more) {
      if (!ParseIntArg(ctx, ctx.arg(++j), &deliverytime,
                       "Invalid TIME option argument for XCLAIM")) {
        return;
      }
    } else if (EqualsIgnoreCase(opt, "retrycount") && more) {
      if (!ParseIntArg(ctx, ctx.arg(++j), &retrycount,
                       "Invalid RETRYCOUNT option argument for XCLAIM")) {
        return;
      }
    } else if (EqualsIgnoreCase(opt, "lastid") && more) {
      if (!ParseIdOrReply(ctx, ctx.arg(++j), &last_id, 0, true)) return;
    } else {
      ctx.out.Error(ErrorText(StrCat("Unrecognized XCLAIM option '", opt, "'")));
      return;
    }
  }
  if (last_id > group->last_id) {
    group->last_id = last_id;
    propagate_last_id = true;
  }
  if (deliverytime != -1) {
    // A bogus time (the client's clock ahead of ours) is now, not an error.
    if (deliverytime < 0 || deliverytime > now) deliverytime = now;
  } else {
    deliverytime = now;
  }
  ChangeFeed& feed = ctx.store.feed();
  AlsoPropagate also;
  bool dirty = propagate_last_id;
  StreamConsumer* consumer = nullptr;
  Resp body(ctx.out.resp3());
  size_t n = 0;
  for (const StreamID& id : ids) {
    auto it = group->pel.find(id);
    StreamNack* nack = it != group->pel.end() ? it->second.get() : nullptr;
    if (!EntryExists(*s, id)) {
      // The entry is gone: its pending entry goes too.
      if (nack != nullptr) {
        also.XClaim(key, *group, group_name, id, *nack);
        propagate_last_id = false;
        dirty = true;
        if (nack->consumer != nullptr) nack->consumer->pel.erase(id);
        group->pel.erase(it);
      }
      continue;
    }
    if (force && nack == nullptr) {
      auto created = std::make_unique<StreamNack>();
      created->delivery_time = now;
      created->delivery_count = 1;
      nack = created.get();
      group->pel.emplace(id, std::move(created));
    }
    if (nack == nullptr) continue;
    if (nack->consumer != nullptr && minidle != 0 && now - nack->delivery_time < minidle) continue;
    if (consumer == nullptr) {
      consumer = LookupOrCreateConsumer(feed, ctx.client.db, *group, ctx.arg(3), key, now);
      dirty = true;
    }
    StreamConsumer* previous = nack->consumer;
    if (previous != consumer && previous != nullptr) previous->pel.erase(id);
    nack->delivery_time = deliverytime;
    if (retrycount >= 0) {
      nack->delivery_count = static_cast<uint64_t>(retrycount);
    } else if (!justid) {
      ++nack->delivery_count;
    }
    if (previous != consumer) {
      consumer->pel[id] = nack;
      nack->consumer = consumer;
    }
    if (justid) {
      body.Id(id);
    } else {
      AppendEntryById(body, *s, id);
    }
    ++n;
    also.XClaim(key, *group, group_name, id, *nack);
    propagate_last_id = false;
    dirty = true;
  }
  if (propagate_last_id) also.GroupId(key, *group, group_name);
  ctx.out.Array(n);
  ctx.out.Raw(body.bytes());
  also.Finish(ctx, dirty);
}

void CmdXAutoClaim(CommandContext& ctx) {
  const std::string_view key = ctx.arg(1), group_name = ctx.arg(2);
  int64_t minidle = 0;
  if (!ParseIntArg(ctx, ctx.arg(4), &minidle, "Invalid min-idle-time argument for XAUTOCLAIM")) {
    return;
  }
  if (minidle < 0) minidle = 0;
  StreamID start;
  bool exclude = false;
  if (!ParseIntervalIdOrReply(ctx, ctx.arg(5), &start, &exclude, 0)) return;
  if (exclude && !start.Increment()) {
    ctx.out.Error("invalid start ID for the interval");
    return;
  }
  int64_t count = 100;
  constexpr int64_t kAttemptsFactor = 10;
  bool justid = false;
  for (size_t j = 6; j < ctx.argc(); ++j) {
    const bool more = j + 1 < ctx.argc();
    const std::string_view opt = AsCString(ctx.arg(j));
    if (EqualsIgnoreCase(opt, "count") && more) {
      constexpr int64_t kMaxCount = INT64_MAX / 16;  // LONG_MAX / max(sizeof(streamID), 10)
      if (!ParseIntArg(ctx, ctx.arg(j + 1), &count, "COUNT must be > 0")) return;
      if (count < 1 || count > kMaxCount) {
        ctx.out.Error("COUNT must be > 0");
        return;
      }
      ++j;
    } else if (EqualsIgnoreCase(opt, "justid")) {
      justid = true;
    } else {
      ctx.out.Error(errors::kSyntax);
      return;
    }
  }
  bool wrongtype = false;
  Stream* s = ReadStream(ctx, key, &wrongtype);
  if (wrongtype) return;
  StreamGroup* group = s != nullptr ? s->FindGroup(group_name) : nullptr;
  if (group == nullptr) {
    ctx.out.Error(ErrorText(StrCat("-NOGROUP No such key '", AsCString(key),
                                   "' or consumer group '", AsCString(group_name), "'")));
    return;
  }
  const int64_t now = ctx.now_ms;
  ChangeFeed& feed = ctx.store.feed();
  AlsoPropagate also;
  bool dirty = false;
  StreamConsumer* consumer = nullptr;
  std::vector<StreamID> deleted;
  Resp body(ctx.out.resp3());
  size_t n = 0;
  int64_t attempts = count * kAttemptsFactor;
  auto it = group->pel.lower_bound(start);
  while (attempts-- > 0 && count > 0 && it != group->pel.end()) {
    const StreamID id = it->first;
    StreamNack* nack = it->second.get();
    if (!EntryExists(*s, id)) {
      also.XClaim(key, *group, group_name, id, *nack);
      dirty = true;
      if (nack->consumer != nullptr) nack->consumer->pel.erase(id);
      it = group->pel.erase(it);
      deleted.push_back(id);
      --count;
      continue;
    }
    if (minidle != 0 && now - nack->delivery_time < minidle) {
      ++it;
      continue;
    }
    if (consumer == nullptr) {
      consumer = LookupOrCreateConsumer(feed, ctx.client.db, *group, ctx.arg(3), key, now);
    }
    Reassign(nack, consumer, id);
    nack->delivery_time = now;
    if (!justid) ++nack->delivery_count;
    if (justid) {
      body.Id(id);
    } else {
      AppendEntryById(body, *s, id);
    }
    ++n;
    --count;
    also.XClaim(key, *group, group_name, id, *nack);
    dirty = true;
    ++it;
  }
  Resp r(ctx.out.resp3());
  r.Array(3);
  r.Id(it != group->pel.end() ? it->first : StreamID::Min());
  r.Array(n);
  r.Append(body.bytes());
  r.Array(deleted.size());
  for (const StreamID& id : deleted) r.Id(id);
  ctx.out.Raw(r.bytes());
  also.Finish(ctx, dirty);
}

// ------------------------------------------------------------------ XINFO

// The nodes of Redis's radix tree of the stream's node keys (16-byte
// big-endian master IDs): rax keeps paths compressed, so the count is that
// of the compact trie — a compressed node for each non-empty edge, a node
// for each branch, one for each key.
size_t RaxNodes(const std::vector<std::string>& keys, size_t lo, size_t hi, size_t depth) {
  if (hi - lo == 1) return (keys[lo].size() > depth ? 1 : 0) + 1;
  const std::string& a = keys[lo];
  const std::string& b = keys[hi - 1];
  size_t lcp = depth;
  while (lcp < a.size() && a[lcp] == b[lcp]) ++lcp;
  size_t nodes = (lcp > depth ? 1 : 0) + 1;
  for (size_t i = lo; i < hi;) {
    size_t j = i + 1;
    while (j < hi && keys[j][lcp] == keys[i][lcp]) ++j;
    nodes += RaxNodes(keys, i, j, lcp + 1);
    i = j;
  }
  return nodes;
}

size_t RaxNodeCount(const Stream& s) {
  std::vector<std::string> keys;
  s.ForEachNode([&](const StreamID& master, std::string_view) {
    char buf[16];
    master.EncodeBigEndian(buf);
    keys.emplace_back(buf, sizeof(buf));
  });
  if (keys.empty()) return 1;
  return RaxNodes(keys, 0, keys.size(), 0);
}

// Redis's streamReplyWithCGLag.
void AppendLag(Resp& r, const Stream& s, const StreamGroup& g) {
  if (s.entries_added() == 0) {
    r.Integer(0);
  } else if (g.entries_read != StreamGroup::kInvalidEntriesRead &&
             !s.RangeHasTombstones(g.last_id, StreamID::Max())) {
    r.Integer(static_cast<int64_t>(s.entries_added()) - g.entries_read);
  } else {
    const int64_t read = s.EstimateDistanceFromFirstEverEntry(g.last_id);
    if (read != StreamGroup::kInvalidEntriesRead) {
      r.Integer(static_cast<int64_t>(s.entries_added()) - read);
    } else {
      r.Null();
    }
  }
}

void AppendEntriesRead(Resp& r, const StreamGroup& g) {
  if (g.entries_read != StreamGroup::kInvalidEntriesRead) {
    r.Integer(g.entries_read);
  } else {
    r.Null();
  }
}

void XInfoStream(CommandContext& ctx, const Stream& s) {
  bool full = false;
  int64_t count = 10;
  const size_t optc = ctx.argc() - 3;
  if (optc != 0) {
    if ((optc != 1 && optc != 3) || !EqualsIgnoreCase(AsCString(ctx.arg(3)), "full")) {
      ReplySubcommandSyntax(ctx);
      return;
    }
    if (optc == 3) {
      if (!EqualsIgnoreCase(AsCString(ctx.arg(4)), "count")) {
        ReplySubcommandSyntax(ctx);
        return;
      }
      if (!ParseIntArg(ctx, ctx.arg(5), &count)) return;
      if (count < 0) count = 10;
    }
    full = true;
  }
  Resp r(ctx.out.resp3());
  r.Map(full ? 9 : 10);
  r.Bulk("length");
  r.Integer(static_cast<int64_t>(s.length()));
  r.Bulk("radix-tree-keys");
  r.Integer(static_cast<int64_t>(s.node_count()));
  r.Bulk("radix-tree-nodes");
  r.Integer(static_cast<int64_t>(RaxNodeCount(s)));
  r.Bulk("last-generated-id");
  r.Id(s.last_id());
  r.Bulk("max-deleted-entry-id");
  r.Id(s.max_deleted_entry_id());
  r.Bulk("entries-added");
  r.Integer(static_cast<int64_t>(s.entries_added()));
  r.Bulk("recorded-first-entry-id");
  r.Id(s.first_id());
  if (!full) {
    r.Bulk("groups");
    r.Integer(static_cast<int64_t>(s.groups().size()));
    for (const bool rev : {false, true}) {
      r.Bulk(rev ? "last-entry" : "first-entry");
      bool emitted = false;
      s.Range(StreamID::Min(), StreamID::Max(), rev, [&](const Stream::EntryView& e) {
        AppendEntry(r, e);
        emitted = true;
        return false;
      });
      if (!emitted) r.Null();
    }
    ctx.out.Raw(r.bytes());
    return;
  }
  const auto limit = static_cast<size_t>(count);  // 0: all
  r.Bulk("entries");
  {
    Resp entries(r.resp3());
    size_t n = 0;
    s.Range(StreamID::Min(), StreamID::Max(), false, [&](const Stream::EntryView& e) {
      AppendEntry(entries, e);
      ++n;
      return limit == 0 || n < limit;
    });
    r.Array(n);
    r.Append(entries.bytes());
  }
  r.Bulk("groups");
  r.Array(s.groups().size());
  for (const auto& [name, g] : s.groups()) {
    r.Map(7);
    r.Bulk("name");
    r.Bulk(name);
    r.Bulk("last-delivered-id");
    r.Id(g->last_id);
    r.Bulk("entries-read");
    AppendEntriesRead(r, *g);
    r.Bulk("lag");
    AppendLag(r, s, *g);
    r.Bulk("pel-count");
    r.Integer(static_cast<int64_t>(g->pel.size()));
    r.Bulk("pending");
    const size_t pel_n = limit == 0 ? g->pel.size() : std::min(limit, g->pel.size());
    r.Array(pel_n);
    size_t i = 0;
    for (auto it = g->pel.begin(); i < pel_n; ++it, ++i) {
      r.Array(4);
      r.Id(it->first);
      r.Bulk(it->second->consumer->name);
      r.Integer(it->second->delivery_time);
      r.Integer(static_cast<int64_t>(it->second->delivery_count));
    }
    r.Bulk("consumers");
    r.Array(g->consumers.size());
    for (const auto& [cname, c] : g->consumers) {
      r.Map(4);
      r.Bulk("name");
      r.Bulk(cname);
      r.Bulk("seen-time");
      r.Integer(c->seen_time);
      r.Bulk("pel-count");
      r.Integer(static_cast<int64_t>(c->pel.size()));
      r.Bulk("pending");
      const size_t cn = limit == 0 ? c->pel.size() : std::min(limit, c->pel.size());
      r.Array(cn);
      size_t k = 0;
      for (auto it = c->pel.begin(); k < cn; ++it, ++k) {
        r.Array(3);
        r.Id(it->first);
        r.Integer(it->second->delivery_time);
        r.Integer(static_cast<int64_t>(it->second->delivery_count));
      }
    }
  }
  ctx.out.Raw(r.bytes());
}

// One handler for XINFO CONSUMERS / GROUPS / STREAM, as Redis's xinfoCommand.
void CmdXInfo(CommandContext& ctx) {
  const std::string_view opt = AsCString(ctx.arg(1));
  if (EqualsIgnoreCase(opt, "help")) {
    if (ctx.argc() != 2) {
      ReplySubcommandSyntax(ctx);
      return;
    }
    ReplyHelp(ctx, "XINFO",
              {"CONSUMERS <key> <groupname>", "    Show consumers of <groupname>.", "GROUPS <key>",
               "    Show the stream consumer groups.", "STREAM <key> [FULL [COUNT <count>]",
               "    Show information about the stream."});
    return;
  }
  if (ctx.argc() < 3) {
    ReplySubcommandSyntax(ctx);
    return;
  }
  const std::string_view key = ctx.arg(2);
  bool wrongtype = false;
  const Stream* s = ReadStream(ctx, key, &wrongtype);
  if (wrongtype) return;
  if (s == nullptr) {
    ctx.out.Error(errors::kNoSuchKey);
    return;
  }
  Resp r(ctx.out.resp3());
  if (EqualsIgnoreCase(opt, "consumers") && ctx.argc() == 4) {
    const StreamGroup* g = s->FindGroup(ctx.arg(3));
    if (g == nullptr) {
      ctx.out.Error(ErrorText(StrCat("-NOGROUP No such consumer group '", AsCString(ctx.arg(3)),
                                     "' for key name '", AsCString(key), "'")));
      return;
    }
    r.Array(g->consumers.size());
    for (const auto& [name, c] : g->consumers) {
      r.Map(3);
      r.Bulk("name");
      r.Bulk(name);
      r.Bulk("pending");
      r.Integer(static_cast<int64_t>(c->pel.size()));
      r.Bulk("idle");
      r.Integer(std::max<int64_t>(0, ctx.now_ms - c->seen_time));
    }
  } else if (EqualsIgnoreCase(opt, "groups") && ctx.argc() == 3) {
    r.Array(s->groups().size());
    for (const auto& [name, g] : s->groups()) {
      r.Map(6);
      r.Bulk("name");
      r.Bulk(name);
      r.Bulk("consumers");
      r.Integer(static_cast<int64_t>(g->consumers.size()));
      r.Bulk("pending");
      r.Integer(static_cast<int64_t>(g->pel.size()));
      r.Bulk("last-delivered-id");
      r.Id(g->last_id);
      r.Bulk("entries-read");
      AppendEntriesRead(r, *g);
      r.Bulk("lag");
      AppendLag(r, *s, *g);
    }
  } else if (EqualsIgnoreCase(opt, "stream")) {
    XInfoStream(ctx, *s);
    return;
  } else {
    ReplySubcommandSyntax(ctx);
    return;
  }
  ctx.out.Raw(r.bytes());
}

void CmdXGroupContainer(CommandContext& ctx) { ReplyWrongArity(ctx, "xgroup"); }
void CmdXInfoContainer(CommandContext& ctx) { ReplyWrongArity(ctx, "xinfo"); }

}  // namespace

void RegisterStreamFamily(CommandTable* table) {
  constexpr uint32_t kW = kCmdWrite | kCmdLocksKeys;
  constexpr uint32_t kR = kCmdReadOnly | kCmdLocksKeys;
  table->Register({"xack", -4, kW | kCmdFast, 1, 1, 1, CmdXAck, "stream",
                   "Marks a pending message as correctly processed, effectively removing it from "
                   "the pending entries list of the consumer group. Return value of the command is "
                   "the number of messages successfully acknowledged, that is, the IDs we were "
                   "actually able to resolve in the PEL.",
                   "5.0.0", "@write @stream @fast", "RW update",
                   "O(1) for each message ID processed."});
  table->Register({"xadd", -5, kW | kCmdDenyOom | kCmdFast, 1, 1, 1, CmdXAdd, "stream",
                   "Appends a new entry to a stream", "5.0.0", "@write @stream @fast", "RW update",
                   "O(1) when adding a new entry, O(N) when trimming where N being the number of "
                   "entries evicted."});
  table->Register({"xautoclaim", -6, kW | kCmdFast, 1, 1, 1, CmdXAutoClaim, "stream",
                   "Changes (or acquires) ownership of messages in a consumer group, as if the "
                   "messages were delivered to the specified consumer.",
                   "6.2.0", "@write @stream @fast", "RW delete", "O(1) if COUNT is small."});
  table->Register({"xclaim", -6, kW | kCmdFast, 1, 1, 1, CmdXClaim, "stream",
                   "Changes (or acquires) ownership of a message in a consumer group, as if the "
                   "message was delivered to the specified consumer.",
                   "5.0.0", "@write @stream @fast", "RW update",
                   "O(log N) with N being the "
                   "number of messages in the PEL of the consumer group."});
  table->Register({"xdel", -3, kW | kCmdFast, 1, 1, 1, CmdXDel, "stream",
                   "Removes the specified entries from the stream. Returns the number of items "
                   "actually deleted, that may be different from the number of IDs passed in case "
                   "certain IDs do not exist.",
                   "5.0.0", "@write @stream @fast", "RW delete",
                   "O(1) for each single item to delete in the stream, regardless of the stream "
                   "size."});
  std::vector<CommandSpec> xgroup_subcommands = {
      {"xgroup|create", -5, kW | kCmdDenyOom, 2, 2, 1, CmdXGroup, "stream",
       "Create a consumer group.", "5.0.0", "@write @stream @slow", "RW insert", "O(1)"},
      {"xgroup|createconsumer", 5, kW | kCmdDenyOom, 2, 2, 1, CmdXGroup, "stream",
       "Create a consumer in a consumer group.", "6.2.0", "@write @stream @slow", "RW insert",
       "O(1)"},
      {"xgroup|delconsumer", 5, kW, 2, 2, 1, CmdXGroup, "stream",
       "Delete a consumer from a consumer group.", "5.0.0", "@write @stream @slow", "RW delete",
       "O(1)"},
      {"xgroup|destroy", 4, kW, 2, 2, 1, CmdXGroup, "stream", "Destroy a consumer group.", "5.0.0",
       "@write @stream @slow", "RW delete",
       "O(N) where N is the number of entries in the group's pending entries list (PEL)."},
      {"xgroup|help", 2, kCmdLoading | kCmdStale, 0, 0, 0, CmdXGroup, "stream",
       "Show helpful text about the different subcommands", "5.0.0", "@stream @slow"},
      {"xgroup|setid", -5, kW, 2, 2, 1, CmdXGroup, "stream",
       "Set a consumer group to an arbitrary "
       "last delivered ID value.",
       "5.0.0", "@write @stream @slow", "RW update", "O(1)"},
  };
  table->Register({"xgroup", -2, 0, 0, 0, 0, CmdXGroupContainer, "stream",
                   "A container for consumer groups commands", "5.0.0", "@slow", "",
                   "Depends on subcommand.", std::move(xgroup_subcommands)});
  std::vector<CommandSpec> xinfo_subcommands = {
      {"xinfo|consumers", 4, kR, 2, 2, 1, CmdXInfo, "stream",
       "List the consumers in a consumer group", "5.0.0", "@read @stream @slow", "RO access",
       "O(1)"},
      {"xinfo|groups", 3, kR, 2, 2, 1, CmdXInfo, "stream", "List the consumer groups of a stream",
       "5.0.0", "@read @stream @slow", "RO access", "O(1)"},
      {"xinfo|help", 2, kCmdLoading | kCmdStale, 0, 0, 0, CmdXInfo, "stream",
       "Show helpful text about the different subcommands", "5.0.0", "@stream @slow"},
      {"xinfo|stream", -3, kR, 2, 2, 1, CmdXInfo, "stream", "Get information about a stream",
       "5.0.0", "@read @stream @slow", "RO access", "O(1)"},
  };
  table->Register({"xinfo", -2, 0, 0, 0, 0, CmdXInfoContainer, "stream",
                   "A container for stream introspection commands", "5.0.0", "@slow", "",
                   "Depends on subcommand.", std::move(xinfo_subcommands)});
  table->Register({"xlen", 2, kR | kCmdFast, 1, 1, 1, CmdXLen, "stream",
                   "Return the number of entries in a stream", "5.0.0", "@read @stream @fast", "RO",
                   "O(1)"});
  table->Register({"xpending", -3, kR, 1, 1, 1, CmdXPending, "stream",
                   "Return information and entries from a stream consumer group pending entries "
                   "list, that are messages fetched but never acknowledged.",
                   "5.0.0", "@read @stream @slow", "RO access",
                   "O(N) with N being the number of elements returned, so asking for a small "
                   "fixed number of entries per call is O(1). O(M), where M is the total number of "
                   "entries scanned when used with the IDLE filter. When the command returns just "
                   "the summary and the list of consumers is small, it runs in O(1) time; "
                   "otherwise, an additional O(N) time for iterating every consumer."});
  table->Register({"xrange", -4, kR, 1, 1, 1, CmdXRange, "stream",
                   "Return a range of elements in a stream, with IDs matching the specified IDs "
                   "interval",
                   "5.0.0", "@read @stream @slow", "RO access",
                   "O(N) with N being the number of elements being returned. If N is constant "
                   "(e.g. always asking for the first 10 elements with COUNT), you can consider it "
                   "O(1)."});
  table->Register({"xread",
                   -4,
                   kR | kCmdMayBlock,
                   0,
                   0,
                   0,
                   CmdXRead,
                   "stream",
                   "Return never seen elements in multiple streams, with IDs greater than the ones "
                   "reported by the caller for each stream. Can block.",
                   "5.0.0",
                   "@read @stream @slow @blocking",
                   "RO access",
                   "For each stream mentioned: O(N) with N being the number of elements being "
                   "returned, it means that XREAD-ing with a fixed COUNT is O(1). Note that when "
                   "the BLOCK option is used, XADD will pay O(M) time in order to serve the M "
                   "clients blocked on the stream getting new data.",
                   {},
                   XReadKeys});
  table->Register({"xreadgroup",
                   -7,
                   kW | kCmdMayBlock,
                   0,
                   0,
                   0,
                   CmdXRead,
                   "stream",
                   "Return new entries from a stream using a consumer group, or access the history "
                   "of the pending entries for a given consumer. Can block.",
                   "5.0.0",
                   "@write @stream @slow @blocking",
                   "RO access",
                   "For each stream mentioned: O(M) with M being the number of elements returned. "
                   "If M is constant (e.g. always asking for the first 10 elements with COUNT), "
                   "you can consider it O(1). On the other side when XREADGROUP blocks, XADD will "
                   "pay the O(N) time in order to serve the N clients blocked on the stream "
                   "getting new data.",
                   {},
                   XReadKeys});
  table->Register({"xrevrange", -4, kR, 1, 1, 1, CmdXRevRange, "stream",
                   "Return a range of elements in a stream, with IDs matching the specified IDs "
                   "interval, in reverse order (from greater to smaller IDs) compared to XRANGE",
                   "5.0.0", "@read @stream @slow", "RO access",
                   "O(N) with N being the number of elements returned. If N is constant (e.g. "
                   "always asking for the first 10 elements with COUNT), you can consider it "
                   "O(1)."});
  table->Register({"xsetid", -3, kW | kCmdDenyOom | kCmdFast, 1, 1, 1, CmdXSetId, "stream",
                   "An internal command for replicating stream values", "5.0.0",
                   "@write @stream @fast", "RW update", "O(1)"});
  table->Register({"xtrim", -4, kW, 1, 1, 1, CmdXTrim, "stream",
                   "Trims the stream to (approximately if '~' is passed) a certain size", "5.0.0",
                   "@write @stream @slow", "RW delete",
                   "O(N), with N being the number of evicted entries. Constant times are very "
                   "small however, since entries are organized in macro nodes containing multiple "
                   "entries that can be released with a single deallocation."});
}

}  // namespace valkdb
