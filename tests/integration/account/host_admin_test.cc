// HostAdmin against a real database (issue 12, part "groups"): host
// groups, access rules, moving hosts and their flags, with the audit rows
// naming the admin and the guard rails: a group with live hosts is not
// deleted, and an admin cannot remove their own way in to live hosts
// (both skipped with --force, on record as guard_overridden).
#include "latchkey/account/host_admin.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "latchkey/account/role_admin.h"
#include "latchkey/services/services.h"
#include "support/services_test.h"

namespace latchkey {
namespace {

class HostAdminTest : public testing::ServicesTest {
 protected:
  static AdminActor Root(bool force = false) {
    AdminActor a;
    a.ctx.service = "cli";
    a.name = "root (uid 0)";
    a.force = force;
    return a;
  }
  static AdminActor As(int64_t id, const std::string& name) {
    AdminActor a;
    a.ctx.service = "portal";
    a.name = name;
    a.account_id = id;
    return a;
  }
  // A host row as `latchkeyctl host add --fleet` leaves it (kind fleet, a
  // token hash), or a direct-mode one.
  void AddHost(const std::string& name, const std::string& kind = "fleet") {
    auto n = s().db().Execute(
        "INSERT INTO hosts (name, kind, token_sha256, created_at) VALUES (?, "
        "?, IF(? = 'fleet', UNHEX(SHA2(?, 256)), NULL), UTC_TIMESTAMP(6))",
        {std::string_view(name), std::string_view(kind), std::string_view(kind),
         std::string_view(name)});
    ASSERT_TRUE(n.ok()) << n.status().ToString();
  }
  void Revoke(const std::string& name) {
    ASSERT_TRUE(s().db()
                    .Execute("UPDATE hosts SET revoked_at = UTC_TIMESTAMP(6) "
                             "WHERE name = ?",
                             {std::string_view(name)})
                    .ok());
  }
  HostSummary HostNamed(const std::string& name) {
    auto h = HostAdmin(s()).FindHost(name);
    EXPECT_TRUE(h.ok()) << h.status().ToString();
    return h.ok() ? *h : HostSummary();
  }
  std::string LastDetail(std::string_view event) {
    auto row = s().db().QueryOne(
        "SELECT detail FROM auth_events WHERE event = ? ORDER BY id DESC "
        "LIMIT 1",
        {event});
    return row.ok() && *row ? (*row)->str(0) : "";
  }
  int64_t MakeRoleUser(const std::string& name, const std::string& role) {
    const int64_t id = MakeUser(name);
    auto added = UserAdmin(s()).AddRole(Load(id), role, Root());
    EXPECT_TRUE(added.ok()) << added.status().ToString();
    return id;
  }
};

TEST_F(HostAdminTest, GroupsAreCreatedListedAndAudited) {
  HostAdmin admin(s());
  auto web = admin.CreateGroup("web", "the web tier", Root());
  ASSERT_TRUE(web.ok()) << web.status().ToString();
  EXPECT_EQ(web->name, "web");
  EXPECT_EQ(web->description, "the web tier");
  EXPECT_EQ(web->hosts, 0);
  EXPECT_EQ(web->rules, 0);
  EXPECT_EQ(LastDetail("host_group_created"), "host group web by root (uid 0)");

  auto again = admin.CreateGroup("web", "", Root());
  EXPECT_EQ(again.status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(again.status().message(),
            "a host group named 'web' exists already");
  auto bad = admin.CreateGroup("Web", "", Root());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(bad.status().message().starts_with("name: "))
      << bad.status().ToString();
  auto wordy = admin.CreateGroup("db", std::string(256, 'x'), Root());
  EXPECT_EQ(wordy.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Events("host_group_created"), 1);

  AddHost("web1");
  ASSERT_TRUE(admin.SetHostGroup("web1", "web", Root()).ok());
  ASSERT_TRUE(admin.AllowRole("web", "user", "sshd", Root()).ok());
  auto list = admin.ListGroups();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].hosts, 1);
  EXPECT_EQ((*list)[0].rules, 1);
  auto shown = admin.ShowGroup("web");
  ASSERT_TRUE(shown.ok());
  ASSERT_EQ(shown->rules.size(), 1u);
  EXPECT_EQ(shown->rules[0].role, "user");
  EXPECT_EQ(shown->rules[0].service, "sshd");
  ASSERT_EQ(shown->hosts.size(), 1u);
  EXPECT_EQ(shown->hosts[0].name, "web1");
  EXPECT_EQ(admin.ShowGroup("nosuch").status().code(), StatusCode::kNotFound);
}

TEST_F(HostAdminTest, RulesAreAddedAndRemovedWithTheirRefusals) {
  HostAdmin admin(s());
  ASSERT_TRUE(admin.CreateGroup("db", "", Root()).ok());
  ASSERT_TRUE(RoleAdmin(s()).Create("dba", "", Root()).ok());

  ASSERT_TRUE(admin.AllowRole("db", "dba", "", Root()).ok());
  EXPECT_EQ(LastDetail("access_rule_added"),
            "role dba -> host group db (every service) by root (uid 0)");
  ASSERT_TRUE(admin.AllowRole("db", "dba", "sudo", Root()).ok());
  EXPECT_EQ(LastDetail("access_rule_added"),
            "role dba -> host group db (sudo) by root (uid 0)");

  Status twice = admin.AllowRole("db", "dba", "sudo", Root());
  EXPECT_EQ(twice.code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(twice.message(), "role dba may already log in to db (sudo)");
  EXPECT_EQ(admin.AllowRole("db", "nosuch", "", Root()).message(),
            "no role named 'nosuch'");
  EXPECT_EQ(admin.AllowRole("nosuch", "dba", "", Root()).message(),
            "no host group named 'nosuch'");
  for (const char* bad :
       {"SSHD", "ss hd", "sshd.", "a234567890123456789012345678901234"}) {
    Status s = admin.AllowRole("db", "dba", bad, Root());
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_TRUE(s.message().starts_with("service: ")) << s.ToString();
  }
  EXPECT_EQ(admin.AllowRole("db", "Dba", "", Root()).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(Events("access_rule_added"), 2);

  EXPECT_EQ(admin.DenyRole("db", "dba", "sshd", Root()).message(),
            "db has no rule for role dba (sshd)");
  ASSERT_TRUE(admin.DenyRole("db", "dba", "", Root()).ok());
  EXPECT_EQ(LastDetail("access_rule_removed"),
            "role dba -> host group db (every service) by root (uid 0)");
  auto d = admin.ShowGroup("db");
  ASSERT_TRUE(d.ok());
  ASSERT_EQ(d->rules.size(), 1u);
  EXPECT_EQ(d->rules[0].service, "sudo");

  // Deleting a role takes its rules with it.
  ASSERT_TRUE(RoleAdmin(s()).Delete("dba", Root()).ok());
  d = admin.ShowGroup("db");
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->rules.empty());
}

TEST_F(HostAdminTest, AGroupWithLiveHostsIsNotDeleted) {
  HostAdmin admin(s());
  ASSERT_TRUE(admin.CreateGroup("web", "", Root()).ok());
  ASSERT_TRUE(admin.AllowRole("web", "user", "", Root()).ok());
  AddHost("web1");
  AddHost("web2");
  ASSERT_TRUE(admin.SetHostGroup("web1", "web", Root()).ok());
  ASSERT_TRUE(admin.SetHostGroup("web2", "web", Root()).ok());

  Status refused = admin.DeleteGroup("web", Root());
  EXPECT_EQ(refused.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(refused.message(),
            "host group web still has 2 hosts: move or revoke its 2 hosts "
            "first");
  Revoke("web1");
  EXPECT_EQ(admin.DeleteGroup("web", Root()).message(),
            "host group web still has 1 host: move or revoke its 1 host "
            "first");
  EXPECT_EQ(Events("host_group_deleted"), 0);
  EXPECT_EQ(Events("guard_overridden"), 0);

  // Only revoked hosts left: deleted, and they are left in no group.
  ASSERT_TRUE(admin.SetHostGroup("web2", std::nullopt, Root()).ok());
  ASSERT_TRUE(admin.DeleteGroup("web", Root()).ok());
  EXPECT_EQ(LastDetail("host_group_deleted"),
            "host group web, 1 rule, by root (uid 0)");
  EXPECT_FALSE(HostNamed("web1").group_id.has_value());
  EXPECT_EQ(CountRows("host_access_rules"), 0);
  EXPECT_EQ(admin.DeleteGroup("web", Root()).code(), StatusCode::kNotFound);
}

TEST_F(HostAdminTest, ForceDeletesAGroupWithHostsOnRecord) {
  HostAdmin admin(s());
  ASSERT_TRUE(admin.CreateGroup("web", "", Root()).ok());
  AddHost("web1");
  ASSERT_TRUE(admin.SetHostGroup("web1", "web", Root()).ok());
  ASSERT_TRUE(admin.DeleteGroup("web", Root(/*force=*/true)).ok());
  EXPECT_EQ(LastDetail("guard_overridden"),
            "guard overridden with --force: host group web still has 1 host: "
            "move or revoke its 1 host first by root (uid 0)");
  EXPECT_EQ(Events("host_group_deleted"), 1);
  EXPECT_FALSE(HostNamed("web1").group_id.has_value());
}

TEST_F(HostAdminTest, AnAdminCannotRemoveTheirOwnWayInToLiveHosts) {
  HostAdmin admin(s());
  const int64_t alice = MakeRoleUser("alice", "admin");
  const AdminActor me = As(alice, "alice");
  ASSERT_TRUE(admin.CreateGroup("web", "", Root()).ok());
  ASSERT_TRUE(admin.AllowRole("web", "admin", "", Root()).ok());
  // No live host yet: nothing to lose.
  ASSERT_TRUE(admin.DenyRole("web", "admin", "", me).ok());
  ASSERT_TRUE(admin.AllowRole("web", "admin", "", Root()).ok());
  AddHost("web1");
  ASSERT_TRUE(admin.SetHostGroup("web1", "web", Root()).ok());

  Status refused = admin.DenyRole("web", "admin", "", me);
  EXPECT_EQ(refused.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(refused.message(),
            "you cannot remove the last rule that lets you log in to the 1 "
            "host of web");
  // Moving the host where no rule admits her is the same loss.
  ASSERT_TRUE(admin.CreateGroup("db", "", Root()).ok());
  auto moved = admin.SetHostGroup("web1", "db", me);
  EXPECT_EQ(moved.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(moved.status().message(),
            "you cannot move web1 to db: no rule there lets you log in to "
            "it, as web does");
  EXPECT_EQ(admin.SetHostGroup("web1", std::nullopt, me).status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(HostNamed("web1").group, "web");

  // Another rule that admits her (through the user role every account
  // holds): now the admin rule is not her last way in.
  ASSERT_TRUE(admin.AllowRole("web", "user", "sshd", Root()).ok());
  ASSERT_TRUE(admin.DenyRole("web", "admin", "", me).ok());
  // Root at the CLI has no account of its own: no rail.
  ASSERT_TRUE(admin.AllowRole("db", "admin", "", Root()).ok());
  ASSERT_TRUE(admin.DenyRole("db", "admin", "", Root()).ok());
  // A rule of another role (one she does not hold) is never hers.
  ASSERT_TRUE(RoleAdmin(s()).Create("ops", "", Root()).ok());
  ASSERT_TRUE(admin.AllowRole("web", "ops", "", Root()).ok());
  ASSERT_TRUE(admin.DenyRole("web", "ops", "", me).ok());
  EXPECT_EQ(Events("guard_overridden"), 0);
}

TEST_F(HostAdminTest, TwoRemovalsAtOnceLeaveTheAdminAWayIn) {
  const int64_t alice = MakeRoleUser("alice", "admin");
  AddHost("web1");
  // Each thread has its own connection (a Services is one connection).
  std::unique_ptr<Services> other = Services::WithConnection(
      config_, db().Connect(), clock_, random_, &sink_);
  HostAdmin root(s());
  ASSERT_TRUE(root.CreateGroup("web", "", Root()).ok());
  ASSERT_TRUE(root.SetHostGroup("web1", "web", Root()).ok());
  // Alice is let in by two rules; each removal alone leaves the other.
  // Both at once must not pass: the second waits for the group's lock and
  // then counts again. Several rounds, so that a check outside the lock
  // would be caught.
  for (int round = 0; round < 8; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    ASSERT_TRUE(root.AllowRole("web", "admin", "", Root()).ok());
    ASSERT_TRUE(root.AllowRole("web", "user", "sshd", Root()).ok());
    std::atomic<int> ready{0};
    Status a_result;
    Status b_result;
    auto run = [&](Services& services, const char* role, const char* service,
                   Status& out) {
      HostAdmin admin(services);
      ready.fetch_add(1);
      while (ready.load() < 2) {
      }
      out = admin.DenyRole("web", role, service, As(alice, "alice"));
    };
    std::thread t1(run, std::ref(s()), "admin", "", std::ref(a_result));
    std::thread t2(run, std::ref(*other), "user", "sshd", std::ref(b_result));
    t1.join();
    t2.join();
    ASSERT_NE(a_result.ok(), b_result.ok())
        << a_result.ToString() << " / " << b_result.ToString();
    const Status& refused = a_result.ok() ? b_result : a_result;
    EXPECT_EQ(refused.code(), StatusCode::kFailedPrecondition);
    auto left = root.ShowGroup("web");
    ASSERT_TRUE(left.ok());
    ASSERT_EQ(left->rules.size(), 1u);
    // Back to no rules for the next round.
    ASSERT_TRUE(root.DenyRole("web", left->rules[0].role,
                              left->rules[0].service, Root())
                    .ok());
  }
}

TEST_F(HostAdminTest, ForceSkipsTheSelfRailOnRecord) {
  HostAdmin admin(s());
  const int64_t alice = MakeRoleUser("alice", "admin");
  AdminActor me = As(alice, "alice");
  me.force = true;
  ASSERT_TRUE(admin.CreateGroup("web", "", Root()).ok());
  ASSERT_TRUE(admin.AllowRole("web", "admin", "", Root()).ok());
  AddHost("web1");
  ASSERT_TRUE(admin.SetHostGroup("web1", "web", Root()).ok());
  ASSERT_TRUE(admin.DenyRole("web", "admin", "", me).ok());
  EXPECT_EQ(Events("guard_overridden"), 1);
  EXPECT_EQ(LastDetail("access_rule_removed"),
            "role admin -> host group web (every service) by alice");
}

TEST_F(HostAdminTest, HostsMoveAndTheirFlagIsSetForFleetHostsOnly) {
  HostAdmin admin(s());
  ASSERT_TRUE(admin.CreateGroup("web", "", Root()).ok());
  ASSERT_TRUE(admin.CreateGroup("db", "", Root()).ok());
  AddHost("web1");
  AddHost("old1", "direct");

  auto moved = admin.SetHostGroup("web1", "web", Root());
  ASSERT_TRUE(moved.ok() && *moved) << moved.status().ToString();
  EXPECT_EQ(LastDetail("host_group_changed"),
            "host web1 moved from no group to web by root (uid 0)");
  moved = admin.SetHostGroup("web1", "web", Root());
  ASSERT_TRUE(moved.ok());
  EXPECT_FALSE(*moved);
  ASSERT_TRUE(admin.SetHostGroup("web1", "db", Root()).ok());
  EXPECT_EQ(LastDetail("host_group_changed"),
            "host web1 moved from web to db by root (uid 0)");
  EXPECT_EQ(HostNamed("web1").group, "db");
  EXPECT_EQ(admin.SetHostGroup("web1", "nosuch", Root()).status().message(),
            "no host group named 'nosuch'");
  EXPECT_EQ(admin.SetHostGroup("nosuch", "web", Root()).status().message(),
            "no host named 'nosuch'");
  EXPECT_EQ(admin.SetHostGroup("web1", "Bad Name", Root()).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(Events("host_group_changed"), 2);

  auto set = admin.SetMayResetPasswords("web1", true, Root());
  ASSERT_TRUE(set.ok() && *set) << set.status().ToString();
  EXPECT_TRUE(HostNamed("web1").may_reset_passwords);
  EXPECT_EQ(LastDetail("host_group_changed"),
            "host web1 may reset passwords: yes by root (uid 0)");
  set = admin.SetMayResetPasswords("web1", true, Root());
  ASSERT_TRUE(set.ok());
  EXPECT_FALSE(*set);
  auto direct = admin.SetMayResetPasswords("old1", true, Root());
  EXPECT_EQ(direct.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_FALSE(HostNamed("old1").may_reset_passwords);

  Revoke("web1");
  EXPECT_EQ(
      admin.SetMayResetPasswords("web1", false, Root()).status().message(),
      "host web1 is revoked");
  EXPECT_EQ(admin.SetHostGroup("web1", "web", Root()).status().message(),
            "host web1 is revoked");
}

TEST_F(HostAdminTest, RevokeIsAuditedOnce) {
  HostAdmin admin(s());
  AddHost("web1");
  auto revoked = admin.RevokeHost("web1", As(MakeUser("ann"), "ann"));
  ASSERT_TRUE(revoked.ok()) << revoked.status().ToString();
  EXPECT_TRUE(revoked->revoked_at.has_value());
  EXPECT_EQ(LastDetail("host_revoked"), "host web1 by ann");
  auto again = admin.RevokeHost("web1", Root());
  EXPECT_EQ(again.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(again.status().message(), "host web1 is revoked already");
  EXPECT_EQ(admin.RevokeHost("nosuch", Root()).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(Events("host_revoked"), 1);
}

}  // namespace
}  // namespace latchkey
