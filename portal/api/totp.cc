// Two-step sign-in (kNeedsSession):
//   POST /api/v1/totp/enrol    200 {"pending", "secret", "otpauth_uri",
//                              "qr_svg", "expires_at"}; nothing stored yet;
//                              409 already on
//   POST /api/v1/totp/confirm  {"pending", "code"} -> 200
//                              {"recovery_codes"}; 422 wrong code or
//                              expired set-up (fields.pending); 409 on
//   POST /api/v1/totp/disable  {"password"} (KDF pool) -> 204; 403
//                              wrong_password / locked; 409 not on
#include "latchkey/account/totp_enrolment.h"
#include "portal/api/body_fields.h"
#include "portal/core_fields.h"
#include "portal/reauth_gate.h"

namespace latchkey::portal {
namespace {

Response AlreadyOn(Context& ctx) {
  return ctx.ApiError(409, "totp_enabled",
                      "Two-step sign-in is already on. Turn it off first.");
}

}  // namespace

Response ApiTotpEnrol(Context& ctx) {
  if (ctx.user()->has_totp()) return AlreadyOn(ctx);
  TotpEnrolment enrolment(ctx.services());
  Result<TotpSetup> setup = enrolment.Begin(ctx.user()->id);
  if (!setup.ok()) return ctx.Fail(setup.status(), "starting TOTP set-up");
  return ctx.Json({{"pending", setup->pending},
                   {"secret", std::string(setup->secret_base32.view())},
                   {"otpauth_uri", std::string(setup->otpauth_uri.view())},
                   {"qr_svg", setup->qr_svg},
                   {"expires_at", setup->expires_at}});
}

Response ApiTotpConfirm(Context& ctx) {
  nlohmann::json body = ctx.req().Json();
  if (!body.is_object()) return BadJson(ctx);
  FieldErrors errors;
  const std::string pending = StringMember(body, "pending", errors);
  const std::string code = StringMember(body, "code", errors);
  if (pending.empty() && !errors.Has("pending")) {
    errors.Add("pending", "required");
  }
  if (code.empty() && !errors.Has("code")) errors.Add("code", "required");
  if (!errors.empty()) return InvalidFields(ctx, errors);
  if (ctx.user()->has_totp()) return AlreadyOn(ctx);
  TotpEnrolment enrolment(ctx.services());
  Result<TotpConfirmation> confirmed =
      enrolment.Confirm(ctx.user()->id, pending, code, ctx.auth_context());
  if (confirmed.status().code() == StatusCode::kFailedPrecondition &&
      ctx.services().secret_box().ok()) {
    errors.Add("pending", "This set-up has expired: start again.");
    return ctx.ApiError(422, "setup_expired",
                        "This set-up has expired: start again.", errors.Json());
  }
  if (!confirmed.ok()) {
    return ctx.Fail(confirmed.status(), "confirming TOTP set-up");
  }
  if (!confirmed->ok()) {
    AddCoreErrors(confirmed->errors, errors);
    return InvalidFields(ctx, errors);
  }
  ctx.app().NudgeMail();
  nlohmann::json codes = nlohmann::json::array();
  for (const Secret& c : confirmed->recovery_codes) {
    codes.push_back(std::string(c.view()));
  }
  return ctx.Json({{"status", "enabled"}, {"recovery_codes", codes}});
}

Response ApiTotpDisable(Context& ctx) {
  nlohmann::json body = ctx.req().Json();
  if (!body.is_object()) return BadJson(ctx);
  FieldErrors errors;
  const Secret password = RequiredSecret(body, "password", errors);
  if (!errors.empty()) return InvalidFields(ctx, errors);
  if (!ctx.user()->has_totp()) {
    return ctx.ApiError(409, "totp_disabled", "Two-step sign-in is not on.");
  }
  if (std::optional<Response> refused = ApiReauthRefusal(ctx, password)) {
    return std::move(*refused);
  }
  TotpEnrolment enrolment(ctx.services());
  const Status off = enrolment.Disable(ctx.user()->id, ctx.auth_context());
  if (off.code() == StatusCode::kFailedPrecondition) {
    return ctx.ApiError(409, "totp_disabled", "Two-step sign-in is not on.");
  }
  if (!off.ok()) return ctx.Fail(off, "turning TOTP off");
  ctx.app().NudgeMail();
  return Response::NoContent();
}

}  // namespace latchkey::portal
