#pragma once

#include <cstring>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "gtest/gtest.h"
#include "protocol/request_parser.h"
#include "protocol/resp_value.h"

namespace valkdb {

// gtest finds this by ADL, so failing expectations print replies readably.
inline void PrintTo(const RespValue& value, std::ostream* os) { *os << value.DebugString(); }

namespace testing_util {

// Chunk sizes every parser case is fed at; 0 stands for "the whole input at once".
inline const std::vector<size_t>& ChunkSizes() {
  static const std::vector<size_t> sizes = {0, 1, 2, 3, 4, 5, 7, 8, 13, 16, 64, 100, 1024, 4096};
  return sizes;
}

inline std::string ChunkName(size_t chunk) {
  return chunk == 0 ? std::string("whole") : "chunk=" + std::to_string(chunk);
}

// Splits input into reads of `chunk` bytes (0: one read).
inline std::vector<std::string> Split(std::string_view input, size_t chunk) {
  std::vector<std::string> reads;
  if (chunk == 0) chunk = input.size() == 0 ? 1 : input.size();
  for (size_t pos = 0; pos < input.size(); pos += chunk) {
    reads.emplace_back(input.substr(pos, chunk));
  }
  return reads;
}

// What a connection would see after feeding a byte stream to a RequestParser.
struct RequestFeed {
  std::vector<std::vector<std::string>> commands;
  std::optional<std::string> error;
  bool in_frame = false;  // a frame was left incomplete
};

// Feeds `reads` one after the other, the way a connection does: each read is
// parsed until the parser needs more. Every read lives in its own heap buffer
// that is overwritten and freed as soon as the parser is done with it, so an
// argument that still pointed into an old read would show up as garbage (or
// as a use-after-free under ASan).
inline RequestFeed FeedRequests(RequestParser* parser, const std::vector<std::string>& reads) {
  RequestFeed feed;
  CommandArgs args;
  for (const std::string& read : reads) {
    auto buffer = std::make_unique<char[]>(read.size() + 1);
    std::memcpy(buffer.get(), read.data(), read.size());
    std::string_view input(buffer.get(), read.size());
    while (true) {
      size_t consumed = 0;
      RequestParser::Status status = parser->Parse(input, &consumed, &args);
      if (status == RequestParser::Status::kError) {
        feed.error = parser->error();
        return feed;
      }
      EXPECT_LE(consumed, input.size());
      if (status == RequestParser::Status::kNeedMore) {
        EXPECT_EQ(consumed, input.size()) << "kNeedMore must consume the whole input";
        break;
      }
      std::vector<std::string> command;
      for (size_t i = 0; i < args.size(); ++i) command.emplace_back(args[i]);
      feed.commands.push_back(std::move(command));
      input.remove_prefix(consumed);
      if (input.empty()) break;
    }
    std::memset(buffer.get(), '#', read.size());
  }
  feed.in_frame = parser->in_frame();
  return feed;
}

inline RequestFeed FeedRequests(std::string_view input, size_t chunk,
                                const RequestLimits& limits = {}) {
  RequestParser parser(limits);
  return FeedRequests(&parser, Split(input, chunk));
}

// What a client would see after feeding a byte stream to a ReplyParser.
struct ReplyFeed {
  std::vector<RespValue> replies;
  std::optional<std::string> error;
  bool partial = false;  // bytes of an unfinished reply were consumed
};

inline ReplyFeed FeedReplies(ReplyParser* parser, const std::vector<std::string>& reads) {
  ReplyFeed feed;
  for (const std::string& read : reads) {
    auto buffer = std::make_unique<char[]>(read.size() + 1);
    std::memcpy(buffer.get(), read.data(), read.size());
    std::string_view input(buffer.get(), read.size());
    feed.partial = true;
    while (true) {
      size_t consumed = 0;
      RespValue value;
      ReplyParser::Status status = parser->Parse(input, &consumed, &value);
      if (status == ReplyParser::Status::kError) {
        feed.error = parser->error();
        return feed;
      }
      EXPECT_LE(consumed, input.size());
      if (status == ReplyParser::Status::kNeedMore) {
        EXPECT_EQ(consumed, input.size()) << "kNeedMore must consume the whole input";
        break;
      }
      feed.replies.push_back(std::move(value));
      input.remove_prefix(consumed);
      if (input.empty()) {
        feed.partial = false;
        break;
      }
    }
    std::memset(buffer.get(), '#', read.size());
  }
  return feed;
}

inline ReplyFeed FeedReplies(std::string_view input, size_t chunk) {
  ReplyParser parser;
  return FeedReplies(&parser, Split(input, chunk));
}

// Parses a whole input that must hold exactly one reply.
inline RespValue ParseOneReply(std::string_view input) {
  ReplyFeed feed = FeedReplies(input, 0);
  EXPECT_FALSE(feed.error.has_value()) << *feed.error;
  EXPECT_EQ(feed.replies.size(), 1u);
  EXPECT_FALSE(feed.partial);
  return feed.replies.empty() ? RespValue::Err("<no reply>") : feed.replies[0];
}

}  // namespace testing_util
}  // namespace valkdb
