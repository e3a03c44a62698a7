// What the user is told about a verdict, the same in direct and fleet mode
// (PAM_ERROR_MSG / PAM_TEXT_INFO through PamIo, so PAM_SILENT applies).
// Verdicts with nothing to say print nothing: a wrong password is only
// "no", and the auth phase never says why an account may not log in.
#ifndef LATCHKEY_PAM_MODULE_TELL_USER_H_
#define LATCHKEY_PAM_MODULE_TELL_USER_H_

#include <cstdint>
#include <string_view>

#include "pam_codes.h"
#include "pam_io.h"

namespace latchkey::pam {

// Auth phase: locked, throttled.
void TellUserAuth(PamIo& io, Verdict verdict);
// After a login with a recovery code: how many remain.
void TellRecoveryCodesLeft(PamIo& io, int64_t left);
// Account phase: inactive or expired, unverified, admin-locked, role
// missing, no access rule (fleet), password expired.
void TellUserAccount(PamIo& io, Verdict verdict);
// Password phases. `policy_message` is shown for kPolicyRejected (the
// quality rule that refused the new password); control characters in it
// are dropped first.
void TellUserPassword(PamIo& io, Verdict verdict,
                      std::string_view policy_message);

}  // namespace latchkey::pam

#endif  // LATCHKEY_PAM_MODULE_TELL_USER_H_
