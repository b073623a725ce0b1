// Client-side caching (CLIENT TRACKING) against a real redis-server: one
// scenario of several clients — RESP3 default mode, RESP2 redirection to a
// subscribed client, BCAST with prefixes, OPTIN/OPTOUT with CLIENT CACHING,
// NOLOOP, invalidations of a client's own writes (after its reply, after
// EXEC's reply), expiry, FLUSHALL/SWAPDB, a redirect target that goes away,
// the option errors, CLIENT TRACKINGINFO/GETREDIR, CLIENT INFO's flags and
// INFO's counters — must give each client the same bytes, replies and pushes
// in the same order. Nothing waits on time except for a push that must come
// (the expiry), with a generous timeout.

#include <map>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "gtest/gtest.h"
#include "protocol/str_util.h"
#include "tests/support/server_fixture.h"

namespace valkdb::test {
namespace {

class TrackingDiffTest : public ServerTest {
 protected:
  bool WithRedis() const override { return true; }
};

// Records what each client of one server received, in order.
class Scenario {
 public:
  explicit Scenario(int port) : port_(port) {}

  bool Connect(const std::string& name) {
    auto client = RespClient::Connect(port_);
    if (!client.ok()) return false;
    clients_[name] = std::move(*client);
    return true;
  }

  // Sends a command and records its reply, and the pushes (RESP3 `>`, or
  // __redis__:invalidate messages) that came before it.
  void Run(const std::string& name, const std::vector<std::string>& args, bool record = true) {
    RespClient& client = *clients_.at(name);
    if (record) {
      std::vector<std::string> shown = args;
      for (std::string& arg : shown) {
        if (auto it = ids_.find(arg); it != ids_.end()) arg = it->second;
      }
      out_ += name + "> " + absl::StrJoin(shown, " ") + "\n";
    }
    if (!client.Send(Encode(args)).ok()) {
      out_ += name + " <send failed>\n";
      return;
    }
    for (;;) {
      absl::StatusOr<std::string> raw = client.ReadRawReply();
      if (!raw.ok()) {
        out_ += name + " <no reply>\n";
        return;
      }
      const bool push = IsPush(*raw);
      if (record || push) out_ += name + (push ? " push " : " < ") + Normalize(*raw, args) + "\n";
      if (!push) return;
    }
  }

  // Waits (liveness only) for the next push of a client and records it.
  void ExpectPush(const std::string& name) {
    absl::StatusOr<std::string> raw = clients_.at(name)->ReadRawReply(std::chrono::seconds(20));
    out_ += name + " push " + (raw.ok() ? Normalize(*raw, {}) : "<none>") + "\n";
  }

  // A client's id, for REDIRECT; shown in the transcript as <name>.
  std::string IdOf(const std::string& name) {
    clients_.at(name)->Send(Encode({"CLIENT", "ID"})).IgnoreError();
    absl::StatusOr<RespValue> id = clients_.at(name)->ReadReply();
    const std::string text = id.ok() ? StrCat(id->integer) : "?";
    ids_[text] = "<" + name + ">";
    return text;
  }

  void Note(const std::string& text) { out_ += "# " + text + "\n"; }
  const std::string& transcript() const { return out_; }

 private:
  static bool IsPush(const std::string& raw) {
    // (A RESP3 SUBSCRIBE is answered with a push: that one is a reply.)
    return (raw.starts_with(">") && !raw.starts_with(">3\r\n$9\r\nsubscribe\r\n")) ||
           raw.starts_with("*3\r\n$7\r\nmessage\r\n");
  }

