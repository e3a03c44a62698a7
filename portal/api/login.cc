// POST /api/v1/login {"login", "password"} and POST /api/v1/login/totp
// {"code", "challenge"?}.
//
// Login answers 200 {"status": "ok", "user": {...}, "csrf": token} with the
// session cookie, or 200 {"status": "totp_required", "challenge": c} (also
// set as the lk_2fa cookie) when a second factor is needed; errors are
// 400/401/403/422/429/503 with {"error", "message", "fields"}.
#include <string>

#include "latchkey/base/secret.h"
#include "portal/api/body_fields.h"
#include "portal/api/json_user.h"
#include "portal/context.h"
#include "portal/login_flow.h"

namespace latchkey::portal {
namespace {

Response Signed(Context& ctx, LoginVerdict& v) {
  const Status started = FinishLogin(ctx, *v.user);
  if (!started.ok()) return ctx.Fail(started, "starting a session");
  return ctx.Json({{"status", "ok"},
                   {"user", UserJson(*v.user)},
                   {"csrf", ctx.CsrfToken()}});
}

Response Refused(Context& ctx, const LoginVerdict& v) {
  Response r = ctx.ApiError(v.http_status, v.code, v.message);
  if (v.status == AuthStatus::kThrottled) {
    r.Header("Retry-After", std::to_string(v.retry_after.count()));
  }
  return r;
}

}  // namespace

Response ApiLogin(Context& ctx) {
  nlohmann::json body = ctx.req().Json();
  if (!body.is_object()) return BadJson(ctx);
  FieldErrors errors;
  const std::string login = RequiredString(body, "login", errors);
  const Secret password = RequiredSecret(body, "password", errors);
  if (!errors.empty()) return InvalidFields(ctx, errors);
  LoginVerdict v = PasswordStep(ctx, login, password);
  if (v.status == AuthStatus::kSecondFactorNeeded) {
    CookieOptions once;
    once.max_age = kChallengeTtl.count();
    ctx.SetCookie(kChallengeCookie, v.challenge, once);
    return ctx.Json({{"status", "totp_required"}, {"challenge", v.challenge}});
  }
  if (v.status == AuthStatus::kOk) return Signed(ctx, v);
  return Refused(ctx, v);
}

Response ApiLoginTotp(Context& ctx) {
  const nlohmann::json body = ctx.req().Json();
  if (!body.is_object()) return BadJson(ctx);
  FieldErrors errors;
  const std::string code = RequiredString(body, "code", errors);
  std::string challenge = StringMember(body, "challenge", errors);
  if (challenge.empty()) {
    challenge = std::string(ctx.GetCookie(kChallengeCookie).value_or(""));
  }
  if (!errors.empty()) return InvalidFields(ctx, errors);
  LoginVerdict v = SecondFactorStep(ctx, challenge, code);
  if (v.status == AuthStatus::kOk) return Signed(ctx, v);
  return Refused(ctx, v);
}

}  // namespace latchkey::portal
