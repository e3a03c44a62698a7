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

namespace latchkey::portal {
namespace {

struct AdminGateAnswer {
  bool open = false;
  int64_t until = 0;
  int status = 403;
  std::string_view code;
  std::string_view message;
  Seconds retry_after{0};
};

// One verdict for password and code: a wrong code says no more than a
// wrong password.
Result<AdminGateAnswer> CheckAdminReauth(Context& ctx, const Secret& password,
                                         std::string_view code) {
  Reauthentication reauth(ctx.services(), ctx.sessions());
  LK_ASSIGN_OR_RETURN(
      ReauthOutcome outcome,
      reauth.GateAdmin(*ctx.session(), password, code, ctx.auth_context()));
  if (outcome.lock_started) ctx.app().metrics().CountLockout();
  AdminGateAnswer a;
  switch (outcome.status) {
    case ReauthStatus::kOk:
      a.open = true;
      a.status = 200;
      a.until = outcome.window_ends_at;
      break;
    case ReauthStatus::kRequired:
      a.code = "reauth_required";
      a.message = "Enter your password and a code from your authenticator.";
      break;
    case ReauthStatus::kWrongPassword:
    case ReauthStatus::kWrongCode:
      a.code = "wrong_credentials";
      a.message = "The password or the code is not correct.";
      break;
    case ReauthStatus::kLocked:
      a.code = "locked";
      a.message =
          "This account is temporarily locked after too many failed "
          "sign-ins. Try again later.";
      a.retry_after = outcome.retry_after;
      break;
    case ReauthStatus::kThrottled:
      a.status = 429;
      a.code = "throttled";
      a.message =
          "Too many failed attempts from your address. Try again later.";
      a.retry_after = outcome.retry_after;
      break;
  }
  return a;
}

}  // namespace

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
  Result<AdminGateAnswer> answer = CheckAdminReauth(ctx, password, code);
  if (!answer.ok()) return ctx.Fail(answer.status(), "re-authenticating");
  if (!answer->open) {
    Response r =
        RenderAdminReauth(ctx, next, errors, answer->message, answer->status);
    if (answer->status == 429) {
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
  Result<AdminGateAnswer> answer = CheckAdminReauth(ctx, password, code.view());
  if (!answer.ok()) return ctx.Fail(answer.status(), "re-authenticating");
  if (!answer->open) {
    Response r = ctx.ApiError(answer->status, answer->code, answer->message);
    if (answer->retry_after.count() > 0) {
      r.Header("Retry-After", std::to_string(answer->retry_after.count()));
    }
    return r;
  }
  return ctx.Json({{"admin_reauth_until", answer->until}});
}

}  // namespace latchkey::portal
