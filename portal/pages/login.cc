// GET/POST /login: username or email, and password. POST runs on the KDF
// pool (kKdfBound).
#include "latchkey/base/secret.h"
#include "portal/context.h"
#include "portal/login_flow.h"

namespace latchkey::portal {
namespace {

Response ShowForm(Context& ctx, std::string_view login, std::string_view error,
                  const FieldErrors& errors, int status) {
  tmpl::Dict view = ctx.View("Sign in");
  view["login"] = login;
  if (!error.empty()) view["error"] = error;
  view["errors"] = errors.View();
  return ctx.Page("login", view, status);
}

}  // namespace

Response LoginPage(Context& ctx) {
  if (ctx.session() != nullptr) return ctx.Redirect("/profile");
  return ShowForm(ctx, "", "", FieldErrors(), 200);
}

Response LoginSubmit(Context& ctx) {
  const std::string_view login = ctx.req().Field("login");
  const Secret password(ctx.req().Field("password"));
  FieldErrors errors;
  if (login.empty()) errors.Add("login", "Enter your username or email.");
  if (password.empty()) errors.Add("password", "Enter your password.");
  if (!errors.empty()) return ShowForm(ctx, login, "", errors, 422);

  LoginVerdict v = PasswordStep(ctx, login, password);
  if (v.status == AuthStatus::kSecondFactorNeeded) {
    CookieOptions once;
    once.max_age = kChallengeTtl.count();
    ctx.SetCookie(kChallengeCookie, v.challenge, once);
    return ctx.Redirect("/login/totp");
  }
  if (v.status == AuthStatus::kOk) {
    const Status started = FinishLogin(ctx, *v.user);
    if (!started.ok()) return ctx.Fail(started, "starting a session");
    return ctx.Redirect("/profile");
  }
  Response r = ShowForm(ctx, login, v.message, FieldErrors(), v.http_status);
  if (v.status == AuthStatus::kThrottled) {
    r.Header("Retry-After", std::to_string(v.retry_after.count()));
  }
  return r;
}

}  // namespace latchkey::portal
