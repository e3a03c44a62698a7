// PasswordChange against a real database: form errors without KDF work,
// a wrong current password counted, the policy, other sessions ended but
// the kept one, and the "password changed" mail.
#include "latchkey/account/password_change.h"

#include <gtest/gtest.h>

#include "support/services_test.h"

namespace latchkey {
namespace {

using testing::kTestPassword;

constexpr char kNewPassword[] = "Another-Quite-Long-Pass-77";

class PasswordChangeTest : public testing::ServicesTest {
 protected:
  void SetUp() override {
    ServicesTest::SetUp();
    if (HasFatalFailure()) return;
    id_ = MakeUser("alice");
  }
  OwnPasswordResult Change(std::string_view current, std::string_view pw,
                           std::string_view confirm,
                           std::string_view keep = {}) {
    PasswordChange change(s());
    OwnPasswordForm form{Secret(current), Secret(pw), Secret(confirm)};
    auto r = change.Change(id_, form, keep, ctx_);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(*r) : OwnPasswordResult{};
  }
  bool PasswordIs(std::string_view password) {
    auto ok = s().hasher().Verify(password, Load(id_).password_hash);
    return ok.ok() && *ok;
  }

  int64_t id_ = 0;
};

TEST_F(PasswordChangeTest, FormErrorsCostNothing) {
  OwnPasswordResult r = Change("", "", "x");
  EXPECT_EQ(r.errors.Get("current_password"), "Enter your current password.");
  EXPECT_EQ(r.errors.Get("password"), "Enter a new password.");
  EXPECT_EQ(r.errors.Get("confirm"), "The passwords do not match.");
  r = Change("whatever it is", "short", "short");
  EXPECT_TRUE(r.errors.Has("password"));
  EXPECT_FALSE(r.errors.Has("current_password"));
  r = Change("whatever it is", kNewPassword, "Another-Quite-Long-Pass-78");
  EXPECT_EQ(r.errors.Get("confirm"), "The passwords do not match.");
  // None of these checked the current password.
  EXPECT_EQ(Load(id_).failed_logins, 0u);
  EXPECT_EQ(Events("login_failure"), 0);
  EXPECT_TRUE(PasswordIs(kTestPassword));
}

TEST_F(PasswordChangeTest, WrongCurrentPasswordCounts) {
  OwnPasswordResult r = Change("not the password", kNewPassword, kNewPassword);
  EXPECT_EQ(r.errors.Get("current_password"),
            "The current password is not correct.");
  EXPECT_FALSE(r.locked);
  EXPECT_EQ(Load(id_).failed_logins, 1u);
  EXPECT_EQ(Events("login_failure"), 1);
  EXPECT_TRUE(PasswordIs(kTestPassword));
  EXPECT_TRUE(Outbox().empty());
}

TEST_F(PasswordChangeTest, LockedAccount) {
  ASSERT_TRUE(s().lockout_store().LockUntil(id_, clock_.NowUnix() + 600).ok());
  OwnPasswordResult r = Change(kTestPassword, kNewPassword, kNewPassword);
  EXPECT_TRUE(r.locked);
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(PasswordIs(kTestPassword));
}

TEST_F(PasswordChangeTest, SuccessKeepsOneSessionAndMails) {
  AddSession(id_, 'a');
  AddSession(id_, 'b');
  AddSession(id_, 'c');
  const int64_t bob = MakeUser("bob");
  AddSession(bob, 'd');
  OwnPasswordResult r =
      Change(kTestPassword, kNewPassword, kNewPassword, std::string(32, 'b'));
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(PasswordIs(kNewPassword));
  EXPECT_EQ(Sessions(id_), 1);
  auto kept = s().db().QueryOne(
      "SELECT COUNT(*) FROM sessions WHERE user_id = ? AND id_sha256 = ?",
      {id_, std::string_view(std::string(32, 'b'))});
  ASSERT_TRUE(kept.ok() && kept->has_value());
  EXPECT_EQ((*kept)->i64(0), 1);
  EXPECT_EQ(Sessions(bob), 1);
  EXPECT_EQ(Events("password_changed"), 1);
  const auto mails = Outbox("alice@example.org");
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_NE(mails[0].subject.find("Your password was changed"),
            std::string::npos);
  EXPECT_EQ(mails[0].body.find(kNewPassword), std::string::npos);

  // Without a session to keep, all end.
  r = Change(kNewPassword, kTestPassword, kTestPassword);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Sessions(id_), 0);
}

TEST_F(PasswordChangeTest, PolicyKnowsTheUser) {
  OwnPasswordResult r = Change(kTestPassword, "alice@example.org-2024x",
                               "alice@example.org-2024x");
  EXPECT_TRUE(r.errors.Has("password"));
  r = Change(kTestPassword, kTestPassword, kTestPassword);
  EXPECT_EQ(r.errors.Get("password"),
            "The new password must differ from the old one.");
  EXPECT_TRUE(PasswordIs(kTestPassword));
}

TEST_F(PasswordChangeTest, UnknownUser) {
  PasswordChange change(s());
  OwnPasswordForm form{Secret("a"), Secret("b"), Secret("b")};
  EXPECT_EQ(change.Change(424242, form, {}, ctx_).status().code(),
            StatusCode::kNotFound);
}

}  // namespace
}  // namespace latchkey
