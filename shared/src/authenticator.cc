#include "latchkey/authenticator.h"

#include "latchkey/encoding.h"
#include "latchkey/login_lookup.h"
#include "latchkey/name_on_host.h"

namespace latchkey {
namespace {

// The code with spaces removed; true if it is then 6 to 8 ASCII digits.
bool LooksLikeTotp(std::string_view code, std::string& compact) {
  compact.clear();
  for (char c : code) {
    if (c != ' ') compact.push_back(c);
  }
  if (compact.size() < 6 || compact.size() > 8) return false;
  for (char c : compact) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// Runs `steps` in one transaction, so the rows of one attempt cost one log
// flush; nothing is kept if a step fails.
template <typename Steps>
Status InOneTransaction(db::Connection& db, Steps&& steps) {
  LK_ASSIGN_OR_RETURN(db::Transaction tx, db::Transaction::Start(db));
  LK_RETURN_IF_ERROR(steps());
  return tx.Commit();
}

}  // namespace

std::string_view AuthStatusName(AuthStatus status) {
  switch (status) {
    case AuthStatus::kOk:
      return "ok";
    case AuthStatus::kBadCredentials:
      return "bad_credentials";
    case AuthStatus::kLocked:
      return "locked";
    case AuthStatus::kInactive:
      return "inactive";
    case AuthStatus::kUnverified:
      return "unverified";
    case AuthStatus::kExpired:
      return "expired";
    case AuthStatus::kUnavailable:
      return "unavailable";
    case AuthStatus::kThrottled:
      return "throttled";
    case AuthStatus::kSecondFactorNeeded:
      return "second_factor_needed";
  }
  return "unknown";
}

Authenticator::Authenticator(db::Connection& db, const Clock& clock,
                             const PasswordHasher& hasher, UserStore& users,
                             Throttle& throttle, SecondFactor& second_factor,
                             AuditLog& audit, SecurityNotifier* notifier)
    : db_(db),
      clock_(clock),
      hasher_(hasher),
      users_(users),
      throttle_(throttle),
      second_factor_(second_factor),
      audit_(audit),
      notifier_(notifier) {}

AuthOutcome Authenticator::Unavailable(std::string_view tried,
                                       const AuthContext& ctx,
                                       const Status& error) {
  AuditRecord r;
  r.event = AuditEvent::kLoginFailure;
  r.username_tried = tried;
  r.outcome = AuditOutcome::kFail;
  const std::string detail = "unavailable: " + error.ToString();
  r.detail = detail;
  audit_.LogOnly(r, ctx);
  AuthOutcome out;
  out.status = AuthStatus::kUnavailable;
  return out;
}

AuthOutcome Authenticator::Authenticate(std::string_view login,
                                        const Secret& password,
                                        const AuthContext& ctx,
                                        const AuthOptions& options) {
  AuthOutcome out;
  out.status = AuthStatus::kBadCredentials;
  if (password.empty()) {
    hasher_.DummyVerify(password.view());
    Status s = audit_.Record(AuditEvent::kLoginFailure, std::nullopt, login,
                             ctx, AuditOutcome::kFail, "empty password");
    if (!s.ok()) return Unavailable(login, ctx, s);
    return out;
  }

  Result<LoginLookup> looked_up =
      LookUpLogin(db_, clock_, throttle_.config(), login,
                  options.usernames_only, ctx.rhost);
  if (!looked_up.ok()) return Unavailable(login, ctx, looked_up.status());
  if (looked_up->user && !HoldsHostUid(*looked_up->user, options.host_uid)) {
    looked_up->user.reset();  // the name is another account's on this host
  }
  // Every way on from here writes an audit row. On the ways through the
  // KDF the server prepares that statement meanwhile (a fresh PAM
  // connection has none yet); on the others it is used at once.
  audit_.PrepareAhead();
  if (looked_up->address_blocked) {
    Status s = audit_.Record(AuditEvent::kAddressThrottled, std::nullopt, login,
                             ctx, AuditOutcome::kFail,
                             "too many failures from this address");
    if (!s.ok()) return Unavailable(login, ctx, s);
    out.status = AuthStatus::kThrottled;
    return out;
  }

  if (!looked_up->user.has_value()) {
    // The same work as a wrong password: the KDF, the failure transaction
    // (against no row), the address count and the audit row.
    hasher_.DummyVerify(password.view());
    Status s = InOneTransaction(db_, [&]() -> Status {
      LK_RETURN_IF_ERROR(throttle_.PadAccountFailure());
      LK_RETURN_IF_ERROR(throttle_.RecordIpFailure(ctx.rhost));
      return audit_.Record(AuditEvent::kUnknownUser, std::nullopt, login, ctx,
                           AuditOutcome::kFail, "no such user");
    });
    if (!s.ok()) return Unavailable(login, ctx, s);
    return out;
  }
  User user = std::move(*looked_up->user);
  out.user_known = true;

  if (std::optional<int64_t> until = throttle_.AccountLocked(user)) {
    Status s = audit_.Record(AuditEvent::kRefusedLocked, user.id, login, ctx,
                             AuditOutcome::kFail, "account is locked");
    if (!s.ok()) return Unavailable(login, ctx, s);
    out.status = AuthStatus::kLocked;
    out.locked_until = until;
    out.user = std::move(user);
    return out;
  }

  bool rehash = false;
  Result<bool> verified =
      hasher_.Verify(password.view(), user.password_hash, &rehash);
  if (!verified.ok() &&
      verified.status().code() != StatusCode::kInvalidArgument) {
    return Unavailable(login, ctx, verified.status());
  }
  if (!verified.ok()) {
    // A stored hash we cannot use ("!", "*", a foreign format) rejects
    // every password, after the usual work.
    hasher_.DummyVerify(password.view());
    return Fail(std::move(user), login, ctx, AuditEvent::kLoginFailure,
                StoredHashNeedsReset(verified.status())
                    ? "stored hash cost above its cap: needs reset"
                    : "unusable stored hash");
  }
  if (!*verified) {
    return Fail(std::move(user), login, ctx, AuditEvent::kLoginFailure,
                "wrong password");
  }

  if (rehash) Rehash(user, password, ctx);
  const int64_t now = clock_.NowUnix();
  AuthStatus denied = AuthStatus::kOk;
  std::string_view reason;
  if (!user.is_active) {
    denied = AuthStatus::kInactive;
    reason = "account is inactive";
  } else if (options.require_verified_email && !user.email_verified()) {
    denied = AuthStatus::kUnverified;
    reason = "email address not verified";
  } else if (user.account_expires_at && *user.account_expires_at <= now) {
    denied = AuthStatus::kExpired;
    reason = "account has expired";
  }
  if (denied != AuthStatus::kOk) {
    Status s = audit_.Record(AuditEvent::kLoginDenied, user.id, login, ctx,
                             AuditOutcome::kFail, reason);
    if (!s.ok()) return Unavailable(login, ctx, s);
    out.status = denied;
    out.user = std::move(user);
    return out;
  }

  if ((user.has_totp() && options.totp != TotpMode::kOff) ||
      options.totp == TotpMode::kRequired) {
    SecondFactorChallenge challenge;
    challenge.user_id = user.id;
    challenge.username = user.username;
    challenge.issued_at = now;
    out.status = AuthStatus::kSecondFactorNeeded;
    out.password_expired =
        user.password_expires_at && *user.password_expires_at <= now;
    out.challenge = std::move(challenge);
    out.user = std::move(user);
    return out;
  }
  return Succeed(std::move(user), login, ctx, "password");
}

void Authenticator::Rehash(const User& user, const Secret& password,
                           const AuthContext& ctx) {
  Result<std::string> fresh = hasher_.Hash(password.view());
  if (!fresh.ok()) return;
  // Losing this race to a concurrent password change is fine: the login
  // proved the old password, the new one stays.
  Result<bool> replaced =
      users_.ReplaceHashIfUnchanged(user.id, user.password_hash, *fresh);
  if (replaced.ok() && *replaced) {
    (void)audit_.Record(AuditEvent::kRehash, user.id, user.username, ctx,
                        AuditOutcome::kOk, "upgraded the stored hash");
  }
}

AuthOutcome Authenticator::Succeed(User user, std::string_view tried,
                                   const AuthContext& ctx,
                                   std::string_view detail) {
  const bool reset = user.failed_logins > 0;
  const bool mail = notifier_ != nullptr && notifier_->MailsNewLogin(user);
  const auto record = [&]() -> Status {
    return audit_.Record(AuditEvent::kLoginSuccess, user.id, tried, ctx,
                         AuditOutcome::kOk, detail);
  };
  // Usually there is no counter to reset and no mail: then the audit row
  // alone is one statement, one round trip and one log flush after the KDF.
  Status s =
      !reset && !mail ? record() : InOneTransaction(db_, [&]() -> Status {
        if (reset) LK_RETURN_IF_ERROR(throttle_.RecordAccountSuccess(user.id));
        LK_RETURN_IF_ERROR(record());
        return mail ? notifier_->NewLogin(user, ctx) : Status::Ok();
      });
  if (!s.ok()) return Unavailable(tried, ctx, s);
  AuthOutcome out;
  out.status = AuthStatus::kOk;
  out.user_known = true;
  const int64_t now = clock_.NowUnix();
  out.password_expired =
      user.password_expires_at.has_value() && *user.password_expires_at <= now;
  user.failed_logins = 0;
  out.user = std::move(user);
  return out;
}

AuthOutcome Authenticator::Fail(User user, std::string_view tried,
                                const AuthContext& ctx, AuditEvent event,
                                std::string_view detail) {
  AccountFailure failure;
  Status s = InOneTransaction(db_, [&]() -> Status {
    LK_ASSIGN_OR_RETURN(failure, throttle_.RecordAccountFailure(user.id));
    LK_RETURN_IF_ERROR(throttle_.RecordIpFailure(ctx.rhost));
    LK_RETURN_IF_ERROR(
        audit_.Record(event, user.id, tried, ctx, AuditOutcome::kFail, detail));
    if (!failure.lock_started) return Status::Ok();
    const int64_t until = failure.locked_until.value_or(0);
    LK_RETURN_IF_ERROR(audit_.Record(AuditEvent::kAccountLocked, user.id, tried,
                                     ctx, AuditOutcome::kFail,
                                     "locked until " + std::to_string(until)));
    return notifier_ != nullptr ? notifier_->AccountLocked(user, until, ctx)
                                : Status::Ok();
  });
  if (!s.ok()) return Unavailable(tried, ctx, s);
  AuthOutcome out;
  out.status = AuthStatus::kBadCredentials;
  out.user_known = true;
  out.lock_started = failure.lock_started;
  out.locked_until = failure.locked_until;
  user.failed_logins = failure.failed_logins;
  if (failure.lock_started) user.locked_until = failure.locked_until;
  out.user = std::move(user);
  return out;
}

AuthOutcome Authenticator::CompleteSecondFactor(
    const SecondFactorChallenge& challenge, std::string_view code,
    const AuthContext& ctx) {
  const std::string_view tried = challenge.username;
  AuthOutcome out;
  out.status = AuthStatus::kBadCredentials;
  const int64_t now = clock_.NowUnix();
  if (challenge.issued_at > now + 5 ||
      now - challenge.issued_at > kChallengeTtl.count()) {
    Status s =
        audit_.Record(AuditEvent::kLoginFailure, challenge.user_id, tried, ctx,
                      AuditOutcome::kFail, "sign-in step expired");
    if (!s.ok()) return Unavailable(tried, ctx, s);
    return out;
  }
  Result<std::optional<User>> found = users_.FindById(challenge.user_id);
  if (!found.ok()) return Unavailable(tried, ctx, found.status());
  if (!found->has_value() || (*found)->username != challenge.username) {
    Status s = audit_.Record(AuditEvent::kUnknownUser, std::nullopt, tried, ctx,
                             AuditOutcome::kFail, "user gone");
    if (!s.ok()) return Unavailable(tried, ctx, s);
    return out;
  }
  User user = std::move(**found);
  out.user_known = true;
  if (std::optional<int64_t> until = throttle_.AccountLocked(user)) {
    Status s = audit_.Record(AuditEvent::kRefusedLocked, user.id, tried, ctx,
                             AuditOutcome::kFail, "account is locked");
    if (!s.ok()) return Unavailable(tried, ctx, s);
    out.status = AuthStatus::kLocked;
    out.locked_until = until;
    out.user = std::move(user);
    return out;
  }
  if (!user.is_active) {
    Status s = audit_.Record(AuditEvent::kLoginDenied, user.id, tried, ctx,
                             AuditOutcome::kFail, "account is inactive");
    if (!s.ok()) return Unavailable(tried, ctx, s);
    out.status = AuthStatus::kInactive;
    out.user = std::move(user);
    return out;
  }

  std::string compact;
  if (LooksLikeTotp(code, compact)) {
    if (user.has_totp()) {
      Result<TotpVerdict> verdict = second_factor_.VerifyTotp(user, compact);
      if (!verdict.ok()) return Unavailable(tried, ctx, verdict.status());
      if (verdict->check == TotpCheck::kAccepted) {
        Status s = audit_.Record(AuditEvent::kTotpOk, user.id, tried, ctx,
                                 AuditOutcome::kOk, "");
        if (!s.ok()) return Unavailable(tried, ctx, s);
        return Succeed(std::move(user), tried, ctx, "password and totp");
      }
      if (verdict->check == TotpCheck::kReplayed) {
        Status s = InOneTransaction(db_, [&]() -> Status {
          LK_RETURN_IF_ERROR(audit_.Record(AuditEvent::kTotpReplayed, user.id,
                                           tried, ctx, AuditOutcome::kFail,
                                           "code already used"));
          return notifier_ != nullptr ? notifier_->TotpReplayed(user, ctx)
                                      : Status::Ok();
        });
        if (!s.ok()) return Unavailable(tried, ctx, s);
        out.code_replayed = true;
        out.user = std::move(user);
        return out;
      }
    }
    return Fail(std::move(user), tried, ctx, AuditEvent::kTotpWrong,
                "wrong verification code");
  }

  if (!user.has_totp()) {
    // Recovery codes exist only alongside TOTP (Disable deletes them).
    return Fail(std::move(user), tried, ctx, AuditEvent::kTotpWrong,
                "wrong recovery code");
  }
  Result<bool> used = second_factor_.UseRecoveryCode(user.id, code);
  if (!used.ok()) return Unavailable(tried, ctx, used.status());
  if (*used) {
    Status s = audit_.Record(AuditEvent::kRecoveryCodeUsed, user.id, tried, ctx,
                             AuditOutcome::kOk, "");
    if (!s.ok()) return Unavailable(tried, ctx, s);
    AuthOutcome done =
        Succeed(std::move(user), tried, ctx, "password and recovery code");
    done.recovery_code_used = done.status == AuthStatus::kOk;
    return done;
  }
  return Fail(std::move(user), tried, ctx, AuditEvent::kTotpWrong,
              "wrong recovery code");
}

}  // namespace latchkey
