// The mails of authentication events, end to end through Services and the
// Authenticator against a real database: "account locked" once per lock,
// "code used twice" once per replay, "new login" per success only when
// [mail] login_notification is on (and then without costing a statement
// when off), never for an unknown user or an unverified address, and a mail
// that cannot be queued never changing the login's outcome.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "latchkey/account/reauth.h"
#include "latchkey/auth/authenticator.h"
#include "latchkey/auth/security_notifier.h"
#include "latchkey/base/clock.h"
#include "latchkey/base/random.h"
#include "latchkey/mail/mail_texts.h"
#include "latchkey/services/services.h"
#include "support/services_test.h"

namespace latchkey {
namespace {

using std::chrono::seconds;

constexpr const char* kPassword = testing::kTestPassword;
using testing::QueuedMail;

class SecurityMailTest : public testing::ServicesTest {
 protected:
  void SetUp() override {
    ServicesTest::SetUp();
    if (HasFatalFailure()) return;
    ctx_.service = "sshd";
    ctx_.rhost = "203.0.113.5";
    ctx_.tty = "ssh";
  }

  Authenticator& auth() { return services_->authenticator(); }
  AuthOutcome Login(std::string_view login, std::string_view password) {
    return auth().Authenticate(login, Secret(password), ctx_);
  }
  size_t CountSubject(std::string_view needle) {
    const std::vector<QueuedMail> all = Outbox();
    return static_cast<size_t>(
        std::count_if(all.begin(), all.end(), [&](const QueuedMail& m) {
          return m.subject.find(needle) != std::string::npos;
        }));
  }
  // Statements this session's server side has seen so far (the SHOW
  // itself included, which cancels out in differences).
  int64_t Questions() {
    auto row = services_->db().QueryOne("SHOW SESSION STATUS LIKE 'Questions'");
    EXPECT_TRUE(row.ok() && row->has_value());
    return row.ok() && row->has_value() ? (*row)->i64(1) : -1;
  }
};

constexpr char kLockedSubject[] = "temporarily locked";
constexpr char kReplaySubject[] = "used sign-in code";
constexpr char kNewLoginSubject[] = "New sign-in";

TEST_F(SecurityMailTest, ALockQueuesExactlyOneLockedMail) {
  MakeUser("alice");
  for (uint32_t i = 1; i < config_.lockout.max_failures; ++i) {
    EXPECT_EQ(Login("alice", "wrong").status, AuthStatus::kBadCredentials);
  }
  EXPECT_TRUE(Outbox().empty()) << "no lock yet, no mail";

  const AuthOutcome locking = Login("alice", "wrong");
  ASSERT_TRUE(locking.lock_started);
  // Attempts refused while locked mail nothing more.
  EXPECT_EQ(Login("alice", kPassword).status, AuthStatus::kLocked);
  EXPECT_EQ(Login("alice", "wrong").status, AuthStatus::kLocked);

  const std::vector<QueuedMail> mails = Outbox();
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_EQ(mails[0].to, "alice@example.org");
  EXPECT_NE(mails[0].subject.find(kLockedSubject), std::string::npos)
      << mails[0].subject;
  EXPECT_NE(mails[0].body.find("\"alice\""), std::string::npos);
  EXPECT_NE(mails[0].body.find("203.0.113.5"), std::string::npos);
  EXPECT_NE(mails[0].body.find(mail_texts::FormatUtc(*locking.locked_until)),
            std::string::npos)
      << mails[0].body;
  EXPECT_EQ(Events("account_locked"), 1);

  // The next lock (after this one ends) mails again, once.
  clock_.Advance(seconds(61));
  for (uint32_t i = 0; i < config_.lockout.max_failures; ++i) {
    Login("alice", "wrong");
  }
  EXPECT_EQ(CountSubject(kLockedSubject), 2u);
  EXPECT_EQ(Events("account_locked"), 2);
}

TEST_F(SecurityMailTest, ALockStartedAtPasswordChangeOrReauthIsMailed) {
  // passwd (and the portal's change form) with a wrong current password.
  const int64_t bob = MakeUser("bob");
  const Secret next("Another-Long-Passphrase-77");
  const Secret wrong("not the password");
  for (uint32_t i = 1; i < config_.lockout.max_failures; ++i) {
    EXPECT_EQ(
        services_->accounts().ChangePassword(bob, next, &wrong, ctx_).code(),
        StatusCode::kPermissionDenied);
  }
  EXPECT_TRUE(Outbox().empty()) << "no lock yet, no mail";
  EXPECT_EQ(
      services_->accounts().ChangePassword(bob, next, &wrong, ctx_).code(),
      StatusCode::kPermissionDenied);
  EXPECT_EQ(CountSubject(kLockedSubject), 1u);
  EXPECT_EQ(Events("account_locked"), 1);

  // The portal's password re-entry.
  const int64_t carol = MakeUser("carol");
  SessionStore sessions(services_->db(), clock_, random_, config_.session);
  Result<NewSession> carols = sessions.Create(carol, "", "");
  ASSERT_TRUE(carols.ok()) << carols.status().ToString();
  Reauthentication reauth(*services_, sessions);
  ReauthOutcome last;
  for (uint32_t i = 0; i < config_.lockout.max_failures; ++i) {
    Result<ReauthOutcome> r =
        reauth.Gate(carols->session, wrong, ReauthMode::kPassword, ctx_);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    last = *r;
  }
  EXPECT_TRUE(last.lock_started);
  const std::vector<QueuedMail> mails = Outbox();
  ASSERT_EQ(mails.size(), 2u);
  EXPECT_EQ(mails[1].to, "carol@example.org");
  EXPECT_NE(mails[1].subject.find(kLockedSubject), std::string::npos);
  EXPECT_EQ(Events("account_locked"), 2);
}

TEST_F(SecurityMailTest, UnknownUserNeverCausesAMail) {
  config_.mail.login_notification = true;
  Rebuild();
  for (uint32_t i = 0; i < 2 * config_.lockout.max_failures; ++i) {
    const AuthOutcome out = Login("nobody", i % 2 ? kPassword : "wrong");
    // A name without an account locks like one (and mails nobody).
    EXPECT_EQ(out.status, i < config_.lockout.max_failures
                              ? AuthStatus::kBadCredentials
                              : AuthStatus::kLocked);
    EXPECT_FALSE(out.user_known);
  }
  Login("nobody@example.org", kPassword);
  EXPECT_TRUE(Outbox().empty());
}

TEST_F(SecurityMailTest, LoginNotificationOffQueuesNothing) {
  ASSERT_FALSE(config_.mail.login_notification);  // the default
  MakeUser("bob");
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(Login("bob", kPassword).status, AuthStatus::kOk);
  }
  EXPECT_TRUE(Outbox().empty());
}

TEST_F(SecurityMailTest, LoginNotificationOnQueuesOneMailPerSuccess) {
  config_.mail.login_notification = true;
  Rebuild();
  MakeUser("bob");
  EXPECT_EQ(Login("bob", kPassword).status, AuthStatus::kOk);
  std::vector<QueuedMail> mails = Outbox();
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_EQ(mails[0].to, "bob@example.org");
  EXPECT_NE(mails[0].subject.find(kNewLoginSubject), std::string::npos)
      << mails[0].subject;
  EXPECT_NE(mails[0].body.find("203.0.113.5"), std::string::npos);

  // A failure mails nothing; the next success mails once more.
  EXPECT_EQ(Login("bob", "wrong").status, AuthStatus::kBadCredentials);
  EXPECT_EQ(Outbox().size(), 1u);
  clock_.Advance(seconds(5));
  EXPECT_EQ(Login("bob@example.org", kPassword).status, AuthStatus::kOk);
  EXPECT_EQ(CountSubject(kNewLoginSubject), 2u);
  EXPECT_EQ(Outbox().size(), 2u);
}

TEST_F(SecurityMailTest, NotificationOffCostsNoStatementOnSuccess) {
  MakeUser("carl");
  // The same attempt through an Authenticator without a notifier.
  Authenticator bare(services_->db(), clock_, services_->hasher(),
                     services_->users(), services_->lockout_store(),
                     services_->password_step(), services_->totp_step(),
                     services_->audit());
  ASSERT_EQ(bare.Authenticate("carl", Secret(kPassword), ctx_).status,
            AuthStatus::kOk);  // warms the statement cache
  int64_t before = Questions();
  ASSERT_EQ(bare.Authenticate("carl", Secret(kPassword), ctx_).status,
            AuthStatus::kOk);
  const int64_t without_notifier = Questions() - before;

  before = Questions();
  ASSERT_EQ(Login("carl", kPassword).status, AuthStatus::kOk);
  const int64_t notification_off = Questions() - before;
  EXPECT_EQ(notification_off, without_notifier);

  config_.mail.login_notification = true;
  Rebuild();
  ASSERT_EQ(Login("carl", kPassword).status, AuthStatus::kOk);  // warm
  before = Questions();
  ASSERT_EQ(Login("carl", kPassword).status, AuthStatus::kOk);
  const int64_t notification_on = Questions() - before;
  // The mail INSERT only: the success's counter reset and audit row are
  // one transaction anyway (the attempt was reserved before the KDF).
  EXPECT_EQ(notification_on, without_notifier + 1);
}

TEST_F(SecurityMailTest, UnverifiedAddressGetsNoMail) {
  config_.mail.login_notification = true;
  Rebuild();
  MakeUser("uma", /*verified=*/false);
  EXPECT_EQ(Login("uma", kPassword).status, AuthStatus::kOk);
  for (uint32_t i = 0; i < config_.lockout.max_failures; ++i) {
    Login("uma", "wrong");
  }
  EXPECT_EQ(Events("account_locked"), 1);
  EXPECT_TRUE(Outbox().empty());
}

TEST_F(SecurityMailTest, AMailThatCannotBeQueuedDoesNotChangeTheOutcome) {
  config_.mail.login_notification = true;
  Rebuild();
  const int64_t id = MakeUser("dora");
  // An address the outbox refuses (imported data, a hand edit).
  ASSERT_TRUE(conn()
                  .Execute("UPDATE users SET email = 'not an address' "
                           "WHERE id = ?",
                           {id})
                  .ok());
  EXPECT_EQ(Login("dora", kPassword).status, AuthStatus::kOk);
  AuthOutcome out;
  for (uint32_t i = 0; i < config_.lockout.max_failures; ++i) {
    out = Login("dora", "wrong");
  }
  EXPECT_EQ(out.status, AuthStatus::kBadCredentials);
  EXPECT_TRUE(out.lock_started);
  EXPECT_EQ(Login("dora", kPassword).status, AuthStatus::kLocked);
  EXPECT_EQ(Events("account_locked"), 1);
  EXPECT_EQ(Events("login_success"), 1);
  // Both were queued as (user, kind); rendering refuses the address, so
  // the rows are marked failed with the reason and nothing is sent.
  EXPECT_TRUE(Outbox().empty());
  auto rows = conn().Query(
      "SELECT kind, last_error FROM mail_outbox WHERE failed_at IS NOT NULL "
      "AND to_addr IS NULL ORDER BY id");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].str(0), "new_login");
  EXPECT_EQ((*rows)[1].str(0), "account_locked");
  for (const db::Row& r : *rows) {
    EXPECT_EQ(r.str(1).rfind("skipped: ", 0), 0u) << r.str(1);
  }
}

