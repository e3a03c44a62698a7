// GET/POST /login/totp: the second step, a TOTP code or a recovery code.
// The id of the challenge from the password step travels in the lk_2fa
// cookie; the first code attempt uses the challenge up, so after a wrong
// code the person signs in again.
#include "portal/context.h"
#include "portal/login_flow.h"

namespace latchkey::portal {
namespace {

Response ShowForm(Context& ctx, std::string_view error,
                  const FieldErrors& errors, int status) {
  tmpl::Dict view = ctx.View("Verification code");
  if (!error.empty()) view["error"] = error;
  view["errors"] = errors.View();
  return ctx.Page("login_totp", view, status);
}

}  // namespace

Response LoginTotpPage(Context& ctx) {
  if (!ctx.GetCookie(kChallengeCookie)) return ctx.Redirect("/login");
  return ShowForm(ctx, "", FieldErrors(), 200);
}

Response LoginTotpSubmit(Context& ctx) {
  const std::optional<std::string_view> challenge =
      ctx.GetCookie(kChallengeCookie);
  if (!challenge || challenge->empty()) {
    return ctx.Redirect("/login?notice=step_expired");
  }
  const std::string_view code = ctx.req().Field("code");
  if (code.empty()) {
    FieldErrors errors;
    errors.Add("code", "Enter the code from your app or a recovery code.");
    return ShowForm(ctx, "", errors, 422);
  }
  LoginVerdict v = SecondFactorStep(ctx, *challenge, code);
  if (v.code == "step_expired") {
    ctx.ClearCookie(kChallengeCookie);
    return ctx.Redirect("/login?notice=step_expired");
  }
  if (v.status == AuthStatus::kOk) {
    const Status started = FinishLogin(ctx, *v.user);
    if (!started.ok()) return ctx.Fail(started, "starting a session");
    return ctx.Redirect("/profile");
  }
  if (v.status == AuthStatus::kBadCredentials) {
    ctx.ClearCookie(kChallengeCookie);
    return ctx.Redirect("/login?notice=bad_code");
  }
  // Locked, throttled, unavailable...: this step is over.
  ctx.ClearCookie(kChallengeCookie);
  return ShowForm(ctx, v.message, FieldErrors(), v.http_status);
}

}  // namespace latchkey::portal
