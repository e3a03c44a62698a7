#include "latchkey/account/invitation.h"

#include <utility>

#include "account/lifecycle_internal.h"
#include "latchkey/auth/security_notifier.h"
#include "latchkey/config/config.h"
#include "latchkey/mail/mail.h"
#include "latchkey/mail/mail_texts.h"

namespace latchkey {
namespace {

constexpr std::string_view kAdminRole = "admin";

// "1h", "90m", "45s": the validity as audited and shown.
std::string ValidityText(Seconds validity) {
  const int64_t s = validity.count();
  if (s % 3600 == 0) return std::to_string(s / 3600) + "h";
  if (s % 60 == 0) return std::to_string(s / 60) + "m";
  return std::to_string(s) + "s";
}

Status CheckValidity(Seconds validity) {
  if (validity < kResetLinkMinValidity) {
    return InvalidArgument("the validity must be at least 1 minute");
  }
  if (validity > kResetLinkMaxValidity) {
    return InvalidArgument("the validity must be at most 24 hours");
  }
  return Status::Ok();
}

std::string Quoted(std::string_view text) {
  return "'" + std::string(text) + "'";
}

}  // namespace

Result<Seconds> ParseResetLinkValidity(std::string_view text) {
  Result<Millis> parsed = ParseDuration(text);
  if (!parsed.ok()) {
    return InvalidArgument(
        "the validity must be a duration such as 30m, 1h "
        "or 24h (got " +
        Quoted(text.substr(0, 32)) + ")");
  }
  const Seconds validity = std::chrono::duration_cast<Seconds>(*parsed);
  if (Status s = CheckValidity(validity); !s.ok()) {
    return InvalidArgument(std::string(s.message()) + " (got " +
                           Quoted(text.substr(0, 32)) + ")");
  }
  return validity;
}

AccountLinks::AccountLinks(Services& services) : s_(services) {}

Status AccountLinks::RequireActive(const User& user) {
  if (user.is_active) return Status::Ok();
  return FailedPrecondition(Quoted(user.username) +
                            " is deactivated: activate the account first");
}

Status AccountLinks::SendResetMail(const User& user, const AdminActor& actor) {
  LK_RETURN_IF_ERROR(RequireActive(user));
  LK_ASSIGN_OR_RETURN(db::Transaction tx, db::Transaction::Start(s_.db()));
  LK_RETURN_IF_ERROR(internal::QueueResetMail(s_, user));
  LK_RETURN_IF_ERROR(s_.audit().Record(AuditEvent::kResetMailSent, user.id,
                                       user.username, actor.ctx,
                                       AuditOutcome::kOk, "by " + actor.name));
  if (user.HasRole(kAdminRole)) {
    LK_RETURN_IF_ERROR(s_.security_notifier().AdminTargeted(
        user, AdminNoticeAction::kResetMail, actor.name, actor.ctx));
  }
  return tx.Commit();
}

Result<IssuedResetLink> AccountLinks::IssueResetLink(const User& user,
                                                     Seconds validity,
                                                     const AdminActor& actor) {
  LK_RETURN_IF_ERROR(CheckValidity(validity));
  LK_RETURN_IF_ERROR(RequireActive(user));
  IssuedResetLink out;
  out.expires_at = s_.clock().NowUnix() + validity.count();
  LK_ASSIGN_OR_RETURN(db::Transaction tx, db::Transaction::Start(s_.db()));
  LK_ASSIGN_OR_RETURN(
      Secret token, s_.tokens().Issue(user.id, TokenPurpose::kReset, validity));
  LK_RETURN_IF_ERROR(s_.audit().Record(
      AuditEvent::kResetLinkIssued, user.id, user.username, actor.ctx,
      AuditOutcome::kOk,
      "valid " + ValidityText(validity) + " by " + actor.name));
  if (user.HasRole(kAdminRole)) {
    LK_RETURN_IF_ERROR(s_.security_notifier().AdminTargeted(
        user, AdminNoticeAction::kResetLink, actor.name, actor.ctx));
  }
  LK_RETURN_IF_ERROR(tx.Commit());
  std::string url = s_.config().portal.base_url + "/reset?token=";
  url.append(token.view());
  out.url = Secret::Take(url);
  return out;
}

Status AccountLinks::MailInvitation(const User& user) {
  LK_RETURN_IF_ERROR(
      s_.tokens().VoidOpen(user.id, TokenPurpose::kInvite).status());
  LK_ASSIGN_OR_RETURN(
      Secret token,
      s_.tokens().Issue(user.id, TokenPurpose::kInvite, kInvitationTokenTtl));
  MailOutbox outbox(s_.db(), s_.clock());
  return outbox
      .Enqueue(user.email,
               mail_texts::Invitation(s_.config(), user, token.view()))
      .status();
}

Result<int64_t> AccountLinks::Invite(const InvitationForm& form,
                                     const AdminActor& actor) {
  NewAccount account;
  account.username = form.username;
  account.email = form.email;
  account.full_name = form.full_name;
  account.roles = form.roles;
  account.is_active = false;       // until the invitee sets a password
  account.email_verified = false;  // until the link reaches the address
  account.password_mode = InitialPassword::kUnusable;
  // Its own transaction (UserStore::Create); the mail follows in another.
  // Should queueing fail, the account waits, inactive, for a resend.
  UserAdmin admin(s_);
  LK_ASSIGN_OR_RETURN(CreatedAccount created, admin.Create(account, actor));
  LK_ASSIGN_OR_RETURN(std::optional<User> user,
                      s_.users().FindById(created.id));
  if (!user) return Internal("the new account vanished");
  LK_ASSIGN_OR_RETURN(db::Transaction tx, db::Transaction::Start(s_.db()));
  LK_RETURN_IF_ERROR(MailInvitation(*user));
  LK_RETURN_IF_ERROR(s_.audit().Record(AuditEvent::kUserInvited, user->id,
                                       user->username, actor.ctx,
                                       AuditOutcome::kOk, "by " + actor.name));
  LK_RETURN_IF_ERROR(tx.Commit());
  return created.id;
}

Status AccountLinks::ResendInvitation(const User& user,
                                      const AdminActor& actor) {
  if (user.email_verified()) {
    return FailedPrecondition(
        Quoted(user.username) +
        " has already accepted the invitation (send a reset mail instead)");
  }
  LK_ASSIGN_OR_RETURN(
      std::vector<db::Row> invited,
      s_.db().Query("SELECT 1 FROM tokens WHERE user_id = ? AND purpose = ? "
                    "LIMIT 1",
                    {user.id, TokenPurposeName(TokenPurpose::kInvite)}));
  if (invited.empty()) {
    return FailedPrecondition(Quoted(user.username) +
                              " was not invited (send a reset mail instead)");
  }
  LK_ASSIGN_OR_RETURN(db::Transaction tx, db::Transaction::Start(s_.db()));
  LK_RETURN_IF_ERROR(MailInvitation(user));
  LK_RETURN_IF_ERROR(s_.audit().Record(
      AuditEvent::kUserInvited, user.id, user.username, actor.ctx,
      AuditOutcome::kOk, "again by " + actor.name));
  return tx.Commit();
}

Result<LinkState> AccountLinks::CheckInvitation(std::string_view token) {
  LK_ASSIGN_OR_RETURN(TokenPeek peek,
                      s_.tokens().Peek(token, TokenPurpose::kInvite));
  return internal::LinkStateOf(peek.state);
}

Result<ResetResult> AccountLinks::AcceptInvitation(std::string_view token,
                                                   const Secret& password,
                                                   const Secret& confirm,
                                                   const AuthContext& ctx) {
  ResetResult out;
  LK_ASSIGN_OR_RETURN(TokenPeek peek,
                      s_.tokens().Peek(token, TokenPurpose::kInvite));
  out.link = internal::LinkStateOf(peek.state);
  if (out.link != LinkState::kOk) return out;
  LK_ASSIGN_OR_RETURN(std::optional<User> user,
                      s_.users().FindById(peek.user_id.value_or(0)));
  if (!user) {
    out.link = LinkState::kInvalid;
    return out;
  }
  out.errors = internal::CheckNewPassword(s_, *user, password, confirm);
  if (!out.errors.empty()) return out;

  LK_ASSIGN_OR_RETURN(
      bool set, internal::SetPasswordByLink(s_, token, TokenPurpose::kInvite,
                                            user->id, password, ctx,
                                            "accepting an invitation", out));
  if (!set) return out;
  LK_ASSIGN_OR_RETURN(db::Transaction tx, db::Transaction::Start(s_.db()));
  if (!user->email_verified()) {
    LK_RETURN_IF_ERROR(s_.users().MarkEmailVerified(user->id));
  }
  if (!user->is_active) {
    LK_RETURN_IF_ERROR(s_.users().SetActive(user->id, true));
  }
  LK_RETURN_IF_ERROR(s_.audit().Record(AuditEvent::kInvitationAccepted,
                                       user->id, user->username, ctx,
                                       AuditOutcome::kOk, "password set"));
  LK_RETURN_IF_ERROR(tx.Commit());
  return out;
}

}  // namespace latchkey
