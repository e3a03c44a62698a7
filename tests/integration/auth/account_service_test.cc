// AccountService against a real database: the PAM account phase and
// password changes (policy, old password, voided reset links, ended
// sessions, audit).
#include "latchkey/auth/account_service.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "latchkey/base/clock.h"
#include "latchkey/base/encoding.h"
#include "latchkey/base/random.h"
#include "latchkey/services/services.h"
#include "support/fakes.h"
#include "support/sandbox.h"
#include "support/temp_dir.h"

namespace latchkey {
namespace {

using std::chrono::seconds;

constexpr char kPassword[] = "Correct-Horse-42-Battery";
constexpr char kNewPassword[] = "Quiet-Lantern-97-Meadow";

class AccountServiceTest : public testing::DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    if (HasFatalFailure()) return;
    config_.database = db().config();
    config_.security.secret_key_file = testing::Sandbox().secret_key_file;
    config_.security.argon2_memory_kib = 1024;
    config_.security.argon2_time = 1;
    services_ = Services::WithConnection(config_, db().Connect(), clock_,
                                         random_, &sink_);
    ctx_.service = "passwd";
    id_ = MakeUser("alice", [](NewUser&) {});
  }
  AccountService& accounts() { return services_->accounts(); }

  int64_t MakeUser(const std::string& name, void (*tweak)(NewUser&)) {
    auto hash = services_->hasher().Hash(kPassword);
    EXPECT_TRUE(hash.ok());
    NewUser u;
    u.username = name;
    u.email = name + "@example.org";
    u.password_hash = hash.ok() ? *hash : "";
    u.email_verified = true;
    tweak(u);
    auto id = services_->users().Create(u);
    EXPECT_TRUE(id.ok()) << id.status().ToString();
    return id.ok() ? *id : 0;
  }
  User Load(int64_t id) {
    auto u = services_->users().FindById(id);
    EXPECT_TRUE(u.ok() && u->has_value());
    return u.ok() && u->has_value() ? **u : User{};
  }
  void AddSession(int64_t user_id, char tag) {
    const std::string id(32, tag);
    const std::string csrf(32, 'c');
    ASSERT_TRUE(services_->db()
                    .Execute("INSERT INTO sessions (id_sha256, user_id, "
                             "created_at, last_seen_at, expires_at, "
                             "csrf_secret) VALUES (?, ?, ?, ?, ?, ?)",
                             {std::string_view(id), user_id,
                              db::Timestamp::FromUnix(clock_.NowUnix()),
                              db::Timestamp::FromUnix(clock_.NowUnix()),
                              db::Timestamp::FromUnix(clock_.NowUnix() + 60),
                              std::string_view(csrf)})
                    .ok());
  }
  int64_t Sessions(int64_t user_id) {
    auto row = services_->db().QueryOne(
        "SELECT COUNT(*) FROM sessions WHERE user_id = ?", {user_id});
    return row.ok() && row->has_value() ? (*row)->i64(0) : -1;
  }
  std::string LastEvent() {
    AuditFilter f;
    f.limit = 1;
    auto rows = services_->audit().Query(f);
    return rows.ok() && !rows->empty() ? rows->back().event : "";
  }

  FakeClock clock_;
  SystemRandom random_;
  CapturingLogSink sink_;
  Config config_;
  std::unique_ptr<Services> services_;
  AuthContext ctx_;
  int64_t id_ = 0;
};

