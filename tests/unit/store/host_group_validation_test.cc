// The pure validators of host_group_store.h: host group names (the
// characters of a host name, up to the column's 64) and a rule's service
// ("" for every service, else a PAM service name).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "latchkey/store/host_group_store.h"

namespace latchkey {
namespace {

TEST(HostGroupNameTest, TakesHostNameCharactersUpTo64) {
  for (const std::string& good : std::vector<std::string>{
           "web", "db-eu.1", "0day", "a_b", std::string(64, 'x')}) {
    EXPECT_TRUE(ValidateHostGroupName(good).ok()) << good;
  }
  for (const std::string& bad : std::vector<std::string>{
           "", "Web", "-web", ".web", "_web", "web tier", "web/1", "wéb",
           std::string("we\0b", 4), "web\n", std::string(65, 'x')}) {
    Status s = ValidateHostGroupName(bad);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_EQ(ValidateHostGroupName("Web").message(),
            "a host group name is 1 to 64 characters: a-z, 0-9, '.', '-' and "
            "'_', starting with a letter or digit");
}

TEST(RuleServiceTest, EmptyOrAPamServiceName) {
  for (const std::string& good :
       std::vector<std::string>{"", "sshd", "sudo", "login", "su-l",
                                "gdm_password", std::string(32, 's')}) {
    EXPECT_TRUE(ValidateRuleService(good).ok()) << good;
  }
  for (const std::string& bad : std::vector<std::string>{
           "SSHD", "ss hd", "sshd.d", "*", "sshd\n", std::string(33, 's')}) {
    EXPECT_EQ(ValidateRuleService(bad).code(), StatusCode::kInvalidArgument)
        << bad;
  }
  EXPECT_EQ(ServiceLabel(""), "every service");
  EXPECT_EQ(ServiceLabel("sshd"), "sshd");
}

}  // namespace
}  // namespace latchkey
