#pragma once

#include <cstdint>
#include <string_view>

#include "protocol/bytes.h"
#include "protocol/reply_buffer.h"

namespace valkdb {

// Told of every error reply (the server's error statistics); called on the
// error path only.
class ErrorObserver {
 public:
  virtual void OnError(std::string_view text) = 0;

 protected:
  ~ErrorObserver() = default;
};

// Writes RESP2 or RESP3 replies into a ReplyBuffer. Aggregate headers take
// their element count up front, as Redis's own replies do. In RESP2 the RESP3
// types degrade the way Redis degrades them (map -> flat array, double ->
// bulk string, null -> $-1 or *-1, boolean -> integer, verbatim -> bulk).
class RespWriter {
 public:
  explicit RespWriter(ReplyBuffer* out, int protocol = 2) : out_(out), protocol_(protocol) {}

  int protocol() const { return protocol_; }
  void set_protocol(int protocol) { protocol_ = protocol; }
  bool resp3() const { return protocol_ >= 3; }
  ReplyBuffer* buffer() const { return out_; }
  void set_error_observer(ErrorObserver* observer) { error_observer_ = observer; }

  void Ok() { out_->Append("+OK\r\n"); }
  void SimpleString(std::string_view text);
  // `text` is Redis's error text; "-ERR " is added unless it starts with '-'
  // and carries its own code (e.g. "-WRONGTYPE ..."). CR/LF become spaces.
  void Error(std::string_view text);
  void Integer(int64_t value);
  void Bulk(std::string_view data);
  void Bulk(const Bytes& data);  // references big values instead of copying
  void Null();                   // a missing bulk string
  void NullArray();              // a missing aggregate
  void Array(size_t count);
  void Map(size_t pairs);
  void Set(size_t count);
  void Push(size_t count);
  void Double(double value);
  void Bool(bool value);
  void Verbatim(std::string_view format, std::string_view text);  // format: "txt"
  // Bytes that are already RESP (pre-built replies).
  void Raw(std::string_view resp) { out_->Append(resp); }

 private:
  void Header(char type, int64_t count);

  ReplyBuffer* out_;
  int protocol_;
  ErrorObserver* error_observer_ = nullptr;
};

// Formats a double the way Redis does for replies (%.17g, inf/-inf/nan).
std::string FormatDouble(double value);

}  // namespace valkdb
