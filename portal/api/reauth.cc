// POST /api/v1/reauth {"password"} (kNeedsSession, KDF pool): starts the
// session's 10-minute re-auth window that email change and new recovery
// codes need. 200 {"reauth_until"}; 403 wrong_password / locked; 429
// throttled; 422 when the password is missing.
#include "portal/api/body_fields.h"
#include "portal/reauth_gate.h"

namespace latchkey::portal {

Response ApiReauth(Context& ctx) {
  nlohmann::json body = ctx.req().Json();
  if (!body.is_object()) return BadJson(ctx);
  FieldErrors errors;
  const Secret password = RequiredSecret(body, "password", errors);
  if (!errors.empty()) return InvalidFields(ctx, errors);
  Result<ReauthGate> gate = CheckReauth(ctx, password, ReauthMode::kPassword);
  if (!gate.ok()) return ctx.Fail(gate.status(), "re-authenticating");
  if (!gate->open) return ReauthApiError(ctx, *gate);
  return ctx.Json({{"reauth_until", gate->window_ends_at}});
}

}  // namespace latchkey::portal
