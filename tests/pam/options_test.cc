// ParseOptions: the module's arguments.
#include "options.h"

#include <gtest/gtest.h>

#include <vector>

namespace latchkey::pam {
namespace {

ParsedOptions Parse(std::vector<const char*> args) {
  return ParseOptions(static_cast<int>(args.size()), args.data());
}

TEST(OptionsTest, DefaultsWithoutArguments) {
  const ParsedOptions p = Parse({});
  EXPECT_EQ(p.options.config, "/etc/latchkey/latchkey.conf");
  EXPECT_TRUE(p.options.require_roles.empty());
  EXPECT_EQ(p.options.totp, TotpMode::kAuto);
  EXPECT_FALSE(p.options.use_first_pass);
  EXPECT_FALSE(p.options.try_first_pass);
  EXPECT_FALSE(p.options.debug);
  EXPECT_TRUE(p.problems.empty());
}

TEST(OptionsTest, EveryKnownOption) {
  const ParsedOptions p =
      Parse({"config=/tmp/x.conf", "require_role=admin,ops", "totp=required",
             "use_first_pass", "try_first_pass", "use_authtok", "debug",
             "authtok_type=LATCHKEY", "root_may_reset"});
  EXPECT_TRUE(p.problems.empty());
  EXPECT_EQ(p.options.config, "/tmp/x.conf");
  EXPECT_EQ(p.options.require_roles,
            (std::vector<std::string>{"admin", "ops"}));
  EXPECT_EQ(p.options.totp, TotpMode::kRequired);
  EXPECT_TRUE(p.options.use_first_pass);
  EXPECT_TRUE(p.options.try_first_pass);
  EXPECT_TRUE(p.options.use_authtok);
  EXPECT_TRUE(p.options.debug);
  EXPECT_TRUE(p.options.root_may_reset);
  EXPECT_FALSE(Parse({}).options.root_may_reset);
}

TEST(OptionsTest, TotpModes) {
  EXPECT_EQ(Parse({"totp=off"}).options.totp, TotpMode::kOff);
  EXPECT_EQ(Parse({"totp=auto"}).options.totp, TotpMode::kAuto);
}

TEST(OptionsTest, UnknownOptionsAreReportedAndIgnored) {
  const ParsedOptions p = Parse({"nullok", "debug", "frobnicate=3"});
  ASSERT_EQ(p.problems.size(), 2u);
  EXPECT_NE(p.problems[0].find("'nullok'"), std::string::npos);
  EXPECT_NE(p.problems[1].find("'frobnicate=3'"), std::string::npos);
  EXPECT_TRUE(p.options.debug);
}

TEST(OptionsTest, BadValuesFailClosed) {
  ParsedOptions p = Parse({"totp=sometimes"});
  EXPECT_EQ(p.options.totp, TotpMode::kRequired);
  EXPECT_EQ(p.problems.size(), 1u);

  p = Parse({"require_role=Admin!"});
  ASSERT_EQ(p.options.require_roles.size(), 1u);
  EXPECT_EQ(p.problems.size(), 1u);
  // No valid role name starts with '!', so nobody holds it.
  EXPECT_EQ(p.options.require_roles[0].front(), '!');

  p = Parse({"require_role=admin,,ops"});
  EXPECT_EQ(p.problems.size(), 1u);

  p = Parse({"config=relative.conf"});
  EXPECT_EQ(p.options.config, "/etc/latchkey/latchkey.conf");
  EXPECT_EQ(p.problems.size(), 1u);
}

TEST(OptionsTest, OptionWithoutValueIsUnknown) {
  const ParsedOptions p = Parse({"config", "totp", "debug=1"});
  EXPECT_EQ(p.problems.size(), 3u);
  EXPECT_FALSE(p.options.debug);
}

TEST(OptionsTest, NullArgvIsSafe) {
  const ParsedOptions p = ParseOptions(0, nullptr);
  EXPECT_TRUE(p.problems.empty());
  const char* args[] = {nullptr, "debug"};
  EXPECT_TRUE(ParseOptions(2, args).options.debug);
}

}  // namespace
}  // namespace latchkey::pam
