// POST /api/v1/activate {"token"}: 200 {"status": "activated"}; a link that
// cannot be used: 404 "token_invalid", 409 "token_used" or
// "token_expired".
// POST /api/v1/activate/resend {"login"} (email or username): 200
// {"status": "ok", "message"} whether or not a mail was sent; 422 without a
// login; 429 "throttled" (with Retry-After) over the core's limits per
// login and per client address.
#include <string>

#include "latchkey/account/link_state.h"
#include "latchkey/account/registration.h"
#include "portal/api/body_fields.h"
#include "portal/api/link_errors.h"
#include "portal/context.h"

namespace latchkey::portal {

Response ApiActivate(Context& ctx) {
  const nlohmann::json body = ctx.req().Json();
  if (!body.is_object()) return BadJson(ctx);
  FieldErrors errors;
  const std::string token = RequiredString(body, "token", errors);
  if (!errors.empty()) return InvalidFields(ctx, errors);

  Registration registration(ctx.services());
  Result<LinkState> used = registration.Activate(token, ctx.auth_context());
  if (!used.ok()) return ctx.Fail(used.status(), "activating an account");
  if (*used != LinkState::kOk) return LinkError(ctx, *used);
  return ctx.Json({{"status", "activated"}});
}

Response ApiActivateResend(Context& ctx) {
  const nlohmann::json body = ctx.req().Json();
  if (!body.is_object()) return BadJson(ctx);
  FieldErrors errors;
  const std::string login = RequiredString(body, "login", errors);
  if (!errors.empty()) return InvalidFields(ctx, errors);

  Registration registration(ctx.services());
  const Status sent = registration.ResendActivation(login, ctx.auth_context());
  if (sent.code() == StatusCode::kResourceExhausted) {
    return Throttled(ctx, kResendPerLogin.window);
  }
  if (!sent.ok()) return ctx.Fail(sent, "sending a new activation mail");
  ctx.app().NudgeMail();
  return ctx.Json({{"status", "ok"},
                   {"message",
                    "If that account is waiting for confirmation, a new link "
                    "is on its way to its address."}});
}

}  // namespace latchkey::portal
