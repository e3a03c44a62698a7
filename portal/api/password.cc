// POST /api/v1/password {"current_password", "password", "confirm"?}
// (kNeedsSession, KDF pool): 204; every other session of the account ends,
// this one stays. Errors: 403 wrong_password (fields.current_password) or
// locked; 422 invalid (fields: policy, confirm).
#include "latchkey/account/password_change.h"
#include "portal/api/body_fields.h"
#include "portal/core_fields.h"

namespace latchkey::portal {

Response ApiPassword(Context& ctx) {
  nlohmann::json body = ctx.req().Json();
  if (!body.is_object()) return BadJson(ctx);
  FieldErrors errors;
  OwnPasswordForm form;
  form.current = SecretMember(body, "current_password", errors);
  form.password = SecretMember(body, "password", errors);
  form.confirm = ConfirmMember(body, form.password, errors);
  if (!errors.empty()) return InvalidFields(ctx, errors);
  PasswordChange change(ctx.services());
  Result<OwnPasswordResult> result = change.Change(
      ctx.user()->id, form, ctx.session()->id_sha256, ctx.auth_context());
  if (!result.ok()) return ctx.Fail(result.status(), "changing the password");
  if (result->locked) {
    return ctx.ApiError(403, "locked",
                        "This account is temporarily locked after too many "
                        "failed sign-ins. Try again later.");
  }
  if (!result->ok()) {
    FieldErrors fields;
    AddCoreErrors(result->errors, fields);
    if (fields.Has("current_password") && !form.current.empty()) {
      return ctx.ApiError(403, "wrong_password",
                          "The current password is not correct.",
                          fields.Json());
    }
    return InvalidFields(ctx, fields);
  }
  ctx.app().NudgeMail();
  return Response::NoContent();
}

}  // namespace latchkey::portal
