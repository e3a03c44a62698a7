// Reauthentication against a real database: the session's window (the
// core's rule: kReauthWindow), the right password opening it, a wrong one
// counted like a failed login (lockout, address limit, audit), a locked
// account refused without a KDF, and Retry-After from the outcome.
#include "latchkey/account/reauth.h"

#include <gtest/gtest.h>

#include "support/services_test.h"

namespace latchkey {
namespace {

using testing::kTestPassword;

class ReauthTest : public testing::ServicesTest {
 protected:
  void Configure(Config& c) override {
    c.lockout.max_failures = 3;
    c.lockout.ip_max_failures = 5;
  }
  void SetUp() override {
    ServicesTest::SetUp();
    if (HasFatalFailure()) return;
    id_ = MakeUser("alice");
    sessions_ = std::make_unique<SessionStore>(s().db(), clock_, random_,
                                               config_.session);
    session_ = SessionOf(id_);
  }
  // A new session's identity (Session itself holds a Secret: no copies).
  Session SessionOf(int64_t user_id) {
    Result<NewSession> created = sessions_->Create(user_id, "", "");
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    Session out;
    if (created.ok()) {
      out.id_sha256 = created->session.id_sha256;
      out.user_id = created->session.user_id;
    }
    return out;
  }
  // The session as stored now (reauth_at and admin_reauth_at included).
  Session Reread(const Session& session) {
    auto row = s().db().QueryOne(
        "SELECT CAST(UNIX_TIMESTAMP(reauth_at) AS SIGNED), "
        "CAST(UNIX_TIMESTAMP(admin_reauth_at) AS SIGNED) FROM sessions "
        "WHERE id_sha256 = ?",
        {std::string_view(session.id_sha256)});
    Session out;
    out.id_sha256 = session.id_sha256;
    out.user_id = session.user_id;
    if (row.ok() && *row && !(*row)->is_null(0)) out.reauth_at = (*row)->i64(0);
    if (row.ok() && *row && !(*row)->is_null(1)) {
      out.admin_reauth_at = (*row)->i64(1);
    }
    return out;
  }
  ReauthOutcome Gate(const Session& session, std::string_view password,
                     ReauthMode mode = ReauthMode::kPassword,
                     const AuthContext* ctx = nullptr) {
    Reauthentication reauth(s(), *sessions_);
    auto r = reauth.Gate(session, Secret(password), mode, ctx ? *ctx : ctx_);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : ReauthOutcome{};
  }
  ReauthOutcome Check(std::string_view password) {
    return Gate(session_, password);
  }

