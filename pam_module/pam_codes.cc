#include "pam_codes.h"

#include <security/_pam_types.h>

namespace latchkey::pam {

std::string_view VerdictName(Verdict verdict) {
  switch (verdict) {
    case Verdict::kOk:
      return "ok";
    case Verdict::kBadCredentials:
      return "bad_credentials";
    case Verdict::kUnknownUser:
      return "unknown_user";
    case Verdict::kLocked:
      return "locked";
    case Verdict::kThrottled:
      return "throttled";
    case Verdict::kInactive:
      return "inactive";
    case Verdict::kUnverified:
      return "unverified";
    case Verdict::kAccountExpired:
      return "account_expired";
    case Verdict::kPasswordExpired:
      return "password_expired";
    case Verdict::kRoleMissing:
      return "role_missing";
    case Verdict::kUnavailable:
      return "unavailable";
    case Verdict::kConfigError:
      return "config_error";
    case Verdict::kConversationFailed:
      return "conversation_failed";
    case Verdict::kConversationAgain:
      return "conversation_again";
    case Verdict::kOldPasswordWrong:
      return "old_password_wrong";
    case Verdict::kMismatch:
      return "mismatch";
    case Verdict::kPolicyRejected:
      return "policy_rejected";
    case Verdict::kInternalError:
      return "internal_error";
    case Verdict::kAccessDenied:
      return "access_denied";
    case Verdict::kResetNotAllowed:
      return "reset_not_allowed";
  }
  return "internal_error";
}

Verdict VerdictOf(const AuthOutcome& outcome) {
  switch (outcome.status) {
    case AuthStatus::kOk:
      return Verdict::kOk;
    case AuthStatus::kBadCredentials:
      return outcome.user_known ? Verdict::kBadCredentials
                                : Verdict::kUnknownUser;
    case AuthStatus::kLocked:
      // A locked name that has no account stays unknown, so a stack falls
      // through to pam_unix for local users as before.
      return outcome.user_known ? Verdict::kLocked : Verdict::kUnknownUser;
    case AuthStatus::kInactive:
      return Verdict::kInactive;
    case AuthStatus::kUnverified:
      return Verdict::kUnverified;
    case AuthStatus::kExpired:
      return Verdict::kAccountExpired;
    case AuthStatus::kUnavailable:
      return Verdict::kUnavailable;
    case AuthStatus::kThrottled:
      return Verdict::kThrottled;
    case AuthStatus::kSecondFactorNeeded:
      // Not an end state: the caller asks for the code first.
      return Verdict::kInternalError;
  }
  return Verdict::kInternalError;
}

Verdict VerdictOf(AccountStatus status) {
  switch (status) {
    case AccountStatus::kOk:
      return Verdict::kOk;
    case AccountStatus::kUnknownUser:
      return Verdict::kUnknownUser;
    case AccountStatus::kInactive:
      return Verdict::kInactive;
    case AccountStatus::kUnverified:
      return Verdict::kUnverified;
    case AccountStatus::kLocked:
      return Verdict::kLocked;
    case AccountStatus::kAccountExpired:
      return Verdict::kAccountExpired;
    case AccountStatus::kPasswordExpired:
      return Verdict::kPasswordExpired;
    case AccountStatus::kRoleMissing:
      return Verdict::kRoleMissing;
    case AccountStatus::kUnavailable:
      return Verdict::kUnavailable;
  }
  return Verdict::kInternalError;
}

Verdict VerdictOfPasswordChange(const Status& status) {
  switch (status.code()) {
    case StatusCode::kOk:
      return Verdict::kOk;
    case StatusCode::kInvalidArgument:
      return Verdict::kPolicyRejected;
    case StatusCode::kPermissionDenied:
      return Verdict::kOldPasswordWrong;
    case StatusCode::kFailedPrecondition:
      return Verdict::kLocked;
    case StatusCode::kNotFound:
      return Verdict::kUnknownUser;
    case StatusCode::kUnavailable:
      return Verdict::kUnavailable;
    case StatusCode::kAlreadyExists:
    case StatusCode::kResourceExhausted:
    case StatusCode::kIoError:
    case StatusCode::kInternal:
      return Verdict::kInternalError;
  }
  return Verdict::kInternalError;
}

namespace {

// The statuses every op may answer besides its own.
Verdict CommonAgentStatus(std::string_view status) {
  if (status == "unavailable" || status == "forbidden") {
    return Verdict::kUnavailable;
  }
  return Verdict::kInternalError;  // bad_request, or one we do not know
}

}  // namespace

Verdict VerdictOfAgentAuth(std::string_view status, bool user_known) {
  if (status == "ok") return Verdict::kOk;
  if (status == "bad_credentials") {
    return user_known ? Verdict::kBadCredentials : Verdict::kUnknownUser;
  }
  if (status == "locked") {
    // As VerdictOf(AuthOutcome): a locked name without an account stays
    // unknown, so a stack falls through to pam_unix.
    return user_known ? Verdict::kLocked : Verdict::kUnknownUser;
  }
  if (status == "inactive") return Verdict::kInactive;
  if (status == "unverified") return Verdict::kUnverified;
  if (status == "expired") return Verdict::kAccountExpired;
  if (status == "throttled") return Verdict::kThrottled;
  // second_factor_needed is not an end state: the caller asks for the code.
  return CommonAgentStatus(status);
}

Verdict VerdictOfAgentAccount(std::string_view status) {
  if (status == "ok") return Verdict::kOk;
  if (status == "unknown_user") return Verdict::kUnknownUser;
  if (status == "inactive") return Verdict::kInactive;
  if (status == "unverified") return Verdict::kUnverified;
  if (status == "locked") return Verdict::kLocked;
  if (status == "account_expired") return Verdict::kAccountExpired;
  if (status == "password_expired") return Verdict::kPasswordExpired;
  if (status == "role_missing") return Verdict::kRoleMissing;
  if (status == "access_denied") return Verdict::kAccessDenied;
  return CommonAgentStatus(status);
}

Verdict VerdictOfAgentPassword(std::string_view status) {
  if (status == "ok") return Verdict::kOk;
  if (status == "wrong_password") return Verdict::kOldPasswordWrong;
  if (status == "rejected") return Verdict::kPolicyRejected;
  if (status == "not_allowed") return Verdict::kResetNotAllowed;
  if (status == "locked") return Verdict::kLocked;
  if (status == "throttled") return Verdict::kThrottled;
  if (status == "unknown_user") return Verdict::kUnknownUser;
  return CommonAgentStatus(status);
}

int PamCode(Phase phase, Verdict verdict) {
  // The session phase never blocks a login because of us.
  if (phase == Phase::kSession) return PAM_SUCCESS;

  switch (verdict) {
    case Verdict::kOk:
      return PAM_SUCCESS;
    case Verdict::kUnknownUser:
      // Lets a stack fall through to pam_unix for local accounts.
      return PAM_USER_UNKNOWN;
    case Verdict::kInternalError:
      return PAM_SERVICE_ERR;
    case Verdict::kConversationAgain:
      return PAM_INCOMPLETE;
    default:
      break;
  }

  switch (phase) {
    case Phase::kAuth:
      switch (verdict) {
        case Verdict::kLocked:
        case Verdict::kThrottled:
          return PAM_MAXTRIES;
        case Verdict::kUnavailable:
        case Verdict::kConfigError:
          return PAM_AUTHINFO_UNAVAIL;
        default:
          // Wrong password or code, and also inactive, unverified and
          // expired accounts: the auth phase says only "no", the account
          // phase says why.
          return PAM_AUTH_ERR;
      }
    case Phase::kAccount:
      switch (verdict) {
        case Verdict::kInactive:
        case Verdict::kAccountExpired:
          return PAM_ACCT_EXPIRED;
        case Verdict::kPasswordExpired:
          return PAM_NEW_AUTHTOK_REQD;
        case Verdict::kUnavailable:
        case Verdict::kConfigError:
          return PAM_AUTHINFO_UNAVAIL;
        default:
          // Unverified, locked, role missing, no access rule (fleet).
          return PAM_PERM_DENIED;
      }
    case Phase::kPasswordPrelim:
      switch (verdict) {
        case Verdict::kUnavailable:
        case Verdict::kConfigError:
          return PAM_TRY_AGAIN;
        case Verdict::kOldPasswordWrong:
        case Verdict::kConversationFailed:
          return PAM_AUTHTOK_RECOVERY_ERR;
        default:
          return PAM_AUTHTOK_ERR;
      }
    case Phase::kPasswordUpdate:
      switch (verdict) {
        case Verdict::kOldPasswordWrong:
          return PAM_AUTHTOK_RECOVERY_ERR;
        case Verdict::kUnavailable:
        case Verdict::kConfigError:
          // libpam (1.5) picks each pass's action from that pass's own
          // code, so a stack that ignores try_again in the preliminary
          // pass needs a code it can ignore here too (authinfo_unavail).
          return PAM_AUTHINFO_UNAVAIL;
        default:
          // Mismatch, policy, locked, a reset this host may not make
          // (fleet): the password was not changed.
          return PAM_AUTHTOK_ERR;
      }
    case Phase::kSession:
      break;
  }
  return PAM_SUCCESS;  // kSession, handled above
}

}  // namespace latchkey::pam
