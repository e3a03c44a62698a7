#include "latchkey/auth/authenticator.h"

#include "latchkey/auth/lockout.h"
#include "latchkey/auth/login_lookup.h"
#include "latchkey/base/encoding.h"
#include "latchkey/nss/name_on_host.h"

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
                             LockoutStore& lockouts,
                             PasswordStep& password_step,
                             TotpStep& second_factor, AuditLog& audit,
                             SecurityNotifier* notifier)
    : db_(db),
      clock_(clock),
      hasher_(hasher),
      users_(users),
      lockout_store_(lockouts),
      password_step_(password_step),
      totp_step_(second_factor),
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

namespace {

bool WantsSecondFactor(const User& user, const AuthOptions& options) {
  return (user.has_totp() && options.totp != TotpMode::kOff) ||
         options.totp == TotpMode::kRequired;
}

// What a name without an account keys its lock state by: the login as it
// would be looked up, so "Ghost@Example.org" and "ghost@example.org" share
// one count.
std::string NameKey(std::string_view login, bool usernames_only) {
  if (std::optional<LoginMatch> m = MatchLogin(login, usernames_only)) {
    return std::string(m->column) + ":" + m->value;
  }
  return "raw:" + std::string(login);
}

}  // namespace

AuthOutcome Authenticator::Authenticate(std::string_view login,
                                        const Secret& password,
                                        const AuthContext& ctx,
                                        const AuthOptions& options) {
  return WithRetryAfter(PasswordFirst(login, password, ctx, options));
}

AuthOutcome Authenticator::CompleteSecondFactor(
    const SecondFactorChallenge& challenge, std::string_view code,
    const AuthContext& ctx) {
  return WithRetryAfter(CodeStep(challenge, code, ctx));
}

AuthOutcome Authenticator::WithRetryAfter(AuthOutcome out) const {
  if (out.status == AuthStatus::kThrottled) {
    out.retry_after = AddressRetryAfter(lockout_store_.config());
  } else if (out.status == AuthStatus::kLocked) {
    out.retry_after = LockRetryAfter(out.locked_until, clock_.NowUnix());
  }
  return out;
}

AuthOutcome Authenticator::PasswordFirst(std::string_view login,
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
      LookUpLogin(db_, clock_, lockout_store_.config(), login,
                  options.usernames_only, ctx.rhost, ctx.host);
  if (!looked_up.ok()) return Unavailable(login, ctx, looked_up.status());
  if (looked_up->user && !HoldsHostUid(*looked_up->user, options.host_uid)) {
    looked_up->user.reset();  // the name is another account's on this host
  }
  // Every way on from here writes an audit row. On the ways through the
  // KDF the server prepares that statement meanwhile (a fresh PAM
  // connection has none yet); on the others it is used at once.
  audit_.PrepareAhead();
  const User* user = looked_up->user.has_value() ? &*looked_up->user : nullptr;
  out.user_known = user != nullptr;
  Result<PasswordCheck> check = password_step_.Check(
      user, user == nullptr ? NameKey(login, options.usernames_only) : "",
      login, password, ctx, PasswordUse::kLogin, looked_up->address_blocked);
  if (!check.ok()) return Unavailable(login, ctx, check.status());
  out.lock_started = check->lock_started;
  out.locked_until = check->locked_until;
  switch (check->verdict) {
    case PasswordVerdict::kThrottled:
      out.status = AuthStatus::kThrottled;
      return out;
    case PasswordVerdict::kLocked:
      out.status = AuthStatus::kLocked;
      if (user != nullptr) out.user = std::move(*looked_up->user);
      return out;
    case PasswordVerdict::kWrong:
      break;
    case PasswordVerdict::kRight:
      return AfterRightPassword(std::move(*looked_up->user), password, login,
                                ctx, options, check->rehash);
  }
  if (user == nullptr) return out;
  User known = std::move(*looked_up->user);
  known.failed_logins = check->failed_logins;
  if (check->lock_started) known.locked_until = check->locked_until;
  if (WantsSecondFactor(known, options)) {
    // The code is asked for whatever the password was (the prompt depends
    // on enrolment only); the verdict comes after it. The failure has
    // been counted and audited already.
    SecondFactorChallenge challenge;
    challenge.user_id = known.id;
    challenge.username = known.username;
    challenge.issued_at = clock_.NowUnix();
    challenge.password_ok = false;
    out.status = AuthStatus::kSecondFactorNeeded;
    out.challenge = std::move(challenge);
  }
  out.user = std::move(known);
  return out;
}