TEST_F(AccountServiceTest, CheckAccountStatuses) {
  EXPECT_EQ(accounts().CheckAccount("alice", {}).status, AccountStatus::kOk);
  EXPECT_EQ(accounts().CheckAccount("nobody", {}).status,
            AccountStatus::kUnknownUser);

  MakeUser("ina", [](NewUser& u) { u.is_active = false; });
  EXPECT_EQ(accounts().CheckAccount("ina", {}).status,
            AccountStatus::kInactive);

  MakeUser("unv", [](NewUser& u) { u.email_verified = false; });
  EXPECT_EQ(accounts().CheckAccount("unv", {}).status, AccountStatus::kOk);
  EXPECT_EQ(accounts().CheckAccount("unv", {}, true).status,
            AccountStatus::kUnverified);

  ASSERT_TRUE(
      services_->lockout_store().LockUntil(id_, clock_.NowUnix() + 60).ok());
  const AccountCheck locked = accounts().CheckAccount("alice", {});
  EXPECT_EQ(locked.status, AccountStatus::kLocked);
  EXPECT_EQ(locked.locked_until, clock_.NowUnix() + 60);
  clock_.Advance(seconds(60));
  EXPECT_EQ(accounts().CheckAccount("alice", {}).status, AccountStatus::kOk);

  MakeUser("old", [](NewUser& u) {
    u.account_expires_at = FakeClock().NowUnix() + 10;
  });
  EXPECT_EQ(accounts().CheckAccount("old", {}).status,
            AccountStatus::kAccountExpired);

  MakeUser("stale", [](NewUser& u) {
    u.password_expires_at = FakeClock().NowUnix() + 30;
  });
  const AccountCheck stale = accounts().CheckAccount("stale", {});
  EXPECT_EQ(stale.status, AccountStatus::kPasswordExpired);
  ASSERT_TRUE(stale.user.has_value());
  EXPECT_EQ(stale.user->username, "stale");
}

TEST_F(AccountServiceTest, RequiredRoles) {
  const AccountCheck missing = accounts().CheckAccount("alice", {"admin"});
  EXPECT_EQ(missing.status, AccountStatus::kRoleMissing);
  EXPECT_EQ(missing.missing_role, "admin");
  EXPECT_EQ(
      accounts().CheckAccount("alice", {"admin", "operators"}).missing_role,
      "admin,operators");
  ASSERT_TRUE(services_->users().AddRole(id_, "admin").ok());
  EXPECT_EQ(accounts().CheckAccount("alice", {"admin"}).status,
            AccountStatus::kOk);
  // Any one of the listed roles is enough.
  EXPECT_EQ(accounts().CheckAccount("alice", {"operators", "admin"}).status,
            AccountStatus::kOk);
  EXPECT_EQ(accounts().CheckAccount("alice", {"user"}).status,
            AccountStatus::kOk);
}

TEST_F(AccountServiceTest, ChangeWithTheCurrentPassword) {
  AddSession(id_, 'a');
  AddSession(id_, 'b');
  auto reset =
      services_->tokens().Issue(id_, TokenPurpose::kReset, kResetTokenTtl);
  ASSERT_TRUE(reset.ok());
  clock_.Advance(seconds(5));
  const Secret old_pw{std::string_view(kPassword)};
  const Status s =
      accounts().ChangePassword(id_, Secret(kNewPassword), &old_pw, ctx_);
  ASSERT_TRUE(s.ok()) << s.ToString();
  const User u = Load(id_);
  EXPECT_EQ(u.password_changed_at, clock_.NowUnix());
  EXPECT_FALSE(u.password_expires_at.has_value());
  EXPECT_EQ(*services_->hasher().Verify(kNewPassword, u.password_hash), true);
  EXPECT_EQ(*services_->hasher().Verify(kPassword, u.password_hash), false);
  EXPECT_EQ(Sessions(id_), 0);
  EXPECT_EQ(services_->tokens()
                .Consume(reset->view(), TokenPurpose::kReset)
                .status()
                .message(),
            "this link has already been used");
  EXPECT_EQ(LastEvent(), "password_changed");
  // The new password logs in.
  EXPECT_EQ(services_->authenticator()
                .Authenticate("alice", Secret(kNewPassword), ctx_)
                .status,
            AuthStatus::kOk);
}

// A password change is one transaction: when ending the sessions fails,
// the new hash and the voided reset link are not kept either.
TEST_F(AccountServiceTest, AChangeThatFailsHalfWayKeepsNothing) {
  AddSession(id_, 'a');
  auto reset =
      services_->tokens().Issue(id_, TokenPurpose::kReset, kResetTokenTtl);
  ASSERT_TRUE(reset.ok());
  std::unique_ptr<db::Connection> admin = db().ConnectAsAdmin();
  ASSERT_TRUE(
      admin
          ->ExecuteScript("CREATE TRIGGER sessions_no_delete BEFORE DELETE ON "
                          "sessions FOR EACH ROW SIGNAL SQLSTATE '45000' SET "
                          "MESSAGE_TEXT = 'no delete in this test'")
          .ok());
  const Secret old_pw{std::string_view(kPassword)};
  const Status s =
      accounts().ChangePassword(id_, Secret(kNewPassword), &old_pw, ctx_);
  ASSERT_TRUE(admin->ExecuteScript("DROP TRIGGER sessions_no_delete").ok());
  EXPECT_FALSE(s.ok());
  const User u = Load(id_);
  EXPECT_EQ(*services_->hasher().Verify(kPassword, u.password_hash), true);
  EXPECT_EQ(Sessions(id_), 1);
  EXPECT_TRUE(
      services_->tokens().Consume(reset->view(), TokenPurpose::kReset).ok());
}

