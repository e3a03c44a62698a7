// pam_sm_open_session / pam_sm_close_session: record the login. Never
// blocks a login: every failure is logged and PAM_SUCCESS returned.
#include <string>

#include "latchkey/auth/login_record.h"
#include "phases.h"

namespace latchkey::pam {
namespace {

int Record(PamIo& io, const ModuleOptions& options, bool open) {
  std::string user;
  if (const int rc = io.GetUser(user); rc != PAM_SUCCESS) {
    io.LogError(std::string("session: no user name: ") +
                pam_strerror(io.handle(), rc));
    return Finish(io, Phase::kSession, user, ConversationVerdict(rc));
  }
  std::optional<Backend> backend = OpenBackend(io, options);
  if (!backend) {
    return Finish(io, Phase::kSession, user, Verdict::kConfigError);
  }
  if (backend->fleet) {
    return RecordSessionThroughAgent(io, *backend->fleet, user, open);
  }
  Services* services = backend->services;
  std::optional<int64_t> nss_uid;
  if (const std::optional<Verdict> not_ours =
          NotLatchkeysName(io, services->config().nss, user, nss_uid)) {
    return Finish(io, Phase::kSession, user, *not_ours);
  }
  LoginRecorder recorder(services->users(), services->audit());
  const AuthContext ctx = io.Context();
  const Status s = open ? recorder.Opened(user, ctx, nss_uid)
                        : recorder.Closed(user, ctx, nss_uid);
  Verdict verdict = Verdict::kOk;
  if (s.code() == StatusCode::kNotFound) {
    verdict = Verdict::kUnknownUser;  // a local account: nothing to record
  } else if (!s.ok()) {
    verdict = Verdict::kUnavailable;
    io.LogError(std::string(open ? "session open" : "session close") +
                " not recorded for " + LogValue(user, kAuditUsernameMax) +
                ": " + s.ToString());
  }
  return Finish(io, Phase::kSession, user, verdict);
}

}  // namespace

int OpenSession(PamIo& io, const ModuleOptions& options) {
  return Record(io, options, true);
}

int CloseSession(PamIo& io, const ModuleOptions& options) {
  return Record(io, options, false);
}

}  // namespace latchkey::pam
