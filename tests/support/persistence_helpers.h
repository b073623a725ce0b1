#pragma once

// Helpers shared by the tests that restart servers over their files (RDB,
// AOF) and compare keyspaces.

#include <filesystem>
#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "tests/support/resp_client.h"

namespace valkdb::test {

// A connection to `port`; a test failure (and nullptr) when it cannot be made.
inline std::unique_ptr<RespClient> MustConnect(int port) {
  auto client = RespClient::Connect(port);
  EXPECT_TRUE(client.ok()) << client.status();
  return client.ok() ? *std::move(client) : nullptr;
}

// DEBUG DIGEST: equal keyspaces (values, types, TTLs) give equal digests, in Redis and valkdb.
inline std::string Digest(RespClient& c) { return c.Run({"DEBUG", "DIGEST"}).str; }

// One field of INFO persistence, "" when absent.
inline std::string PersistenceInfo(RespClient& c, const std::string& field) {
  const std::string info = c.Run({"INFO", "persistence"}).str;
  const size_t at = info.find("\r\n" + field + ":");
  if (at == std::string::npos) return "";
  const size_t start = at + field.size() + 3;
  return info.substr(start, info.find("\r\n", start) - start);
}

// Redis 7.0.15's test assets (dumps, AOFs), where scripts/redis_suite.sh
// looks for Redis's tests: shared/ beside the checkout, else /work/shared.
inline std::string RedisTestAssetsDir() {
  std::string dir;
  for (const std::string& root :
       {std::string(VALKDB_SOURCE_DIR) + "/../shared", std::string("/work/shared")}) {
    dir = root + "/redis-tests-7.0.15/tests/assets";
    if (std::filesystem::exists(dir + "/encodings.rdb")) break;
  }
  return dir;
}

}  // namespace valkdb::test
