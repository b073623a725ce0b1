#include "protocol/str_util.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "protocol/bytes.h"

namespace valkdb {
namespace {

using namespace std::string_literals;

TEST(StrUtilTest, StrCatTakesStdStringViews) {
  std::string_view view = "view";
  std::string str = "str";
  Bytes bytes = Bytes::Copy("bytes");
  EXPECT_EQ(StrCat(view, "-", str, "-", bytes, "-", 42, "-", int64_t{-7}, "-", 1.5),
            "view-str-bytes-42--7-1.5");
  EXPECT_EQ(StrCat(), "");
  EXPECT_EQ(StrCat("a\0b"s), "a\0b"s);
}

TEST(StrUtilTest, StrAppendAppends) {
  std::string out = "x";
  StrAppend(&out, std::string_view("y"), 1, "z");
  EXPECT_EQ(out, "xy1z");
}

TEST(StrUtilTest, EqualsIgnoreCase) {
  EXPECT_TRUE(EqualsIgnoreCase("GET", "get"));
  EXPECT_TRUE(EqualsIgnoreCase("SeT", "sEt"));
  EXPECT_TRUE(EqualsIgnoreCase("", ""));
  EXPECT_FALSE(EqualsIgnoreCase("get", "gets"));
  EXPECT_FALSE(EqualsIgnoreCase("get", "got"));
  EXPECT_FALSE(EqualsIgnoreCase("[", "{"));  // not letters: no case folding
}

// Was BUG 6 (protocol/str_util.cc), fixed: EqualsIgnoreCase uses
// strncasecmp, which stops at a NUL byte, so binary strings that agree up to
// a NUL compare equal: EqualsIgnoreCase("a\0b", "a\0c") is true. (It also
// passes the null data() of empty views to strncasecmp, which UBSan flags.)
// Suggested fix: compare byte by byte with absl::ascii_tolower (or
// std::tolower on unsigned char) over the whole size, returning early for
// size 0.
TEST(StrUtilTest, EqualsIgnoreCaseComparesEveryByte) {
  EXPECT_FALSE(EqualsIgnoreCase("a\0b"s, "a\0c"s));
  EXPECT_TRUE(EqualsIgnoreCase("A\0B"s, "a\0b"s));
  EXPECT_TRUE(EqualsIgnoreCase(std::string_view(), std::string_view()));
}

TEST(StrUtilTest, AsciiLowerAndUpper) {
  EXPECT_EQ(AsciiLower("HeLLo 123 \xC3\x89"), "hello 123 \xC3\x89");
  EXPECT_EQ(AsciiUpper("HeLLo 123 \xC3\xA9"), "HELLO 123 \xC3\xA9");
  EXPECT_EQ(AsciiLower(""), "");
  EXPECT_EQ(AsciiUpper("a\0b"s), "A\0B"s);
}

TEST(StrUtilTest, StripWhitespace) {
  EXPECT_EQ(StripWhitespace("  a b \t\r\n"), "a b");
  EXPECT_EQ(StripWhitespace("ab"), "ab");
  EXPECT_EQ(StripWhitespace(" \t "), "");
  EXPECT_EQ(StripWhitespace(""), "");
}

TEST(StrUtilTest, Split) {
  EXPECT_THAT(Split("a,b,,c", ','), ::testing::ElementsAre("a", "b", "c"));
  EXPECT_THAT(Split("a,b,,c", ',', false), ::testing::ElementsAre("a", "b", "", "c"));
  EXPECT_THAT(Split(",a,", ','), ::testing::ElementsAre("a"));
  EXPECT_THAT(Split(",a,", ',', false), ::testing::ElementsAre("", "a", ""));
  EXPECT_THAT(Split("", ','), ::testing::IsEmpty());
  EXPECT_THAT(Split("", ',', false), ::testing::ElementsAre(""));
  EXPECT_THAT(Split("abc", ','), ::testing::ElementsAre("abc"));
}

TEST(StrUtilTest, Join) {
  EXPECT_EQ(Join({"a", "b", "c"}, ", "), "a, b, c");
  EXPECT_EQ(Join({"a"}, ","), "a");
  EXPECT_EQ(Join({}, ","), "");
  EXPECT_EQ(Join({"", ""}, "-"), "-");
}

}  // namespace
}  // namespace valkdb
