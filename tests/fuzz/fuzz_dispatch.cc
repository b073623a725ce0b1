// libFuzzer target: the whole connection handler without sockets.
//
// Bytes in -> RequestParser -> CommandTable::Dispatch over a real Store,
// Config, ServerState and ClientState -> ReplyBuffer -> bytes out, the way
// server/net/connection.cc runs a read: the input is cut into reads, each
// read parsed until it needs more, every command run in order with
// Connection::Execute's rules (CLIENT REPLY OFF/SKIP replies are discarded,
// nothing runs after QUIT), a protocol error answered and the connection
// closed. Pub/sub messages the client publishes to itself are delivered into
// its output as the server does. Checked:
//   - every command run while replies are on produces at least one reply
//     (CLIENT REPLY OFF/SKIP excepted), and replies off produce none;
//   - what a command writes is a whole number of well-formed replies (a
//     missing element in an EXEC array, a CR/LF in a simple string or a
//     truncated aggregate show up here); RESP2 clients see RESP2 types only;
//   - error replies carry an upper-case code ("-ERR ...", "-WRONGTYPE ...");
//   - the client's pub/sub, MULTI and db state agree with the server's;
//   - once the client is gone, nothing in the pub/sub hub points at it.
//
// An input starting with '!' runs with `requirepass` set (the client starts
// unauthenticated, with Redis's smaller request limits until AUTH).
// proto-max-bulk-len is held at 1 MB (Redis's minimum) so that no single
// command can legitimately allocate hundreds of megabytes.

#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/reply_buffer.h"
#include "protocol/request_parser.h"
#include "protocol/resp_value.h"
#include "protocol/resp_writer.h"
#include "protocol/str_util.h"
#include "server/commands/command_table.h"
#include "server/commands/config.h"
#include "server/store/store.h"
#include "tests/fuzz/fuzz_common.h"

namespace valkdb::fuzz {
namespace {

using Type = RespValue::Type;

constexpr int64_t kStartMs = 1'700'000'000'000;
constexpr uint64_t kClientId = 42;
constexpr uint64_t kOtherClientId = 7;  // a second client CLIENT LIST/KILL can see
constexpr int64_t kMaxBulkLen = 1024 * 1024;

// Strict RESP2: only + - : $ * at every level. Returns the end of one reply
// starting at pos, or npos when `raw` does not hold a whole RESP2 reply there.
size_t Resp2ReplyEnd(std::string_view raw, size_t pos, int depth = 0) {
  constexpr size_t npos = std::string_view::npos;
  if (pos >= raw.size() || depth > 64) return npos;
  const size_t eol = raw.find("\r\n", pos);
  if (eol == npos) return npos;
  const std::string_view body = raw.substr(pos + 1, eol - pos - 1);
  int64_t n = 0;
  switch (raw[pos]) {
    case '+':
    case '-':
      return body.find('\n') == npos ? eol + 2 : npos;
    case ':':
      return ParseInt64(body, &n) ? eol + 2 : npos;
    case '$':
      if (!ParseInt64(body, &n) || n < -1) return npos;
      if (n == -1) return eol + 2;
      if (raw.size() - (eol + 2) < static_cast<size_t>(n) + 2) return npos;
      if (raw.substr(eol + 2 + static_cast<size_t>(n), 2) != "\r\n") return npos;
      return eol + 2 + static_cast<size_t>(n) + 2;
    case '*': {
      if (!ParseInt64(body, &n) || n < -1) return npos;
      size_t next = eol + 2;
      for (int64_t i = 0; i < n && next != npos; ++i) next = Resp2ReplyEnd(raw, next, depth + 1);
      return next;
    }
    default:
      return npos;
  }
}

void CheckErrors(const RespValue& v, std::string_view context) {
  if (v.type == Type::kError) {
    // Redis's shape: an upper-case code, then a space and the message.
    size_t code = 0;
    while (code < v.str.size() &&
           ((v.str[code] >= 'A' && v.str[code] <= 'Z') || v.str[code] == '_')) {
      ++code;
    }
    FUZZ_CHECK(code > 0 && (code == v.str.size() || v.str[code] == ' '),
               "error without an upper-case code: '" + Printable(v.str) + "' after " +
                   std::string(context));
  }
  for (const RespValue& e : v.elements) CheckErrors(e, context);
}

bool IsClientReply(const CommandArgs& args) {
  return args.size() == 3 && EqualsIgnoreCase(args[0], "client") &&
         EqualsIgnoreCase(args[1], "reply");
}

bool IsClientReplyOffOrSkip(const CommandArgs& args) {
  return IsClientReply(args) &&
         (EqualsIgnoreCase(args[2], "off") || EqualsIgnoreCase(args[2], "skip"));
}

std::string CommandText(const CommandArgs& args) {
  std::string out;
  for (std::string_view a : args.views()) out += "'" + Printable(a, 60) + "' ";
  return out;
}

class Session : public Subscriber, public ClientDirectory {
 public:
  explicit Session(bool requirepass)
      : server_(&config_), writer_(&out_), discard_writer_(&discarded_) {
    server_.start_time_ms = kStartMs;
    server_.run_id = "0123456789abcdef0123456789abcdef01234567";
    server_.tcp_port = 6379;
    server_.clients = this;
    client_.id = kClientId;
    client_.addr = "127.0.0.1:50000";
    client_.laddr = "127.0.0.1:6379";
    client_.fd = 9;
    client_.created_ms = client_.last_interaction_ms = kStartMs;
    client_.subscriber = this;
    if (requirepass) {
      FUZZ_CHECK(config_.Apply("requirepass", {"secret"}).ok());
      client_.authenticated = false;
    }
    CapMemory();
  }

