// GET /api/v1/csrf: {"csrf": token} for the X-CSRF-Token header of the
// next state-changing call (a pre-session token and its cookie before
// sign-in, the session's token after).
#include "portal/context.h"

namespace latchkey::portal {

Response ApiCsrf(Context& ctx) { return ctx.Json({{"csrf", ctx.CsrfToken()}}); }

}  // namespace latchkey::portal
