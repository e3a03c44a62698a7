// The password step (issue 9, sections 3 to 5) against a real database:
// attempts are reserved before the KDF, so a parallel burst from several
// processes gets at most max_failures guesses; the password lock guards the
// password only (the account phase refuses only an admin lock); IPv6
// addresses count per /64; unknown names lock like accounts; a TOTP
// account is asked for its code whatever the password was.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "latchkey/auth/authenticator.h"
#include "latchkey/base/clock.h"
#include "latchkey/base/random.h"
#include "latchkey/services/services.h"
#include "support/fakes.h"
#include "support/sandbox.h"

namespace latchkey {
namespace {

using std::chrono::seconds;

constexpr char kPassword[] = "Correct-Horse-42-Battery";
constexpr char kNewPassword[] = "Quiet-Lantern-97-Meadow";

class PasswordStepTest : public testing::DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    if (HasFatalFailure()) return;
    config_.database = db().config();
    config_.security.secret_key_file = testing::Sandbox().secret_key_file;
    // A KDF long enough for guesses to overlap.
    config_.security.argon2_memory_kib = 8192;
    config_.security.argon2_time = 2;
    Rebuild();
    ctx_.service = "sshd";
    ctx_.rhost = "203.0.113.5";
  }
  void Rebuild() {
    services_ = Services::WithConnection(config_, db().Connect(), clock_,
                                         random_, &sink_);
  }
  Authenticator& auth() { return services_->authenticator(); }

  int64_t MakeUser(const std::string& name) {
    auto hash = services_->hasher().Hash(kPassword);
    EXPECT_TRUE(hash.ok());
    NewUser u;
    u.username = name;
    u.email = name + "@example.org";
    u.password_hash = hash.ok() ? *hash : "";
    u.email_verified = true;
    auto id = services_->users().Create(u);
    EXPECT_TRUE(id.ok()) << id.status().ToString();
    return id.ok() ? *id : 0;
  }
  User Load(int64_t id) {
    auto u = services_->users().FindById(id);
    EXPECT_TRUE(u.ok() && u->has_value());
    return u.ok() && u->has_value() ? **u : User{};
  }
  AuthOutcome Login(std::string_view login, std::string_view password) {
    return auth().Authenticate(login, Secret(password), ctx_);
  }
  // How many audit rows carry `detail`.
  int64_t RowsWithDetail(std::string_view detail) {
    auto row = conn().QueryOne(
        "SELECT COUNT(*) FROM auth_events WHERE detail = ?", {detail});
    EXPECT_TRUE(row.ok() && row->has_value());
    return row.ok() && row->has_value() ? (*row)->i64(0) : -1;
  }

  // `threads` threads, each with its own connection, each making `each`
  // wrong guesses at `login`. Returns false if a thread saw kUnavailable.
  bool Burst(std::string_view login, int threads, int each) {
    std::vector<std::thread> pool;
    std::vector<int> bad(threads, 0);
    for (int t = 0; t < threads; ++t) {
      pool.emplace_back([&, t] {
        std::unique_ptr<Services> mine = Services::WithConnection(
            config_, db().Connect(), clock_, random_, &sink_);
        AuthContext ctx;
        ctx.service = "sshd";
        // Many addresses, so the address limit never decides.
        ctx.rhost = "198.51.100." + std::to_string(t + 1);
        for (int i = 0; i < each; ++i) {
          const AuthOutcome out = mine->authenticator().Authenticate(
              login, Secret("wrong-guess-" + std::to_string(i)), ctx);
          if (out.status == AuthStatus::kUnavailable) bad[t] = 1;
        }
      });
    }
    for (std::thread& t : pool) t.join();
    return std::count(bad.begin(), bad.end(), 1) == 0;
  }

  FakeClock clock_;
  SystemRandom random_;
  CapturingLogSink sink_;
  Config config_;
  std::unique_ptr<Services> services_;
  AuthContext ctx_;
};

