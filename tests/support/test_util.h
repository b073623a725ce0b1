#pragma once

// Small helpers shared by the integration and compatibility tests.

#include <ostream>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gtest/gtest.h"
#include "protocol/resp_value.h"

namespace valkdb {

// gtest prints replies readably in failure messages.
inline void PrintTo(const RespValue& value, std::ostream* os) { *os << value.DebugString(); }

namespace test {

inline RespValue Ok() { return RespValue::Simple("OK"); }
inline RespValue Simple(std::string s) { return RespValue::Simple(std::move(s)); }
inline RespValue Err(std::string s) { return RespValue::Err(std::move(s)); }
inline RespValue Int(int64_t v) { return RespValue::Int(v); }
inline RespValue Bulk(std::string s) { return RespValue::BulkStr(std::move(s)); }
inline RespValue Nil() { return RespValue::Nil(); }

// Bytes with control characters made visible, for failure messages.
inline std::string Visible(std::string_view bytes, size_t max = 400) {
  std::string out;
  for (size_t i = 0; i < bytes.size() && i < max; ++i) {
    const unsigned char c = static_cast<unsigned char>(bytes[i]);
    if (c == '\r') {
      out += "\\r";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c < 0x20 || c >= 0x7f) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += {'\\', 'x', kHex[c >> 4], kHex[c & 0xf]};
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  if (bytes.size() > max) out += "...(" + std::to_string(bytes.size()) + " bytes)";
  return out;
}

inline const absl::Status& StatusOf(const absl::Status& status) { return status; }
template <typename T>
const absl::Status& StatusOf(const absl::StatusOr<T>& status_or) {
  return status_or.status();
}

template <typename T>
::testing::AssertionResult IsOk(const T& status, const char* expr) {
  const absl::Status& s = StatusOf(status);
  if (s.ok()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << expr << ": " << s;
}

}  // namespace test

// A read reply compares with an expected value: equal when it was read and matches.
inline bool operator==(const absl::StatusOr<RespValue>& reply, const RespValue& expected) {
  return reply.ok() && *reply == expected;
}
inline void PrintTo(const absl::StatusOr<RespValue>& reply, std::ostream* os) {
  if (reply.ok()) {
    *os << reply->DebugString();
  } else {
    *os << "<no reply: " << reply.status() << ">";
  }
}

}  // namespace valkdb

// ASSERT_OK(status or statusor) << "more context";
#define ASSERT_OK(expr) ASSERT_TRUE(::valkdb::test::IsOk((expr), #expr))
#define EXPECT_OK(expr) EXPECT_TRUE(::valkdb::test::IsOk((expr), #expr))
#define VALKDB_TEST_CONCAT_INNER(a, b) a##b
#define VALKDB_TEST_CONCAT(a, b) VALKDB_TEST_CONCAT_INNER(a, b)
// ASSERT_OK_AND_ASSIGN(auto x, StatusOr-expression)
#define ASSERT_OK_AND_ASSIGN(lhs, expr) \
  ASSERT_OK_AND_ASSIGN_IMPL(VALKDB_TEST_CONCAT(_valkdb_statusor_, __LINE__), lhs, expr)
#define ASSERT_OK_AND_ASSIGN_IMPL(statusor, lhs, expr)              \
  auto statusor = (expr);                                           \
  ASSERT_TRUE(statusor.ok()) << #expr << ": " << statusor.status(); \
  lhs = std::move(statusor).value()
