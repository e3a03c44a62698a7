#include "latchkey/account/email_change.h"

#include "account/lifecycle_internal.h"
#include "latchkey/mail/mail.h"
#include "latchkey/mail/mail_texts.h"

namespace latchkey {

EmailChange::EmailChange(Services& services) : s_(services) {}

Result<FieldErrors> EmailChange::Request(int64_t user_id,
                                         std::string_view new_email,
                                         const AuthContext& ctx) {
  FieldErrors errors;
  LK_ASSIGN_OR_RETURN(std::optional<User> user, s_.users().FindById(user_id));
  if (!user) return NotFound("no user with id " + std::to_string(user_id));
  Result<std::string> address = NormalizeEmail(new_email);
  if (!address.ok()) {
    errors.Add("email", "Enter a valid email address.");
    return errors;
  }
  if (*address == user->email) {
    errors.Add("email", "That is already your address.");
    return errors;
  }
  RateLimiter limiter(s_.db(), s_.clock());
  LK_RETURN_IF_ERROR(internal::RequireWithinLimit(limiter, "email-change:user",
                                                  std::to_string(user_id),
                                                  kEmailChangePerUser));
  MailOutbox outbox(s_.db(), s_.clock());
  LK_ASSIGN_OR_RETURN(std::optional<User> owner,
                      s_.users().FindByEmail(*address));
  if (owner) {
    LK_ASSIGN_OR_RETURN(bool mail, limiter.Hit("email-in-use:" + *address,
                                               kEmailInUseMailsPerAddress));
    if (mail) {
      LK_RETURN_IF_ERROR(
          outbox.Enqueue(*address, mail_texts::EmailInUse(s_.config()))
              .status());
    }
    return errors;
  }
  LK_ASSIGN_OR_RETURN(db::Transaction tx, db::Transaction::Start(s_.db()));
  LK_RETURN_IF_ERROR(
      s_.tokens().VoidOpen(user->id, TokenPurpose::kEmailChange).status());
  LK_ASSIGN_OR_RETURN(Secret token,
                      s_.tokens().Issue(user->id, TokenPurpose::kEmailChange,
                                        kEmailChangeTokenTtl, *address));
  LK_RETURN_IF_ERROR(
      outbox
          .Enqueue(*address, mail_texts::EmailChangeConfirm(
                                 s_.config(), *user, *address, token.view()))
          .status());
  LK_RETURN_IF_ERROR(
      outbox
          .Enqueue(user->email,
                   mail_texts::EmailChangeNotice(s_.config(), *user, *address))
          .status());
  LK_RETURN_IF_ERROR(tx.Commit());
  LK_RETURN_IF_ERROR(s_.audit().Record(AuditEvent::kUserUpdated, user->id,
                                       user->username, ctx, AuditOutcome::kOk,
                                       "email change requested"));
  return errors;
}

Result<LinkState> EmailChange::Confirm(std::string_view token,
                                       const AuthContext& ctx) {
  LK_ASSIGN_OR_RETURN(
      internal::LinkUse link,
      internal::UseLink(s_.tokens(), token, TokenPurpose::kEmailChange));
  if (!link.used) return link.failed;
  const ConsumedToken& used = *link.used;
  LK_ASSIGN_OR_RETURN(std::optional<User> user,
                      s_.users().FindById(used.user_id));
  if (!user || !user->is_active || !used.payload) return LinkState::kInvalid;
  Status set = s_.users().SetEmail(user->id, *used.payload, true);
  if (set.code() == StatusCode::kAlreadyExists) {
    return AlreadyExists(
        "that email address is already registered to another account");
  }
  LK_RETURN_IF_ERROR(set);
  LK_RETURN_IF_ERROR(s_.audit().Record(AuditEvent::kEmailChanged, user->id,
                                       user->username, ctx, AuditOutcome::kOk,
                                       "confirmed by link"));
  return LinkState::kOk;
}

}  // namespace latchkey
