// Reauthentication against a real database: the right password, a wrong
// one counted like a failed login (lockout, address limit, audit), a
// locked account refused without a KDF.
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
  }
  ReauthOutcome Check(std::string_view password) {
    Reauthentication reauth(s());
    auto r = reauth.Check(id_, Secret(password), ctx_);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : ReauthOutcome{};
  }

  int64_t id_ = 0;
};

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
  EXPECT_EQ(Check("").status, ReauthStatus::kWrongPassword);
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
  EXPECT_EQ(Events("refused_locked"), 1);

  // The lock ends with time, like a login lock.
  clock_.Advance(Seconds(3600));
  EXPECT_EQ(Check(kTestPassword).status, ReauthStatus::kOk);
}

TEST_F(ReauthTest, AddressLimitApplies) {
  const int64_t bob = MakeUser("bob");
  Reauthentication reauth(s());
  // Failures spread over two accounts from one address.
  for (int i = 0; i < 5; ++i) {
    auto r = reauth.Check(i % 2 == 0 ? bob : id_, Secret("wrong"), ctx_);
    ASSERT_TRUE(r.ok());
  }
  EXPECT_EQ(Check(kTestPassword).status, ReauthStatus::kThrottled);
  AuthContext elsewhere = ctx_;
  elsewhere.rhost = "203.0.113.9";
  auto r = reauth.Check(id_, Secret(kTestPassword), elsewhere);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, ReauthStatus::kOk);
}

TEST_F(ReauthTest, UnknownUser) {
  Reauthentication reauth(s());
  EXPECT_EQ(reauth.Check(987654, Secret(kTestPassword), ctx_).status().code(),
            StatusCode::kNotFound);
}

}  // namespace
}  // namespace latchkey
