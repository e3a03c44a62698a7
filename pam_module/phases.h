// The four PAM phases (management groups), one file each. Each takes the
// handle's PamIo and parsed options and returns a PAM code, always through
// PamCode() (pam_codes.h). They may throw (std::bad_alloc); entry.cc's
// shims catch everything.
//
// Two modes, chosen by the config file (OpenBackend):
// - direct: the phase uses the handle's Services (the database, the key);
// - fleet ([fleet] enabled = on): the phase hands over to its
//   *ThroughAgent twin (fleet_*.cc), a thin client of latchkey-agent. Then
//   only the config file is read: no database connection, no [database]
//   password_file, no [security] secret_key_file, no Services. Each
//   pam_sm_* call opens at most one agent connection (close-on-exec) and
//   closes it before it returns: nothing of it is kept in the handle.
// Both modes apply the same local rules first (NotLatchkeysName), ask the
// same prompts, tell the user the same texts (tell_user.h) and return the
// same PAM codes for the same verdicts.
#ifndef LATCHKEY_PAM_MODULE_PHASES_H_
#define LATCHKEY_PAM_MODULE_PHASES_H_

#include <cstdint>
#include <optional>
#include <string_view>

#include "latchkey/config/config.h"
#include "latchkey/services/services.h"
#include "options.h"
#include "pam_codes.h"
#include "pam_io.h"

namespace latchkey::pam {

// auth.cc
int Authenticate(PamIo& io, const ModuleOptions& options);
// account.cc
int CheckAccount(PamIo& io, const ModuleOptions& options);
// password.cc
int ChangePassword(PamIo& io, const ModuleOptions& options);
// session.cc
int OpenSession(PamIo& io, const ModuleOptions& options);
int CloseSession(PamIo& io, const ModuleOptions& options);

// Fleet mode (fleet_auth.cc, fleet_account.cc, fleet_password.cc,
// fleet_session.cc): the same phases through latchkey-agent. `config` was
// loaded by OpenBackend and has fleet.enabled; `user` came from GetUser.
// The agent unreachable, silent past [fleet] connect_timeout /
// request_timeout, or answering "unavailable" is Verdict::kUnavailable.
int AuthenticateThroughAgent(PamIo& io, const ModuleOptions& options,
                             const Config& config, const std::string& user);
int CheckAccountThroughAgent(PamIo& io, const ModuleOptions& options,
                             const Config& config, const std::string& user);
int ChangePasswordThroughAgent(PamIo& io, const ModuleOptions& options,
                               const Config& config, const std::string& user);
// Never fails the session: always PAM_SUCCESS (logged when not recorded).
int RecordSessionThroughAgent(PamIo& io, const Config& config,
                              const std::string& user, bool open);

// --- Steps every phase shares (phase_steps.cc) ---

// Libpam applies the longest delay any module asked for, and only when
// the stack fails, so a failed auth costs at least this (the application
// may ask for more).
inline constexpr unsigned int kFailDelayMicros = 2'000'000;
inline constexpr char kCodePrompt[] = "Verification code: ";
inline constexpr char kOldPasswordPrompt[] = "Current password: ";

// The Verdict for a failed pam_get_user / pam_get_authtok / conversation
// code: kConversationAgain for PAM_CONV_AGAIN or PAM_INCOMPLETE,
// kUnknownUser for PAM_USER_UNKNOWN, else kConversationFailed.
Verdict ConversationVerdict(int pam_code);

// What a phase talks to. Exactly one is set: `services` (direct mode: the
// handle's Services, opened on first use and kept until pam_end) or
// `fleet` (the config, which says [fleet] enabled = on; nothing else was
// read or opened).
struct Backend {
  Services* services = nullptr;
  std::optional<Config> fleet;
};

// The Backend for options.config: the Services this handle already holds
// for that path, else the config file is loaded (LoadConfig reads only that
// file) and, in direct mode only, Services opened from it. nullopt after
// logging the reason (file:line of a config error, a missing password
// file) at LOG_ERR.
std::optional<Backend> OpenBackend(PamIo& io, const ModuleOptions& options);

// The rule of docs/pam.md "Whose name is it?" (CheckNameOnHost), for every
// phase, before any database work. nullopt: the name may be latchkey's, go
// on; `nss_uid` is then the uid the account must hold on this host (see
// HoldsHostUid), if NSS has an entry. Otherwise the verdict to Finish
// with: kUnknownUser for a name that is not latchkey's here (logged under
// `debug`), kUnavailable when the local passwd file or NSS cannot be read
// (logged at LOG_ERR; no database password may be tried then either).
std::optional<Verdict> NotLatchkeysName(const PamIo& io, const NssConfig& nss,
                                        std::string_view user,
                                        std::optional<int64_t>& nss_uid);

// Asks for the verification code (kCodePrompt) into `code`. kOk, or the
// verdict to finish with: kConversationAgain, or kConversationFailed for
// a failed conversation, an empty code, or a code equal to `password` (an
// application that answers every hidden prompt with the password, as
// OpenSSH's PasswordAuthentication does: that is not a wrong code, and
// must not count against the account). Logged at LOG_NOTICE.
Verdict ReadVerificationCode(PamIo& io, const Secret& password, Secret& code);

// The password phase's conversation, the same in both modes (password.cc,
// fleet_password.cc).
//
// The preliminary pass: root (`as_root`) passes at once; a `locked`
// account is told so and refused; otherwise the current password is asked
// for (PAM_OLDAUTHTOK), and an empty one or a failed conversation refuses.
// Returns the PAM code, through Finish.
int PasswordPrelim(PamIo& io, std::string_view user, bool as_root, bool locked);
// The update pass: the current password kept from the preliminary pass
// (unless `as_root`) into `old_password`, and the new one (asked twice by
// libpam) into `new_password`. nullopt: both read, go on; otherwise the
// PAM code to return (through Finish).
std::optional<int> ReadPasswordUpdate(PamIo& io, std::string_view user,
                                      bool as_root, Secret& old_password,
                                      Secret& new_password);

// Logs the verdict under `debug` and returns PamCode(phase, verdict).
int Finish(const PamIo& io, Phase phase, std::string_view user,
           Verdict verdict);

}  // namespace latchkey::pam

#endif  // LATCHKEY_PAM_MODULE_PHASES_H_
