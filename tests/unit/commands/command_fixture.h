#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "gtest/gtest.h"
#include "protocol/reply_buffer.h"
#include "protocol/request_parser.h"
#include "protocol/resp_value.h"
#include "protocol/resp_writer.h"
#include "protocol/str_util.h"
#include "server/commands/command_table.h"
#include "server/commands/config.h"
#include "server/store/store.h"

namespace valkdb::testing_util {

// An in-process server for one client, in the manner of Dragonfly's
// `Run({"set", "k", "v"})`: every command goes through the real dispatcher
// with a clock the test controls, and the raw reply bytes come back.
class CommandTest : public ::testing::Test {
 protected:
  // An arbitrary fixed point in time (2023-11-14T22:13:20Z), far from 0 so
  // that absolute times in the past are easy to write.
  static constexpr int64_t kStartMs = 1'700'000'000'000;

  CommandTest() : server_(&config_), writer_(&out_) {
    client_.id = 42;
    server_.start_time_ms = kStartMs;
    server_.run_id = "0123456789abcdef0123456789abcdef01234567";
    server_.tcp_port = 6379;
  }

  std::string Run(std::initializer_list<std::string_view> args) {
    return Run(std::vector<std::string_view>(args));
  }
  std::string Run(const std::vector<std::string>& args) {
    return Run(std::vector<std::string_view>(args.begin(), args.end()));
  }
  std::string Run(const std::vector<std::string_view>& args) {
    CommandArgs command;
    command.Assign(args);
    return Dispatch(command);
  }

  // Parses `resp` (one whole request, in RESP or inline form) with the real
  // request parser, so big arguments arrive in buffers of their own exactly
  // as they would from a socket, then runs it.
  std::string RunRaw(std::string_view resp) {
    RequestParser parser;
    CommandArgs command;
    size_t consumed = 0;
    EXPECT_EQ(parser.Parse(resp, &consumed, &command), RequestParser::Status::kCommand);
    EXPECT_EQ(consumed, resp.size());
    return Dispatch(command);
  }

  std::string Dispatch(const CommandArgs& command) {
    CommandContext ctx{store_, server_, client_, writer_, command, now_ms_};
    CommandTable::Get().Dispatch(ctx);
    std::string reply = out_.ToString();
    out_.Clear();
    return reply;
  }

  // Runs a command as another client of the same server (its own state and
  // reply stream), e.g. to modify a key someone WATCHes or to PUBLISH.
  std::string RunAs(ClientState& client, std::initializer_list<std::string_view> args) {
    CommandArgs command;
    command.Assign(std::vector<std::string_view>(args));
    ReplyBuffer out;
    RespWriter writer(&out, client.protocol);
    CommandContext ctx{store_, server_, client, writer, command, now_ms_};
    CommandTable::Get().Dispatch(ctx);
    return out.ToString();
  }

  void AdvanceMs(int64_t ms) { now_ms_ += ms; }

  Store store_;
  Config config_;
  ServerState server_;
  ClientState client_;
  ReplyBuffer out_;
  RespWriter writer_;
  int64_t now_ms_ = kStartMs;
};

// RESP encodings, to keep expected replies readable. (StrCat rather than
// operator+ chains, which trip GCC 12's -Wrestrict false positive.)
inline std::string Bulk(std::string_view s) { return StrCat("$", s.size(), "\r\n", s, "\r\n"); }
inline std::string Int(int64_t v) { return StrCat(":", v, "\r\n"); }
inline std::string Err(std::string_view text) { return StrCat("-ERR ", text, "\r\n"); }
inline std::string Simple(std::string_view s) { return StrCat("+", s, "\r\n"); }
inline std::string Arr(size_t n) { return StrCat("*", n, "\r\n"); }

inline const std::string kOk = "+OK\r\n";
inline const std::string kNil = "$-1\r\n";
inline const std::string kSyntaxError = "-ERR syntax error\r\n";
inline const std::string kNotInteger = "-ERR value is not an integer or out of range\r\n";

inline std::string WrongArity(std::string_view name) {
  return StrCat("-ERR wrong number of arguments for '", name, "' command\r\n");
}

// Parses one whole reply (fails the test if `raw` is not exactly one reply).
inline RespValue ParseReply(std::string_view raw) {
  ReplyParser parser;
  RespValue value;
  size_t consumed = 0;
  EXPECT_EQ(parser.Parse(raw, &consumed, &value), ReplyParser::Status::kValue) << raw;
  EXPECT_EQ(consumed, raw.size()) << raw;
  return value;
}

// The strings of a flat reply (array/set/map of bulk or simple strings).
inline std::vector<std::string> Strings(std::string_view raw) {
  std::vector<std::string> out;
  for (const RespValue& v : ParseReply(raw).elements) out.push_back(v.str);
  return out;
}

// A RESP multibulk request, for RunRaw.
inline std::string Request(std::initializer_list<std::string_view> args) {
  std::string out = StrCat("*", args.size(), "\r\n");
  for (std::string_view a : args) out += Bulk(a);
  return out;
}

}  // namespace valkdb::testing_util