  // proto-max-bulk-len bounds what one command may allocate (SETRANGE, APPEND,
  // LCS's table); kept at Redis's minimum so that a legitimate 512 MB string
  // is not mistaken for a finding (out-of-memory, timeout).
  void CapMemory() {
    if (config_.GetInt("proto-max-bulk-len") != kMaxBulkLen) {
      FUZZ_CHECK(config_.Apply("proto-max-bulk-len", {std::to_string(kMaxBulkLen)}).ok());
    }
  }

  ~Session() override {
    // What Connection::Close does; afterwards nothing may point at us.
    DropSubscriptions(server_, client_);
    server_.watches.UnwatchAll(&client_.watch);
    FUZZ_CHECK(server_.pubsub.channel_count() == 0, "a channel still holds a closed client");
    FUZZ_CHECK(server_.pubsub.NumPat() == 0, "a pattern still holds a closed client");
  }

  // Subscriber: messages the client published to itself, into its output.
  void Deliver(const PubSubMessage& message) override {
    out_.AppendBytes(client_.protocol >= 3 ? message.resp3 : message.resp2);
    ++delivered_;
  }

  // ClientDirectory: this client and one other.
  std::vector<ClientSnapshot> Snapshot() override {
    std::vector<ClientSnapshot> all(1);
    all[0].id = kClientId;
    all[0].addr = client_.addr;
    all[0].laddr = client_.laddr;
    all[0].created_ms = kStartMs;
    if (!other_killed_) {
      ClientSnapshot other;
      other.id = kOtherClientId;
      other.addr = "127.0.0.1:50001";
      other.laddr = client_.laddr;
      other.created_ms = kStartMs - 5000;
      all.push_back(other);
    }
    return all;
  }
  bool Kill(uint64_t id) override {
    if (id == kClientId) {
      // The server closes the caller after this batch's replies (EventLoop::PostKill).
      self_killed_ = true;
      return true;
    }
    if (id != kOtherClientId || other_killed_) return false;
    other_killed_ = true;
    return true;
  }
  // SHUTDOWN: the real server stops its loops; here the session just ends.
  void StopServer() override {}

