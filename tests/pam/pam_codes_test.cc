// PamCode: the one verdict-to-PAM-code table (DESIGN.md, docs/pam.md).
#include "pam_codes.h"

#include <gtest/gtest.h>
#include <security/_pam_types.h>

namespace latchkey::pam {
namespace {

TEST(PamCodesTest, AuthPhase) {
  const Phase p = Phase::kAuth;
  EXPECT_EQ(PamCode(p, Verdict::kOk), PAM_SUCCESS);
  EXPECT_EQ(PamCode(p, Verdict::kBadCredentials), PAM_AUTH_ERR);
  EXPECT_EQ(PamCode(p, Verdict::kUnknownUser), PAM_USER_UNKNOWN);
  EXPECT_EQ(PamCode(p, Verdict::kLocked), PAM_MAXTRIES);
  EXPECT_EQ(PamCode(p, Verdict::kThrottled), PAM_MAXTRIES);
  EXPECT_EQ(PamCode(p, Verdict::kInactive), PAM_AUTH_ERR);
  EXPECT_EQ(PamCode(p, Verdict::kUnverified), PAM_AUTH_ERR);
  EXPECT_EQ(PamCode(p, Verdict::kAccountExpired), PAM_AUTH_ERR);
  EXPECT_EQ(PamCode(p, Verdict::kUnavailable), PAM_AUTHINFO_UNAVAIL);
  EXPECT_EQ(PamCode(p, Verdict::kConfigError), PAM_AUTHINFO_UNAVAIL);
  EXPECT_EQ(PamCode(p, Verdict::kConversationFailed), PAM_AUTH_ERR);
  EXPECT_EQ(PamCode(p, Verdict::kConversationAgain), PAM_INCOMPLETE);
  EXPECT_EQ(PamCode(p, Verdict::kInternalError), PAM_SERVICE_ERR);
}

TEST(PamCodesTest, AccountPhase) {
  const Phase p = Phase::kAccount;
  EXPECT_EQ(PamCode(p, Verdict::kOk), PAM_SUCCESS);
  EXPECT_EQ(PamCode(p, Verdict::kUnknownUser), PAM_USER_UNKNOWN);
  EXPECT_EQ(PamCode(p, Verdict::kInactive), PAM_ACCT_EXPIRED);
  EXPECT_EQ(PamCode(p, Verdict::kAccountExpired), PAM_ACCT_EXPIRED);
  EXPECT_EQ(PamCode(p, Verdict::kUnverified), PAM_PERM_DENIED);
  EXPECT_EQ(PamCode(p, Verdict::kLocked), PAM_PERM_DENIED);
  EXPECT_EQ(PamCode(p, Verdict::kRoleMissing), PAM_PERM_DENIED);
  EXPECT_EQ(PamCode(p, Verdict::kPasswordExpired), PAM_NEW_AUTHTOK_REQD);
  EXPECT_EQ(PamCode(p, Verdict::kUnavailable), PAM_AUTHINFO_UNAVAIL);
  EXPECT_EQ(PamCode(p, Verdict::kConfigError), PAM_AUTHINFO_UNAVAIL);
}

TEST(PamCodesTest, PasswordPhases) {
  EXPECT_EQ(PamCode(Phase::kPasswordPrelim, Verdict::kOk), PAM_SUCCESS);
  EXPECT_EQ(PamCode(Phase::kPasswordPrelim, Verdict::kUnknownUser),
            PAM_USER_UNKNOWN);
  EXPECT_EQ(PamCode(Phase::kPasswordPrelim, Verdict::kUnavailable),
            PAM_TRY_AGAIN);
  EXPECT_EQ(PamCode(Phase::kPasswordPrelim, Verdict::kOldPasswordWrong),
            PAM_AUTHTOK_RECOVERY_ERR);
  EXPECT_EQ(PamCode(Phase::kPasswordPrelim, Verdict::kConversationFailed),
            PAM_AUTHTOK_RECOVERY_ERR);
  EXPECT_EQ(PamCode(Phase::kPasswordPrelim, Verdict::kLocked), PAM_AUTHTOK_ERR);
  EXPECT_EQ(PamCode(Phase::kPasswordUpdate, Verdict::kOk), PAM_SUCCESS);
  EXPECT_EQ(PamCode(Phase::kPasswordUpdate, Verdict::kMismatch),
            PAM_AUTHTOK_ERR);
  EXPECT_EQ(PamCode(Phase::kPasswordUpdate, Verdict::kPolicyRejected),
            PAM_AUTHTOK_ERR);
  EXPECT_EQ(PamCode(Phase::kPasswordUpdate, Verdict::kOldPasswordWrong),
            PAM_AUTHTOK_RECOVERY_ERR);
  EXPECT_EQ(PamCode(Phase::kPasswordUpdate, Verdict::kUnavailable),
            PAM_AUTHINFO_UNAVAIL);
  EXPECT_EQ(PamCode(Phase::kPasswordUpdate, Verdict::kLocked), PAM_AUTHTOK_ERR);
}

TEST(PamCodesTest, SessionNeverFails) {
  for (int v = 0; v <= static_cast<int>(Verdict::kInternalError); ++v) {
    EXPECT_EQ(PamCode(Phase::kSession, static_cast<Verdict>(v)), PAM_SUCCESS)
        << VerdictName(static_cast<Verdict>(v));
  }
}

TEST(PamCodesTest, AuthOutcomes) {
  AuthOutcome o;
  o.status = AuthStatus::kBadCredentials;
  o.user_known = true;
  EXPECT_EQ(VerdictOf(o), Verdict::kBadCredentials);
  o.user_known = false;
  EXPECT_EQ(VerdictOf(o), Verdict::kUnknownUser);
  // A locked name without an account stays unknown (a fallback stack
  // still runs for local users); a locked account is PAM_MAXTRIES.
  o.status = AuthStatus::kLocked;
  EXPECT_EQ(VerdictOf(o), Verdict::kUnknownUser);
  o.user_known = true;
  EXPECT_EQ(PamCode(Phase::kAuth, VerdictOf(o)), PAM_MAXTRIES);
  o.status = AuthStatus::kExpired;
  EXPECT_EQ(VerdictOf(o), Verdict::kAccountExpired);
  o.status = AuthStatus::kSecondFactorNeeded;  // never an end state
  EXPECT_EQ(VerdictOf(o), Verdict::kInternalError);
  o.status = AuthStatus::kUnavailable;
  EXPECT_EQ(PamCode(Phase::kAuth, VerdictOf(o)), PAM_AUTHINFO_UNAVAIL);
}

TEST(PamCodesTest, AccountStatuses) {
  EXPECT_EQ(
      PamCode(Phase::kAccount, VerdictOf(AccountStatus::kPasswordExpired)),
      PAM_NEW_AUTHTOK_REQD);
  EXPECT_EQ(PamCode(Phase::kAccount, VerdictOf(AccountStatus::kRoleMissing)),
            PAM_PERM_DENIED);
  EXPECT_EQ(PamCode(Phase::kAccount, VerdictOf(AccountStatus::kUnavailable)),
            PAM_AUTHINFO_UNAVAIL);
}

TEST(PamCodesTest, PasswordChangeStatuses) {
  EXPECT_EQ(VerdictOfPasswordChange(Status()), Verdict::kOk);
  EXPECT_EQ(VerdictOfPasswordChange(InvalidArgument("too short")),
            Verdict::kPolicyRejected);
  EXPECT_EQ(VerdictOfPasswordChange(PermissionDenied("wrong")),
            Verdict::kOldPasswordWrong);
  EXPECT_EQ(VerdictOfPasswordChange(FailedPrecondition("locked")),
            Verdict::kLocked);
  EXPECT_EQ(VerdictOfPasswordChange(Unavailable("down")),
            Verdict::kUnavailable);
  EXPECT_EQ(VerdictOfPasswordChange(Internal("bug")), Verdict::kInternalError);
}

}  // namespace
}  // namespace latchkey::pam