class TotpMailTest : public SecurityMailTest {
 protected:
  void SetUp() override {
    SecurityMailTest::SetUp();
    if (HasFatalFailure()) return;
    Enrol();
  }
  void Enrol() {
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
  SecondFactorChallenge PasswordStep() {
    const AuthOutcome out = Login("tina", kPassword);
    EXPECT_EQ(out.status, AuthStatus::kSecondFactorNeeded);
    return out.challenge.value_or(SecondFactorChallenge{});
  }
  int64_t id_ = 0;
  Secret key_;
};

TEST_F(TotpMailTest, EachReplayQueuesOneReplayMail) {
  const std::string code = Code();
  EXPECT_EQ(auth().CompleteSecondFactor(PasswordStep(), code, ctx_).status,
            AuthStatus::kOk);
  EXPECT_TRUE(Outbox().empty()) << "notification is off";

  AuthOutcome out = auth().CompleteSecondFactor(PasswordStep(), code, ctx_);
  EXPECT_EQ(out.status, AuthStatus::kBadCredentials);
  EXPECT_TRUE(out.code_replayed);
  std::vector<QueuedMail> mails = Outbox();
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_EQ(mails[0].to, "tina@example.org");
  EXPECT_NE(mails[0].subject.find(kReplaySubject), std::string::npos)
      << mails[0].subject;
  EXPECT_NE(mails[0].body.find("203.0.113.5"), std::string::npos);

  // A second replay is a second event: a second mail.
  out = auth().CompleteSecondFactor(PasswordStep(), code, ctx_);
  EXPECT_TRUE(out.code_replayed);
  EXPECT_EQ(CountSubject(kReplaySubject), 2u);
  EXPECT_EQ(Events("totp_replayed"), 2);
  EXPECT_EQ(Outbox().size(), 2u);
}

TEST_F(TotpMailTest, NewLoginMailsOnceForPasswordAndCode) {
  config_.mail.login_notification = true;
  Rebuild();
  const SecondFactorChallenge ch = PasswordStep();
  EXPECT_TRUE(Outbox().empty()) << "the password step alone is no login";
  EXPECT_EQ(auth().CompleteSecondFactor(ch, Code(), ctx_).status,
            AuthStatus::kOk);
  EXPECT_EQ(CountSubject(kNewLoginSubject), 1u);
  EXPECT_EQ(Outbox().size(), 1u);
}

TEST_F(TotpMailTest, WrongCodesThatLockQueueOneLockedMail) {
  const SecondFactorChallenge ch = PasswordStep();
  const std::string right = Code();
  const std::string wrong = right == "123456" ? "654321" : "123456";
  AuthOutcome out;
  for (uint32_t i = 0; i < config_.lockout.max_failures; ++i) {
    out = auth().CompleteSecondFactor(ch, wrong, ctx_);
  }
  EXPECT_TRUE(out.lock_started);
  EXPECT_EQ(auth().CompleteSecondFactor(ch, right, ctx_).status,
            AuthStatus::kLocked);
  const std::vector<QueuedMail> mails = Outbox();
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_EQ(mails[0].to, "tina@example.org");
  EXPECT_NE(mails[0].subject.find(kLockedSubject), std::string::npos);
}

}  // namespace
}  // namespace latchkey