  // Feeds one read; false once the connection is closed.
  bool Read(std::string_view data) {
    now_ms_ += 100;
    client_.last_interaction_ms = now_ms_;
    size_t consumed = 0;
    while (consumed < data.size()) {
      RequestLimits limits;
      limits.unauthenticated = !client_.authenticated;
      parser_.set_limits(limits);
      RequestParser::Status status = parser_.Parse(data.substr(consumed), &consumed, &current_);
      if (status == RequestParser::Status::kNeedMore) break;
      if (status == RequestParser::Status::kError) {
        FUZZ_CHECK(IsRedisRequestError(parser_.error()), parser_.error());
        writer_.Error(parser_.error());
        const std::string raw = DrainOutput();
        FUZZ_CHECK(raw == "-ERR " + parser_.error() + "\r\n", Printable(raw));
        return false;
      }
      // After QUIT (or CLIENT KILL of itself) the rest of the read is not run.
      if (client_.close_after_reply) return false;
      task_.Swap(current_);
      Execute(task_);
      ++now_ms_;
    }
    // Active expiry between reads, as the event loop's timer does; not after
    // every read, since a pass locks every shard of every database.
    if (++reads_ % 16 == 0) ExpireCycle();
    return !client_.close_after_reply && !self_killed_;
  }

  void ExpireCycle() { store_.ActiveExpireCycle(now_ms_, 1000); }

 private:
  // Connection::Execute, plus the checks.
  void Execute(const CommandArgs& args) {
    const ClientState::ReplyMode mode = client_.reply_mode;
    const int protocol_before = client_.protocol;
    const bool reply_off_or_skip = IsClientReplyOffOrSkip(args);
    if (client_.in_multi && IsClientReply(args)) multi_has_client_reply_ = true;
    const bool exec_with_client_reply =
        multi_has_client_reply_ && args.size() == 1 && EqualsIgnoreCase(args[0], "exec");
    delivered_ = 0;
    RespWriter& out = mode == ClientState::ReplyMode::kOn ? writer_ : discard_writer_;
    out.set_protocol(client_.protocol);
    CommandContext ctx{store_, server_, client_, out, args, now_ms_};
    CommandTable::Get().Dispatch(ctx);
    if (mode != ClientState::ReplyMode::kOn) {
      discarded_.Clear();
      if (mode == ClientState::ReplyMode::kSkip && client_.reply_mode == mode) {
        client_.reply_mode = ClientState::ReplyMode::kOn;
      }
    }
    writer_.set_protocol(client_.protocol);
    CapMemory();  // CONFIG SET may have raised it
    if (!client_.in_multi) multi_has_client_reply_ = false;

    const std::string raw = DrainOutput();
    // CLIENT REPLY OFF/SKIP inside EXEC leaves the EXEC array short of
    // elements, in Redis 7.0 as here (a known finding): the reply stream
    // cannot be split into replies from then on.
    if (exec_with_client_reply) replies_unaligned_ = true;
    if (replies_unaligned_) return;
    const std::string context = CommandText(args) + "-> '" + Printable(raw, 400) + "'";
    size_t replies = 0;
    if (protocol_before == 2 && client_.protocol == 2) {
      for (size_t pos = 0; pos < raw.size(); ++replies) {
        pos = Resp2ReplyEnd(raw, pos);
        FUZZ_CHECK(pos != std::string_view::npos, "not a sequence of RESP2 replies: " + context);
      }
    }
    ReplyParser parser;
    size_t consumed = 0;
    size_t values = 0;
    while (consumed < raw.size()) {
      RespValue value;
      ReplyParser::Status status =
          parser.Parse(std::string_view(raw).substr(consumed), &consumed, &value);
      FUZZ_CHECK(status == ReplyParser::Status::kValue,
                 "not a sequence of whole replies (" + parser.error() + "): " + context);
      CheckErrors(value, context);
      ++values;
    }
    if (protocol_before == 2 && client_.protocol == 2) FUZZ_CHECK(values == replies, context);
    FUZZ_CHECK(values >= delivered_, context);
    const size_t own = values - delivered_;
    if (mode != ClientState::ReplyMode::kOn) {
      // CLIENT REPLY ON answers +OK in Redis even when replies were off.
      const bool reply_on = IsClientReply(args) && EqualsIgnoreCase(args[2], "on");
      FUZZ_CHECK(own == 0 || (reply_on && own == 1), "a reply while replies are off: " + context);
    } else if (!reply_off_or_skip) {
      FUZZ_CHECK(own >= 1, "a command without a reply: " + context);
    }
    CheckClientState(context);
  }

