// TotpEnrolment against a real database: nothing stored before a code
// confirms the key; the pending key is sealed to the user and expires;
// recovery codes; disable; mails and audit rows.
#include "latchkey/account/totp_enrolment.h"

#include <gtest/gtest.h>

#include <chrono>

#include "latchkey/base/encoding.h"
#include "support/services_test.h"

namespace latchkey {
namespace {

using std::chrono::seconds;

class TotpEnrolmentTest : public testing::ServicesTest {
 protected:
  void SetUp() override {
    ServicesTest::SetUp();
    if (HasFatalFailure()) return;
    id_ = MakeUser("alice");
  }
  TotpSetup Begin(int64_t id = 0) {
    TotpEnrolment e(s());
    auto r = e.Begin(id != 0 ? id : id_);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(*r) : TotpSetup{};
  }
  // The code an authenticator app with the shown secret would display.
  std::string CodeFor(const TotpSetup& setup, int64_t at = 0) {
    auto key = Base32Decode(setup.secret_base32.view());
    EXPECT_TRUE(key.has_value());
    auto code = s().totp().CodeAt(Secret(key.value_or("")),
                                  at != 0 ? at : clock_.NowUnix());
    EXPECT_TRUE(code.ok());
    return code.ok() ? *code : "";
  }
  Result<TotpConfirmation> Confirm(const TotpSetup& setup,
                                   std::string_view code, int64_t id = 0) {
    TotpEnrolment e(s());
    return e.Confirm(id != 0 ? id : id_, setup.pending, code, ctx_);
  }

  int64_t id_ = 0;
};

TEST_F(TotpEnrolmentTest, BeginShowsTheKeyButStoresNothing) {
  const TotpSetup setup = Begin();
  EXPECT_FALSE(setup.pending.empty());
  EXPECT_EQ(setup.secret_base32.size(), 32u);  // 160 bits
  EXPECT_TRUE(setup.otpauth_uri.view().starts_with(
      "otpauth://totp/latchkey:alice?secret=" +
      std::string(setup.secret_base32.view())))
      << setup.otpauth_uri.view();
  EXPECT_TRUE(setup.qr_svg.starts_with("<svg "));
  EXPECT_EQ(setup.expires_at, clock_.NowUnix() + kTotpEnrolmentTtl.count());
  // The key is not in the pending string in clear.
  EXPECT_EQ(setup.pending.find(setup.secret_base32.view()), std::string::npos);
  auto raw = Base64UrlDecode(setup.pending);
  ASSERT_TRUE(raw.has_value());
  auto key = Base32Decode(setup.secret_base32.view());
  ASSERT_TRUE(key.has_value());
  EXPECT_EQ(raw->find(*key), std::string::npos);
  EXPECT_FALSE(Load(id_).has_totp());
  // Two set-ups give two keys.
  EXPECT_NE(Begin().secret_base32.view(), setup.secret_base32.view());
}

TEST_F(TotpEnrolmentTest, ConfirmWithTheRightCodeEnables) {
  const TotpSetup setup = Begin();
  auto wrong = Confirm(setup, "000000" == CodeFor(setup) ? "111111" : "000000");
  ASSERT_TRUE(wrong.ok()) << wrong.status().ToString();
  EXPECT_EQ(wrong->errors.Get("code"), "That code is not correct.");
  EXPECT_TRUE(wrong->recovery_codes.empty());
  EXPECT_EQ(Events("totp_enrol_failed"), 1);
  auto empty = Confirm(setup, " ");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->errors.Get("code"), "Enter the 6-digit code from your app.");
  EXPECT_EQ(Events("totp_enrol_failed"), 1);  // an empty code is no try
  EXPECT_FALSE(Load(id_).has_totp());

  clock_.Advance(seconds(60));  // an app a little behind is fine (window 1)
  const std::string code = CodeFor(setup, clock_.NowUnix() - 30);
  auto ok = Confirm(setup, code);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_TRUE(ok->ok());
  ASSERT_EQ(ok->recovery_codes.size(), static_cast<size_t>(kRecoveryCodeCount));
  const User alice = Load(id_);
  ASSERT_TRUE(alice.has_totp());
  auto stored = s().totp_step().GetKey(alice);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->view(), Base32Decode(setup.secret_base32.view()).value());
  // The confirming code cannot be used again to log in.
  auto replay = s().totp_step().VerifyTotp(alice, code);
  ASSERT_TRUE(replay.ok());
  EXPECT_EQ(replay->check, TotpCheck::kReplayed);
  // The recovery codes work.
  auto used =
      s().totp_step().UseRecoveryCode(id_, ok->recovery_codes[3].view());
  ASSERT_TRUE(used.ok());
  EXPECT_TRUE(*used);

