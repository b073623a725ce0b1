// LuaAllocator against Lua's allocator contract: blocks keep their bytes
// through growth and shrinking across size classes and into malloc's range,
// freed blocks are reused, and a real interpreter runs on it.

#include "server/script/lua_allocator.h"

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"

extern "C" {
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
}

namespace valkdb {
namespace {

void Fill(void* p, size_t n, unsigned char seed) {
  for (size_t i = 0; i < n; ++i)
    static_cast<unsigned char*>(p)[i] = static_cast<unsigned char>(seed + i);
}

bool Holds(const void* p, size_t n, unsigned char seed) {
  for (size_t i = 0; i < n; ++i) {
    if (static_cast<const unsigned char*>(p)[i] != static_cast<unsigned char>(seed + i))
      return false;
  }
  return true;
}

TEST(LuaAllocator, ReallocKeepsTheBytesAcrossClassesAndIntoMalloc) {
  LuaAllocator a;
  size_t size = 1;
  void* p = LuaAllocator::Alloc(&a, nullptr, 0, size);
  Fill(p, size, 7);
  for (size_t next : {8, 16, 17, 100, 256, 257, 4000, 300, 256, 40, 3}) {
    p = LuaAllocator::Alloc(&a, p, size, next);
    ASSERT_NE(p, nullptr);
    ASSERT_TRUE(Holds(p, std::min(size, next), 7)) << size << " -> " << next;
    Fill(p, next, 7);
    size = next;
  }
  EXPECT_EQ(LuaAllocator::Alloc(&a, p, size, 0), nullptr);
}

TEST(LuaAllocator, FreedBlocksAreReusedWithinTheirClass) {
  LuaAllocator a;
  void* p = LuaAllocator::Alloc(&a, nullptr, 0, 40);
  const size_t used = a.region_used();
  LuaAllocator::Alloc(&a, p, 40, 0);
  void* q = LuaAllocator::Alloc(&a, nullptr, 0, 48);  // same 16-byte class as 40
  EXPECT_EQ(a.region_used(), used);
  if (a.pooled()) {
    EXPECT_EQ(q, p);
    EXPECT_EQ(used, 48u);
    // A size in the same class grows in place.
    EXPECT_EQ(LuaAllocator::Alloc(&a, q, 48, 33), q);
  } else {
    // Under AddressSanitizer malloc serves every block: the region is untouched.
    EXPECT_EQ(used, 0u);
    q = LuaAllocator::Alloc(&a, q, 48, 33);
  }
  LuaAllocator::Alloc(&a, q, 33, 0);
}

TEST(LuaAllocator, RandomTrafficKeepsEveryLiveBlockIntact) {
  LuaAllocator a;
  std::mt19937 rng(42);
  struct Block {
    void* p;
    size_t size;
    unsigned char seed;
  };
  std::vector<Block> live;
  for (int i = 0; i < 200000; ++i) {
    const int op = static_cast<int>(rng() % 3);
    if (op == 0 || live.empty()) {
      const size_t size = 1 + rng() % (rng() % 8 == 0 ? 2000 : 300);
      void* p = LuaAllocator::Alloc(&a, nullptr, 0, size);
      ASSERT_NE(p, nullptr);
      const auto seed = static_cast<unsigned char>(rng());
      Fill(p, size, seed);
      live.push_back({p, size, seed});
    } else {
      const size_t k = rng() % live.size();
      Block& b = live[k];
      ASSERT_TRUE(Holds(b.p, b.size, b.seed));
      if (op == 1) {
        LuaAllocator::Alloc(&a, b.p, b.size, 0);
        live[k] = live.back();
        live.pop_back();
      } else {
        const size_t size = 1 + rng() % 600;
        b.p = LuaAllocator::Alloc(&a, b.p, b.size, size);
        ASSERT_NE(b.p, nullptr);
        ASSERT_TRUE(Holds(b.p, std::min(size, b.size), b.seed));
        b.size = size;
        Fill(b.p, b.size, b.seed);
      }
    }
  }
  for (const Block& b : live) {
    ASSERT_TRUE(Holds(b.p, b.size, b.seed));
    LuaAllocator::Alloc(&a, b.p, b.size, 0);
  }
}

TEST(LuaAllocator, AnInterpreterRunsOnIt) {
  LuaAllocator a;
  lua_State* L = lua_newstate(&LuaAllocator::Alloc, &a);
  ASSERT_NE(L, nullptr);
  luaL_openlibs(L);
  const char* code =
      "local t = {} for i = 1, 20000 do t[i] = string.rep('x', i % 300) .. i end "
      "local n = 0 for i = 1, #t do n = n + #t[i] end t = nil collectgarbage() return n";
  ASSERT_EQ(luaL_loadstring(L, code), 0);
  ASSERT_EQ(lua_pcall(L, 0, 1, 0), 0) << lua_tostring(L, -1);
  size_t expected = 0;
  for (int i = 1; i <= 20000; ++i)
    expected += static_cast<size_t>(i % 300) + std::to_string(i).size();
  EXPECT_EQ(static_cast<size_t>(lua_tonumber(L, -1)), expected);
  lua_close(L);
}

}  // namespace
}  // namespace valkdb
