#include <string>
#include <utility>

#include "handle_state.h"
#include "latchkey/config/config.h"
#include "latchkey/nss/name_on_host.h"
#include "phases.h"
#include "tell_user.h"

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

std::optional<Backend> OpenBackend(PamIo& io, const ModuleOptions& options) {
  Backend backend;
  if (Services* stored = StoredServices(io.handle(), options.config)) {
    backend.services = stored;
    return backend;
  }
  Result<Config> config = LoadConfig(options.config);
  Status status = config.status();
  if (config.ok()) {
    if (config->fleet.enabled) {
      backend.fleet = std::move(*config);
      return backend;
    }
    Result<Services*> services =
        ServicesFor(io.handle(), options.config, *config);
    if (services.ok()) {
      backend.services = *services;
      return backend;
    }
    status = services.status();
  }
  std::string hint;
  if (ConfigFileMissing(options.config)) {
    hint =
        "; name the config file with config=PATH on this module's line "
        "in /etc/pam.d";
  }
  io.LogError("cannot use " + options.config + ": " + status.message() + hint);
  return std::nullopt;
}

std::optional<Verdict> NotLatchkeysName(const PamIo& io, const NssConfig& nss,
                                        std::string_view user,
                                        std::optional<int64_t>& nss_uid) {
  const NameOnHost name = CheckNameOnHost(user, nss);
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

Verdict ReadVerificationCode(PamIo& io, const Secret& password, Secret& code) {
  const int rc = io.AskHidden(kCodePrompt, code);
  if (rc != PAM_SUCCESS) {
    Verdict v = ConversationVerdict(rc);
    if (v == Verdict::kUnknownUser) v = Verdict::kConversationFailed;
    io.LogNotice("no verification code could be read (" +
                 std::string(pam_strerror(io.handle(), rc)) + ")");
    return v;
  }
  if (code.empty() || ConstantTimeEquals(code.view(), password.view())) {
    io.LogNotice(code.empty()
                     ? "empty verification code"
                     : "the application answered the verification code "
                       "prompt with the password; a second factor needs "
                       "keyboard-interactive (sshd: KbdInteractive"
                       "Authentication yes, AuthenticationMethods "
                       "keyboard-interactive)");
    return Verdict::kConversationFailed;
  }
  return Verdict::kOk;
}

int PasswordPrelim(PamIo& io, std::string_view user, bool as_root,
                   bool locked) {
  const Phase phase = Phase::kPasswordPrelim;
  if (as_root) return Finish(io, phase, user, Verdict::kOk);
  if (locked) {
    TellUserPassword(io, Verdict::kLocked, {});
    return Finish(io, phase, user, Verdict::kLocked);
  }
  Secret old_password;
  if (const int rc =
          io.GetAuthtok(PAM_OLDAUTHTOK, kOldPasswordPrompt, old_password);
      rc != PAM_SUCCESS || old_password.empty()) {
    Verdict v = rc == PAM_SUCCESS ? Verdict::kOldPasswordWrong
                                  : ConversationVerdict(rc);
    if (v == Verdict::kUnknownUser) v = Verdict::kConversationFailed;
    return Finish(io, phase, user, v);
  }
  return Finish(io, phase, user, Verdict::kOk);
}

std::optional<int> ReadPasswordUpdate(PamIo& io, std::string_view user,
                                      bool as_root, Secret& old_password,
                                      Secret& new_password) {
  const Phase phase = Phase::kPasswordUpdate;
  if (!as_root) {
    old_password = io.PeekAuthtok(PAM_OLDAUTHTOK);
    if (old_password.empty()) {
      return Finish(io, phase, user, Verdict::kOldPasswordWrong);
    }
  }
  if (const int rc = io.GetAuthtok(PAM_AUTHTOK, nullptr, new_password);
      rc != PAM_SUCCESS) {
    // libpam has told the user ("Sorry, passwords do not match." or
    // "Password change aborted.").
    return Finish(io, phase, user,
                  rc == PAM_TRY_AGAIN ? Verdict::kMismatch
                                      : Verdict::kConversationFailed);
  }
  return std::nullopt;
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
