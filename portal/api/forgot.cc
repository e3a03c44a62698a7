// POST /api/v1/forgot {"email"}: 200 {"status": "ok", "message"} whether
// or not an account uses the address (a reset link is mailed if one
// does); 422 for a missing or malformed address; 429 "throttled" (with
// Retry-After) over the core's limits per address and per client address.
// The limits count known and unknown addresses alike, so 429 says nothing
// about accounts either. The link and its mail are made after the answer
// (forgot_flow.h).
#include <string>

#include "latchkey/account/password_reset.h"
#include "portal/api/body_fields.h"
#include "portal/api/link_errors.h"
#include "portal/context.h"
#include "portal/core_fields.h"
#include "portal/forgot_flow.h"

namespace latchkey::portal {

Response ApiForgot(Context& ctx) {
  const nlohmann::json body = ctx.req().Json();
  if (!body.is_object()) return BadJson(ctx);
  FieldErrors errors;
  const std::string email = RequiredString(body, "email", errors);
  if (!errors.empty()) return InvalidFields(ctx, errors);

  Result<latchkey::FieldErrors> asked = AskForResetLink(ctx, email);
  if (!asked.ok()) {
    if (asked.status().code() == StatusCode::kResourceExhausted) {
      return Throttled(ctx, kForgotPerAddress.window);
    }
    return ctx.Fail(asked.status(), "asking for a reset link");
  }
  if (!asked->empty()) {
    AddCoreErrors(*asked, errors);
    return InvalidFields(ctx, errors);
  }
  return ctx.Json({{"status", "ok"},
                   {"message",
                    "If an account uses this address, a link to choose a new "
                    "password is on its way. It is valid for one hour."}});
}

}  // namespace latchkey::portal
