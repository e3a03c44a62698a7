// GET /api/v1/me: the signed-in user, plus the session's CSRF token.
#include "portal/api/json_user.h"
#include "portal/context.h"

namespace latchkey::portal {

Response ApiMe(Context& ctx) {
  nlohmann::json body = UserJson(*ctx.user());
  body["csrf"] = ctx.CsrfToken();
  return ctx.Json(body);
}

}  // namespace latchkey::portal