  int64_t id_ = 0;
  std::unique_ptr<SessionStore> sessions_;
  Session session_;
};

TEST_F(ReauthTest, TheWindowOpensWithTheRightPasswordAndClosesAfterTenMinutes) {
  EXPECT_FALSE(ReauthWindowOpen(session_, clock_.NowUnix()));
  // kWindow without a password while closed: required, nothing counted.
  EXPECT_EQ(Gate(session_, "", ReauthMode::kWindow).status,
            ReauthStatus::kRequired);
  EXPECT_EQ(Load(id_).failed_logins, 0u);
  EXPECT_EQ(Events("login_failure"), 0);

  const ReauthOutcome ok = Gate(session_, kTestPassword, ReauthMode::kWindow);
  EXPECT_EQ(ok.status, ReauthStatus::kOk);
  EXPECT_EQ(ok.window_ends_at, clock_.NowUnix() + kReauthWindow.count());
  Session marked = Reread(session_);
  ASSERT_TRUE(marked.reauth_at.has_value());
  EXPECT_TRUE(ReauthWindowOpen(marked, clock_.NowUnix()));

  // Within the window kWindow opens without a password; kPassword still
  // wants one.
  clock_.Advance(kReauthWindow - Seconds(1));
  EXPECT_EQ(Gate(marked, "", ReauthMode::kWindow).status, ReauthStatus::kOk);
  EXPECT_EQ(Gate(marked, "", ReauthMode::kPassword).status,
            ReauthStatus::kRequired);
  clock_.Advance(Seconds(1));
  EXPECT_FALSE(ReauthWindowOpen(marked, clock_.NowUnix()));
  EXPECT_EQ(Gate(marked, "", ReauthMode::kWindow).status,
            ReauthStatus::kRequired);
  // A reauth_at ahead of the clock (a clock step back) does not count.
  clock_.Advance(-Seconds(kReauthWindow.count() + 60));
  EXPECT_FALSE(ReauthWindowOpen(marked, clock_.NowUnix()));
}

TEST_F(ReauthTest, OneSessionsWindowDoesNotOpenAnother) {
  const Session other = SessionOf(id_);
  EXPECT_EQ(Gate(session_, kTestPassword).status, ReauthStatus::kOk);
  EXPECT_TRUE(ReauthWindowOpen(Reread(session_), clock_.NowUnix()));
  EXPECT_FALSE(ReauthWindowOpen(Reread(other), clock_.NowUnix()));
}

TEST_F(ReauthTest, RightPasswordResetsTheFailureCounter) {
  EXPECT_EQ(Check("wrong password").status, ReauthStatus::kWrongPassword);
  EXPECT_EQ(Load(id_).failed_logins, 1u);
  EXPECT_EQ(Check(kTestPassword).status, ReauthStatus::kOk);
  EXPECT_EQ(Load(id_).failed_logins, 0u);
  // A re-auth is not a login: no login_success row, last_login_at untouched.
  EXPECT_EQ(Events("login_success"), 0);
  EXPECT_FALSE(Load(id_).last_login_at.has_value());
}

TEST_F(ReauthTest, WrongPasswordsCountAndLock) {
  EXPECT_EQ(Check("nope zero").status, ReauthStatus::kWrongPassword);
  EXPECT_EQ(Check("nope one").status, ReauthStatus::kWrongPassword);
  const ReauthOutcome third = Check("nope two");
  EXPECT_EQ(third.status, ReauthStatus::kWrongPassword);
  EXPECT_TRUE(third.lock_started);
  ASSERT_TRUE(third.locked_until.has_value());
  EXPECT_EQ(Events("login_failure"), 3);
  EXPECT_EQ(Events("account_locked"), 1);

  // Locked: refused even with the right password, and audited.
  const ReauthOutcome locked = Check(kTestPassword);
  EXPECT_EQ(locked.status, ReauthStatus::kLocked);
  EXPECT_EQ(locked.locked_until, third.locked_until);
  EXPECT_EQ(locked.retry_after.count(), *third.locked_until - clock_.NowUnix());
  EXPECT_GT(locked.retry_after.count(), 0);
  EXPECT_EQ(Events("refused_locked"), 1);

  // The lock ends with time, like a login lock.
  clock_.Advance(Seconds(3600));
  EXPECT_EQ(Check(kTestPassword).status, ReauthStatus::kOk);
}

TEST_F(ReauthTest, AddressLimitApplies) {
  const Session bob = SessionOf(MakeUser("bob"));
  // Failures spread over two accounts from one address.
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(Gate(i % 2 == 0 ? bob : session_, "wrong").status,
              ReauthStatus::kWrongPassword);
  }
  const ReauthOutcome throttled = Check(kTestPassword);
  EXPECT_EQ(throttled.status, ReauthStatus::kThrottled);
  // Retry-After: the address window (an upper bound), from the config.
  EXPECT_EQ(throttled.retry_after, config_.lockout.ip_window);
  AuthContext elsewhere = ctx_;
  elsewhere.rhost = "203.0.113.9";
  EXPECT_EQ(
      Gate(session_, kTestPassword, ReauthMode::kPassword, &elsewhere).status,
      ReauthStatus::kOk);
}

TEST_F(ReauthTest, UnknownUser) {
  Reauthentication reauth(s(), *sessions_);
  Session ghost;
  ghost.id_sha256 = session_.id_sha256;
  ghost.user_id = 987654;
  EXPECT_EQ(
      reauth.Gate(ghost, Secret(kTestPassword), ReauthMode::kPassword, ctx_)
          .status()
          .code(),
      StatusCode::kNotFound);
}

// The admin area's gate: password AND code, its own window.
class AdminReauthTest : public ReauthTest {
 protected:
  void SetUp() override {
    ReauthTest::SetUp();
    if (HasFatalFailure()) return;
    auto key = s().totp().GenerateKey(random_);
    ASSERT_TRUE(key.ok());
    key_ = std::move(*key);
    ASSERT_TRUE(s().totp_step().Enable(id_, key_).ok());
  }
  std::string Code(int64_t offset_steps = 0) {
    auto c = s().totp().CodeAt(key_, clock_.NowUnix() + 30 * offset_steps);
    EXPECT_TRUE(c.ok());
    return c.ok() ? *c : "";
  }
  ReauthOutcome Admin(std::string_view password, std::string_view code) {
    Reauthentication reauth(s(), *sessions_);
    auto r = reauth.GateAdmin(Reread(session_), Secret(password), code, ctx_);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : ReauthOutcome{};
  }
  std::optional<int64_t> AdminReauthAt() {
    auto row = s().db().QueryOne(
        "SELECT CAST(UNIX_TIMESTAMP(admin_reauth_at) AS SIGNED) FROM sessions "
        "WHERE id_sha256 = ?",
        {std::string_view(session_.id_sha256)});
    if (!row.ok() || !*row || (*row)->is_null(0)) return std::nullopt;
    return (*row)->i64(0);
  }
  Secret key_;
};

TEST_F(AdminReauthTest, PasswordAndCodeOpenTheAdminWindow) {
  EXPECT_EQ(Admin("", "").status, ReauthStatus::kRequired);
  EXPECT_EQ(Admin(kTestPassword, "").status, ReauthStatus::kRequired);
  EXPECT_FALSE(AdminReauthAt().has_value());
  const ReauthOutcome ok = Admin(kTestPassword, Code());
  ASSERT_EQ(ok.status, ReauthStatus::kOk);
  EXPECT_EQ(ok.window_ends_at, clock_.NowUnix() + kReauthWindow.count());
  ASSERT_TRUE(AdminReauthAt().has_value());
  Session now;
  now.admin_reauth_at = AdminReauthAt();
  EXPECT_TRUE(AdminReauthWindowOpen(now, clock_.NowUnix()));
  // Within the window nothing is checked; after it, both are needed again.
  EXPECT_EQ(Admin("", "").status, ReauthStatus::kOk);
  clock_.Advance(kReauthWindow);
  EXPECT_FALSE(AdminReauthWindowOpen(now, clock_.NowUnix()));
  EXPECT_EQ(Admin("", "").status, ReauthStatus::kRequired);
}

TEST_F(AdminReauthTest, ThePasswordAloneDoesNotOpenIt) {
  // The /security re-authentication (password only) opens its own window,
  // not the admin one.
  ASSERT_EQ(Check(kTestPassword).status, ReauthStatus::kOk);
  EXPECT_FALSE(AdminReauthAt().has_value());
  EXPECT_EQ(Admin("", "").status, ReauthStatus::kRequired);
}

TEST_F(AdminReauthTest, AWrongCodeCountsAsAFailedLoginAndLocks) {
  // max_failures is 3: wrong codes after a right password lock the account
  // like wrong passwords do, so the code cannot be guessed here.
  EXPECT_EQ(Admin(kTestPassword, "000000").status, ReauthStatus::kWrongCode);
  EXPECT_EQ(Load(id_).failed_logins, 1u);
  EXPECT_EQ(Events("totp_wrong"), 1);
  EXPECT_EQ(Admin(kTestPassword, "000001").status, ReauthStatus::kWrongCode);
  const ReauthOutcome third = Admin(kTestPassword, "000002");
  EXPECT_EQ(third.status, ReauthStatus::kWrongCode);
  EXPECT_TRUE(third.lock_started);
  EXPECT_EQ(Admin(kTestPassword, Code()).status, ReauthStatus::kLocked);
  EXPECT_FALSE(AdminReauthAt().has_value());
}

TEST_F(AdminReauthTest, AWrongPasswordLeavesTheCodeUnused) {
  const std::string code = Code();
  EXPECT_EQ(Admin("wrong password", code).status, ReauthStatus::kWrongPassword);
  EXPECT_EQ(Events("totp_wrong"), 0);
  // The code was not used up by the wrong password: it still opens.
  EXPECT_EQ(Admin(kTestPassword, code).status, ReauthStatus::kOk);
  EXPECT_EQ(Load(id_).failed_logins, 0u);
}

TEST_F(AdminReauthTest, AUsedCodeIsRefusedAndNotCounted) {
  const std::string code = Code();
  ASSERT_EQ(Admin(kTestPassword, code).status, ReauthStatus::kOk);
  // Close the window without moving the clock: the same step again.
  ASSERT_TRUE(
      s().db().Execute("UPDATE sessions SET admin_reauth_at = NULL").ok());
  EXPECT_EQ(Admin(kTestPassword, code).status, ReauthStatus::kWrongCode);
  EXPECT_EQ(Events("totp_replayed"), 1);
  EXPECT_EQ(Load(id_).failed_logins, 0u);
}

TEST_F(AdminReauthTest, AnAccountWithoutTotpCannotOpenIt) {
  ASSERT_TRUE(s().totp_step().Disable(id_).ok());
  EXPECT_EQ(Admin(kTestPassword, "123456").status, ReauthStatus::kWrongCode);
  EXPECT_FALSE(AdminReauthAt().has_value());
}

// Adding an SSH key (issue 12, part "sshkeys"): GateEveryFactor asks for
// every factor the account has.
class EveryFactorReauthTest : public AdminReauthTest {
 protected:
  ReauthOutcome Every(std::string_view password, std::string_view code) {
    Reauthentication reauth(s(), *sessions_);
    auto r =
        reauth.GateEveryFactor(Reread(session_), Secret(password), code, ctx_);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : ReauthOutcome{};
  }
};

TEST_F(EveryFactorReauthTest, WithTotpThePasswordWindowIsNotEnough) {
  // The /security password re-authentication opens the password window
  // only: a key would then get past the code without it being asked.
  ASSERT_EQ(Check(kTestPassword).status, ReauthStatus::kOk);
  EXPECT_TRUE(ReauthWindowOpen(Reread(session_), clock_.NowUnix()));
  EXPECT_FALSE(
      EveryFactorWindowOpen(Reread(session_), Load(id_), clock_.NowUnix()));
  EXPECT_EQ(Every("", "").status, ReauthStatus::kRequired);
  EXPECT_EQ(Every(kTestPassword, "").status, ReauthStatus::kRequired);
  EXPECT_EQ(Every(kTestPassword, "000000").status, ReauthStatus::kWrongCode);
  EXPECT_EQ(Every(kTestPassword, Code()).status, ReauthStatus::kOk);
  EXPECT_TRUE(
      EveryFactorWindowOpen(Reread(session_), Load(id_), clock_.NowUnix()));
  EXPECT_EQ(Every("", "").status, ReauthStatus::kOk);
  clock_.Advance(kReauthWindow);
  EXPECT_EQ(Every("", "").status, ReauthStatus::kRequired);
}

TEST_F(EveryFactorReauthTest, WithoutTotpThePasswordIsAllThereIs) {
  ASSERT_TRUE(s().totp_step().Disable(id_).ok());
  EXPECT_EQ(Every("", "").status, ReauthStatus::kRequired);
  EXPECT_EQ(Every("wrong password", "").status, ReauthStatus::kWrongPassword);
  EXPECT_EQ(Every(kTestPassword, "").status, ReauthStatus::kOk);
  EXPECT_TRUE(
      EveryFactorWindowOpen(Reread(session_), Load(id_), clock_.NowUnix()));
  EXPECT_EQ(Every("", "").status, ReauthStatus::kOk);
}

}  // namespace
}  // namespace latchkey
