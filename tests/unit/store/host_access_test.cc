// The host access rule (store/host_access.h): pure, no database.
#include "latchkey/store/host_access.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace latchkey {
namespace {

using Roles = std::vector<std::string>;

TEST(HostAccessTest, NoRuleAdmitsNobody) {
  const HostAccess a = AccessFromRules({}, Roles{"admin", "staff"});
  EXPECT_FALSE(a.admitted_anywhere());
  EXPECT_FALSE(a.Admits("sshd"));
  EXPECT_TRUE(a.ServiceList().empty());
}

TEST(HostAccessTest, RuleForAnotherRoleAdmitsNobody) {
  const std::vector<HostAccessRule> rules = {{"admin", ""}};
  const HostAccess a = AccessFromRules(rules, Roles{"staff"});
  EXPECT_FALSE(a.admitted_anywhere());
  EXPECT_FALSE(a.Admits("sshd"));
}

TEST(HostAccessTest, RuleWithoutServiceAdmitsEveryService) {
  const std::vector<HostAccessRule> rules = {{"staff", "sudo"}, {"staff", ""}};
  const HostAccess a = AccessFromRules(rules, Roles{"staff"});
  EXPECT_TRUE(a.every_service);
  EXPECT_TRUE(a.Admits("sshd"));
  EXPECT_TRUE(a.Admits("anything"));
  EXPECT_EQ(a.ServiceList(), Roles{"*"});
}

TEST(HostAccessTest, ServiceRulesAdmitOnlyTheirServices) {
  const std::vector<HostAccessRule> rules = {{"staff", "sshd"},
                                             {"admin", "sudo"},
                                             {"ops", "login"},
                                             {"staff", "sshd"}};
  const HostAccess a = AccessFromRules(rules, Roles{"admin", "staff"});
  EXPECT_TRUE(a.Admits("sshd"));
  EXPECT_TRUE(a.Admits("sudo"));
  EXPECT_FALSE(a.Admits("login"));
  EXPECT_FALSE(a.Admits("SSHD"));
  EXPECT_EQ(a.ServiceList(), (Roles{"sshd", "sudo"}));
}

TEST(HostAccessTest, NoRolesNothingAdmitted) {
  const std::vector<HostAccessRule> rules = {{"staff", ""}};
  EXPECT_FALSE(AccessFromRules(rules, Roles{}).admitted_anywhere());
}

}  // namespace
}  // namespace latchkey