  EXPECT_EQ(Events("totp_enabled"), 1);
  const auto mails = Outbox("alice@example.org");
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_EQ(mails[0].subject, "[latchkey] Two-factor authentication turned on");
  for (const Secret& rc : ok->recovery_codes) {
    EXPECT_EQ(mails[0].body.find(rc.view()), std::string::npos);
  }

  // A second confirmation or set-up is refused while TOTP is on.
  EXPECT_EQ(Confirm(setup, CodeFor(setup)).status().code(),
            StatusCode::kFailedPrecondition);
  TotpEnrolment e(s());
  EXPECT_EQ(e.Begin(id_).status().code(), StatusCode::kFailedPrecondition);
}

TEST_F(TotpEnrolmentTest, PendingKeyIsBoundToTheUserAndExpires) {
  const int64_t bob = MakeUser("bob");
  const TotpSetup setup = Begin();
  // Bob cannot confirm alice's set-up, even with the right code.
  auto theirs = Confirm(setup, CodeFor(setup), bob);
  EXPECT_EQ(theirs.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(theirs.status().message(), "this set-up has expired: start again");
  EXPECT_FALSE(Load(bob).has_totp());

  // Tampering with the expiry (or anything else) breaks the seal.
  TotpSetup tampered = Begin();
  auto raw = Base64UrlDecode(tampered.pending);
  ASSERT_TRUE(raw.has_value());
  (*raw)[7] = static_cast<char>((*raw)[7] + 100);
  tampered.pending = Base64UrlEncode(*raw);
  EXPECT_EQ(Confirm(tampered, CodeFor(tampered)).status().code(),
            StatusCode::kFailedPrecondition);
  TotpSetup garbage = Begin();
  garbage.pending = "!!not base64!!";
  EXPECT_EQ(Confirm(garbage, CodeFor(garbage)).status().code(),
            StatusCode::kFailedPrecondition);

  clock_.Advance(kTotpEnrolmentTtl);
  EXPECT_EQ(Confirm(setup, CodeFor(setup)).status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_FALSE(Load(id_).has_totp());
}

TEST_F(TotpEnrolmentTest, RegenerateAndDisable) {
  TotpEnrolment e(s());
  EXPECT_EQ(e.Disable(id_, ctx_).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(e.RegenerateRecoveryCodes(id_, ctx_).status().code(),
            StatusCode::kFailedPrecondition);

  const TotpSetup setup = Begin();
  auto enabled = Confirm(setup, CodeFor(setup));
  ASSERT_TRUE(enabled.ok() && enabled->ok());

  auto fresh = e.RegenerateRecoveryCodes(id_, ctx_);
  ASSERT_TRUE(fresh.ok()) << fresh.status().ToString();
  ASSERT_EQ(fresh->size(), static_cast<size_t>(kRecoveryCodeCount));
  auto old_used =
      s().totp_step().UseRecoveryCode(id_, enabled->recovery_codes[0].view());
  ASSERT_TRUE(old_used.ok());
  EXPECT_FALSE(*old_used);
  auto new_used = s().totp_step().UseRecoveryCode(id_, (*fresh)[0].view());
  ASSERT_TRUE(new_used.ok());
  EXPECT_TRUE(*new_used);
  EXPECT_EQ(Events("recovery_codes_regenerated"), 1);

  ASSERT_TRUE(e.Disable(id_, ctx_).ok());
  EXPECT_FALSE(Load(id_).has_totp());
  auto left = s().totp_step().RemainingRecoveryCodes(id_);
  ASSERT_TRUE(left.ok());
  EXPECT_EQ(*left, 0);
  EXPECT_EQ(Events("totp_disabled"), 1);
  const auto mails = Outbox("alice@example.org");
  ASSERT_EQ(mails.size(), 3u);
  EXPECT_EQ(mails[1].subject, "[latchkey] New recovery codes");
  EXPECT_EQ(mails[2].subject,
            "[latchkey] Two-factor authentication turned off");

  // Enrolling again works after disabling.
  const TotpSetup again = Begin();
  auto re = Confirm(again, CodeFor(again));
  ASSERT_TRUE(re.ok());
  EXPECT_TRUE(re->ok());
}

class NoKeyTotpEnrolmentTest : public testing::ServicesTest {
 protected:
  void Configure(Config& c) override {
    c.security.secret_key_file = "/nonexistent/latchkey/secret.key";
  }
};

TEST_F(NoKeyTotpEnrolmentTest, SaysTheKeyFileIsMissing) {
  const int64_t id = MakeUser("alice");
  TotpEnrolment e(s());
  auto r = e.Begin(id);
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(r.status().message().find("gen-key"), std::string::npos)
      << r.status().message();
}

}  // namespace
}  // namespace latchkey
