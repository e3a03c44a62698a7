// API answers shared by the calls that take a one-use link token
// (activation, password reset) or are throttled per address.
#ifndef LATCHKEY_PORTAL_API_LINK_ERRORS_H_
#define LATCHKEY_PORTAL_API_LINK_ERRORS_H_

#include "latchkey/account/link_state.h"
#include "latchkey/config/config.h"
#include "portal/context.h"

namespace latchkey::portal {

// For a state other than kOk: 404 "token_invalid", 409 "token_used",
// 409 "token_expired".
Response LinkError(Context& ctx, LinkState state);

// 429 "throttled" with Retry-After: the limit's window (an upper bound).
Response Throttled(Context& ctx, Seconds window);

}  // namespace latchkey::portal

#endif  // LATCHKEY_PORTAL_API_LINK_ERRORS_H_