  std::string Normalize(const std::string& raw, const std::vector<std::string>& args) {
    std::string text = raw;
    // INFO: only the tracking counters.
    if (!args.empty() && EqualsIgnoreCase(args[0], "info")) {
      std::string lines;
      const std::regex line_re(R"((tracking_\w+:\d+))");
      for (std::sregex_iterator it(text.begin(), text.end(), line_re), end; it != end; ++it) {
        lines += (*it)[1].str() + " ";
      }
      return lines;
    }
    for (const auto& [id, name] : ids_) {
      text = absl::StrReplaceAll(text, {{":" + id + "\r\n", ":" + name + "\r\n"}});
    }
    // CLIENT INFO: only what tracking decides (the flags and redir=).
    if (args.size() == 2 && EqualsIgnoreCase(args[0], "client") &&
        EqualsIgnoreCase(args[1], "info")) {
      std::smatch flags, redir;
      const std::regex flags_re(R"(flags=(\S+))"), redir_re(R"(redir=(\S+))");
      std::regex_search(text, flags, flags_re);
      std::regex_search(text, redir, redir_re);
      text = "flags=" + flags[1].str() + " redir=" + redir[1].str();
      for (const auto& [id, name] : ids_) {
        if (text.ends_with("redir=" + id)) text = text.substr(0, text.size() - id.size()) + name;
      }
    }
    return absl::StrReplaceAll(text, {{"\r\n", "\\r\\n"}});
  }

