#include <string>

#include "handle_state.h"
#include "latchkey/config/config.h"
#include "latchkey/nss/name_on_host.h"
#include "phases.h"

namespace latchkey::pam {

Verdict ConversationVerdict(int pam_code) {
  switch (pam_code) {
    case PAM_CONV_AGAIN:
    case PAM_INCOMPLETE:
      return Verdict::kConversationAgain;
    case PAM_USER_UNKNOWN:
      return Verdict::kUnknownUser;
    default:
      return Verdict::kConversationFailed;
  }
}

Services* OpenServices(PamIo& io, const ModuleOptions& options) {
  Result<Services*> services = ServicesFor(io.handle(), options.config);
  if (!services.ok()) {
    std::string hint;
    if (ConfigFileMissing(options.config)) {
      hint =
          "; name the config file with config=PATH on this module's line "
          "in /etc/pam.d";
    }
    io.LogError("cannot use " + options.config + ": " +
                services.status().message() + hint);
    return nullptr;
  }
  return *services;
}

std::optional<Verdict> NotLatchkeysName(const PamIo& io, const Services& s,
                                        std::string_view user,
                                        std::optional<int64_t>& nss_uid) {
  const NameOnHost name = CheckNameOnHost(user, s.config().nss);
  if (name.candidate()) {
    nss_uid = name.nss_uid;
    return std::nullopt;
  }
  if (name.kind == NameOnHost::Kind::kUnknowable) {
    io.LogError("cannot tell whether " + LogValue(user, kAuditUsernameMax) +
                " is a latchkey account on this host: " + name.reason);
    return Verdict::kUnavailable;
  }
  io.Debug("user=" + LogValue(user, kAuditUsernameMax) +
           " is not latchkey's on this host: " + name.reason);
  return Verdict::kUnknownUser;
}

namespace {

std::string_view PhaseName(Phase phase) {
  switch (phase) {
    case Phase::kAuth:
      return "auth";
    case Phase::kAccount:
      return "account";
    case Phase::kPasswordPrelim:
      return "password(prelim)";
    case Phase::kPasswordUpdate:
      return "password(update)";
    case Phase::kSession:
      return "session";
  }
  return "?";
}

}  // namespace

int Finish(const PamIo& io, Phase phase, std::string_view user,
           Verdict verdict) {
  const int code = PamCode(phase, verdict);
  std::string line(PhaseName(phase));
  line += " user=";
  line += LogValue(user, kAuditUsernameMax);
  line += " verdict=";
  line += VerdictName(verdict);
  line += " pam=";
  line += pam_strerror(io.handle(), code);
  io.Debug(line);
  return code;
}

}  // namespace latchkey::pam
