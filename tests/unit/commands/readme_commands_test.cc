// README's command list is the command table's: every command valkdb has is
// listed under its COMMAND DOCS group, and nothing else is.
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "gtest/gtest.h"
#include "protocol/str_util.h"
#include "server/commands/command_table.h"

namespace valkdb {
namespace {

TEST(ReadmeCommandsTest, ListMatchesTheCommandTable) {
  std::ifstream in(std::string(VALKDB_SOURCE_DIR) + "/README.md");
  ASSERT_TRUE(in) << "README.md not found";
  std::map<std::string, std::set<std::string>> listed;  // group -> names
  std::string line;
  while (std::getline(in, line)) {
    // "- **group:** `A B C`"
    if (line.rfind("- **", 0) != 0) continue;
    const size_t colon = line.find(":**");
    const size_t open = line.find('`'), close = line.rfind('`');
    if (colon == std::string::npos || open == std::string::npos || close <= open) continue;
    const std::string group = line.substr(4, colon - 4);
    std::istringstream names(line.substr(open + 1, close - open - 1));
    std::string name;
    while (names >> name) listed[group].insert(name);
  }
  std::map<std::string, std::set<std::string>> table;
  for (const CommandSpec& spec : CommandTable::Get().commands()) {
    table[std::string(spec.group)].insert(AsciiUpper(spec.name));
  }
  EXPECT_EQ(listed, table) << "update README.md's Commands section";
}

}  // namespace
}  // namespace valkdb
