// Registration against a real database: per-field errors, a taken username,
// the same answer for a taken email (and the mail to its owner), the
// activation mail and link states, the throttled resend.
#include "latchkey/account/registration.h"

#include <gtest/gtest.h>

#include <chrono>

#include "support/services_test.h"
#include "support/smtp_server.h"

namespace latchkey {
namespace {

using std::chrono::seconds;
using testing::TokenFromLink;

RegistrationForm Form(const std::string& username, const std::string& email,
                      const std::string& password = "Quiet-Lantern-97-Meadow",
                      std::string confirm = "") {
  RegistrationForm f;
  f.full_name = "Carol Example";
  f.username = username;
  f.email = email;
  f.password = Secret(password);
  f.confirm = Secret(confirm.empty() ? password : confirm);
  return f;
}

class RegistrationTest : public testing::ServicesTest {
 protected:
  FieldErrors Register(const RegistrationForm& form) {
    Registration reg(s());
    auto r = reg.Register(form, ctx_);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : FieldErrors{};
  }
  LinkState Activate(std::string_view token) {
    Registration reg(s());
    auto r = reg.Activate(token, ctx_);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : LinkState::kInvalid;
  }
  Status Resend(std::string_view login) {
    Registration reg(s());
    return reg.ResendActivation(login, ctx_);
  }
};

TEST_F(RegistrationTest, PerFieldErrors) {
  RegistrationForm empty;
  FieldErrors e = Register(empty);
  EXPECT_EQ(e.Get("full_name"), "Enter your name.");
  EXPECT_EQ(e.Get("username"), "Choose a username.");
  EXPECT_EQ(e.Get("email"), "Enter a valid email address.");
  EXPECT_EQ(e.Get("password"), "Choose a password.");
  EXPECT_FALSE(e.Has("confirm"));  // two empty fields do match

  RegistrationForm bad = Form("Bad Name", "not-an-email", "short", "other");
  bad.full_name = "Tab\there";
  e = Register(bad);
  EXPECT_EQ(e.fields.size(), 5u);
  EXPECT_EQ(e.Get("full_name"), "The full name contains a control character.");
  EXPECT_TRUE(e.Has("username"));
  EXPECT_TRUE(e.Has("email"));
  EXPECT_EQ(e.Get("password"),
            "The password must be at least 12 characters long.");
  EXPECT_EQ(e.Get("confirm"), "The passwords do not match.");

  e = Register(Form("root", "root@example.org"));
  EXPECT_EQ(e.Get("username"),
            "The username 'root' is reserved for a system account.");
  // The password policy sees the username and email.
  e = Register(
      Form("carolexample", "carol@example.org", "carolexample-carolexample"));
  EXPECT_TRUE(e.Has("password")) << "similar to the username";
  // Unicode passwords are fine.
  e = Register(
      Form("unicode", "unicode@example.org", "Пароль-очень-надёжный-7"));
  EXPECT_TRUE(e.empty()) << e.Get("password");

  // Nothing was made for the refused forms.
  EXPECT_EQ(CountRows("users"), 1);
  EXPECT_EQ(Outbox().size(), 1u);
}

TEST_F(RegistrationTest, CreatesAnUnverifiedAccountAndMailsTheLink) {
  FieldErrors e = Register(Form("carol", "Carol@Example.org"));
  EXPECT_TRUE(e.empty());
  std::optional<User> carol = FindUser("carol");
  ASSERT_TRUE(carol.has_value());
  EXPECT_EQ(carol->email, "carol@example.org");
  EXPECT_EQ(carol->full_name, "Carol Example");
  EXPECT_TRUE(carol->is_active);
  EXPECT_FALSE(carol->email_verified());
  EXPECT_EQ(carol->roles, std::vector<std::string>{"user"});
  EXPECT_TRUE(carol->password_hash.starts_with("$argon2id$"));
  auto ok =
      s().hasher().Verify("Quiet-Lantern-97-Meadow", carol->password_hash);
  ASSERT_TRUE(ok.ok());
  EXPECT_TRUE(*ok);
  EXPECT_EQ(Events("user_created"), 1);

  const auto mails = Outbox();
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_EQ(mails[0].to, "carol@example.org");
  EXPECT_EQ(mails[0].subject, "[latchkey] Activate your account");
  const std::string token =
      TokenFromLink(mails[0].body, "https://accounts.example.org/activate");
  ASSERT_EQ(token.size(), 43u) << mails[0].body;

  EXPECT_EQ(Activate(token), LinkState::kOk);
  EXPECT_TRUE(Load(carol->id).email_verified());
  EXPECT_EQ(Events("email_verified"), 1);
  EXPECT_EQ(Activate(token), LinkState::kUsed);
  EXPECT_EQ(Activate("not-a-token"), LinkState::kInvalid);
  EXPECT_EQ(Activate(""), LinkState::kInvalid);
}

TEST_F(RegistrationTest, TakenUsernameIsAFieldError) {
  MakeUser("dave");
  FieldErrors e = Register(Form("dave", "other@example.org"));
  EXPECT_EQ(e.Get("username"), "That username is taken.");
  EXPECT_EQ(e.fields.size(), 1u);
  EXPECT_TRUE(Outbox().empty());
}

TEST_F(RegistrationTest, TakenEmailGetsTheSameAnswerAndMailsTheOwner) {
  const int64_t owner = MakeUser("erin");
  const int64_t users_before = CountRows("users");
  const FieldErrors fresh = Register(Form("newbie", "newbie@example.org"));
  const FieldErrors taken = Register(Form("mallory", "ERIN@example.org"));
  EXPECT_EQ(fresh.fields, taken.fields);
  EXPECT_TRUE(taken.empty());
  EXPECT_EQ(CountRows("users"), users_before + 1);  // only newbie
  EXPECT_FALSE(FindUser("mallory").has_value());
  EXPECT_EQ(Load(owner).password_hash, Load(owner).password_hash);

  const auto to_owner = Outbox("erin@example.org");
  ASSERT_EQ(to_owner.size(), 1u);
  EXPECT_EQ(to_owner[0].subject,
            "[latchkey] Someone tried to register with your address");
  // Nothing the other party typed reaches the owner.
  EXPECT_EQ(to_owner[0].body.find("mallory"), std::string::npos);
  EXPECT_EQ(to_owner[0].body.find("Carol"), std::string::npos);
  EXPECT_EQ(to_owner[0].body.find("token="), std::string::npos);

  // The owner is not flooded: a few such mails an hour.
  for (int i = 0; i < 5; ++i) {
    EXPECT_TRUE(
        Register(Form("mallory" + std::to_string(i), "erin@example.org"))
            .empty());
  }
  EXPECT_EQ(Outbox("erin@example.org").size(),
            static_cast<size_t>(kAttemptMailsPerAddress.max));
}

TEST_F(RegistrationTest, ExpiredActivationLink) {
  ASSERT_TRUE(Register(Form("frank", "frank@example.org")).empty());
  const std::string token =
      TokenFromLink(Outbox()[0].body, "https://accounts.example.org/activate");
  clock_.Advance(kActivationTokenTtl);
  EXPECT_EQ(Activate(token), LinkState::kExpired);
  EXPECT_FALSE(FindUser("frank")->email_verified());
}

TEST_F(RegistrationTest, ResendMailsANewLinkAndVoidsTheOld) {
  ASSERT_TRUE(Register(Form("gina", "gina@example.org")).empty());
  const std::string first =
      TokenFromLink(Outbox()[0].body, "https://accounts.example.org/activate");
  ASSERT_TRUE(Resend("gina@example.org").ok());
  auto mails = Outbox("gina@example.org");
  ASSERT_EQ(mails.size(), 2u);
  const std::string second =
      TokenFromLink(mails[1].body, "https://accounts.example.org/activate");
  EXPECT_NE(first, second);
  EXPECT_EQ(Activate(first), LinkState::kUsed);  // voided by the resend
  EXPECT_EQ(Activate(second), LinkState::kOk);

  // Verified, unknown and inactive accounts: the same answer, no mail.
  ASSERT_TRUE(Resend("gina").ok());
  ASSERT_TRUE(Resend("nobody@example.org").ok());
  MakeUser("inactive", /*verified=*/false, /*active=*/false);
  ASSERT_TRUE(Resend("inactive").ok());
  EXPECT_EQ(Outbox().size(), 2u);
}

TEST_F(RegistrationTest, ResendIsThrottledPerLoginAndPerAddress) {
  MakeUser("hank", /*verified=*/false);
  for (uint32_t i = 0; i < kResendPerLogin.max; ++i) {
    EXPECT_TRUE(Resend("hank").ok());
  }
  EXPECT_EQ(Resend("hank").code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(Resend("HANK").code(), StatusCode::kResourceExhausted);
  // Unknown logins are throttled the same way (nothing to learn from it).
  for (uint32_t i = 0; i < kResendPerLogin.max; ++i) {
    EXPECT_TRUE(Resend("ghost@example.org").ok());
  }
  EXPECT_EQ(Resend("ghost@example.org").code(), StatusCode::kResourceExhausted);
  // Per client address: 20 an hour whatever the login.
  ctx_.rhost = "203.0.113.99";
  for (uint32_t i = 0; i < kResendPerIp.max; ++i) {
    EXPECT_TRUE(Resend("x" + std::to_string(i) + "@example.org").ok());
  }
  EXPECT_EQ(Resend("fresh@example.org").code(), StatusCode::kResourceExhausted);
  // An hour later it works again.
  clock_.Advance(seconds(3600));
  EXPECT_TRUE(Resend("hank").ok());
  EXPECT_TRUE(Resend("fresh@example.org").ok());
}

class ClosedRegistrationTest : public testing::ServicesTest {
 protected:
  void Configure(Config& c) override {
    c.portal.registration = RegistrationMode::kClosed;
  }
};

TEST_F(ClosedRegistrationTest, IsRefused) {
  Registration reg(s());
  auto r = reg.Register(Form("ivan", "ivan@example.org"), ctx_);
  EXPECT_EQ(r.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(r.status().message(), "registration is closed");
  EXPECT_FALSE(FindUser("ivan").has_value());
}

class InviteRegistrationTest : public testing::ServicesTest {
 protected:
  void Configure(Config& c) override {
    c.portal.registration = RegistrationMode::kInvite;
  }
};

TEST_F(InviteRegistrationTest, IsRefusedWithAClearMessage) {
  Registration reg(s());
  auto r = reg.Register(Form("ivan", "ivan@example.org"), ctx_);
  EXPECT_EQ(r.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(r.status().message().find("invitation"), std::string::npos);
}

}  // namespace
}  // namespace latchkey
