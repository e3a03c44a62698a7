// Fleet hosts in the hosts table (HostStore::AddFleet, Authenticate,
// Touch), the host access rules' query, and the host a fleet request
// leaves on audit rows and on the per-address counter.
#include <gtest/gtest.h>

#include "latchkey/auth/lockout_store.h"
#include "latchkey/base/encoding.h"
#include "latchkey/store/host_access.h"
#include "latchkey/store/host_store.h"
#include "support/services_test.h"

namespace latchkey {
namespace {

class HostStoreFleetTest : public testing::ServicesTest {
 protected:
  void Group(const std::string& name) {
    ASSERT_TRUE(s().db()
                    .Execute("INSERT INTO host_groups (name, created_at) "
                             "VALUES (?, NOW(6))",
                             {std::string_view(name)})
                    .ok());
  }
};

TEST_F(HostStoreFleetTest, AddFleetStoresOnlyTheTokensHash) {
  Group("web");
  HostStore hosts(s().db(), s().clock());
  Result<NewFleetHost> added =
      hosts.AddFleet("web1", "web", true, s().random());
  ASSERT_TRUE(added.ok()) << added.status().ToString();
  const std::string token(added->token.view());
  EXPECT_EQ(token.substr(0, 4), "lkh_");
  EXPECT_EQ(token.size(), 47u);
  EXPECT_EQ(added->host.kind, "fleet");
  EXPECT_EQ(added->host.group_name, "web");
  EXPECT_TRUE(added->host.may_reset_passwords);
  EXPECT_TRUE(added->host.db_user.empty());
  Result<std::optional<db::Row>> row =
      s().db().QueryOne("SELECT token_sha256 FROM hosts WHERE name = 'web1'");
  ASSERT_TRUE(row.ok() && row->has_value());
  EXPECT_EQ((*row)->str(0), std::string(DigestView(Sha256(token))));

  Result<std::optional<Host>> found = hosts.Authenticate(token);
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->name, "web1");
  EXPECT_EQ((*found)->group_id, added->host.group_id);
  EXPECT_FALSE(hosts.Authenticate(token + "x")->has_value());
  EXPECT_FALSE(hosts.Authenticate("lkh_" + std::string(43, 'A'))->has_value());
  EXPECT_FALSE(hosts.Authenticate("")->has_value());

  ASSERT_TRUE(hosts.Revoke("web1").ok());
  EXPECT_FALSE(hosts.Authenticate(token)->has_value());
}

TEST_F(HostStoreFleetTest, RefusesUnknownGroupsAndTakenNames) {
  Group("web");
  HostStore hosts(s().db(), s().clock());
  Result<NewFleetHost> none = hosts.AddFleet("web1", "db", false, s().random());
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(none.status().message(),
            "no host group 'db'; create it with latchkeyctl host-group add db");
  ASSERT_TRUE(hosts.AddFleet("web1", "web", false, s().random()).ok());
  EXPECT_EQ(hosts.AddFleet("web1", "web", false, s().random()).status().code(),
            StatusCode::kAlreadyExists);
  EXPECT_EQ(hosts.Add("web1").status().code(), StatusCode::kAlreadyExists);
}

TEST_F(HostStoreFleetTest, TouchKeepsLastSeenAndAPrintableVersion) {
  Group("web");
  HostStore hosts(s().db(), s().clock());
  Result<NewFleetHost> added =
      hosts.AddFleet("web1", "web", false, s().random());
  ASSERT_TRUE(added.ok());
  EXPECT_FALSE(added->host.last_seen_at.has_value());
  ASSERT_TRUE(hosts.Touch(added->host.id, "1.2\n3").ok());
  std::optional<Host> h = *hosts.Find("web1");
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(h->last_seen_at, s().clock().NowUnix());
  EXPECT_EQ(h->agent_version, "1.2?3");
  ASSERT_TRUE(hosts.Touch(added->host.id, "").ok());
  EXPECT_EQ((*hosts.Find("web1"))->agent_version, "1.2?3");
}

TEST_F(HostStoreFleetTest, AccessOfReadsTheGroupsRules) {
  Group("web");
  Group("db");
  ASSERT_TRUE(s().db().Execute("INSERT INTO roles (name) VALUES ('ops')").ok());
  ASSERT_TRUE(s().db()
                  .Execute("INSERT INTO host_access_rules (group_id, role_id, "
                           "service, created_at) SELECT g.id, r.id, 'sshd', "
                           "NOW(6) FROM host_groups g, roles r WHERE g.name = "
                           "'web' AND r.name = 'ops'")
                  .ok());
  Result<std::optional<db::Row>> web =
      s().db().QueryOne("SELECT id FROM host_groups WHERE name = 'web'");
  Result<std::optional<db::Row>> dbg =
      s().db().QueryOne("SELECT id FROM host_groups WHERE name = 'db'");
  ASSERT_TRUE(web.ok() && dbg.ok());
  HostAccessStore rules(s().db());
  const std::vector<std::string> ops = {"ops"};
  EXPECT_TRUE(rules.AccessOf((*web)->i64(0), ops)->Admits("sshd"));
  EXPECT_FALSE(rules.AccessOf((*web)->i64(0), ops)->Admits("sudo"));
  EXPECT_FALSE(rules.AccessOf((*dbg)->i64(0), ops)->admitted_anywhere());
  EXPECT_FALSE(rules.AccessOf(std::nullopt, ops)->admitted_anywhere());
}

TEST_F(HostStoreFleetTest, AuditRowsAndAddressCountsCarryTheHost) {
  AuthContext ctx;
  ctx.service = "sshd";
  ctx.rhost = "198.51.100.7";
  ctx.host = "web1";
  ASSERT_TRUE(s().audit()
                  .Record(AuditEvent::kLoginFailure, std::nullopt, "x", ctx,
                          AuditOutcome::kFail, "wrong password")
                  .ok());
  Result<std::optional<db::Row>> row =
      s().db().QueryOne("SELECT host FROM auth_events ORDER BY id DESC");
  ASSERT_TRUE(row.ok() && row->has_value());
  EXPECT_EQ((*row)->str(0), "web1");

  EXPECT_EQ(IpKey("198.51.100.7", 64, "web1"), "host:web1/198.51.100.7");
  EXPECT_EQ(IpKey("2001:db8:1:2::9", 64, "web1"),
            "host:web1/2001:db8:1:2::/64");
  EXPECT_EQ(IpKey(std::string(400, 'x'), 64, "web1").size(), 255u);
  LockoutStore lockouts(s().db(), s().clock(), s().config().lockout);
  for (uint32_t i = 0; i < s().config().lockout.ip_max_failures; ++i) {
    ASSERT_TRUE(lockouts.RecordIpFailure("198.51.100.7", "web1").ok());
  }
  EXPECT_TRUE(*lockouts.IpBlocked("198.51.100.7", "web1"));
  EXPECT_FALSE(*lockouts.IpBlocked("198.51.100.7", "web2"));
  EXPECT_FALSE(*lockouts.IpBlocked("198.51.100.7"));
}

}  // namespace
}  // namespace latchkey
