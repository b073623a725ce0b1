// valkdb-cli's reply formats, checked against what redis-cli 7.0 prints.
#include "client/cli/reply_format.h"

#include "gtest/gtest.h"

namespace valkdb::cli {
namespace {

RespValue Typed(RespValue::Type type, std::vector<RespValue> elements) {
  RespValue v = RespValue::Arr(std::move(elements));
  v.type = type;
  return v;
}

TEST(ReplyFormatTest, ScalarsForATerminal) {
  EXPECT_EQ(FormatTty(RespValue::Simple("OK")), "OK\n");
  EXPECT_EQ(FormatTty(RespValue::Err("ERR syntax error")), "(error) ERR syntax error\n");
  EXPECT_EQ(FormatTty(RespValue::Int(-3)), "(integer) -3\n");
  EXPECT_EQ(FormatTty(RespValue::BulkStr("a b")), "\"a b\"\n");
  EXPECT_EQ(FormatTty(RespValue::Nil()), "(nil)\n");
  RespValue d;
  d.type = RespValue::Type::kDouble;
  d.str = "3.141";
  EXPECT_EQ(FormatTty(d), "(double) 3.141\n");
  RespValue b;
  b.type = RespValue::Type::kBoolean;
  b.boolean = false;
  EXPECT_EQ(FormatTty(b), "(false)\n");
  RespValue verbatim;
  verbatim.type = RespValue::Type::kVerbatim;
  verbatim.format = "txt";
  verbatim.str = "line1\nline2";
  EXPECT_EQ(FormatTty(verbatim), "line1\nline2\n");
}

TEST(ReplyFormatTest, QuotingEscapesLikeSdscatrepr) {
  EXPECT_EQ(Quote(std::string("x\"y\\\n\r\t\a\b\x01\x7f\xff", 12)),
            "\"x\\\"y\\\\\\n\\r\\t\\a\\b\\x01\\x7f\\xff\"");
}

TEST(ReplyFormatTest, NestedAggregatesAreIndentedUnderTheirIndex) {
  RespValue v = RespValue::Arr({RespValue::Int(1),
                                RespValue::Arr({RespValue::Int(2), RespValue::BulkStr("x")}),
                                RespValue::Arr({})});
  EXPECT_EQ(FormatTty(v),
            "1) (integer) 1\n"
            "2) 1) (integer) 2\n"
            "   2) \"x\"\n"
            "3) (empty array)\n");
  std::vector<RespValue> many;
  for (int i = 0; i < 10; ++i) many.push_back(RespValue::Int(i));
  many.push_back(RespValue::Arr({RespValue::BulkStr("a"), RespValue::BulkStr("b")}));
  const std::string out = FormatTty(RespValue::Arr(many));
  EXPECT_EQ(out.substr(0, 15), " 1) (integer) 0");
  EXPECT_NE(out.find("11) 1) \"a\"\n    2) \"b\"\n"), std::string::npos) << out;
}

TEST(ReplyFormatTest, MapsAndSets) {
  RespValue map = Typed(RespValue::Type::kMap, {RespValue::BulkStr("f1"), RespValue::BulkStr("v1"),
                                                RespValue::BulkStr("f2"), RespValue::Int(2)});
  EXPECT_EQ(FormatTty(map), "1# \"f1\" => \"v1\"\n2# \"f2\" => (integer) 2\n");
  EXPECT_EQ(FormatRaw(map), "f1 v1\nf2 2");
  EXPECT_EQ(FormatTty(Typed(RespValue::Type::kMap, {})), "(empty hash)\n");
  RespValue set = Typed(RespValue::Type::kSet, {RespValue::BulkStr("m")});
  EXPECT_EQ(FormatTty(set), "1~ \"m\"\n");
  EXPECT_EQ(FormatTty(Typed(RespValue::Type::kSet, {})), "(empty set)\n");
}

TEST(ReplyFormatTest, RawOutput) {
  EXPECT_EQ(FormatRaw(RespValue::Nil()), "");
  EXPECT_EQ(FormatRaw(RespValue::Err("ERR x")), "ERR x\n");
  EXPECT_EQ(FormatRaw(RespValue::Int(5)), "5");
  EXPECT_EQ(FormatRaw(RespValue::BulkStr("a\nb")), "a\nb");
  EXPECT_EQ(FormatRaw(RespValue::Arr({RespValue::Int(1),
                                      RespValue::Arr({RespValue::Int(2), RespValue::BulkStr("x")}),
                                      RespValue::Arr({})})),
            "1\n2\nx\n");
}

}  // namespace
}  // namespace valkdb::cli
