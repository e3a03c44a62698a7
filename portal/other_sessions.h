// "Sign out all other sessions", for the security page and the API.
#ifndef LATCHKEY_PORTAL_OTHER_SESSIONS_H_
#define LATCHKEY_PORTAL_OTHER_SESSIONS_H_

#include <cstdint>

#include "latchkey/base/result.h"
#include "portal/context.h"

namespace latchkey::portal {

// Ends every session of the signed-in user except the current one, and
// writes an `other_sessions_ended` audit row ("N ended"). Returns how many
// ended. Needs a session (kNeedsSession routes). Errors: db errors.
Result<uint64_t> EndOtherSessions(Context& ctx);

}  // namespace latchkey::portal

#endif  // LATCHKEY_PORTAL_OTHER_SESSIONS_H_
