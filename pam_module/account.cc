// pam_sm_acct_mgmt: may this (already authenticated) user log in now?
#include <string>

#include "latchkey/nss/name_on_host.h"
#include "phases.h"
#include "tell_user.h"

namespace latchkey::pam {

int CheckAccount(PamIo& io, const ModuleOptions& options) {
  std::string user;
  if (const int rc = io.GetUser(user); rc != PAM_SUCCESS) {
    return Finish(io, Phase::kAccount, user, ConversationVerdict(rc));
  }
  std::optional<Backend> backend = OpenBackend(io, options);
  if (!backend) {
    return Finish(io, Phase::kAccount, user, Verdict::kConfigError);
  }
  if (backend->fleet) {
    return CheckAccountThroughAgent(io, options, *backend->fleet, user);
  }
  Services* services = backend->services;
  std::optional<int64_t> nss_uid;
  if (const std::optional<Verdict> not_ours =
          NotLatchkeysName(io, services->config().nss, user, nss_uid)) {
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
  TellUserAccount(io, VerdictOf(check.status));
  return Finish(io, Phase::kAccount, user, VerdictOf(check.status));
}

}  // namespace latchkey::pam
