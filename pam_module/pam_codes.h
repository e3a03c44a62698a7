// The one place where what the core said becomes a PAM return code.
//
// Each group first turns the core's answer into a Verdict (VerdictOf), and
// PamCode(phase, verdict) is the single table from verdicts to PAM codes,
// so the mapping can be read, reviewed and unit-tested in one piece.
#ifndef LATCHKEY_PAM_MODULE_PAM_CODES_H_
#define LATCHKEY_PAM_MODULE_PAM_CODES_H_

#include <string_view>

#include "latchkey/auth/account_service.h"
#include "latchkey/auth/authenticator.h"
#include "latchkey/base/status.h"

namespace latchkey::pam {

enum class Phase {
  kAuth,            // pam_sm_authenticate
  kAccount,         // pam_sm_acct_mgmt
  kPasswordPrelim,  // pam_sm_chauthtok with PAM_PRELIM_CHECK
  kPasswordUpdate,  // pam_sm_chauthtok with PAM_UPDATE_AUTHTOK
  kSession,         // pam_sm_open_session / pam_sm_close_session
};

enum class Verdict {
  kOk,
  kBadCredentials,      // wrong password or code, empty password
  kUnknownUser,         // the database does not know the name
  kLocked,              // account locked
  kThrottled,           // too many failures from the remote address
  kInactive,            // account deactivated
  kUnverified,          // email not verified (and required)
  kAccountExpired,      // account_expires_at passed
  kPasswordExpired,     // password must change (account phase)
  kRoleMissing,         // require_role= not met
  kUnavailable,         // database unreachable or failing
  kConfigError,         // config file missing, unreadable or invalid
  kConversationFailed,  // no user name / password / code could be obtained
  kConversationAgain,   // the application's conversation said "later"
  kOldPasswordWrong,    // password change: current password wrong or missing
  kMismatch,            // password change: the two new passwords differ
  kPolicyRejected,      // password change: the new password is refused
  kInternalError,       // a bug, an exception, out of memory
};

std::string_view VerdictName(Verdict verdict);

Verdict VerdictOf(const AuthOutcome& outcome);
Verdict VerdictOf(AccountStatus status);
// For AccountService::ChangePassword's Status.
Verdict VerdictOfPasswordChange(const Status& status);

// THE mapping. See docs/pam.md for the table in prose.
int PamCode(Phase phase, Verdict verdict);

}  // namespace latchkey::pam

#endif  // LATCHKEY_PAM_MODULE_PAM_CODES_H_
