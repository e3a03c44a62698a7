// PasswordReset against a real database: the same answer for known and
// unknown addresses, throttling, the reset link's states, and what a reset
// does (every session ends, other links voided, TOTP kept, mail queued).
#include "latchkey/account/password_reset.h"

#include <gtest/gtest.h>

#include <chrono>

#include "support/services_test.h"
#include "support/smtp_server.h"

namespace latchkey {
namespace {

using std::chrono::seconds;
using testing::TokenFromLink;

constexpr char kNew[] = "Quiet-Lantern-97-Meadow";
constexpr char kResetLink[] = "https://accounts.example.org/reset";

class PasswordResetTest : public testing::ServicesTest {
 protected:
  void SetUp() override {
    ServicesTest::SetUp();
    if (HasFatalFailure()) return;
    id_ = MakeUser("alice");
  }
  // The forgot form as the portal runs it: the check, then (after the
  // answer, here on the same thread) the link.
  Result<FieldErrors> Forgot(std::string_view email) {
    PasswordReset reset(s());
    LK_ASSIGN_OR_RETURN(PasswordReset::ForgotCheck check,
                        reset.CheckForgot(email, ctx_));
    if (!check.errors.empty()) return check.errors;
    LK_RETURN_IF_ERROR(reset.SendResetLink(check.address, ctx_));
    return FieldErrors();
  }
  std::string LastResetToken(const std::string& to = "alice@example.org") {
    const auto mails = Outbox(to);
    return mails.empty() ? "" : TokenFromLink(mails.back().body, kResetLink);
  }
  ResetResult Reset(std::string_view token, const std::string& password,
                    const std::string& confirm) {
    PasswordReset reset(s());
    auto r = reset.Reset(token, Secret(password), Secret(confirm), ctx_);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(*r) : ResetResult{LinkState::kInvalid, {}};
  }
  LinkState Check(std::string_view token) {
    PasswordReset reset(s());
    auto r = reset.CheckLink(token);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : LinkState::kInvalid;
  }
  bool PasswordIs(const std::string& password) {
    auto ok = s().hasher().Verify(password, Load(id_).password_hash);
    return ok.ok() && *ok;
  }

  int64_t id_ = 0;
};

TEST_F(PasswordResetTest, SameAnswerForKnownAndUnknownAddresses) {
  auto known = Forgot("Alice@Example.org");
  auto unknown = Forgot("nobody@example.org");
  ASSERT_TRUE(known.ok() && unknown.ok());
  EXPECT_EQ(known->fields, unknown->fields);
  EXPECT_TRUE(known->empty());
  // Only the real account got a mail.
  const auto mails = Outbox();
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_EQ(mails[0].to, "alice@example.org");
  EXPECT_EQ(mails[0].subject, "[latchkey] Reset your password");
  EXPECT_EQ(LastResetToken().size(), 43u) << mails[0].body;
  // A deactivated account gets nothing either.
  MakeUser("gone", true, /*active=*/false);
  auto inactive = Forgot("gone@example.org");
  ASSERT_TRUE(inactive.ok());
  EXPECT_TRUE(inactive->empty());
  EXPECT_EQ(Outbox().size(), 1u);
  // Only text that is no address at all is a field error.
  auto bad = Forgot("not an address");
  ASSERT_TRUE(bad.ok());
  EXPECT_EQ(bad->Get("email"), "Enter a valid email address.");
  // The one link sent is in the audit log; the unknown, inactive and bad
  // addresses are not (nothing happened to an account).
  EXPECT_EQ(Events("reset_requested"), 1);
}

TEST_F(PasswordResetTest, ALinkOverThePerUserLimitIsAuditedAsNotSent) {
  PasswordReset reset(s());
  for (uint32_t i = 0; i < kResetMailsPerUser.max; ++i) {
    ASSERT_TRUE(reset.SendResetLink("alice@example.org", ctx_).ok());
  }
  ASSERT_TRUE(reset.SendResetLink("alice@example.org", ctx_).ok());
  EXPECT_EQ(Outbox().size(), kResetMailsPerUser.max);
  AuditFilter f;
  f.event = AuditEvent::kResetRequested;
  Result<std::vector<AuditEntry>> rows = s().audit().Query(f);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), kResetMailsPerUser.max + 1);
  EXPECT_EQ(rows->front().detail, "link sent");
  EXPECT_EQ(rows->front().outcome, "ok");
  EXPECT_EQ(rows->front().username_tried, "alice");
  EXPECT_EQ(rows->back().detail, "not sent: over the limit");
  EXPECT_EQ(rows->back().outcome, "fail");
}

TEST_F(PasswordResetTest, ThrottledPerAddressAndPerIp) {
  for (const char* email : {"alice@example.org", "nobody@example.org"}) {
    for (uint32_t i = 0; i < kForgotPerAddress.max; ++i) {
      EXPECT_TRUE(Forgot(email).ok()) << email;
    }
    // Known and unknown addresses are refused alike.
    EXPECT_EQ(Forgot(email).status().code(), StatusCode::kResourceExhausted)
        << email;
  }
  EXPECT_EQ(Outbox().size(), kForgotPerAddress.max);

  ctx_.rhost = "203.0.113.50";
  for (uint32_t i = 0; i < kForgotPerIp.max; ++i) {
    EXPECT_TRUE(Forgot("u" + std::to_string(i) + "@example.org").ok());
  }
  EXPECT_EQ(Forgot("another@example.org").status().code(),
            StatusCode::kResourceExhausted);
  ctx_.rhost = "203.0.113.51";
  EXPECT_TRUE(Forgot("another@example.org").ok());

  clock_.Advance(seconds(3600));
  ctx_.rhost = "203.0.113.50";
  EXPECT_TRUE(Forgot("alice@example.org").ok());
}

