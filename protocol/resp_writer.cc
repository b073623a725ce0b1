#include "protocol/resp_writer.h"

#include <cmath>
#include <cstdio>
#include <string>

#include "absl/strings/numbers.h"

namespace valkdb {

void RespWriter::Header(char type, int64_t count) {
  char buf[32];
  buf[0] = type;
  char* end = absl::numbers_internal::FastIntToBuffer(count, buf + 1);
  end[0] = '\r';
  end[1] = '\n';
  out_->Append(std::string_view(buf, static_cast<size_t>(end + 2 - buf)));
}

void RespWriter::SimpleString(std::string_view text) {
  out_->Append("+");
  out_->Append(text);
  out_->Append("\r\n");
}

void RespWriter::Error(std::string_view text) {
  if (error_observer_ != nullptr) error_observer_->OnError(text);
  if (text.empty() || text[0] != '-') out_->Append("-ERR ");
  if (text.find_first_of("\r\n") == std::string_view::npos) {
    out_->Append(text);
  } else {
    std::string clean(text);
    for (char& c : clean) {
      if (c == '\r' || c == '\n') c = ' ';
    }
    out_->Append(clean);
  }
  out_->Append("\r\n");
}

void RespWriter::Integer(int64_t value) { Header(':', value); }

void RespWriter::Bulk(std::string_view data) {
  Header('$', static_cast<int64_t>(data.size()));
  out_->Append(data);
  out_->Append("\r\n");
}

void RespWriter::Bulk(const Bytes& data) {
  Header('$', static_cast<int64_t>(data.size()));
  out_->AppendBytes(data);
  out_->Append("\r\n");
}

void RespWriter::Null() { out_->Append(resp3() ? "_\r\n" : "$-1\r\n"); }

void RespWriter::NullArray() { out_->Append(resp3() ? "_\r\n" : "*-1\r\n"); }

void RespWriter::Array(size_t count) { Header('*', static_cast<int64_t>(count)); }

void RespWriter::Map(size_t pairs) {
  if (resp3()) {
    Header('%', static_cast<int64_t>(pairs));
  } else {
    Header('*', static_cast<int64_t>(pairs * 2));
  }
}

void RespWriter::Set(size_t count) { Header(resp3() ? '~' : '*', static_cast<int64_t>(count)); }

void RespWriter::Push(size_t count) { Header(resp3() ? '>' : '*', static_cast<int64_t>(count)); }

std::string FormatDouble(double value) {
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  if (std::isnan(value)) return "nan";
  char buf[64];
  int len = std::snprintf(buf, sizeof(buf), "%.17g", value);
  return std::string(buf, static_cast<size_t>(len));
}

void RespWriter::Double(double value) {
  std::string text = FormatDouble(value);
  if (resp3()) {
    out_->Append(",");
    out_->Append(text);
    out_->Append("\r\n");
  } else {
    Bulk(text);
  }
}

void RespWriter::Bool(bool value) {
  if (resp3()) {
    out_->Append(value ? "#t\r\n" : "#f\r\n");
  } else {
    Integer(value ? 1 : 0);
  }
}

void RespWriter::Verbatim(std::string_view format, std::string_view text) {
  if (!resp3()) {
    Bulk(text);
    return;
  }
  Header('=', static_cast<int64_t>(text.size() + format.size() + 1));
  out_->Append(format);
  out_->Append(":");
  out_->Append(text);
  out_->Append("\r\n");
}

}  // namespace valkdb
