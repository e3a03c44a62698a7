// The core Services for one pam_handle_t, kept with pam_set_data so that
// auth, account, password and session calls between one pam_start and its
// pam_end share one database connection. pam_end frees them through the
// cleanup callback; nothing outlives the handle.
#ifndef LATCHKEY_PAM_MODULE_HANDLE_STATE_H_
#define LATCHKEY_PAM_MODULE_HANDLE_STATE_H_

#include <security/pam_modules.h>

#include <string>

#include "latchkey/base/result.h"
#include "latchkey/services/services.h"

namespace latchkey::pam {

// Direct mode only (fleet mode keeps nothing in the handle).

// The Services stored earlier for `config_path` in this handle, or nullptr.
Services* StoredServices(pam_handle_t* pamh, const std::string& config_path);

// The Services for this handle and `config_path`: the ones stored earlier
// for the same path, or new ones opened from `config` (loaded from that
// path by the caller; Services::Open), stored for the rest of the handle's
// life. The database is not contacted here (the connection is lazy).
// Errors: those of Services::Open, and Internal if pam_set_data fails. A
// failure is not stored: the next call tries again.
Result<Services*> ServicesFor(pam_handle_t* pamh,
                              const std::string& config_path,
                              const Config& config);

}  // namespace latchkey::pam

#endif  // LATCHKEY_PAM_MODULE_HANDLE_STATE_H_
