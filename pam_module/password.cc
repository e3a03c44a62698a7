// pam_sm_chauthtok: `passwd` changes the password stored in the database.
//
// libpam calls this twice. PAM_PRELIM_CHECK: is the user ours, is the
// database there, and what is the current password? PAM_UPDATE_AUTHTOK:
// the new password twice, then the core checks the current one, the
// policy, stores the hash, voids reset tokens and portal sessions, and
// audits; the owner is mailed ("Your password was changed").
//
// Root needs the current password too, unless the module option
// root_may_reset is given: a database account logs in on every host, so
// root on one host must not be able to take it over everywhere.
#include <unistd.h>

#include <string>

#include "latchkey/nss/name_on_host.h"
#include "phases.h"
#include "tell_user.h"

namespace latchkey::pam {

int ChangePassword(PamIo& io, const ModuleOptions& options) {
  const int flags = io.flags();
  const Phase phase = (flags & PAM_PRELIM_CHECK) != 0 ? Phase::kPasswordPrelim
                                                      : Phase::kPasswordUpdate;
  std::string user;
  if (const int rc = io.GetUser(user); rc != PAM_SUCCESS) {
    return Finish(io, phase, user, ConversationVerdict(rc));
  }
  std::optional<Backend> backend = OpenBackend(io, options);
  if (!backend) return Finish(io, phase, user, Verdict::kConfigError);
  if (backend->fleet) {
    return ChangePasswordThroughAgent(io, options, *backend->fleet, user);
  }
  Services* services = backend->services;
  std::optional<int64_t> nss_uid;
  if (const std::optional<Verdict> not_ours =
          NotLatchkeysName(io, services->config().nss, user, nss_uid)) {
    return Finish(io, phase, user, *not_ours);
  }
  const AccountCheck check = services->accounts().CheckAccount(user, {}, false);
  if (check.status == AccountStatus::kUnknownUser ||
      (check.user && !HoldsHostUid(*check.user, nss_uid))) {
    return Finish(io, phase, user, Verdict::kUnknownUser);
  }
  if (check.status == AccountStatus::kUnavailable || !check.user) {
    // Nothing to the user: the name may be a local account that pam_unix
    // goes on to change.
    io.LogError("password change for " + LogValue(user, kAuditUsernameMax) +
                ": the database is unavailable");
    return Finish(io, phase, user, Verdict::kUnavailable);
  }

  // With root_may_reset, as pam_unix: the real uid 0 changes any password
  // without the current one, except when the application only wants an
  // expired one renewed (sshd and login run as root then, on the user's
  // behalf).
  const bool expired_only = (flags & PAM_CHANGE_EXPIRED_AUTHTOK) != 0;
  const bool as_root = options.root_may_reset && getuid() == 0 && !expired_only;
  if (expired_only) {
    if (!check.user->PasswordExpired(services->clock().NowUnix())) {
      return Finish(io, phase, user, Verdict::kOk);  // nothing to renew
    }
  }

  if (phase == Phase::kPasswordPrelim) {
    return PasswordPrelim(io, user, as_root,
                          check.status == AccountStatus::kLocked);
  }
  Secret old_password;
  Secret new_password;
  if (const std::optional<int> stop =
          ReadPasswordUpdate(io, user, as_root, old_password, new_password)) {
    return *stop;
  }
  const Status changed = services->accounts().ChangePassword(
      check.user->id, new_password, as_root ? nullptr : &old_password,
      io.Context());
  const Verdict verdict = VerdictOfPasswordChange(changed);
  if (verdict == Verdict::kUnavailable || verdict == Verdict::kInternalError) {
    io.LogError("password change for " + LogValue(user, kAuditUsernameMax) +
                " failed: " + changed.ToString());
  }
  if (verdict == Verdict::kOk) {
    // Queued after the change; a mail never changes the verdict.
    const Status mailed = services->security_notifier().PasswordChanged(
        *check.user, io.Context());
    if (!mailed.ok()) {
      io.LogError("password changed for " + LogValue(user, kAuditUsernameMax) +
                  ", but its mail was not queued: " + mailed.ToString());
    }
  }
  TellUserPassword(io, verdict, changed.message());
  return Finish(io, phase, user, verdict);
}

}  // namespace latchkey::pam
