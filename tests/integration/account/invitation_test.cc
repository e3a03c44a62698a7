// AccountLinks against a real database: an admin's reset mail and
// one-time reset link (bounds, audit, admin notices, one use), invitations
// (UserAdmin::Create's checks, the mail, acceptance, used/expired/replaced
// links, resend) and [portal] registration = invite.
#include "latchkey/account/invitation.h"

#include <gtest/gtest.h>

#include <chrono>

#include "latchkey/account/registration.h"
#include "support/services_test.h"
#include "support/smtp_server.h"

namespace latchkey {
namespace {

using std::chrono::seconds;
using testing::TokenFromLink;

constexpr char kNew[] = "Quiet-Lantern-97-Meadow";
constexpr char kBase[] = "https://accounts.example.org";
constexpr char kNoticeSubject[] =
    "[latchkey] An administrator account was changed";

class AccountLinksTest : public testing::ServicesTest {
 protected:
  void SetUp() override {
    ServicesTest::SetUp();
    if (HasFatalFailure()) return;
    alice_ = MakeUser("alice");
    boss_ = MakeUser("boss");
    ASSERT_TRUE(s().users().AddRole(boss_, "admin").ok());
    actor_.ctx.service = "portal";
    actor_.name = "boss";
    actor_.account_id = boss_;
  }
  std::string LastAuditDetail(AuditEvent event) {
    AuditFilter f;
    f.event = event;
    auto rows = s().audit().Query(f);
    EXPECT_TRUE(rows.ok());
    return rows.ok() && !rows->empty() ? rows->back().detail : "";
  }
  std::string TokenOf(const Secret& url) {
    return TokenFromLink(url.view(), std::string(kBase) + "/reset");
  }
  bool PasswordIs(int64_t id, const std::string& password) {
    auto ok = s().hasher().Verify(password, Load(id).password_hash);
    return ok.ok() && *ok;
  }
  InvitationForm Form(const std::string& name) {
    InvitationForm f;
    f.username = name;
    f.email = name + "@example.org";
    f.full_name = "Ina Vited";
    return f;
  }
  std::string InviteToken(const std::string& to) {
    const auto mails = Outbox(to);
    return mails.empty() ? ""
                         : TokenFromLink(mails.back().body,
                                         std::string(kBase) + "/invite");
  }

