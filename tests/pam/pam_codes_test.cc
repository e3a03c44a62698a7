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

// Fleet mode: the agent socket's statuses (docs/fleet-protocol.md) give the
// PAM codes direct mode gives for the same outcome.
TEST(PamCodesTest, AgentAuthStatuses) {
  const auto code = [](std::string_view status, bool known) {
    return PamCode(Phase::kAuth, VerdictOfAgentAuth(status, known));
  };
  EXPECT_EQ(code("ok", true), PAM_SUCCESS);
  EXPECT_EQ(code("bad_credentials", true), PAM_AUTH_ERR);
  EXPECT_EQ(code("bad_credentials", false), PAM_USER_UNKNOWN);
  EXPECT_EQ(code("locked", true), PAM_MAXTRIES);
  EXPECT_EQ(code("locked", false), PAM_USER_UNKNOWN);
  EXPECT_EQ(code("throttled", true), PAM_MAXTRIES);
  EXPECT_EQ(code("inactive", true), PAM_AUTH_ERR);
  EXPECT_EQ(code("unverified", true), PAM_AUTH_ERR);
  EXPECT_EQ(code("expired", true), PAM_AUTH_ERR);
  EXPECT_EQ(code("unavailable", false), PAM_AUTHINFO_UNAVAIL);
  EXPECT_EQ(code("forbidden", false), PAM_AUTHINFO_UNAVAIL);
  // Not an end state, and anything unknown: a bug somewhere, not "no".
  EXPECT_EQ(code("second_factor_needed", true), PAM_SERVICE_ERR);
  EXPECT_EQ(code("bad_request", false), PAM_SERVICE_ERR);
  EXPECT_EQ(code("OK", true), PAM_SERVICE_ERR);
  EXPECT_EQ(code("", true), PAM_SERVICE_ERR);
}

TEST(PamCodesTest, AgentAccountStatuses) {
  const auto code = [](std::string_view status) {
    return PamCode(Phase::kAccount, VerdictOfAgentAccount(status));
  };
  EXPECT_EQ(code("ok"), PAM_SUCCESS);
  EXPECT_EQ(code("unknown_user"), PAM_USER_UNKNOWN);
  EXPECT_EQ(code("inactive"), PAM_ACCT_EXPIRED);
  EXPECT_EQ(code("account_expired"), PAM_ACCT_EXPIRED);
  EXPECT_EQ(code("unverified"), PAM_PERM_DENIED);
  EXPECT_EQ(code("locked"), PAM_PERM_DENIED);
  EXPECT_EQ(code("role_missing"), PAM_PERM_DENIED);
  EXPECT_EQ(code("access_denied"), PAM_PERM_DENIED);
  EXPECT_EQ(code("password_expired"), PAM_NEW_AUTHTOK_REQD);
  EXPECT_EQ(code("unavailable"), PAM_AUTHINFO_UNAVAIL);
  EXPECT_EQ(code("expired"), PAM_SERVICE_ERR);  // the auth op's word
}

TEST(PamCodesTest, AgentPasswordStatuses) {
  const auto update = [](std::string_view status) {
    return PamCode(Phase::kPasswordUpdate, VerdictOfAgentPassword(status));
  };
  EXPECT_EQ(update("ok"), PAM_SUCCESS);
  EXPECT_EQ(update("wrong_password"), PAM_AUTHTOK_RECOVERY_ERR);
  EXPECT_EQ(update("rejected"), PAM_AUTHTOK_ERR);
  EXPECT_EQ(update("not_allowed"), PAM_AUTHTOK_ERR);
  EXPECT_EQ(update("locked"), PAM_AUTHTOK_ERR);
  EXPECT_EQ(update("throttled"), PAM_AUTHTOK_ERR);
  EXPECT_EQ(update("unknown_user"), PAM_USER_UNKNOWN);
  EXPECT_EQ(update("unavailable"), PAM_AUTHINFO_UNAVAIL);
  EXPECT_EQ(
      PamCode(Phase::kPasswordPrelim, VerdictOfAgentPassword("unavailable")),
      PAM_TRY_AGAIN);
  EXPECT_EQ(VerdictOfAgentPassword("not_allowed"), Verdict::kResetNotAllowed);
}

}  // namespace
}  // namespace latchkey::pam