TEST_F(PasswordResetTest, ResetEndsEverySessionAndKeepsTotp) {
  // TOTP on, three sessions, two open reset links.
  auto key = s().totp().GenerateKey(s().random());
  ASSERT_TRUE(key.ok());
  ASSERT_TRUE(s().totp_step().Enable(id_, *key).ok());
  auto codes = s().totp_step().ReplaceRecoveryCodes(id_);
  ASSERT_TRUE(codes.ok());
  AddSession(id_, 'a');
  AddSession(id_, 'b');
  AddSession(id_, 'c');
  const int64_t other = MakeUser("bob");
  AddSession(other, 'o');
  ASSERT_TRUE(Forgot("alice@example.org").ok());
  const std::string first = LastResetToken();
  ASSERT_TRUE(Forgot("alice@example.org").ok());
  const std::string second = LastResetToken();
  ASSERT_NE(first, second);
  EXPECT_EQ(Check(second), LinkState::kOk);

  const ResetResult r = Reset(second, kNew, kNew);
  EXPECT_TRUE(r.ok()) << (r.errors.empty() ? ""
                                           : r.errors.fields.begin()->second);
  EXPECT_TRUE(PasswordIs(kNew));
  EXPECT_EQ(Sessions(id_), 0);
  EXPECT_EQ(Sessions(other), 1);
  EXPECT_EQ(Check(second), LinkState::kUsed);
  EXPECT_EQ(Check(first), LinkState::kUsed);  // voided
  EXPECT_EQ(Reset(first, "Another-Good-Pass-31", "Another-Good-Pass-31").link,
            LinkState::kUsed);
  EXPECT_TRUE(PasswordIs(kNew));

  // TOTP and the recovery codes stay.
  const User alice = Load(id_);
  EXPECT_TRUE(alice.has_totp());
  auto same = s().totp_step().GetKey(alice);
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->view(), key->view());
  auto left = s().totp_step().RemainingRecoveryCodes(id_);
  ASSERT_TRUE(left.ok());
  EXPECT_EQ(*left, kRecoveryCodeCount);

  EXPECT_EQ(Events("password_reset"), 1);
  const auto mails = Outbox("alice@example.org");
  ASSERT_EQ(mails.size(), 3u);
  EXPECT_EQ(mails.back().subject, "[latchkey] Your password was changed");
  EXPECT_EQ(mails.back().body.find("token="), std::string::npos);
}

TEST_F(PasswordResetTest, BadFormKeepsTheLink) {
  ASSERT_TRUE(Forgot("alice@example.org").ok());
  const std::string token = LastResetToken();
  ResetResult r = Reset(token, kNew, "Quiet-Lantern-97-Meadoe");
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.link, LinkState::kOk);
  EXPECT_EQ(r.errors.Get("confirm"), "The passwords do not match.");
  r = Reset(token, "short", "short");
  EXPECT_EQ(r.errors.Get("password"),
            "The password must be at least 12 characters long.");
  r = Reset(token, "", "");
  EXPECT_EQ(r.errors.Get("password"), "Choose a new password.");
  r = Reset(token, "alice-alice-alice", "alice-alice-alice");
  EXPECT_TRUE(r.errors.Has("password")) << "similar to the username";
  EXPECT_TRUE(PasswordIs(testing::kTestPassword));
  EXPECT_EQ(Check(token), LinkState::kOk);
  EXPECT_TRUE(Reset(token, kNew, kNew).ok());
}

TEST_F(PasswordResetTest, LinkStates) {
  EXPECT_EQ(Check("garbage"), LinkState::kInvalid);
  EXPECT_EQ(Reset("garbage", kNew, kNew).link, LinkState::kInvalid);
  EXPECT_EQ(Reset(std::string(500, 'a'), kNew, kNew).link, LinkState::kInvalid);

  ASSERT_TRUE(Forgot("alice@example.org").ok());
  const std::string token = LastResetToken();
  clock_.Advance(kResetTokenTtl);
  EXPECT_EQ(Check(token), LinkState::kExpired);
  EXPECT_EQ(Reset(token, kNew, kNew).link, LinkState::kExpired);
  EXPECT_TRUE(PasswordIs(testing::kTestPassword));

  // A link for an account deactivated since is invalid.
  ASSERT_TRUE(Forgot("alice@example.org").ok());
  const std::string fresh = LastResetToken();
  ASSERT_TRUE(s().users().SetActive(id_, false).ok());
  EXPECT_EQ(Check(fresh), LinkState::kInvalid);
  EXPECT_EQ(Reset(fresh, kNew, kNew).link, LinkState::kInvalid);
  EXPECT_TRUE(PasswordIs(testing::kTestPassword));
}

TEST_F(PasswordResetTest, ResetVerifiesTheEmail) {
  const int64_t unverified = MakeUser("ulla", /*verified=*/false);
  ASSERT_TRUE(Forgot("ulla@example.org").ok());
  EXPECT_TRUE(Reset(LastResetToken("ulla@example.org"), kNew, kNew).ok());
  EXPECT_TRUE(Load(unverified).email_verified());
}

}  // namespace
}  // namespace latchkey
