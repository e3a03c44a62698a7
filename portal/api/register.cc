// POST /api/v1/register {"full_name", "username", "email", "password",
// "confirm"?} (on the KDF pool). 201 {"status": "registered", "message"}
// whether or not the email address was already registered (the core mails
// its owner instead); 422 with "fields"; 403 "registration_closed", or
// "invitation_only" when [portal] registration = invite.
// "confirm" may be left out (an API client has no second input box); when
// given it must match.
#include "latchkey/account/registration.h"
#include "portal/api/body_fields.h"
#include "portal/context.h"
#include "portal/core_fields.h"

namespace latchkey::portal {

Response ApiRegister(Context& ctx) {
  nlohmann::json body = ctx.req().Json();
  if (!body.is_object()) return BadJson(ctx);
  FieldErrors errors;
  RegistrationForm form;
  form.full_name = StringMember(body, "full_name", errors);
  form.username = StringMember(body, "username", errors);
  form.email = StringMember(body, "email", errors);
  form.password = SecretMember(body, "password", errors);
  form.confirm = ConfirmMember(body, form.password, errors);
  if (!errors.empty()) return InvalidFields(ctx, errors);

  Registration registration(ctx.services());
  Result<latchkey::FieldErrors> result =
      registration.Register(form, ctx.auth_context());
  if (!result.ok()) {
    if (result.status().code() == StatusCode::kPermissionDenied) {
      const bool invite =
          ctx.config().portal.registration == RegistrationMode::kInvite;
      return ctx.ApiError(403,
                          invite ? "invitation_only" : "registration_closed",
                          result.status().message());
    }
    return ctx.Fail(result.status(), "registering an account");
  }
  if (!result->empty()) {
    AddCoreErrors(*result, errors);
    return InvalidFields(ctx, errors);
  }
  ctx.app().NudgeMail();
  return ctx.Json({{"status", "registered"},
                   {"message",
                    "We have sent a link to the email address. Open it to "
                    "confirm the address."}},
                  201);
}

}  // namespace latchkey::portal
