// POST /api/v1/invite {"token", "password", "confirm"?} (public; on the KDF
// pool): accepts an invitation (account/invitation.h). 200 {"status":
// "invitation_accepted"}: the password is set, the email verified, the
// account active. 422 with "fields" (the link is not used up by a bad
// form); 404 "token_invalid", 409 "token_used" / "token_expired".
// "confirm" may be left out; when given it must match.
#include <string>

#include "latchkey/account/invitation.h"
#include "portal/api/body_fields.h"
#include "portal/api/link_errors.h"
#include "portal/context.h"
#include "portal/core_fields.h"

namespace latchkey::portal {

Response ApiInvite(Context& ctx) {
  nlohmann::json body = ctx.req().Json();
  if (!body.is_object()) return BadJson(ctx);
  FieldErrors errors;
  const std::string token = RequiredString(body, "token", errors);
  const Secret password = SecretMember(body, "password", errors);
  const Secret confirm = ConfirmMember(body, password, errors);
  if (!errors.empty()) return InvalidFields(ctx, errors);

  AccountLinks links(ctx.services());
  Result<ResetResult> result =
      links.AcceptInvitation(token, password, confirm, ctx.auth_context());
  if (!result.ok()) {
    return ctx.Fail(result.status(), "accepting an invitation");
  }
  if (result->link != LinkState::kOk) return LinkError(ctx, result->link);
  if (!result->errors.empty()) {
    AddCoreErrors(result->errors, errors);
    return InvalidFields(ctx, errors);
  }
  return ctx.Json({{"status", "invitation_accepted"}});
}

}  // namespace latchkey::portal