// 50 wrong guesses from 10 threads over 2 processes: at most max_failures
// of them reach the KDF (each that does writes one "wrong password" row);
// then the right password is refused while the lock lasts.
TEST_F(PasswordStepTest, ParallelBurstGetsAtMostMaxFailuresGuesses) {
  const int64_t id = MakeUser("alice");
  const pid_t child = fork();
  ASSERT_NE(child, -1);
  if (child == 0) {
    const bool ok = Burst("alice", 5, 5);
    _exit(ok ? 0 : 1);
  }
  const bool ok = Burst("alice", 5, 5);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_TRUE(ok);
  const int64_t guessed = RowsWithDetail("wrong password");
  std::printf("guesses that reached the KDF: %lld of 50 (max_failures %u)\n",
              static_cast<long long>(guessed), config_.lockout.max_failures);
  EXPECT_LE(guessed, static_cast<int64_t>(config_.lockout.max_failures));
  EXPECT_GE(guessed, 1);
  const AuthOutcome during = Login("alice", kPassword);
  EXPECT_EQ(during.status, AuthStatus::kLocked);
  EXPECT_TRUE(Load(id).locked_until.has_value());
}

// A right password that arrives while the lock holds is refused, and the
// lock is not lifted by it.
TEST_F(PasswordStepTest, RightPasswordDuringTheLockIsRefused) {
  const int64_t id = MakeUser("alice");
  for (uint32_t i = 0; i < config_.lockout.max_failures; ++i) {
    Login("alice", "wrong");
  }
  EXPECT_EQ(Login("alice", kPassword).status, AuthStatus::kLocked);
  EXPECT_TRUE(Load(id).locked_until.has_value());
  EXPECT_EQ(Login("alice", kPassword).status, AuthStatus::kLocked);
  clock_.Advance(seconds(61));
  EXPECT_EQ(Login("alice", kPassword).status, AuthStatus::kOk);
}

// The password lock guards the password only: key-based logins go through
// the account phase, which refuses only an admin lock.
TEST_F(PasswordStepTest, PasswordLockDoesNotRefuseTheAccountPhase) {
  const int64_t id = MakeUser("alice");
  for (uint32_t i = 0; i < config_.lockout.max_failures; ++i) {
    Login("alice", "wrong");
  }
  ASSERT_EQ(Login("alice", kPassword).status, AuthStatus::kLocked);
  const AccountCheck check = services_->accounts().CheckAccount("alice", {});
  EXPECT_EQ(check.status, AccountStatus::kOk);

  ASSERT_TRUE(services_->lockout_store().Unlock(id).ok());
  ASSERT_TRUE(
      services_->lockout_store().LockUntil(id, clock_.NowUnix() + 3600).ok());
  EXPECT_EQ(services_->accounts().CheckAccount("alice", {}).status,
            AccountStatus::kLocked);
  // An admin lock also refuses a right password (the portal has no account
  // phase).
  EXPECT_EQ(Login("alice", kPassword).status, AuthStatus::kLocked);
  ASSERT_TRUE(services_->lockout_store().Unlock(id).ok());
  EXPECT_EQ(services_->accounts().CheckAccount("alice", {}).status,
            AccountStatus::kOk);
  EXPECT_EQ(Login("alice", kPassword).status, AuthStatus::kOk);
}

// IPv6 addresses count per /64; an IPv4-mapped address counts as its IPv4
// address.
TEST_F(PasswordStepTest, Ipv6CountsPerSlash64) {
  config_.lockout.ip_max_failures = 3;
  Rebuild();
  MakeUser("alice");
  ctx_.rhost = "2001:db8:1:2::1";
  Login("nobody", "wrong");
  ctx_.rhost = "2001:db8:1:2::2";
  Login("nobody", "wrong");
  ctx_.rhost = "2001:db8:1:2:ffff:ffff:ffff:fff3";
  Login("nobody", "wrong");
  ctx_.rhost = "2001:DB8:1:2:abcd::9";
  EXPECT_EQ(Login("alice", kPassword).status, AuthStatus::kThrottled);
  ctx_.rhost = "2001:db8:1:3::1";
  EXPECT_EQ(Login("alice", kPassword).status, AuthStatus::kOk);

  ctx_.rhost = "192.0.2.7";
  Login("nobody", "wrong");
  Login("nobody", "wrong");
  ctx_.rhost = "::ffff:192.0.2.7";
  Login("nobody", "wrong");
  ctx_.rhost = "192.0.2.7";
  EXPECT_EQ(Login("alice", kPassword).status, AuthStatus::kThrottled);
  ctx_.rhost = "192.0.2.8";
  EXPECT_EQ(Login("alice", kPassword).status, AuthStatus::kOk);
}

