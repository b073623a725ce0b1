// COMMAND INFO, COMMAND DOCS, COMMAND GETKEYS and GETKEYSANDFLAGS against a
// real redis-server: for every command and subcommand valkdb has, in RESP2
// and RESP3, the same bytes (a parent lists only the subcommands valkdb has,
// in an order of its own as Redis's is).
// The data is Redis's own (server/commands/redis_command_meta.inc); this
// catches a stale table, a wrong downgrade to RESP2 and a key finder that
// disagrees with Redis's.

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "protocol/str_util.h"
#include "tests/support/server_fixture.h"

namespace valkdb::test {
namespace {

// Subcommands valkdb has that Redis 7.0 does not (CLIENT SETINFO is 7.2's:
// clients send it on connect and ignore the error 7.0 gives).
const std::set<std::string> kNotInRedis70 = {"client|setinfo"};

class CommandMetaDiffTest : public ServerTest {
 protected:
  bool WithRedis() const override { return true; }

  struct Pair {
    std::unique_ptr<RespClient> valkdb, redis;
  };
  Pair ConnectBoth(int protocol) {
    Pair pair{Connect(), ConnectTo(redis().port())};
    EXPECT_NE(pair.valkdb, nullptr);
    EXPECT_NE(pair.redis, nullptr);
    if (pair.valkdb == nullptr || pair.redis == nullptr) return pair;
    const std::string proto = StrCat(protocol);
    EXPECT_FALSE(pair.valkdb->Run({"HELLO", proto}).is_error());
    EXPECT_FALSE(pair.redis->Run({"HELLO", proto}).is_error());
    return pair;
  }
  static std::string Raw(RespClient& c, const std::vector<std::string>& args) {
    EXPECT_TRUE(c.Send(Encode(args)).ok());
    auto reply = c.ReadRawReply();
    EXPECT_TRUE(reply.ok()) << reply.status();
    return reply.ok() ? *reply : "";
  }
  std::set<std::string> ValkdbNames(RespClient& c) {
    std::set<std::string> names;
    for (const RespValue& name : c.Run({"COMMAND", "LIST"}).elements) names.insert(name.str);
    return names;
  }
};

// A COMMAND INFO entry's subcommands (element 9): those in `names`, sorted
// (Redis lists them in its dict's order, which changes with its hash seed).
void NormalizeSubcommandInfo(RespValue* entry, const std::set<std::string>& names) {
  auto& subs = entry->elements.at(9).elements;
  std::erase_if(subs,
                [&](const RespValue& sub) { return !names.contains(sub.elements.at(0).str); });
  std::sort(subs.begin(), subs.end(), [](const RespValue& a, const RespValue& b) {
    return a.elements.at(0).str < b.elements.at(0).str;
  });
}

// The same for a COMMAND DOCS map entry's "subcommands" map.
void NormalizeSubcommandDocs(RespValue* docs, const std::set<std::string>& names) {
  auto& fields = docs->elements;
  for (size_t i = 0; i + 1 < fields.size(); i += 2) {
    if (fields[i].str != "subcommands") continue;
    auto& subs = fields[i + 1].elements;
    std::vector<std::pair<RespValue, RespValue>> kept;
    for (size_t j = 0; j + 1 < subs.size(); j += 2) {
      if (names.contains(subs[j].str)) kept.emplace_back(subs[j], subs[j + 1]);
    }
    std::sort(kept.begin(), kept.end(),
              [](const auto& a, const auto& b) { return a.first.str < b.first.str; });
    subs.clear();
    for (auto& [name, value] : kept) {
      subs.push_back(std::move(name));
      subs.push_back(std::move(value));
    }
  }
}

TEST_F(CommandMetaDiffTest, InfoAndDocsAreRedisOwnForEveryCommand) {
  for (int protocol : {2, 3}) {
    SCOPED_TRACE(StrCat("RESP", protocol));
    Pair c = ConnectBoth(protocol);
    ASSERT_NE(c.valkdb, nullptr);
    ASSERT_NE(c.redis, nullptr);
    const std::set<std::string> names = ValkdbNames(*c.valkdb);
    ASSERT_GT(names.size(), 200u);
    std::set<std::string> comparable = names;
    for (const std::string& name : kNotInRedis70) comparable.erase(name);
    size_t compared = 0;
    for (const std::string& name : names) {
      if (kNotInRedis70.contains(name)) continue;
      SCOPED_TRACE(name);
      // Byte for byte, but for the order of a command's subcommands.
      const std::string info = Raw(*c.valkdb, {"COMMAND", "INFO", name});
      const std::string redis_info = Raw(*c.redis, {"COMMAND", "INFO", name});
      RespValue ours = c.valkdb->Run({"COMMAND", "INFO", name});
      RespValue theirs = c.redis->Run({"COMMAND", "INFO", name});
      ASSERT_EQ(theirs.elements.size(), 1u);
      ASSERT_EQ(ours.elements.size(), 1u) << Visible(info);
      const bool parent = !theirs.elements[0].elements.at(9).elements.empty();
      if (!parent) {
        EXPECT_EQ(Visible(info, 100000), Visible(redis_info, 100000));
        EXPECT_EQ(Visible(Raw(*c.valkdb, {"COMMAND", "DOCS", name}), 100000),
                  Visible(Raw(*c.redis, {"COMMAND", "DOCS", name}), 100000));
        ++compared;
        continue;
      }
      NormalizeSubcommandInfo(&ours.elements[0], comparable);
      NormalizeSubcommandInfo(&theirs.elements[0], comparable);
      EXPECT_EQ(ours, theirs);
      RespValue our_docs = c.valkdb->Run({"COMMAND", "DOCS", name});
      RespValue their_docs = c.redis->Run({"COMMAND", "DOCS", name});
      ASSERT_EQ(their_docs.elements.size(), 2u);
      ASSERT_EQ(our_docs.elements.size(), 2u);
      NormalizeSubcommandDocs(&our_docs.elements[1], comparable);
      NormalizeSubcommandDocs(&their_docs.elements[1], comparable);
      EXPECT_EQ(our_docs, their_docs);
      ++compared;
    }
    EXPECT_GT(compared, 200u);
  }
}

// Command lines whose keys GETKEYS and GETKEYSANDFLAGS name: fixed keys,
// several key specs, key counts (valid, zero, too many, not a number),
// keywords, the commands whose flags depend on their arguments (SET,
// BITFIELD) and those Redis asks its own key finder (SORT, MIGRATE).
const char* const kKeyLines[] = {
    "set k1 v1",
    "set k1 v1 get",
    "set k v px 1 GET",
    "get k",
    "mset a 1 b 2",
    "mget a b c",
    "del a b",
    "lmove a b left right",
    "sort abc",
    "sort abc store d",
    "sort abc by x get y store z",
    "sort k get # store d",
    "sort_ro abc",
    "zunionstore dst 2 a b",
    "zunionstore dst 0 a b",
    "zunionstore d 5 a",
    "zunionstore d x a",
    "zunion 2 a b",
    "zunion 0 a",
    "zinterstore d 2 a b weights 1 2",
    "zdiff 1 a",
    "zrangestore d s 0 1",
    "sintercard 2 a b",
    "sintercard 3 a",
    "lmpop 2 a b left",
    "lmpop 0 a left",
    "lmpop 3 a left",
    "zmpop 1 a min",
    "blmpop 0 2 a b left",
    "bzmpop 0 1 a min",
    "migrate h 1 k 0 1",
    "migrate h 1 k 0 1 keys a b",
    "blpop a b 0",
    "brpoplpush a b 0",
    "rename a b",
    "renamenx a b",
    "copy a b",
    "object encoding k",
    "object help",
    "memory usage k",
    "ping",
    "exists a b",
    "touch a",
    "watch a b",
    "pfmerge d a b",
    "pfcount a b",
    "bitop and d a b",
    "bitfield k get u8 0",
    "bitfield k set u8 0 1",
    "bitfield k overflow sat get u8 0",
    "bitfield k",
    "bitfield_ro k get u8 0",
    "hset h f v",
    "smove a b m",
    "sunionstore d a b",
    "smismember s a b",
    "lpush l a",
    "lpos l a",
    "getex k persist",
    "getdel k",
    "expire k 1",
    "subscribe a",
    "publish a b",
    "msetnx a 1 b 2",
    "unlink a b",
    "dump k",
    "restore k 0 x",
    "debug object k",
    "config get x",
    "client list",
    "set",
    "zunionstore d",
    "mset a",
    "nosuchcommand a",
};

TEST_F(CommandMetaDiffTest, GetKeysNamesTheKeysRedisNames) {
  for (int protocol : {2, 3}) {
    SCOPED_TRACE(StrCat("RESP", protocol));
    Pair c = ConnectBoth(protocol);
    ASSERT_NE(c.valkdb, nullptr);
    ASSERT_NE(c.redis, nullptr);
    std::vector<std::vector<std::string>> lines;
    for (const char* line : kKeyLines) {
      std::vector<std::string> args;
      for (std::string_view word : Split(line, ' ')) args.emplace_back(word);
      lines.push_back(std::move(args));
    }
    // MIGRATE's empty key with KEYS (and AUTH's value skipped).
    lines.push_back({"migrate", "h", "1", "", "0", "1", "keys", "a", "b"});
    lines.push_back({"migrate", "h", "1", "", "0", "1", "auth", "keys", "keys", "a"});
    lines.push_back({"migrate", "h", "1", "", "0", "1", "auth2", "u", "p", "keys", "a"});
    for (const auto& line : lines) {
      for (const char* sub : {"GETKEYS", "GETKEYSANDFLAGS"}) {
        std::vector<std::string> args = {"COMMAND", sub};
        args.insert(args.end(), line.begin(), line.end());
        SCOPED_TRACE(Visible(Encode(args)));
        EXPECT_EQ(Visible(Raw(*c.valkdb, args)), Visible(Raw(*c.redis, args)));
      }
    }
  }
}

}  // namespace
}  // namespace valkdb::test
