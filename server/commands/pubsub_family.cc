// SUBSCRIBE UNSUBSCRIBE PSUBSCRIBE PUNSUBSCRIBE PUBLISH SSUBSCRIBE SUNSUBSCRIBE SPUBLISH PUBSUB
#include "server/commands/command_table.h"
#include "server/commands/errors.h"

namespace valkdb {
namespace {

// Redis flags these as pushes (CLIENT_PUSHING) in RESP2 too: CLIENT REPLY
// OFF or SKIP does not silence them. The count is of channels and patterns,
// or (shard) of shard channels, as Redis counts them.
void ReplySubscription(CommandContext& ctx, std::string_view kind, const std::string_view* name,
                       bool shard = false) {
  RespWriter& out = ctx.push_out();
  out.Push(3);
  out.Bulk(kind);
  if (name == nullptr) {
    out.Null();
  } else {
    out.Bulk(*name);
  }
  const ClientState& c = ctx.client;
  out.Integer(static_cast<int64_t>(shard ? c.shard_channels.size()
                                         : c.channels.size() + c.patterns.size()));
}

void CmdSubscribe(CommandContext& ctx) {
  for (size_t i = 1; i < ctx.argc(); ++i) {
    std::string_view channel = ctx.arg(i);
    if (ctx.client.subscriber != nullptr &&
        ctx.server.pubsub.Subscribe(ctx.client.subscriber, channel)) {
      ctx.client.channels.emplace(channel);
    }
    ReplySubscription(ctx, "subscribe", &channel);
  }
}

void CmdPSubscribe(CommandContext& ctx) {
  for (size_t i = 1; i < ctx.argc(); ++i) {
    std::string_view pattern = ctx.arg(i);
    if (ctx.client.subscriber != nullptr &&
        ctx.server.pubsub.PSubscribe(ctx.client.subscriber, pattern)) {
      ctx.client.patterns.emplace(pattern);
    }
    ReplySubscription(ctx, "psubscribe", &pattern);
  }
}

void CmdSSubscribe(CommandContext& ctx) {
  if (ctx.client.in_exec) {
    // Redis: a client that expects a reply per command (EXEC) cannot.
    ctx.out.Error("SSUBSCRIBE isn't allowed for a DENY BLOCKING client");
    return;
  }
  for (size_t i = 1; i < ctx.argc(); ++i) {
    std::string_view channel = ctx.arg(i);
    if (ctx.client.subscriber != nullptr &&
        ctx.server.pubsub.SSubscribe(ctx.client.subscriber, channel)) {
      ctx.client.shard_channels.emplace(channel);
    }
    ReplySubscription(ctx, "ssubscribe", &channel, true);
  }
}

enum class Kind { kChannels, kPatterns, kShard };

// UNSUBSCRIBE / PUNSUBSCRIBE / SUNSUBSCRIBE: the named ones, or all; with
// none at all, one reply with a null name, as Redis sends.
void UnsubscribeGeneric(CommandContext& ctx, Kind kind_of) {
  const bool patterns = kind_of == Kind::kPatterns;
  const bool shard = kind_of == Kind::kShard;
  auto& set =
      patterns ? ctx.client.patterns : (shard ? ctx.client.shard_channels : ctx.client.channels);
  const std::string_view kind =
      patterns ? "punsubscribe" : (shard ? "sunsubscribe" : "unsubscribe");
  std::vector<std::string> names;
  if (ctx.argc() == 1) {
    names.assign(set.begin(), set.end());
    if (names.empty()) {
      ReplySubscription(ctx, kind, nullptr, shard);
      return;
    }
  } else {
    for (size_t i = 1; i < ctx.argc(); ++i) names.emplace_back(ctx.arg(i));
  }
  for (const std::string& name : names) {
    if (set.erase(name) > 0 && ctx.client.subscriber != nullptr) {
      if (patterns) {
        ctx.server.pubsub.PUnsubscribe(ctx.client.subscriber, name);
      } else if (shard) {
        ctx.server.pubsub.SUnsubscribe(ctx.client.subscriber, name);
      } else {
        ctx.server.pubsub.Unsubscribe(ctx.client.subscriber, name);
      }
    }
    std::string_view view = name;
    ReplySubscription(ctx, kind, &view, shard);
  }
}

void CmdUnsubscribe(CommandContext& ctx) { UnsubscribeGeneric(ctx, Kind::kChannels); }
void CmdPUnsubscribe(CommandContext& ctx) { UnsubscribeGeneric(ctx, Kind::kPatterns); }
void CmdSUnsubscribe(CommandContext& ctx) { UnsubscribeGeneric(ctx, Kind::kShard); }

void CmdPublish(CommandContext& ctx) {
  ctx.out.Integer(ctx.server.pubsub.Publish(ctx.arg(1), ctx.arg(2)));
  PublishToReplicas(ctx);
}

void CmdSPublish(CommandContext& ctx) {
  ctx.out.Integer(ctx.server.pubsub.SPublish(ctx.arg(1), ctx.arg(2)));
  PublishToReplicas(ctx);
}

void PubSubChannels(CommandContext& ctx, bool shard) {
  if (ctx.argc() > 3) {
    ctx.out.Error(StrCat("unknown subcommand or wrong number of arguments for '", ctx.arg(1),
                         "'. Try PUBSUB HELP."));
    return;
  }
  std::vector<std::string> channels =
      ctx.server.pubsub.Channels(ctx.argc() == 3 ? ctx.arg(2) : std::string_view(), shard);
  ctx.out.Array(channels.size());
  for (const std::string& channel : channels) ctx.out.Bulk(channel);
}

void PubSubNumSub(CommandContext& ctx, bool shard) {
  // A flat array of channel, count pairs in RESP3 too, as Redis 7.0 replies.
  ctx.out.Array(2 * (ctx.argc() - 2));
  for (size_t i = 2; i < ctx.argc(); ++i) {
    ctx.out.Bulk(ctx.arg(i));
    ctx.out.Integer(ctx.server.pubsub.NumSub(ctx.arg(i), shard));
  }
}

void CmdPubSubChannels(CommandContext& ctx) { PubSubChannels(ctx, false); }
void CmdPubSubShardChannels(CommandContext& ctx) { PubSubChannels(ctx, true); }
void CmdPubSubNumSub(CommandContext& ctx) { PubSubNumSub(ctx, false); }
void CmdPubSubShardNumSub(CommandContext& ctx) { PubSubNumSub(ctx, true); }

void CmdPubSubNumPat(CommandContext& ctx) { ctx.out.Integer(ctx.server.pubsub.NumPat()); }

void CmdPubSubHelp(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "CHANNELS [<pattern>]",
      "    Return the currently active channels matching a <pattern> (default: '*').",
      "NUMPAT",
      "    Return number of subscriptions to patterns.",
      "NUMSUB [<channel> ...]",
      "    Return the number of subscribers for the specified channels, excluding",
      "    pattern subscriptions(default: no channels).",
      "SHARDCHANNELS [<pattern>]",
      "    Return the currently active shard level channels matching a <pattern> (default: '*').",
      "SHARDNUMSUB [<shardchannel> ...]",
      "    Return the number of subscribers for the specified shard level channel(s)",
      "HELP",
      "    Prints this help.",
  };
  ctx.out.Array(std::size(kLines));
  for (std::string_view line : kLines) ctx.out.SimpleString(line);
}

}  // namespace

