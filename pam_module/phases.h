// The four PAM phases (management groups), one file each. Each takes the
// handle's PamIo and parsed options and returns a PAM code, always through
// PamCode() (pam_codes.h). They may throw (std::bad_alloc); entry.cc's
// shims catch everything.
#ifndef LATCHKEY_PAM_MODULE_PHASES_H_
#define LATCHKEY_PAM_MODULE_PHASES_H_

#include <cstdint>
#include <optional>
#include <string_view>

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

// --- Steps every phase shares (phase_steps.cc) ---

// The Verdict for a failed pam_get_user / pam_get_authtok / conversation
// code: kConversationAgain for PAM_CONV_AGAIN or PAM_INCOMPLETE,
// kUnknownUser for PAM_USER_UNKNOWN, else kConversationFailed.
Verdict ConversationVerdict(int pam_code);

// The handle's Services for options.config, or nullptr after logging the
// reason (file:line of a config error, a missing password file) at LOG_ERR.
Services* OpenServices(PamIo& io, const ModuleOptions& options);

// The rule of docs/pam.md "Whose name is it?" (CheckNameOnHost), for every
// phase, before any database work. nullopt: the name may be latchkey's, go
// on; `nss_uid` is then the uid the account must hold on this host (see
// HoldsHostUid), if NSS has an entry. Otherwise the verdict to Finish
// with: kUnknownUser for a name that is not latchkey's here (logged under
// `debug`), kUnavailable when the local passwd file or NSS cannot be read
// (logged at LOG_ERR; no database password may be tried then either).
std::optional<Verdict> NotLatchkeysName(const PamIo& io, const Services& s,
                                        std::string_view user,
                                        std::optional<int64_t>& nss_uid);

// Logs the verdict under `debug` and returns PamCode(phase, verdict).
int Finish(const PamIo& io, Phase phase, std::string_view user,
           Verdict verdict);

}  // namespace latchkey::pam

#endif  // LATCHKEY_PAM_MODULE_PHASES_H_
