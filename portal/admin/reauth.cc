// The admin re-authentication: password AND a TOTP code open the
// session's admin window (account/reauth.h, Reauthentication::GateAdmin)
// for 10 minutes; every state-changing admin action needs it open.
//   GET  /admin/reauth?next=/admin/...  the form
//   POST /admin/reauth                  password, code, next (KDF pool)
//   POST /api/v1/admin/reauth {"password", "code"}
//        200 {"admin_reauth_until"}; 403 wrong_credentials / locked;
//        429 throttled (Retry-After); 422 a field missing.
#include "latchkey/account/reauth.h"

#include "portal/admin/gate.h"
#include "portal/admin/view.h"
#include "portal/api/body_fields.h"
#include "portal/metrics.h"
#include "portal/reauth_gate.h"

namespace latchkey::portal {

Response RenderAdminReauth(Context& ctx, std::string_view return_to,
                           const FieldErrors& errors, std::string_view error,
                           int status) {
  tmpl::Dict view = AdminView(ctx, "Confirm it is you", "");
  view["next"] = AdminReturnPath(return_to);
  if (!error.empty()) view["error"] = error;
  view["errors"] = errors.View();
  return ctx.Page("admin_reauth", view, status);
}

Response AdminReauthPage(Context& ctx) {
  return RenderAdminReauth(ctx, ctx.req().Query("next").value_or("/admin"),
                           FieldErrors(), {}, 200);
}

Response AdminReauthSubmit(Context& ctx) {
  const Secret password(ctx.req().Field("password"));
  const std::string_view code = ctx.req().Field("code");
  const std::string next = AdminReturnPath(ctx.req().Field("next"));
  FieldErrors errors;
  if (password.empty()) errors.Add("password", "Enter your password.");
  if (code.empty()) errors.Add("code", "Enter the code from your app.");
  if (!errors.empty()) return RenderAdminReauth(ctx, next, errors, {}, 422);
  Result<ReauthGate> answer = CheckAdminReauth(ctx, password, code);
  if (!answer.ok()) return ctx.Fail(answer.status(), "re-authenticating");
  if (!answer->open) {
    Response r = RenderAdminReauth(ctx, next, errors, answer->message,
                                   answer->http_status);
    if (answer->http_status == 429) {
      r.Header("Retry-After", std::to_string(answer->retry_after.count()));
    }
    return r;
  }
  return ctx.Redirect(WithNotice(next, "admin_reauth_ok"));
}

Response ApiAdminReauth(Context& ctx) {
  nlohmann::json body = ctx.req().Json();
  if (!body.is_object()) return BadJson(ctx);
  FieldErrors errors;
  const Secret password = RequiredSecret(body, "password", errors);
  const Secret code = RequiredSecret(body, "code", errors);
  if (!errors.empty()) return InvalidFields(ctx, errors);
  Result<ReauthGate> answer = CheckAdminReauth(ctx, password, code.view());
  if (!answer.ok()) return ctx.Fail(answer.status(), "re-authenticating");
  if (!answer->open) {
    Response r =
        ctx.ApiError(answer->http_status, answer->code, answer->message);
    if (answer->retry_after.count() > 0) {
      r.Header("Retry-After", std::to_string(answer->retry_after.count()));
    }
    return r;
  }
  return ctx.Json({{"admin_reauth_until", answer->window_ends_at}});
}

}  // namespace latchkey::portal