  int port_;
  std::map<std::string, std::unique_ptr<RespClient>> clients_;
  std::map<std::string, std::string> ids_;  // id -> "<name>"
  std::string out_;
};

std::string TrackingTranscript(int port) {
  Scenario s(port);
  for (const char* name : {"w", "r3", "r2", "redir", "redir3", "bc", "oi", "oo", "nl", "gone"}) {
    if (!s.Connect(name)) return "<connect failed>";
  }
  s.Run("w", {"FLUSHALL"}, false);
  s.Run("w", {"CONFIG", "SET", "tracking-table-max-keys", "1000000"}, false);
  for (const char* name : {"r3", "redir3", "bc", "oi", "oo", "nl"})
    s.Run(name, {"HELLO", "3"}, false);
  const std::string redir = s.IdOf("redir");
  const std::string redir3 = s.IdOf("redir3");
  const std::string gone = s.IdOf("gone");
  s.Run("redir", {"SUBSCRIBE", "__redis__:invalidate"});
  s.Run("redir3", {"SUBSCRIBE", "__redis__:invalidate"});

  s.Note("errors");
  s.Run("r3", {"CLIENT", "TRACKING", "on", "PREFIX", "a"});
  s.Run("r3", {"CLIENT", "TRACKING", "on", "OPTIN", "OPTOUT"});
  s.Run("r3", {"CLIENT", "TRACKING", "on", "BCAST", "OPTIN"});
  s.Run("r3", {"CLIENT", "TRACKING", "maybe"});
  s.Run("r3", {"CLIENT", "TRACKING", "on", "FOO"});
  s.Run("r3", {"CLIENT", "TRACKING", "on", "REDIRECT", "999999"});
  s.Run("r3", {"CLIENT", "TRACKING", "on", "REDIRECT", "x"});
  s.Run("r3", {"CLIENT", "TRACKING", "on", "REDIRECT", redir, "REDIRECT", redir});
  s.Run("r3", {"CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "ab", "PREFIX", "a"});
  s.Run("r3", {"CLIENT", "CACHING", "yes"});
  s.Run("r3", {"CLIENT", "TRACKING"});
  s.Run("r3", {"CLIENT", "GETREDIR"});
  s.Run("r3", {"CLIENT", "TRACKINGINFO"});

  s.Note("RESP3 default mode");
  s.Run("r3", {"CLIENT", "TRACKING", "on"});
  s.Run("w", {"SET", "k1", "1"});
  s.Run("r3", {"GET", "k1"});
  s.Run("w", {"SET", "k1", "2"});
  s.Run("w", {"SET", "k1", "3"});  // no longer tracked: no second push
  s.Run("r3", {"MGET", "k1", "k2", "k3"});
  s.Run("w", {"DEL", "k1", "k2", "k3"});
  s.Run("r3", {"HSET", "h", "f", "v"});
  s.Run("r3", {"HGET", "h", "f"});
  s.Run("r3", {"HDEL", "h", "f"});  // its own write: the push follows the reply
  s.Run("r3", {"GET", "m"});
  s.Run("r3", {"MULTI"});
  s.Run("r3", {"SET", "m", "a"});
  s.Run("r3", {"GET", "m"});
  s.Run("r3", {"INCR", "cnt"});
  s.Run("r3", {"EXEC"});  // the push follows EXEC's whole reply
  s.Run("w", {"APPEND", "m", "b"});
  s.Run("r3", {"CLIENT", "TRACKING", "on", "BCAST"});
  s.Run("r3", {"CLIENT", "INFO"});
  s.Run("r3", {"CLIENT", "TRACKINGINFO"});
  s.Run("r3", {"PING"});

  s.Note("RESP2 redirected to a subscribed client, and to a RESP3 one");
  s.Run("r2", {"CLIENT", "TRACKING", "on", "REDIRECT", redir});
  s.Run("r2", {"CLIENT", "GETREDIR"});
  s.Run("r2", {"CLIENT", "TRACKINGINFO"});
  s.Run("r2", {"CLIENT", "INFO"});
  s.Run("r2", {"GET", "rk"});
  s.Run("r2", {"SMEMBERS", "rs"});
  s.Run("w", {"SET", "rk", "1"});
  s.Run("w", {"SADD", "rs", "a"});
  s.Run("r2", {"CLIENT", "TRACKING", "on", "REDIRECT", redir3});
  s.Run("r2", {"GET", "rk"});
  s.Run("w", {"INCR", "rk"});

  s.Note("OPTIN / OPTOUT");
  s.Run("oi", {"CLIENT", "TRACKING", "on", "OPTIN"});
  s.Run("oi", {"GET", "o1"});
  s.Run("w", {"SET", "o1", "x"});
  s.Run("oi", {"CLIENT", "CACHING", "no"});
  s.Run("oi", {"CLIENT", "CACHING", "yes"});
  s.Run("oi", {"CLIENT", "TRACKINGINFO"});
  s.Run("oi", {"GET", "o1"});
  s.Run("oi", {"CLIENT", "TRACKINGINFO"});
  s.Run("w", {"SET", "o1", "y"});
  s.Run("oi", {"CLIENT", "CACHING", "yes"});
  s.Run("oi", {"MULTI"});
  s.Run("oi", {"GET", "o2"});
  s.Run("oi", {"GET", "o3"});
  s.Run("oi", {"EXEC"});
  s.Run("w", {"MSET", "o2", "1", "o3", "1"});
  s.Run("oi", {"CLIENT", "TRACKING", "on", "OPTOUT"});
  s.Run("oo", {"CLIENT", "TRACKING", "on", "OPTOUT"});
  s.Run("oo", {"CLIENT", "CACHING", "no"});
  s.Run("oo", {"CLIENT", "TRACKINGINFO"});
  s.Run("oo", {"GET", "p1"});
  s.Run("oo", {"GET", "p2"});
  s.Run("w", {"MSET", "p1", "1", "p2", "2"});

  s.Note("NOLOOP");
  s.Run("nl", {"CLIENT", "TRACKING", "on", "NOLOOP"});
  s.Run("nl", {"GET", "n1"});
  s.Run("nl", {"SET", "n1", "1"});
  s.Run("nl", {"GET", "n1"});
  s.Run("w", {"SET", "n1", "2"});

  s.Note("BCAST with prefixes");
  s.Run("bc", {"CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "user:", "PREFIX", "obj:", "NOLOOP"});
  s.Run("bc", {"CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "use"});
  s.Run("bc", {"CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "tmp:"});
  s.Run("bc", {"CLIENT", "TRACKINGINFO"});
  s.Run("bc", {"CLIENT", "INFO"});
  s.Run("w", {"MSET", "user:1", "a", "obj:1", "b", "other", "c"});
  s.Run("bc", {"PING"});
  s.Run("bc", {"SET", "user:2", "x"});  // its own change, NOLOOP: nothing
  s.Run("w", {"MULTI"});
  s.Run("w", {"SET", "user:3", "x"});
  s.Run("w", {"SET", "user:2", "x"});
  s.Run("w", {"DEL", "tmp:9"});
  s.Run("w", {"SET", "tmp:1", "x"});
  s.Run("w", {"EXEC"});
  s.Run("bc", {"PING"});
  s.Note("expiry");
  s.Run("bc", {"SET", "tmp:exp", "v", "PX", "50"});  // its own SET: only the expiry is sent
  s.ExpectPush("bc");
  s.Run("w", {"INFO"});

  s.Note("a redirect target that goes away");
  s.Run("r3", {"CLIENT", "TRACKING", "off"});
  s.Run("r3", {"CLIENT", "TRACKING", "on", "REDIRECT", gone});
  s.Run("r3", {"GET", "g"});
  s.Run("gone", {"QUIT"});
  s.Run("w", {"SET", "g", "1"});
  s.Run("r3", {"CLIENT", "TRACKINGINFO"});
  s.Run("r3", {"CLIENT", "INFO"});
  s.Run("r3", {"CLIENT", "GETREDIR"});

  s.Note("flushes");
  s.Run("r3", {"CLIENT", "TRACKING", "off"});
  s.Run("r3", {"CLIENT", "TRACKING", "on"});
  s.Run("r3", {"GET", "f1"});
  s.Run("r2", {"GET", "f1"});
  s.Run("w", {"INFO"});
  s.Run("w", {"FLUSHALL"});
  s.Run("w", {"INFO"});
  s.Run("r3", {"MULTI"});
  s.Run("r3", {"FLUSHDB"});
  s.Run("r3", {"EXEC"});
  s.Run("w", {"SWAPDB", "0", "1"});
  s.Run("w", {"SWAPDB", "1", "0"});

  s.Note("RESET ends tracking");
  s.Run("nl", {"RESET"});
  s.Run("nl", {"CLIENT", "TRACKINGINFO"});
  s.Run("w", {"INFO"});

  // Whatever is still on its way to each client arrives before this.
  for (const char* name : {"r3", "r2", "redir", "redir3", "bc", "oi", "oo", "nl", "w"}) {
    s.Run(name, {"PING"});
  }
  return s.transcript();
}

TEST_F(TrackingDiffTest, SameRepliesAndInvalidationsAsRedis) {
  const std::string valkdb_transcript = TrackingTranscript(port());
  const std::string redis_transcript = TrackingTranscript(redis().port());
  EXPECT_EQ(valkdb_transcript, redis_transcript);
  EXPECT_EQ(redis_transcript.find("<no"), std::string::npos) << redis_transcript;
  // Not vacuous: Redis sent each kind of message the scenario is about.
  for (const char* expected :
       {"r3 push >2\\r\\n$10\\r\\ninvalidate\\r\\n*1\\r\\n$2\\r\\nk1",
        "redir push "
        "*3\\r\\n$7\\r\\nmessage\\r\\n$20\\r\\n__redis__:invalidate\\r\\n*1\\r\\n$2\\r\\nrk",
        "bc push >2\\r\\n$10\\r\\ninvalidate\\r\\n*1\\r\\n$7\\r\\ntmp:exp", "tracking-redir-broken",
        "invalidate\\r\\n_\\r\\n", "invalidate\\r\\n$-1\\r\\n", "broken_redirect", "flags=tR"}) {
    EXPECT_NE(redis_transcript.find(expected), std::string::npos) << expected;
  }
}

}  // namespace
}  // namespace valkdb::test