  // Everything pending, taken the way a socket write takes it: a few iovecs
  // at a time, partially consumed.
  std::string DrainOutput() {
    const std::string expected = out_.ToString();
    std::string written;
    size_t step = 1;
    while (!out_.empty()) {
      struct iovec iov[3];
      const size_t n = out_.Peek(iov, 3);
      FUZZ_CHECK(n > 0, "Peek found nothing in a non-empty ReplyBuffer");
      size_t total = 0;
      for (size_t i = 0; i < n; ++i) total += iov[i].iov_len;
      const size_t take = std::min(total, step);
      size_t left = take;
      for (size_t i = 0; i < n && left > 0; ++i) {
        const size_t part = std::min(left, iov[i].iov_len);
        written.append(static_cast<const char*>(iov[i].iov_base), part);
        left -= part;
      }
      out_.Consume(take);
      step = step * 3 + 1;
    }
    FUZZ_CHECK(out_.size() == 0);
    FUZZ_CHECK(written == expected, "Peek/Consume disagree with ToString");
    return written;
  }

  void CheckClientState(const std::string& context) {
    FUZZ_CHECK(client_.db >= 0 && client_.db < store_.databases(), context);
    FUZZ_CHECK(client_.protocol == 2 || client_.protocol == 3, context);
    if (!client_.in_multi) {
      FUZZ_CHECK(client_.queued.empty() && !client_.multi_error,
                 "transaction state left behind outside MULTI: " + context);
    }
    FUZZ_CHECK(server_.pubsub.channel_count() == client_.channels.size(),
               "the hub and the client disagree on channels: " + context);
    FUZZ_CHECK(server_.pubsub.NumPat() == static_cast<int64_t>(client_.patterns.size()),
               "the hub and the client disagree on patterns: " + context);
    for (const std::string& channel : client_.channels) {
      FUZZ_CHECK(server_.pubsub.NumSub(channel) == 1, context);
    }
  }

  Store store_;
  Config config_;
  ServerState server_;
  ClientState client_;
  RequestParser parser_;
  CommandArgs current_;
  CommandArgs task_;
  ReplyBuffer out_;
  ReplyBuffer discarded_;
  RespWriter writer_;
  RespWriter discard_writer_;
  int64_t now_ms_ = kStartMs;
  size_t delivered_ = 0;
  bool other_killed_ = false;
  bool self_killed_ = false;
  size_t reads_ = 0;
  bool multi_has_client_reply_ = false;
  bool replies_unaligned_ = false;
};

}  // namespace
}  // namespace valkdb::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace valkdb::fuzz;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  const bool requirepass = !input.empty() && input[0] == '!';
  if (requirepass) input.remove_prefix(1);
  Session session(requirepass);
  size_t offset = 0;
  for (size_t length : ReadLengths(
           input.size(), Chunking{Chunking::Kind::kRandom, 0, HashBytes(input), 200, false})) {
    ReadBuffer read(input.substr(offset, length));
    offset += length;
    if (!session.Read(read.view())) break;
  }
  session.ExpireCycle();
  return 0;
}
