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
  // Fleet mode (docs/fleet-protocol.md, "The agent socket"):
  kAccessDenied,     // no access rule of this host's group admits the user
  kResetNotAllowed,  // password change without the old one: this host may
                     // not reset passwords
};

std::string_view VerdictName(Verdict verdict);

Verdict VerdictOf(const AuthOutcome& outcome);
Verdict VerdictOf(AccountStatus status);
// For AccountService::ChangePassword's Status.
Verdict VerdictOfPasswordChange(const Status& status);

// Fleet mode: the agent socket's status strings (docs/fleet-protocol.md).
// A status this module does not know, "forbidden" (the caller is not root)
// and "bad_request" are kInternalError, except "forbidden", which is
// kUnavailable (the agent will not answer this process: a fallback stack
// goes on). `user_known` is the authenticate answer's field of that name.
Verdict VerdictOfAgentAuth(std::string_view status, bool user_known);
Verdict VerdictOfAgentAccount(std::string_view status);
Verdict VerdictOfAgentPassword(std::string_view status);

// THE mapping. See docs/pam.md for the table in prose.
int PamCode(Phase phase, Verdict verdict);

}  // namespace latchkey::pam

#endif  // LATCHKEY_PAM_MODULE_PAM_CODES_H_
