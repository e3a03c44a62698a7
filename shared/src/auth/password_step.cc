#include "latchkey/auth/password_step.h"

#include "latchkey/base/clock.h"
#include "latchkey/base/encoding.h"

namespace latchkey {
namespace {

std::string_view WrongDetail(PasswordUse use) {
  switch (use) {
    case PasswordUse::kLogin:
      return "wrong password";
    case PasswordUse::kPasswordChange:
      return "wrong current password at password change";
    case PasswordUse::kReauth:
      return "wrong password at re-authentication";
  }
  return "wrong password";
}

std::string_view LockedDetail(PasswordUse use) {
  switch (use) {
    case PasswordUse::kLogin:
      return "account is locked";
    case PasswordUse::kPasswordChange:
      return "password change while locked";
    case PasswordUse::kReauth:
      return "re-authentication while locked";
  }
  return "account is locked";
}

}  // namespace

PasswordStep::PasswordStep(db::Connection& db, const Clock& clock,
                           const PasswordHasher& hasher, LockoutStore& lockouts,
                           AuditLog& audit, SecurityNotifier* notifier,
                           const SecretBox* box)
    : db_(db),
      clock_(clock),
      hasher_(hasher),
      lockout_store_(lockouts),
      audit_(audit),
      notifier_(notifier),
      box_(box) {}

std::string PasswordStep::NameHash(std::string_view name_key) const {
  const Sha256Digest d =
      box_ != nullptr
          ? box_->Mac("name-lockout", name_key)
          : Sha256("latchkey name-lockout\n" + std::string(name_key));
  return std::string(DigestView(d));
}

LockSubject PasswordStep::SubjectOf(const User* user,
                                    std::string_view name_key) const {
  LockSubject s;
  if (user != nullptr) {
    s.user_id = user->id;
  } else {
    s.name_hash = NameHash(name_key);
  }
  return s;
}

Result<std::optional<int64_t>> PasswordStep::Refuse(const LockSubject& subject,
                                                    const User* user,
                                                    std::string_view tried,
                                                    const AuthContext& ctx,
                                                    std::string_view detail) {
  std::optional<int64_t> until;
  LK_ASSIGN_OR_RETURN(db::Transaction tx, db::Transaction::Start(db_));
  LK_ASSIGN_OR_RETURN(AccountFailure settled,
                      lockout_store_.Settle(subject, 0, /*refused=*/true));
  until = settled.locked_until;
  LK_RETURN_IF_ERROR(lockout_store_.RecordIpFailure(ctx.rhost, ctx.host));
  std::optional<int64_t> user_id;
  if (user != nullptr) user_id = user->id;
  LK_RETURN_IF_ERROR(audit_.Record(AuditEvent::kRefusedLocked, user_id, tried,
                                   ctx, AuditOutcome::kFail, detail));
  if (settled.lock_started) {
    LK_RETURN_IF_ERROR(audit_.Record(
        AuditEvent::kAccountLocked, user_id, tried, ctx, AuditOutcome::kFail,
        "locked until " + IsoTime(until.value_or(0))));
    if (user != nullptr && notifier_ != nullptr) {
      LK_RETURN_IF_ERROR(
          notifier_->AccountLocked(*user, until.value_or(0), ctx));
    }
  }
  LK_RETURN_IF_ERROR(tx.Commit());
  return until;
}

Result<AccountFailure> PasswordStep::Fail(
    const LockSubject& subject, const User* user, std::string_view tried,
    const AuthContext& ctx, AuditEvent event, std::string_view detail,
    uint32_t failed_logins) {
  // Every 64th failure (of either kind, so the cost says nothing about the
  // name) clears out expired name_lockouts rows, keeping the table bounded.
  if (++failures_ % 64 == 0) LK_RETURN_IF_ERROR(lockout_store_.PruneNames());
  std::optional<int64_t> user_id;
  if (user != nullptr) user_id = user->id;
  LK_ASSIGN_OR_RETURN(db::Transaction tx, db::Transaction::Start(db_));
  LK_ASSIGN_OR_RETURN(AccountFailure failure,
                      lockout_store_.Settle(subject, failed_logins, false));
  LK_RETURN_IF_ERROR(lockout_store_.RecordIpFailure(ctx.rhost, ctx.host));
  LK_RETURN_IF_ERROR(
      audit_.Record(event, user_id, tried, ctx, AuditOutcome::kFail, detail));
  if (failure.lock_started) {
    const int64_t until = failure.locked_until.value_or(0);
    LK_RETURN_IF_ERROR(audit_.Record(AuditEvent::kAccountLocked, user_id, tried,
                                     ctx, AuditOutcome::kFail,
                                     "locked until " + IsoTime(until)));
    if (user != nullptr && notifier_ != nullptr) {
      LK_RETURN_IF_ERROR(notifier_->AccountLocked(*user, until, ctx));
    }
  }
  LK_RETURN_IF_ERROR(tx.Commit());
  return failure;
}

Result<PasswordCheck> PasswordStep::Check(
    const User* user, std::string_view name_key, std::string_view tried,
    const Secret& password, const AuthContext& ctx, PasswordUse use,
    std::optional<bool> address_blocked) {
  PasswordCheck out;
  std::optional<int64_t> user_id;
  if (user != nullptr) user_id = user->id;
  if (!address_blocked.has_value()) {
    LK_ASSIGN_OR_RETURN(address_blocked,
                        lockout_store_.IpBlocked(ctx.rhost, ctx.host));
  }
  if (*address_blocked) {
    LK_RETURN_IF_ERROR(audit_.Record(AuditEvent::kAddressThrottled, user_id,
                                     tried, ctx, AuditOutcome::kFail,
                                     "too many failures from this address"));
    out.verdict = PasswordVerdict::kThrottled;
    return out;
  }

  const LockSubject subject = SubjectOf(user, name_key);
  LK_ASSIGN_OR_RETURN(Reservation reservation, lockout_store_.Reserve(subject));
  if (!reservation.reserved) {
    // The time a check would take, so a lock does not answer faster than
    // a wrong password (a fast answer would show the name is in use).
    hasher_.DummyVerify(password.view());
    LK_ASSIGN_OR_RETURN(out.locked_until,
                        Refuse(subject, user, tried, ctx, LockedDetail(use)));
    out.verdict = PasswordVerdict::kLocked;
    return out;
  }
  out.failed_logins = reservation.failed_logins;

  bool right = false;
  std::string_view detail = WrongDetail(use);
  if (user == nullptr || password.empty()) {
    hasher_.DummyVerify(password.view());
  } else {
    Result<bool> verified =
        hasher_.Verify(password.view(), user->password_hash, &out.rehash);
    if (!verified.ok() &&
        verified.status().code() != StatusCode::kInvalidArgument) {
      return verified.status();
    }
    if (!verified.ok()) {
      // A stored hash we cannot use ("!", "*", a foreign format, a cost
      // above its cap) rejects every password, after the usual work.
      hasher_.DummyVerify(password.view());
      detail = StoredHashNeedsReset(verified.status())
                   ? "stored hash cost above its cap: needs reset"
                   : "unusable stored hash";
      out.rehash = false;
    } else {
      right = *verified;
    }
  }
  if (right) {
    out.verdict = PasswordVerdict::kRight;
    return out;
  }
  if (user == nullptr) detail = "no such user";
  LK_ASSIGN_OR_RETURN(AccountFailure failure,
                      Fail(subject, user, tried, ctx,
                           user == nullptr ? AuditEvent::kUnknownUser
                                           : AuditEvent::kLoginFailure,
                           detail, reservation.failed_logins));
  out.verdict = PasswordVerdict::kWrong;
  out.lock_started = failure.lock_started;
  out.locked_until = failure.locked_until;
  out.failed_logins = failure.failed_logins;
  return out;
}

}  // namespace latchkey