AuthOutcome Authenticator::AfterRightPassword(User user, const Secret& password,
                                              std::string_view login,
                                              const AuthContext& ctx,
                                              const AuthOptions& options,
                                              bool rehash) {
  if (rehash) Rehash(user, password, ctx);
  const int64_t now = clock_.NowUnix();
  AuthOutcome out;
  out.user_known = true;
  AuthStatus denied = AuthStatus::kOk;
  std::string_view reason;
  if (!user.is_active) {
    denied = AuthStatus::kInactive;
    reason = "account is inactive";
  } else if (lockout_store_.AdminLocked(user)) {
    denied = AuthStatus::kLocked;
    reason = "account is locked by an administrator";
    out.locked_until = lockout_store_.AdminLocked(user);
  } else if (options.require_verified_email && !user.email_verified()) {
    denied = AuthStatus::kUnverified;
    reason = "email address not verified";
  } else if (user.AccountExpired(now)) {
    denied = AuthStatus::kExpired;
    reason = "account has expired";
  }
  if (denied != AuthStatus::kOk) {
    // A right password: the reserved attempt is given back.
    Status s = InOneTransaction(db_, [&]() -> Status {
      LK_RETURN_IF_ERROR(lockout_store_.RecordAccountSuccess(user.id));
      return audit_.Record(AuditEvent::kLoginDenied, user.id, login, ctx,
                           AuditOutcome::kFail, reason);
    });
    if (!s.ok()) return Unavailable(login, ctx, s);
    out.status = denied;
    user.failed_logins = 0;
    out.user = std::move(user);
    return out;
  }

  if (WantsSecondFactor(user, options)) {
    // The attempt is given back (without resetting the count): the code
    // step reserves its own, so a right password with a wrong code is
    // one failure, and the counter is reset only once the code is right.
    LockSubject subject;
    subject.user_id = user.id;
    Status s = lockout_store_.GiveBack(subject);
    if (!s.ok()) return Unavailable(login, ctx, s);
    SecondFactorChallenge challenge;
    challenge.user_id = user.id;
    challenge.username = user.username;
    challenge.issued_at = now;
    challenge.password_ok = true;
    out.status = AuthStatus::kSecondFactorNeeded;
    out.password_expired = user.PasswordExpired(now);
    out.challenge = std::move(challenge);
    if (user.failed_logins > 0) --user.failed_logins;
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
  const bool mail = notifier_ != nullptr && notifier_->MailsNewLogin(user);
  // The reserved attempt is given back (the counter reset) with the audit
  // row: one transaction, one log flush.
  Status s = InOneTransaction(db_, [&]() -> Status {
    LK_RETURN_IF_ERROR(lockout_store_.RecordAccountSuccess(user.id));
    LK_RETURN_IF_ERROR(audit_.Record(AuditEvent::kLoginSuccess, user.id, tried,
                                     ctx, AuditOutcome::kOk, detail));
    return mail ? notifier_->NewLogin(user, ctx) : Status::Ok();
  });
  if (!s.ok()) return Unavailable(tried, ctx, s);
  AuthOutcome out;
  out.status = AuthStatus::kOk;
  out.user_known = true;
  out.password_expired = user.PasswordExpired(clock_.NowUnix());
  user.failed_logins = 0;
  out.user = std::move(user);
  return out;
}

AuthOutcome Authenticator::CodeFailed(User user, std::string_view tried,
                                      const AuthContext& ctx,
                                      std::string_view detail,
                                      uint32_t failed_logins) {
  LockSubject subject;
  subject.user_id = user.id;
  Result<AccountFailure> failure =
      password_step_.Fail(subject, &user, tried, ctx, AuditEvent::kTotpWrong,
                          detail, failed_logins);
  if (!failure.ok()) return Unavailable(tried, ctx, failure.status());
  AuthOutcome out;
  out.status = AuthStatus::kBadCredentials;
  out.user_known = true;
  out.lock_started = failure->lock_started;
  out.locked_until = failure->locked_until;
  user.failed_logins = failure->failed_logins;
  if (failure->lock_started) user.locked_until = failure->locked_until;
  out.user = std::move(user);
  return out;
}

AuthOutcome Authenticator::CodeStep(const SecondFactorChallenge& challenge,
                                    std::string_view code,
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
  if (!challenge.password_ok) {
    // The password was wrong (counted and audited then): the code is
    // neither checked nor used up, and nothing more is counted.
    Status s = audit_.Record(AuditEvent::kLoginFailure, user.id, tried, ctx,
                             AuditOutcome::kFail,
                             "verification code after a wrong password");
    if (!s.ok()) return Unavailable(tried, ctx, s);
    out.user = std::move(user);
    return out;
  }
  if (!user.is_active || lockout_store_.AdminLocked(user)) {
    const bool inactive = !user.is_active;
    Status s = audit_.Record(AuditEvent::kLoginDenied, user.id, tried, ctx,
                             AuditOutcome::kFail,
                             inactive ? "account is inactive"
                                      : "account is locked by an "
                                        "administrator");
    if (!s.ok()) return Unavailable(tried, ctx, s);
    out.status = inactive ? AuthStatus::kInactive : AuthStatus::kLocked;
    out.user = std::move(user);
    return out;
  }
  // The code is an attempt of its own, reserved like a password.
  LockSubject subject;
  subject.user_id = user.id;
  Result<Reservation> reservation = lockout_store_.Reserve(subject);
  if (!reservation.ok()) return Unavailable(tried, ctx, reservation.status());
  if (!reservation->reserved) {
    Result<std::optional<int64_t>> until =
        password_step_.Refuse(subject, &user, tried, ctx, "account is locked");
    if (!until.ok()) return Unavailable(tried, ctx, until.status());
    out.status = AuthStatus::kLocked;
    out.locked_until = *until;
    out.user = std::move(user);
    return out;
  }
  const uint32_t failed_logins = reservation->failed_logins;

  std::string compact;
  if (LooksLikeTotp(code, compact)) {
    if (user.has_totp()) {
      Result<TotpVerdict> verdict = totp_step_.VerifyTotp(user, compact);
      if (!verdict.ok()) return Unavailable(tried, ctx, verdict.status());
      if (verdict->check == TotpCheck::kAccepted) {
        Status s = audit_.Record(AuditEvent::kTotpOk, user.id, tried, ctx,
                                 AuditOutcome::kOk, "");
        if (!s.ok()) return Unavailable(tried, ctx, s);
        return Succeed(std::move(user), tried, ctx, "password and totp");
      }
      if (verdict->check == TotpCheck::kReplayed) {
        // Not a guess: the attempt is given back.
        Status s = InOneTransaction(db_, [&]() -> Status {
          LK_RETURN_IF_ERROR(lockout_store_.GiveBack(subject));
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
    return CodeFailed(std::move(user), tried, ctx, "wrong verification code",
                      failed_logins);
  }

  if (!user.has_totp()) {
    // Recovery codes exist only alongside TOTP (Disable deletes them).
    return CodeFailed(std::move(user), tried, ctx, "wrong recovery code",
                      failed_logins);
  }
  Result<bool> used = totp_step_.UseRecoveryCode(user.id, code);
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
  return CodeFailed(std::move(user), tried, ctx, "wrong recovery code",
                    failed_logins);
}

}  // namespace latchkey
