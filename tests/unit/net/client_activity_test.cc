#include "server/net/client_activity.h"

#include <cstdint>
#include <vector>

#include "gtest/gtest.h"

namespace valkdb {
namespace {

TEST(ClientActivityTest, CountsEachClientOncePerMillisecond) {
  ClientActivity activity;
  uint64_t client = 0;
  for (int i = 0; i < 100; ++i) activity.Note(10, client);
  EXPECT_EQ(activity.Recent(10), 1u);
  EXPECT_FALSE(activity.Many(10));  // one client's exchange never gathers
}

TEST(ClientActivityTest, ManyClientsWithinAMillisecondOrTwo) {
  ClientActivity activity;
  std::vector<uint64_t> clients(ClientActivity::kManyClients, 0);
  for (size_t i = 0; i + 1 < clients.size(); ++i) activity.Note(10, clients[i]);
  EXPECT_FALSE(activity.Many(10));
  activity.Note(10, clients.back());
  EXPECT_TRUE(activity.Many(10));
  // The next millisecond still remembers them, while it counts its own.
  EXPECT_TRUE(activity.Many(11));
  activity.Note(11, clients[0]);
  EXPECT_EQ(activity.Recent(11), ClientActivity::kManyClients);
  // Two milliseconds on, only those heard in the one before count.
  EXPECT_EQ(activity.Recent(12), 1u);
  EXPECT_FALSE(activity.Many(12));
  // Silence forgets them all.
  EXPECT_EQ(activity.Recent(20), 0u);
  activity.Note(20, clients[1]);
  EXPECT_EQ(activity.Recent(20), 1u);
}

TEST(ClientActivityTest, AGapForgetsTheMillisecondBefore) {
  ClientActivity activity;
  std::vector<uint64_t> clients(ClientActivity::kManyClients, 0);
  for (uint64_t& client : clients) activity.Note(5, client);
  ASSERT_TRUE(activity.Many(5));
  activity.Note(9, clients[0]);  // 6 to 8 heard nothing
  EXPECT_EQ(activity.Recent(9), 1u);
}

}  // namespace
}  // namespace valkdb
