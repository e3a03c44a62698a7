// db::SplitSqlScript: where trusted SQL files are cut into statements.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "latchkey/db/db.h"

namespace latchkey::db {
namespace {

std::vector<std::string> Texts(std::string_view sql) {
  std::vector<std::string> out;
  for (const ScriptStatement& s : SplitSqlScript(sql)) {
    out.emplace_back(s.text);
  }
  return out;
}

TEST(SplitSqlScriptTest, SplitsAtSemicolonsThatEndALine) {
  auto parts = SplitSqlScript(
      "CREATE TABLE a (x INT);\n"
      "\n"
      "INSERT INTO a VALUES (1),\n"
      "  (2);   \n"
      "SELECT 1");
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[0].text, "CREATE TABLE a (x INT)");
  EXPECT_EQ(parts[0].line, 1);
  EXPECT_EQ(parts[1].text, "INSERT INTO a VALUES (1),\n  (2)");
  EXPECT_EQ(parts[1].line, 3);
  EXPECT_EQ(parts[2].text, "SELECT 1");
  EXPECT_EQ(parts[2].line, 5);
}

TEST(SplitSqlScriptTest, SemicolonInsideALineDoesNotSplit) {
  EXPECT_EQ(Texts("SELECT 1; SELECT 2;\n"),
            std::vector<std::string>{"SELECT 1; SELECT 2"});
}

TEST(SplitSqlScriptTest, QuotesAndCommentsDoNotSplit) {
  auto parts = Texts(
      "-- header; with a semicolon;\n"
      "# hash comment;\n"
      "/* block;\n comment; */\n"
      "INSERT INTO t VALUES ('a;\n"
      "b', \"c;\n"
      "\", 'it''s;\n"
      "', 'back\\';\n"
      "slash');\n"
      "CREATE TABLE `we;\n"
      "ird` (x INT); -- trailing comment\n"
      "SELECT 3 --not-a-comment;\n");
  ASSERT_EQ(parts.size(), 3u) << ::testing::PrintToString(parts);
  EXPECT_EQ(parts[0].substr(0, 21), "INSERT INTO t VALUES ");
  EXPECT_NE(parts[0].find("slash')"), std::string::npos);
  EXPECT_EQ(parts[1], "CREATE TABLE `we;\nird` (x INT)");
  EXPECT_EQ(parts[2], "SELECT 3 --not-a-comment");
}

TEST(SplitSqlScriptTest, LinesCountFromTheFirstToken) {
  auto parts = SplitSqlScript(
      "-- one\n"
      "-- two\n"
      "\n"
      "SELECT 'a\n"
      "b';\n"
      "/* x\n"
      "y */ SELECT 2;\n");
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0].line, 4);
  EXPECT_EQ(parts[1].line, 7);
  EXPECT_EQ(parts[1].text, "SELECT 2");
}

TEST(SplitSqlScriptTest, EmptyAndCommentOnlyScriptsHaveNoStatements) {
  EXPECT_TRUE(SplitSqlScript("").empty());
  EXPECT_TRUE(SplitSqlScript("  \n;\n-- x;\n/* y; */\n").empty());
}

TEST(SplitSqlScriptTest, UnterminatedQuoteKeepsTheRest) {
  auto parts = Texts("SELECT 'open;\nSELECT 2;\n");
  ASSERT_EQ(parts.size(), 1u);
  EXPECT_EQ(parts[0], "SELECT 'open;\nSELECT 2;");
}

}  // namespace
}  // namespace latchkey::db
