// UserAdmin's admin actions against a real database: the guard rails (no
// admin locks out, demotes or deletes themselves; the last standing admin
// keeps the role, also when two admins demote each other at once), the
// --force override on record, the mails to admins, the two locks kept
// apart, expiry, sessions, and a deleted account's uid staying given.
#include "latchkey/account/user_admin.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "support/services_test.h"

namespace latchkey {
namespace {

class UserAdminTest : public testing::ServicesTest {
 protected:
  // An admin with TOTP: a standing administrator.
  int64_t MakeAdmin(const std::string& name) {
    const int64_t id = MakeUser(name);
    UserAdmin admin(s());
    EXPECT_TRUE(admin.AddRole(Load(id), "admin", Root()).ok());
    auto totp = admin.EnableTotp(Load(id), Root());
    EXPECT_TRUE(totp.ok()) << totp.status().ToString();
    return id;
  }
  static AdminActor Root() {
    AdminActor a;
    a.ctx.service = "cli";
    a.name = "root (uid 0)";
    return a;
  }
  AdminActor As(int64_t id, const std::string& name) {
    AdminActor a;
    a.ctx.service = "portal";
    a.name = name;
    a.account_id = id;
    return a;
  }
  int64_t Standing() {
    auto n = UserAdmin(s()).StandingAdmins();
    EXPECT_TRUE(n.ok());
    return n.ok() ? *n : -1;
  }
  // The detail of the newest audit row with this event.
  std::string LastDetail(std::string_view event) {
    auto row = s().db().QueryOne(
        "SELECT detail FROM auth_events WHERE event = ? ORDER BY id DESC "
        "LIMIT 1",
        {event});
    return row.ok() && *row ? (*row)->str(0) : "";
  }
  int64_t AdminNotices() {
    auto row = s().db().QueryOne(
        "SELECT COUNT(*) FROM mail_outbox WHERE kind = 'admin_notice'");
    return row.ok() && *row ? (*row)->i64(0) : -1;
  }
};

TEST_F(UserAdminTest, AnAdminCannotLockOutDemoteOrDeleteThemselves) {
  const int64_t alice = MakeAdmin("alice");
  MakeAdmin("bob");  // so the last-admin rule is not what refuses
  UserAdmin admin(s());
  const AdminActor me = As(alice, "alice");
  const User self = Load(alice);

  Result<bool> off = admin.SetActive(self, false, me);
  ASSERT_FALSE(off.ok());
  EXPECT_EQ(off.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(off.status().message(), "you cannot deactivate your own account");
  Status lock = admin.Lock(self, clock_.NowUnix() + 3600, me);
  EXPECT_EQ(lock.message(), "you cannot lock your own account");
  EXPECT_EQ(admin.Delete(self, me).message(),
            "you cannot delete your own account");
  Result<bool> demote = admin.RemoveRole(self, "admin", me);
  ASSERT_FALSE(demote.ok());
  EXPECT_EQ(demote.status().message(),
            "you cannot remove the admin role from your own account");
  Result<bool> set = admin.SetRoles(self, {"user"}, me);
  EXPECT_EQ(set.status().code(), StatusCode::kFailedPrecondition);
  Result<bool> totp = admin.DisableTotp(self, me);
  EXPECT_EQ(totp.status().code(), StatusCode::kFailedPrecondition);

  const User after = Load(alice);
  EXPECT_TRUE(after.is_active);
  EXPECT_TRUE(after.HasRole("admin"));
  EXPECT_TRUE(after.has_totp());
  EXPECT_FALSE(after.admin_locked_until.has_value());
  // Changing their own roles without touching admin is allowed.
  Result<bool> add = admin.SetRoles(self, {"admin", "user"}, me);
  EXPECT_TRUE(add.ok()) << add.status().ToString();
}

TEST_F(UserAdminTest, TheLastStandingAdminKeepsTheRoleAndItsStanding) {
  const int64_t alice = MakeAdmin("alice");
  const int64_t carol = MakeUser("carol");  // an admin without TOTP
  UserAdmin admin(s());
  ASSERT_TRUE(admin.AddRole(Load(carol), "admin", Root()).ok());
  EXPECT_EQ(Standing(), 1);
  const User last = Load(alice);
  const std::string why =
      "alice is the last administrator: deactivating them would leave no "
      "active administrator with TOTP and no admin lock. Make another "
      "administrator first.";
  EXPECT_EQ(admin.SetActive(last, false, Root()).status().message(), why);
  EXPECT_EQ(admin.Lock(last, clock_.NowUnix() + 60, Root()).code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(admin.Delete(last, Root()).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(admin.RemoveRole(last, "admin", Root()).status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(admin.DisableTotp(last, Root()).status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(Standing(), 1);
  EXPECT_EQ(Events("user_deactivated"), 0);

  // Carol without TOTP is no standing admin: she may lose the role.
  Result<bool> demoted = admin.RemoveRole(Load(carol), "admin", Root());
  EXPECT_TRUE(demoted.ok() && *demoted) << demoted.status().ToString();

  // With a second standing admin, the first may go.
  const int64_t bob = MakeAdmin("bob");
  EXPECT_TRUE(admin.Lock(last, clock_.NowUnix() + 60, Root()).ok());
  EXPECT_EQ(Standing(), 1);
  // An admin-locked admin does not count: bob is now the last.
  EXPECT_EQ(admin.SetActive(Load(bob), false, Root()).status().code(),
            StatusCode::kFailedPrecondition);
}

TEST_F(UserAdminTest, ForceOverridesTheRailsAndTheOverrideIsAudited) {
  const int64_t alice = MakeAdmin("alice");
  AdminActor root = Root();
  root.force = true;
  UserAdmin admin(s());
  Result<bool> off = admin.SetActive(Load(alice), false, root);
  ASSERT_TRUE(off.ok()) << off.status().ToString();
  EXPECT_TRUE(*off);
  EXPECT_FALSE(Load(alice).is_active);
  EXPECT_EQ(Events("guard_overridden"), 1);
  const std::string detail = LastDetail("guard_overridden");
  EXPECT_TRUE(detail.starts_with(
      "guard overridden with --force: alice is the last administrator"))
      << detail;
  EXPECT_TRUE(detail.ends_with(" by root (uid 0)")) << detail;
  // No rail in the way: no override row.
  ASSERT_TRUE(admin.SetActive(Load(alice), true, root).ok());
  EXPECT_EQ(Events("guard_overridden"), 1);
}

TEST_F(UserAdminTest, TwoAdminsDemotingEachOtherAtOnceLeaveOne) {
  const int64_t alice = MakeAdmin("alice");
  const int64_t bob = MakeAdmin("bob");
  // Each thread has its own connection (a Services is one connection).
  std::unique_ptr<Services> other = Services::WithConnection(
      config_, db().Connect(), clock_, random_, &sink_);
  // Several rounds, so that a check outside the lock would be caught
  // (without it, about one round in three interleaves badly).
  for (int round = 0; round < 10; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    UserAdmin root(s());
    ASSERT_TRUE(root.AddRole(Load(alice), "admin", Root()).ok());
    ASSERT_TRUE(root.AddRole(Load(bob), "admin", Root()).ok());
    ASSERT_EQ(Standing(), 2);
    const User alice_row = Load(alice);
    const User bob_row = Load(bob);
    std::atomic<int> ready{0};
    Status a_result;
    Status b_result;
    auto run = [&](Services& services, const User& target, AdminActor actor,
                   Status& out) {
      UserAdmin admin(services);
      ready.fetch_add(1);
      while (ready.load() < 2) {
      }
      out = admin.RemoveRole(target, "admin", actor).status();
    };
    std::thread t1(run, std::ref(s()), std::cref(bob_row), As(alice, "alice"),
                   std::ref(a_result));
    std::thread t2(run, std::ref(*other), std::cref(alice_row), As(bob, "bob"),
                   std::ref(b_result));
    t1.join();
    t2.join();
    ASSERT_NE(a_result.ok(), b_result.ok())
        << a_result.ToString() << " / " << b_result.ToString();
    const Status& refused = a_result.ok() ? b_result : a_result;
    EXPECT_EQ(refused.code(), StatusCode::kFailedPrecondition);
    EXPECT_NE(refused.message().find("is the last administrator"),
              std::string::npos);
    ASSERT_EQ(Standing(), 1);
  }
}

TEST_F(UserAdminTest, RoleChangesAndTotpResetsOnAnAdminMailEveryAdmin) {
  const int64_t alice = MakeAdmin("alice");
  const int64_t bob = MakeAdmin("bob");
  const int64_t dave = MakeUser("dave");
  UserAdmin admin(s());
  const int64_t before = AdminNotices();
  // A plain user's role change: no mail.
  ASSERT_TRUE(admin.SetRoles(Load(dave), {"user"}, As(alice, "alice")).ok());
  EXPECT_EQ(AdminNotices(), before);
  // Bob loses admin: both admins (bob included) hear of it.
  Result<bool> changed =
      admin.SetRoles(Load(bob), {"user"}, As(alice, "alice"));
  ASSERT_TRUE(changed.ok() && *changed) << changed.status().ToString();
  EXPECT_EQ(AdminNotices(), before + 2);
  EXPECT_FALSE(Load(bob).HasRole("admin"));
  EXPECT_EQ(LastDetail("role_removed"), "role admin by alice");
  // Nothing changes: no mail, no audit.
  ASSERT_TRUE(admin.SetRoles(Load(bob), {"user"}, As(alice, "alice")).ok());
  EXPECT_EQ(AdminNotices(), before + 2);
  // Bob is admin again (granting mails too), then his TOTP is reset.
  ASSERT_TRUE(admin.AddRole(Load(bob), "admin", As(alice, "alice")).ok());
  const int64_t after_grant = AdminNotices();
  EXPECT_GT(after_grant, before + 2);
  Result<bool> reset = admin.DisableTotp(Load(bob), As(alice, "alice"));
  ASSERT_TRUE(reset.ok() && *reset) << reset.status().ToString();
  EXPECT_EQ(AdminNotices(), after_grant + 2);
  EXPECT_EQ(LastDetail("totp_disabled"), "by alice");
  // An unknown role changes nothing and mails nobody.
  Result<bool> bad =
      admin.SetRoles(Load(bob), {"admin", "nosuch"}, As(alice, "alice"));
  EXPECT_EQ(bad.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(AdminNotices(), after_grant + 2);
  Result<bool> invalid = admin.SetRoles(Load(bob), {"Bad Name"}, Root());
  EXPECT_EQ(invalid.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Load(bob).HasRole("admin"));
}

TEST_F(UserAdminTest, TheTwoLocksAreClearedApart) {
  const int64_t id = MakeUser("erin");
  ASSERT_TRUE(
      s().db()
          .Execute("UPDATE users SET failed_logins = 4, locked_until "
                   "= ? WHERE id = ?",
                   {db::Timestamp::FromUnix(clock_.NowUnix() + 600), id})
          .ok());
  UserAdmin admin(s());
  ASSERT_TRUE(admin.Lock(Load(id), kLockedUntilUnlocked, Root()).ok());
  ASSERT_TRUE(admin.UnlockAdmin(Load(id), Root()).ok());
  User u = Load(id);
  EXPECT_FALSE(u.admin_locked_until.has_value());
  EXPECT_TRUE(s().lockout_store().AccountLocked(u).has_value());
  EXPECT_EQ(u.failed_logins, 4u);
  EXPECT_EQ(LastDetail("user_unlocked"), "admin lock by root (uid 0)");

  ASSERT_TRUE(admin.Lock(Load(id), kLockedUntilUnlocked, Root()).ok());
  ASSERT_TRUE(admin.ClearPasswordLock(Load(id), Root()).ok());
  u = Load(id);
  EXPECT_FALSE(s().lockout_store().AccountLocked(u).has_value());
  EXPECT_EQ(u.failed_logins, 0u);
  EXPECT_TRUE(s().lockout_store().AdminLocked(u).has_value());
  EXPECT_EQ(Events("password_lock_cleared"), 1);
}

TEST_F(UserAdminTest, ExpiryVerificationAndSessions) {
  const int64_t id = MakeUser("frank", /*verified=*/false);
  UserAdmin admin(s());
  const int64_t now = clock_.NowUnix();
  ASSERT_TRUE(admin.SetAccountExpiry(Load(id), now + 86400, Root()).ok());
  EXPECT_EQ(Load(id).account_expires_at, now + 86400);
  ASSERT_TRUE(admin.SetAccountExpiry(Load(id), std::nullopt, Root()).ok());
  EXPECT_FALSE(Load(id).account_expires_at.has_value());
  EXPECT_EQ(LastDetail("expiry_changed"),
            "account never expires by root (uid 0)");
  ASSERT_TRUE(admin.SetPasswordExpiry(Load(id), now, Root()).ok());
  EXPECT_TRUE(Load(id).PasswordExpired(clock_.NowUnix()));
  EXPECT_EQ(LastDetail("expiry_changed"),
            "password must change at next login by root (uid 0)");

  Result<bool> verified = admin.MarkEmailVerified(Load(id), Root());
  ASSERT_TRUE(verified.ok() && *verified);
  EXPECT_TRUE(Load(id).email_verified());
  verified = admin.MarkEmailVerified(Load(id), Root());
  ASSERT_TRUE(verified.ok());
  EXPECT_FALSE(*verified);
  EXPECT_EQ(Events("email_verified"), 1);

  AddSession(id, 'a');
  AddSession(id, 'b');
  Result<bool> none = admin.RevokeSession(Load(id), "0000000000000000", Root());
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(*none);
  Result<uint64_t> ended = admin.RevokeSessions(Load(id), Root());
  ASSERT_TRUE(ended.ok());
  EXPECT_EQ(*ended, 2u);
  EXPECT_EQ(Sessions(id), 0);
  EXPECT_EQ(LastDetail("sessions_revoked"), "2 ended by root (uid 0)");

  // Deactivating ends the sessions too.
  AddSession(id, 'c');
  ASSERT_TRUE(admin.SetActive(Load(id), false, Root()).ok());
  EXPECT_EQ(Sessions(id), 0);
}

TEST_F(UserAdminTest, DeleteKeepsTheUidTombstoned) {
  const int64_t id = MakeUser("gina");
  // What nss-sync does when it gives a uid.
  ASSERT_TRUE(
      s().db().Execute("UPDATE users SET uid = 70001 WHERE id = ?", {id}).ok());
  ASSERT_TRUE(s().db()
                  .Execute("INSERT INTO given_uids (uid, username, given_at) "
                           "VALUES (70001, 'gina', UTC_TIMESTAMP(6))")
                  .ok());
  UserAdmin admin(s());
  ASSERT_TRUE(admin.Delete(Load(id), Root()).ok());
  EXPECT_FALSE(FindUser("gina").has_value());
  auto row =
      s().db().QueryOne("SELECT username FROM given_uids WHERE uid = 70001");
  ASSERT_TRUE(row.ok() && *row);
  EXPECT_EQ((*row)->str(0), "gina");
  EXPECT_EQ(Events("user_deleted"), 1);
}

TEST(ParseAdminInput, LockEndsAndDates) {
  EXPECT_EQ(*ParseLockEnd("until unlocked", 1000), kLockedUntilUnlocked);
  EXPECT_EQ(*ParseLockEnd("1h", 1000), 4600);
  EXPECT_EQ(*ParseLockEnd("7d", 0), 7 * 86400);
  EXPECT_FALSE(ParseLockEnd("", 0).ok());
  EXPECT_FALSE(ParseLockEnd("soon", 0).ok());
  EXPECT_FALSE(ParseLockEnd("0s", 0).ok());
  EXPECT_EQ(*ParseAdminTime("2027-01-31"), 1801353600);
  EXPECT_EQ(*ParseAdminTime("2027-01-31T18:00"), 1801353600 + 18 * 3600);
  EXPECT_EQ(*ParseAdminTime("2027-01-31T18:00:30Z"),
            1801353600 + 18 * 3600 + 30);
  EXPECT_FALSE(ParseAdminTime("2027-02-31").ok());
  EXPECT_FALSE(ParseAdminTime("31/01/2027").ok());
  EXPECT_FALSE(ParseAdminTime("2027-01-31T25:00").ok());
  EXPECT_FALSE(ParseAdminTime("").ok());
}

}  // namespace
}  // namespace latchkey