void DropSubscriptions(ServerState& server, ClientState& client) {
  if (client.subscriber != nullptr) {
    for (const std::string& channel : client.channels) {
      server.pubsub.Unsubscribe(client.subscriber, channel);
    }
    for (const std::string& pattern : client.patterns) {
      server.pubsub.PUnsubscribe(client.subscriber, pattern);
    }
    for (const std::string& channel : client.shard_channels) {
      server.pubsub.SUnsubscribe(client.subscriber, channel);
    }
  }
  client.channels.clear();
  client.patterns.clear();
  client.shard_channels.clear();
  if (client.monitor) {
    server.monitors.Remove(client.subscriber);
    client.monitor = false;
  }
}

void RegisterPubSubFamily(CommandTable* table) {
  constexpr uint32_t kFlags = kCmdPubSub | kCmdNoScript | kCmdLoading | kCmdStale;
  table->Register({"subscribe", -2, kFlags | kCmdSubscribedOk, 0, 0, 0, CmdSubscribe, "pubsub",
                   "Listen for messages published to the given channels", "2.0.0", "@pubsub @slow",
                   "", "O(N) where N is the number of channels to subscribe to."});
  table->Register({"unsubscribe", -1, kFlags | kCmdSubscribedOk, 0, 0, 0, CmdUnsubscribe, "pubsub",
                   "Stop listening for messages posted to the given channels", "2.0.0",
                   "@pubsub @slow", "",
                   "O(N) where N is the number of clients already subscribed to a channel."});
  table->Register({"psubscribe", -2, kFlags | kCmdSubscribedOk, 0, 0, 0, CmdPSubscribe, "pubsub",
                   "Listen for messages published to channels matching the given patterns", "2.0.0",
                   "@pubsub @slow", "",
                   "O(N) where N is the number of patterns the client is already subscribed to."});
  table->Register({"punsubscribe", -1, kFlags | kCmdSubscribedOk, 0, 0, 0, CmdPUnsubscribe,
                   "pubsub",
                   "Stop listening for messages posted to channels matching the given patterns",
                   "2.0.0", "@pubsub @slow", "",
                   "O(N+M) where N is the number of patterns the client is already subscribed and "
                   "M is the number of total patterns subscribed in the system (by any client)."});
  table->Register({"publish", 3, kCmdPubSub | kCmdLoading | kCmdStale | kCmdFast | kCmdMayReplicate,
                   0, 0, 0, CmdPublish, "pubsub", "Post a message to a channel", "2.0.0",
                   "@pubsub @fast", "",
                   "O(N+M) where N is the number of clients subscribed to the receiving channel "
                   "and M is the total number of subscribed patterns (by any client)."});
  table->Register({"ssubscribe", -2, kFlags | kCmdSubscribedOk, 0, 0, 0, CmdSSubscribe, "pubsub",
                   "Listen for messages published to the given shard channels", "7.0.0",
                   "@pubsub @slow", "",
                   "O(N) where N is the number of shard channels to subscribe to."});
  table->Register({"sunsubscribe", -1, kFlags | kCmdSubscribedOk, 0, 0, 0, CmdSUnsubscribe,
                   "pubsub", "Stop listening for messages posted to the given shard channels",
                   "7.0.0", "@pubsub @slow", "",
                   "O(N) where N is the number of clients already subscribed to a shard channel."});
  table->Register({"spublish", 3, kCmdPubSub | kCmdLoading | kCmdFast | kCmdMayReplicate, 0, 0, 0,
                   CmdSPublish, "pubsub", "Post a message to a shard channel", "7.0.0",
                   "@pubsub @fast", "",
                   "O(N) where N is the number of clients subscribed to the receiving shard "
                   "channel."});
  constexpr uint32_t kSub = kCmdPubSub | kCmdLoading | kCmdStale;
  table->Register(
      {"pubsub",
       -2,
       0,
       0,
       0,
       0,
       CmdContainer,
       "pubsub",
       "A container for Pub/Sub commands",
       "2.8.0",
       "@slow",
       "",
       "Depends on subcommand.",
       {
           {"pubsub|channels", -2, kSub, 0, 0, 0, CmdPubSubChannels, "pubsub",
            "List active channels", "2.8.0", "@pubsub @slow"},
           {"pubsub|numsub", -2, kSub, 0, 0, 0, CmdPubSubNumSub, "pubsub",
            "Get the count of subscribers for channels", "2.8.0", "@pubsub @slow"},
           {"pubsub|shardchannels", -2, kSub, 0, 0, 0, CmdPubSubShardChannels, "pubsub",
            "List active shard channels", "7.0.0", "@pubsub @slow"},
           {"pubsub|shardnumsub", -2, kSub, 0, 0, 0, CmdPubSubShardNumSub, "pubsub",
            "Get the count of subscribers for shard channels", "7.0.0", "@pubsub @slow"},
           {"pubsub|numpat", 2, kSub, 0, 0, 0, CmdPubSubNumPat, "pubsub",
            "Get the count of unique patterns pattern subscriptions", "2.8.0", "@pubsub @slow"},
           {"pubsub|help", 2, kCmdLoading | kCmdStale, 0, 0, 0, CmdPubSubHelp, "pubsub",
            "Show helpful text about the different subcommands", "6.2.0", "@slow"},
       }});
}

}  // namespace valkdb