// A name that does not exist locks after max_failures and then answers
// exactly as a locked account does (PAM still tells it apart through
// user_known, to keep PAM_USER_UNKNOWN).
TEST_F(PasswordStepTest, UnknownNameLocksLikeAnAccount) {
  MakeUser("alice");
  std::vector<AuthStatus> known;
  std::vector<AuthStatus> unknown;
  for (uint32_t i = 0; i <= config_.lockout.max_failures; ++i) {
    known.push_back(Login("alice", "wrong").status);
    unknown.push_back(Login("ghost", "wrong").status);
  }
  EXPECT_EQ(known.back(), AuthStatus::kLocked);
  EXPECT_EQ(unknown, known);
  const AuthOutcome ghost = Login("ghost", kPassword);
  EXPECT_EQ(ghost.status, AuthStatus::kLocked);
  EXPECT_FALSE(ghost.user_known);
  // The lock of one name does not lock another.
  EXPECT_EQ(Login("ghost2", "wrong").status, AuthStatus::kBadCredentials);
  clock_.Advance(seconds(61));
  EXPECT_EQ(Login("ghost", "wrong").status, AuthStatus::kBadCredentials);
}

// A password change with the old password is the same step: the address
// block applies to it too.
TEST_F(PasswordStepTest, PasswordChangeHonoursTheAddressBlock) {
  config_.lockout.ip_max_failures = 2;
  Rebuild();
  const int64_t id = MakeUser("alice");
  Login("nobody", "wrong");
  Login("nobody", "wrong");
  const Secret old_password(kPassword);
  const Status s = services_->accounts().ChangePassword(
      id, Secret(kNewPassword), &old_password, ctx_);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(Login("alice", kNewPassword).status, AuthStatus::kThrottled);
  ctx_.rhost = "198.51.100.1";
  EXPECT_EQ(Login("alice", kPassword).status, AuthStatus::kOk);
}

class TotpPromptTest : public PasswordStepTest {
 protected:
  void SetUp() override {
    PasswordStepTest::SetUp();
    if (HasFatalFailure()) return;
    id_ = MakeUser("tina");
    auto key = services_->totp().GenerateKey(random_);
    ASSERT_TRUE(key.ok());
    key_ = std::move(*key);
    ASSERT_TRUE(services_->totp_step().Enable(id_, key_).ok());
  }
  std::string Code() {
    auto c = services_->totp().CodeAt(key_, clock_.NowUnix());
    EXPECT_TRUE(c.ok());
    return c.ok() ? *c : "";
  }
  int64_t id_ = 0;
  Secret key_;
};

// A wrong password still leads to the code step; the verdict comes after
// it, the code is neither checked nor used up, and one failure counts.
TEST_F(TotpPromptTest, WrongPasswordStillAsksForTheCode) {
  const AuthOutcome first = Login("tina", "wrong");
  ASSERT_EQ(first.status, AuthStatus::kSecondFactorNeeded);
  ASSERT_TRUE(first.challenge.has_value());
  const std::string code = Code();
  const AuthOutcome second =
      auth().CompleteSecondFactor(*first.challenge, code, ctx_);
  EXPECT_EQ(second.status, AuthStatus::kBadCredentials);
  EXPECT_FALSE(second.code_replayed);
  EXPECT_EQ(Load(id_).failed_logins, 1u);
  // The code was not used up: the right password with it signs in.
  const AuthOutcome again = Login("tina", kPassword);
  ASSERT_EQ(again.status, AuthStatus::kSecondFactorNeeded);
  EXPECT_EQ(auth().CompleteSecondFactor(*again.challenge, code, ctx_).status,
            AuthStatus::kOk);
  EXPECT_EQ(Load(id_).failed_logins, 0u);
}

// A right password with a wrong code is one failure, not two.
TEST_F(TotpPromptTest, RightPasswordWrongCodeIsOneFailure) {
  const AuthOutcome first = Login("tina", kPassword);
  ASSERT_EQ(first.status, AuthStatus::kSecondFactorNeeded);
  const std::string wrong = Code() == "123456" ? "654321" : "123456";
  EXPECT_EQ(auth().CompleteSecondFactor(*first.challenge, wrong, ctx_).status,
            AuthStatus::kBadCredentials);
  EXPECT_EQ(Load(id_).failed_logins, 1u);
}

}  // namespace
}  // namespace latchkey
