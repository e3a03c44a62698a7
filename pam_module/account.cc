// pam_sm_acct_mgmt: may this (already authenticated) user log in now?
#include <string>

#include "latchkey/nss/name_on_host.h"
#include "phases.h"

namespace latchkey::pam {
namespace {

void TellUser(PamIo& io, const AccountCheck& check) {
  switch (check.status) {
    case AccountStatus::kInactive:
    case AccountStatus::kAccountExpired:
      io.Error(
          "Your account has expired; please contact your system "
          "administrator.");
      break;
    case AccountStatus::kUnverified:
      io.Error(
          "Please confirm your email address first (see the mail we sent "
          "you).");
      break;
    case AccountStatus::kLocked:
      // Only an admin lock reaches the account phase.
      io.Error(
          "Your account is locked; please contact your system "
          "administrator.");
      break;
    case AccountStatus::kRoleMissing:
      io.Error("Your account may not use this service.");
      break;
    case AccountStatus::kPasswordExpired:
      io.Error(
          "You are required to change your password immediately (password "
          "expired).");
      break;
    default:
      break;
  }
}

}  // namespace

int CheckAccount(PamIo& io, const ModuleOptions& options) {
  std::string user;
  if (const int rc = io.GetUser(user); rc != PAM_SUCCESS) {
    return Finish(io, Phase::kAccount, user, ConversationVerdict(rc));
  }
  Services* services = OpenServices(io, options);
  if (services == nullptr) {
    return Finish(io, Phase::kAccount, user, Verdict::kConfigError);
  }
  std::optional<int64_t> nss_uid;
  if (const std::optional<Verdict> not_ours =
          NotLatchkeysName(io, *services, user, nss_uid)) {
    return Finish(io, Phase::kAccount, user, *not_ours);
  }
  const AccountCheck check = services->accounts().CheckAccount(
      user, options.require_roles,
      services->config().portal.require_email_verification);
  if (check.user && !HoldsHostUid(*check.user, nss_uid)) {
    return Finish(io, Phase::kAccount, user, Verdict::kUnknownUser);
  }
  if (check.status == AccountStatus::kUnavailable) {
    io.LogError("account check for " + LogValue(user, kAuditUsernameMax) +
                ": the database is unavailable");
  } else if (check.status == AccountStatus::kRoleMissing) {
    io.LogNotice("account " + LogValue(user, kAuditUsernameMax) +
                 " holds none of the roles " + check.missing_role);
  }
  TellUser(io, check);
  return Finish(io, Phase::kAccount, user, VerdictOf(check.status));
}

}  // namespace latchkey::pam