  int64_t alice_ = 0;
  int64_t boss_ = 0;
  AdminActor actor_;
};

TEST_F(AccountLinksTest, ValidityIsParsedAndBounded) {
  EXPECT_EQ(*ParseResetLinkValidity("1h"), seconds(3600));
  EXPECT_EQ(*ParseResetLinkValidity("30m"), seconds(1800));
  EXPECT_EQ(*ParseResetLinkValidity("24h"), seconds(86400));
  for (const char* bad : {"25h", "2d", "0", "0s", "-1h", "30s", "soon", ""}) {
    Result<Seconds> r = ParseResetLinkValidity(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_TRUE(r.status().message().starts_with("the validity must be"))
        << r.status().message();
  }
  EXPECT_EQ(ParseResetLinkValidity("2d").status().message(),
            "the validity must be at most 24 hours (got '2d')");
  AccountLinks links(s());
  const User alice = Load(alice_);
  for (const Seconds bad : {seconds(0), seconds(-60), seconds(86401)}) {
    EXPECT_EQ(links.IssueResetLink(alice, bad, actor_).status().code(),
              StatusCode::kInvalidArgument);
  }
  EXPECT_EQ(CountRows("tokens"), 0);
}

TEST_F(AccountLinksTest, ResetLinkIsShownOnceWorksOnceAndIsAudited) {
  AccountLinks links(s());
  const User alice = Load(alice_);
  const int64_t now = clock_.NowUnix();
  auto link = links.IssueResetLink(alice, kResetLinkDefaultValidity, actor_);
  ASSERT_TRUE(link.ok()) << link.status().ToString();
  EXPECT_TRUE(
      link->url.view().starts_with(std::string(kBase) + "/reset?token="));
  EXPECT_EQ(link->expires_at, now + 3600);
  const std::string token = TokenOf(link->url);
  ASSERT_EQ(token.size(), 43u);
  // Never audited or logged, never mailed to the user.
  EXPECT_EQ(CountRows("tokens"), 1);
  EXPECT_EQ(LastAuditDetail(AuditEvent::kResetLinkIssued), "valid 1h by boss");
  for (const std::string& line : sink_.lines()) {
    EXPECT_EQ(line.find(token), std::string::npos) << line;
  }
  EXPECT_TRUE(Outbox().empty());  // alice is no admin: nobody is mailed

  // The ordinary reset page takes it, once.
  PasswordReset reset(s());
  auto done = reset.Reset(token, Secret(kNew), Secret(kNew), ctx_);
  ASSERT_TRUE(done.ok());
  EXPECT_TRUE(done->ok());
  EXPECT_TRUE(PasswordIs(alice_, kNew));
  auto again = reset.Reset(token, Secret(kNew), Secret(kNew), ctx_);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->link, LinkState::kUsed);
}

TEST_F(AccountLinksTest, ResetLinkExpiresAtItsValidity) {
  AccountLinks links(s());
  auto link = links.IssueResetLink(Load(alice_), seconds(1800), actor_);
  ASSERT_TRUE(link.ok());
  EXPECT_EQ(LastAuditDetail(AuditEvent::kResetLinkIssued), "valid 30m by boss");
  PasswordReset reset(s());
  clock_.Advance(seconds(1799));
  EXPECT_EQ(*reset.CheckLink(TokenOf(link->url)), LinkState::kOk);
  clock_.Advance(seconds(2));
  EXPECT_EQ(*reset.CheckLink(TokenOf(link->url)), LinkState::kExpired);
}

TEST_F(AccountLinksTest, ResetMailIsTheForgotMailAuditedWithTheAdmin) {
  AccountLinks links(s());
  ASSERT_TRUE(links.SendResetMail(Load(alice_), actor_).ok());
  const auto mails = Outbox("alice@example.org");
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_EQ(mails[0].subject, "[latchkey] Reset your password");
  const std::string token =
      TokenFromLink(mails[0].body, std::string(kBase) + "/reset");
  EXPECT_EQ(token.size(), 43u);
  EXPECT_EQ(LastAuditDetail(AuditEvent::kResetMailSent), "by boss");
  PasswordReset reset(s());
  EXPECT_EQ(*reset.CheckLink(token), LinkState::kOk);
  clock_.Advance(kResetTokenTtl + seconds(1));
  EXPECT_EQ(*reset.CheckLink(token), LinkState::kExpired);
}

TEST_F(AccountLinksTest, EitherActionOnAnAdminMailsEveryAdmin) {
  const int64_t carol = MakeUser("carol");
  ASSERT_TRUE(s().users().AddRole(carol, "admin").ok());
  AccountLinks links(s());
  ASSERT_TRUE(links.SendResetMail(Load(carol), actor_).ok());
  ASSERT_TRUE(
      links.IssueResetLink(Load(carol), seconds(600), actor_).status().ok());
  for (const char* admin : {"boss@example.org", "carol@example.org"}) {
    int notices = 0;
    for (const auto& m : Outbox(admin)) {
      if (m.subject != kNoticeSubject) continue;
      ++notices;
      EXPECT_NE(m.body.find("\"carol\""), std::string::npos) << m.body;
      EXPECT_NE(m.body.find("boss"), std::string::npos) << m.body;
    }
    EXPECT_EQ(notices, 2) << admin;
  }
  EXPECT_TRUE(Outbox("alice@example.org").empty());
}

TEST_F(AccountLinksTest, ADeactivatedAccountGetsNeither) {
  const int64_t gone = MakeUser("gone", true, /*active=*/false);
  AccountLinks links(s());
  Status mail = links.SendResetMail(Load(gone), actor_);
  EXPECT_EQ(mail.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(mail.message(),
            "'gone' is deactivated: activate the account first");
  EXPECT_EQ(
      links.IssueResetLink(Load(gone), seconds(3600), actor_).status().code(),
      StatusCode::kFailedPrecondition);
  EXPECT_EQ(CountRows("tokens"), 0);
  EXPECT_EQ(Events("reset_mail_sent") + Events("reset_link_issued"), 0);
}

TEST_F(AccountLinksTest, InvitationCreatesAnUnusableAccountAndMailsTheLink) {
  AccountLinks links(s());
  InvitationForm form = Form("ina");
  form.roles = {"user", "admin"};
  auto id = links.Invite(form, actor_);
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  const User ina = Load(*id);
  EXPECT_FALSE(ina.is_active);
  EXPECT_FALSE(ina.email_verified());
  EXPECT_EQ(ina.full_name, "Ina Vited");
  EXPECT_TRUE(ina.HasRole("admin"));
  EXPECT_FALSE(PasswordIs(*id, testing::kTestPassword));
  EXPECT_EQ(LastAuditDetail(AuditEvent::kUserInvited), "by boss");
  EXPECT_EQ(LastAuditDetail(AuditEvent::kUserCreated),
            "without a usable password by boss");
  const auto mails = Outbox("ina@example.org");
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_EQ(mails[0].subject,
            "[latchkey] You are invited: choose your password");
  EXPECT_NE(mails[0].body.find("valid for 7 days"), std::string::npos)
      << mails[0].body;
  const std::string token = InviteToken("ina@example.org");
  ASSERT_EQ(token.size(), 43u);
  EXPECT_EQ(*links.CheckInvitation(token), LinkState::kOk);
  // An invitation is not a reset link.
  PasswordReset reset(s());
  EXPECT_EQ(*reset.CheckLink(token), LinkState::kInvalid);

  // A bad form does not use the link up.
  auto weak =
      links.AcceptInvitation(token, Secret("short"), Secret("short"), ctx_);
  ASSERT_TRUE(weak.ok());
  EXPECT_EQ(weak->link, LinkState::kOk);
  EXPECT_FALSE(weak->errors.Get("password").empty());
  auto mismatch =
      links.AcceptInvitation(token, Secret(kNew), Secret("other"), ctx_);
  ASSERT_TRUE(mismatch.ok());
  EXPECT_EQ(mismatch->errors.Get("confirm"), "The passwords do not match.");
  EXPECT_EQ(*links.CheckInvitation(token), LinkState::kOk);

  auto accepted =
      links.AcceptInvitation(token, Secret(kNew), Secret(kNew), ctx_);
  ASSERT_TRUE(accepted.ok()) << accepted.status().ToString();
  EXPECT_TRUE(accepted->ok());
  const User now = Load(*id);
  EXPECT_TRUE(now.is_active);
  EXPECT_TRUE(now.email_verified());
  EXPECT_TRUE(PasswordIs(*id, kNew));
  EXPECT_EQ(Events("invitation_accepted"), 1);
  auto twice = links.AcceptInvitation(token, Secret(kNew), Secret(kNew), ctx_);
  ASSERT_TRUE(twice.ok());
  EXPECT_EQ(twice->link, LinkState::kUsed);
  EXPECT_EQ(*links.CheckInvitation(token), LinkState::kUsed);
  // Accepted: a resend is refused.
  Status resend = links.ResendInvitation(now, actor_);
  EXPECT_EQ(resend.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(resend.message(),
            "'ina' has already accepted the invitation (send a reset mail "
            "instead)");
}

TEST_F(AccountLinksTest, InvitationRefusalsAreThoseOfCreate) {
  AccountLinks links(s());
  struct Case {
    InvitationForm form;
    StatusCode code;
    std::string message;
  };
  InvitationForm taken_name = Form("alice");
  taken_name.email = "other@example.org";
  InvitationForm taken_email = Form("newbie");
  taken_email.email = "Alice@Example.org";
  InvitationForm reserved = Form("root");
  InvitationForm bad_email = Form("nomail");
  bad_email.email = "not an address";
  InvitationForm bad_role = Form("roleless");
  bad_role.roles = {"nosuchrole"};
  const Case cases[] = {
      {taken_name, StatusCode::kAlreadyExists,
       "a user named 'alice' already exists"},
      {taken_email, StatusCode::kAlreadyExists,
       "a user with the email 'alice@example.org' already exists"},
      {reserved, StatusCode::kInvalidArgument,
       "the username 'root' is reserved for a system account"},
      {bad_email, StatusCode::kInvalidArgument, ""},
      {bad_role, StatusCode::kNotFound, "no role named 'nosuchrole'"},
  };
  for (const Case& c : cases) {
    auto id = links.Invite(c.form, actor_);
    ASSERT_FALSE(id.ok()) << c.form.username;
    EXPECT_EQ(id.status().code(), c.code) << id.status().ToString();
    if (!c.message.empty()) {
      EXPECT_EQ(id.status().message(), c.message);
    } else {
      EXPECT_TRUE(id.status().message().starts_with("email: "))
          << id.status().message();
    }
  }
  EXPECT_EQ(Events("user_invited"), 0);
  EXPECT_TRUE(Outbox().empty());
}

TEST_F(AccountLinksTest, ResendVoidsTheOldLinkAndExpiredLinksSaySo) {
  AccountLinks links(s());
  auto id = links.Invite(Form("ina"), actor_);
  ASSERT_TRUE(id.ok());
  const std::string first = InviteToken("ina@example.org");
  ASSERT_TRUE(links.ResendInvitation(Load(*id), actor_).ok());
  EXPECT_EQ(LastAuditDetail(AuditEvent::kUserInvited), "again by boss");
  const std::string second = InviteToken("ina@example.org");
  ASSERT_NE(first, second);
  EXPECT_EQ(*links.CheckInvitation(first), LinkState::kUsed);
  auto old = links.AcceptInvitation(first, Secret(kNew), Secret(kNew), ctx_);
  ASSERT_TRUE(old.ok());
  EXPECT_EQ(old->link, LinkState::kUsed);
  EXPECT_EQ(*links.CheckInvitation(second), LinkState::kOk);
  clock_.Advance(kInvitationTokenTtl + seconds(1));
  EXPECT_EQ(*links.CheckInvitation(second), LinkState::kExpired);
  auto late = links.AcceptInvitation(second, Secret(kNew), Secret(kNew), ctx_);
  ASSERT_TRUE(late.ok());
  EXPECT_EQ(late->link, LinkState::kExpired);
  EXPECT_FALSE(Load(*id).is_active);
  EXPECT_EQ(*links.CheckInvitation("not-a-token"), LinkState::kInvalid);
  // An account that was never invited (self-registered, unverified).
  const int64_t self = MakeUser("selfreg", /*verified=*/false);
  Status never = links.ResendInvitation(Load(self), actor_);
  EXPECT_EQ(never.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(never.message(),
            "'selfreg' was not invited (send a reset mail instead)");
}

// [portal] registration: open signs up, closed and invite refuse with their
// own sentence; an invitation works whatever the mode.
class RegistrationModeTest : public testing::ServicesTest {
 protected:
  Result<FieldErrors> SignUp(RegistrationMode mode, const std::string& name) {
    config_.portal.registration = mode;
    Rebuild();
    RegistrationForm f;
    f.full_name = "Sign Up";
    f.username = name;
    f.email = name + "@example.org";
    f.password = Secret(kNew);
    f.confirm = Secret(kNew);
    Registration reg(s());
    return reg.Register(f, ctx_);
  }
};

TEST_F(RegistrationModeTest, OpenClosedAndInvite) {
  auto open = SignUp(RegistrationMode::kOpen, "opener");
  ASSERT_TRUE(open.ok()) << open.status().ToString();
  EXPECT_TRUE(open->empty());
  EXPECT_TRUE(FindUser("opener").has_value());

  auto closed = SignUp(RegistrationMode::kClosed, "closer");
  EXPECT_EQ(closed.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(closed.status().message(), "registration is closed");

  auto invite = SignUp(RegistrationMode::kInvite, "inviter");
  EXPECT_EQ(invite.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(invite.status().message(),
            "accounts are by invitation only: ask an administrator for an "
            "invitation");
  EXPECT_FALSE(FindUser("closer").has_value());
  EXPECT_FALSE(FindUser("inviter").has_value());

  AdminActor actor;
  actor.name = "root (uid 0)";
  AccountLinks links(s());
  InvitationForm form;
  form.username = "invitee";
  form.email = "invitee@example.org";
  ASSERT_TRUE(links.Invite(form, actor).ok());
  EXPECT_TRUE(FindUser("invitee").has_value());
}

}  // namespace
}  // namespace latchkey
