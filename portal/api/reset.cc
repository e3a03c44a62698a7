// POST /api/v1/reset {"token", "password", "confirm"?} (on the KDF pool):
// sets a new password through a reset link. 200 {"status":
// "password_changed"}: every session of the account ended, the other
// reset links are void, a confirmation was mailed, TOTP stays. 422 with
// "fields" (the link is not used up by a bad form); 404 "token_invalid",
// 409 "token_used" / "token_expired". "confirm" may be left out; when
// given it must match.
#include <string>

#include "latchkey/account/password_reset.h"
#include "portal/api/body_fields.h"
#include "portal/api/link_errors.h"
#include "portal/context.h"
#include "portal/core_fields.h"

namespace latchkey::portal {

Response ApiReset(Context& ctx) {
  nlohmann::json body = ctx.req().Json();
  if (!body.is_object()) return BadJson(ctx);
  FieldErrors errors;
  const std::string token = RequiredString(body, "token", errors);
  const Secret password = SecretMember(body, "password", errors);
  const Secret confirm = ConfirmMember(body, password, errors);
  if (!errors.empty()) return InvalidFields(ctx, errors);

  PasswordReset reset(ctx.services());
  Result<ResetResult> result =
      reset.Reset(token, password, confirm, ctx.auth_context());
  if (!result.ok()) return ctx.Fail(result.status(), "resetting a password");
  if (result->link != LinkState::kOk) return LinkError(ctx, result->link);
  if (!result->errors.empty()) {
    AddCoreErrors(result->errors, errors);
    return InvalidFields(ctx, errors);
  }
  ctx.app().NudgeMail();
  return ctx.Json({{"status", "password_changed"}});
}

}  // namespace latchkey::portal
