#include "account/lifecycle_internal.h"

#include "latchkey/mail/mail.h"
#include "latchkey/mail/mail_texts.h"
#include "latchkey/services/services.h"

namespace latchkey::internal {
namespace {

// The state of a token that could not be consumed: used, expired or
// invalid. Errors: db errors.
Result<LinkState> FailedLinkState(TokenStore& tokens, std::string_view token,
                                  TokenPurpose purpose) {
  LK_ASSIGN_OR_RETURN(TokenPeek peek, tokens.Peek(token, purpose));
  switch (peek.state) {
    case TokenState::kUsed:
      return LinkState::kUsed;
    case TokenState::kExpired:
      return LinkState::kExpired;
    case TokenState::kValid:  // raced with a use that has not finished
    case TokenState::kUnknown:
      break;
  }
  return peek.state == TokenState::kValid ? LinkState::kUsed
                                          : LinkState::kInvalid;
}

}  // namespace

Status QueueResetMail(Services& s, const User& user) {
  LK_ASSIGN_OR_RETURN(
      Secret token,
      s.tokens().Issue(user.id, TokenPurpose::kReset, kResetTokenTtl));
  MailOutbox outbox(s.db(), s.clock());
  return outbox
      .Enqueue(user.email,
               mail_texts::PasswordReset(s.config(), user, token.view()))
      .status();
}

FieldErrors CheckNewPassword(Services& s, const User& user,
                             const Secret& password, const Secret& confirm) {
  FieldErrors errors;
  if (password.empty()) {
    errors.Add("password", "Choose a new password.");
  } else if (Status st =
                 s.policy().Check(password.view(), user.username, user.email);
             !st.ok()) {
    errors.Add("password", Sentence(st.message()));
  }
  if (!ConstantTimeEquals(password.view(), confirm.view())) {
    errors.Add("confirm", "The passwords do not match.");
  }
  return errors;
}

Result<bool> SetPasswordByLink(Services& s, std::string_view token,
                               TokenPurpose purpose, int64_t user_id,
                               const Secret& password, const AuthContext& ctx,
                               std::string_view note, ResetResult& out) {
  LK_ASSIGN_OR_RETURN(LinkUse link, UseLink(s.tokens(), token, purpose));
  if (!link.used || link.used->user_id != user_id) {
    out.link = link.used ? LinkState::kInvalid : link.failed;
    return false;
  }
  PasswordChangeOptions options;
  options.is_reset = true;
  options.audit_note = std::string(note);
  Status changed =
      s.accounts().ChangePassword(user_id, password, nullptr, ctx, options);
  if (changed.code() == StatusCode::kInvalidArgument) {
    // The policy said yes a moment ago; only a racing change of the
    // username or email could make it say no now.
    out.errors.Add("password", Sentence(changed.message()));
    return false;
  }
  LK_RETURN_IF_ERROR(changed);
  return true;
}

LinkState LinkStateOf(TokenState state) {
  switch (state) {
    case TokenState::kValid:
      return LinkState::kOk;
    case TokenState::kUsed:
      return LinkState::kUsed;
    case TokenState::kExpired:
      return LinkState::kExpired;
    case TokenState::kUnknown:
      break;
  }
  return LinkState::kInvalid;
}

Result<LinkUse> UseLink(TokenStore& tokens, std::string_view token,
                        TokenPurpose purpose) {
  LinkUse out;
  Result<ConsumedToken> used = tokens.Consume(token, purpose);
  if (used.ok()) {
    out.used = std::move(*used);
    return out;
  }
  const StatusCode code = used.status().code();
  if (code != StatusCode::kNotFound &&
      code != StatusCode::kFailedPrecondition) {
    return used.status();
  }
  LK_ASSIGN_OR_RETURN(out.failed, FailedLinkState(tokens, token, purpose));
  return out;
}

Status RequireWithinLimit(RateLimiter& limiter, std::string_view kind,
                          std::string_view subject, const RateLimit& limit) {
  if (subject.empty()) return Status::Ok();
  std::string key(kind);
  key += ':';
  key += subject;
  LK_ASSIGN_OR_RETURN(bool allowed, limiter.Hit(key, limit));
  if (!allowed) return ResourceExhausted(kTooManyRequests);
  return Status::Ok();
}

}  // namespace latchkey::internal
