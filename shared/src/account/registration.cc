#include "latchkey/account/registration.h"

#include <algorithm>

#include "account/lifecycle_internal.h"
#include "latchkey/base/field_errors.h"
#include "latchkey/base/strings.h"
#include "latchkey/mail/mail.h"
#include "latchkey/mail/mail_texts.h"

namespace latchkey {
namespace {}  // namespace

Registration::Registration(Services& services) : s_(services) {}

Result<FieldErrors> Registration::Register(const RegistrationForm& form,
                                           const AuthContext& ctx) {
  switch (s_.config().portal.registration) {
    case RegistrationMode::kOpen:
      break;
    case RegistrationMode::kClosed:
      return PermissionDenied("registration is closed");
    case RegistrationMode::kInvite:
      return PermissionDenied(
          "accounts are by invitation only: ask an administrator for an "
          "invitation");
  }

  FieldErrors errors;
  if (form.full_name.empty()) {
    errors.Add("full_name", "Enter your name.");
  } else if (Status st = ValidateFullName(form.full_name); !st.ok()) {
    errors.Add("full_name", Sentence(st.message()));
  }
  if (form.username.empty()) {
    errors.Add("username", "Choose a username.");
  } else if (Status st = ValidateUsername(
                 form.username, s_.config().nss.local_passwd_file,
                 s_.config().security.reserved_names_file);
             !st.ok()) {
    // The reserved-names file unreadable: the site's list, not the name.
    if (st.code() != StatusCode::kInvalidArgument) return st;
    errors.Add("username", Sentence(st.message()));
  }
  Result<std::string> email = NormalizeEmail(form.email);
  if (!email.ok()) errors.Add("email", "Enter a valid email address.");
  if (form.password.empty()) {
    errors.Add("password", "Choose a password.");
  } else if (Status st = s_.policy().Check(form.password.view(), form.username,
                                           email.ok() ? *email : form.email);
             !st.ok()) {
    errors.Add("password", Sentence(st.message()));
  }
  if (!ConstantTimeEquals(form.password.view(), form.confirm.view())) {
    errors.Add("confirm", "The passwords do not match.");
  }
  if (!errors.Has("username")) {
    LK_ASSIGN_OR_RETURN(std::optional<User> taken,
                        s_.users().FindByUsername(form.username));
    if (taken) errors.Add("username", "That username is taken.");
  }
  if (!errors.empty()) return errors;

  // From here on the answer is the same whether or not the address is
  // registered, and so is the work: the KDF runs in both cases.
  LK_ASSIGN_OR_RETURN(std::string hash, s_.hasher().Hash(form.password.view()));
  LK_ASSIGN_OR_RETURN(std::optional<User> owner,
                      s_.users().FindByEmail(*email));
  MailOutbox outbox(s_.db(), s_.clock());
  RateLimiter limiter(s_.db(), s_.clock());
  const auto tell_owner = [&]() -> Result<FieldErrors> {
    LK_ASSIGN_OR_RETURN(bool mail, limiter.Hit("register-attempt:" + *email,
                                               kAttemptMailsPerAddress));
    if (mail) {
      LK_RETURN_IF_ERROR(
          outbox.Enqueue(*email, mail_texts::RegistrationAttempt(s_.config()))
              .status());
    }
    return FieldErrors{};
  };
  if (owner) return tell_owner();

  NewUser user;
  user.username = form.username;
  user.email = *email;
  user.full_name = form.full_name;
  user.password_hash = std::move(hash);
  user.is_active = true;
  user.email_verified = false;
  Result<int64_t> id = s_.users().Create(user);
  if (!id.ok()) {
    // A racing registration took the name or the address in between.
    if (id.status().code() == StatusCode::kAlreadyExists) {
      if (id.status().message().find("email") != std::string::npos) {
        return tell_owner();
      }
      errors.Add("username", "That username is taken.");
      return errors;
    }
    return id.status();
  }
  LK_RETURN_IF_ERROR(s_.audit().Record(AuditEvent::kUserCreated, *id,
                                       form.username, ctx, AuditOutcome::kOk,
                                       "self-registration"));
  LK_ASSIGN_OR_RETURN(std::optional<User> created, s_.users().FindById(*id));
  if (!created) return Internal("the new account vanished");
  LK_RETURN_IF_ERROR(SendActivation(*created));
  return FieldErrors{};
}

Status Registration::SendActivation(const User& user) {
  RateLimiter limiter(s_.db(), s_.clock());
  LK_ASSIGN_OR_RETURN(bool allowed,
                      limiter.Hit("activation:user:" + std::to_string(user.id),
                                  kActivationMailsPerUser));
  if (!allowed) return Status::Ok();  // capped silently
  LK_RETURN_IF_ERROR(
      s_.tokens().VoidOpen(user.id, TokenPurpose::kActivate).status());
  LK_ASSIGN_OR_RETURN(
      Secret token,
      s_.tokens().Issue(user.id, TokenPurpose::kActivate, kActivationTokenTtl));
  MailOutbox outbox(s_.db(), s_.clock());
  return outbox
      .Enqueue(user.email,
               mail_texts::Activation(s_.config(), user, token.view()))
      .status();
}

Result<LinkState> Registration::CheckActivation(std::string_view token) {
  LK_ASSIGN_OR_RETURN(TokenPeek peek,
                      s_.tokens().Peek(token, TokenPurpose::kActivate));
  return internal::LinkStateOf(peek.state);
}

Result<LinkState> Registration::Activate(std::string_view token,
                                         const AuthContext& ctx) {
  LK_ASSIGN_OR_RETURN(
      internal::LinkUse link,
      internal::UseLink(s_.tokens(), token, TokenPurpose::kActivate));
  if (!link.used) return link.failed;
  LK_ASSIGN_OR_RETURN(std::optional<User> user,
                      s_.users().FindById(link.used->user_id));
  if (!user) return LinkState::kInvalid;
  if (!user->email_verified()) {
    LK_RETURN_IF_ERROR(s_.users().MarkEmailVerified(user->id));
  }
  LK_RETURN_IF_ERROR(s_.audit().Record(AuditEvent::kEmailVerified, user->id,
                                       user->username, ctx, AuditOutcome::kOk,
                                       "activation link"));
  return LinkState::kOk;
}

Status Registration::ResendActivation(std::string_view login,
                                      const AuthContext& ctx) {
  RateLimiter limiter(s_.db(), s_.clock());
  const std::string key = AsciiLower(login.substr(0, 254));
  LK_RETURN_IF_ERROR(internal::RequireWithinLimit(limiter, "resend:ip",
                                                  ctx.rhost, kResendPerIp));
  LK_RETURN_IF_ERROR(internal::RequireWithinLimit(limiter, "resend:login", key,
                                                  kResendPerLogin));
  if (login.empty()) return Status::Ok();
  LK_ASSIGN_OR_RETURN(std::optional<User> user, s_.users().FindByLogin(login));
  if (!user || !user->is_active || user->email_verified()) return Status::Ok();
  return SendActivation(*user);
}

}  // namespace latchkey