TEST_F(AccountServiceTest, WrongCurrentPasswordCountsAsAFailure) {
  const Secret wrong{std::string_view("not-it")};
  const Status s =
      accounts().ChangePassword(id_, Secret(kNewPassword), &wrong, ctx_);
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(s.message(), "the current password is not correct");
  EXPECT_EQ(Load(id_).failed_logins, 1u);
  EXPECT_EQ(*services_->hasher().Verify(kPassword, Load(id_).password_hash),
            true);
  EXPECT_EQ(LastEvent(), "login_failure");
}

TEST_F(AccountServiceTest, LockedAccountCannotChangeWithOldPassword) {
  ASSERT_TRUE(
      services_->lockout_store().LockUntil(id_, clock_.NowUnix() + 60).ok());
  const Secret old_pw{std::string_view(kPassword)};
  EXPECT_EQ(accounts()
                .ChangePassword(id_, Secret(kNewPassword), &old_pw, ctx_)
                .code(),
            StatusCode::kFailedPrecondition);
}

TEST_F(AccountServiceTest, PolicyReasonIsReturned) {
  const Secret old_pw{std::string_view(kPassword)};
  const Status s =
      accounts().ChangePassword(id_, Secret("short"), &old_pw, ctx_);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(s.message().empty());
  EXPECT_EQ(s.message().find("short"), std::string::npos);
  EXPECT_EQ(*services_->hasher().Verify(kPassword, Load(id_).password_hash),
            true);
}

TEST_F(AccountServiceTest, AdminResetKeepsOneSessionAndCanForceAChange) {
  AddSession(id_, 'a');
  AddSession(id_, 'b');
  PasswordChangeOptions options;
  options.is_reset = true;
  options.must_change = true;
  options.keep_session_sha256 = std::string(32, 'b');
  const Status s = accounts().ChangePassword(id_, Secret(kNewPassword), nullptr,
                                             ctx_, options);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(Sessions(id_), 1);
  EXPECT_EQ(LastEvent(), "password_reset");
  EXPECT_EQ(Load(id_).password_expires_at, clock_.NowUnix());
  EXPECT_EQ(accounts().CheckAccount("alice", {}).status,
            AccountStatus::kPasswordExpired);
  EXPECT_EQ(accounts()
                .ChangePassword(id_ + 99, Secret(kNewPassword), nullptr, ctx_)
                .code(),
            StatusCode::kNotFound);
}

TEST(ServicesTest, MissingKeyFileSaysWhatToDo) {
  testing::TempDir dir;
  Config config;
  config.database = testing::SandboxDbConfig(testing::Sandbox(), "");
  config.security.secret_key_file = dir.path() + "/secret.key";
  CapturingLogSink sink;
  auto services = Services::Open(config, SystemClock::Shared(),
                                 SystemRandom::Shared(), &sink);
  ASSERT_TRUE(services.ok()) << services.status().ToString();
  auto box = (*services)->secret_box();
  ASSERT_FALSE(box.ok());
  EXPECT_EQ(box.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(box.status().message(),
            "the secret key file " + dir.path() +
                "/secret.key is missing: run latchkeyctl gen-key");
  User u;
  u.id = 1;
  u.totp_secret_enc = "x";
  EXPECT_EQ((*services)->totp_step().GetKey(u).status().message(),
            box.status().message());
}

TEST(ServicesTest, OpensWhileTheDatabaseIsDownAndWithAKeyFile) {
  Config config;
  config.database = testing::SandboxTcpConfig(testing::Sandbox(), "");
  config.database.hosts = {HostPort{"127.0.0.1", 1}};
  config.database.socket.clear();
  config.security.secret_key_file = testing::Sandbox().secret_key_file;
  auto services = Services::Open(config);
  ASSERT_TRUE(services.ok()) << services.status().ToString();
  EXPECT_TRUE((*services)->secret_box().ok());
}

}  // namespace
}  // namespace latchkey
