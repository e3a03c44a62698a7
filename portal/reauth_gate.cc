#include "portal/reauth_gate.h"

#include <string>

#include "portal/metrics.h"

namespace latchkey::portal {
namespace {

ReauthGate Closed(int status, std::string_view code, std::string_view text) {
  ReauthGate g;
  g.http_status = status;
  g.code = code;
  g.message = text;
  return g;
}

}  // namespace

bool ReauthWindowOpenNow(Context& ctx) {
  const Session* session = ctx.session();
  return session != nullptr &&
         ReauthWindowOpen(*session, ctx.services().clock().NowUnix());
}

Response ReauthApiError(Context& ctx, const ReauthGate& gate) {
  nlohmann::json fields = nullptr;
  if (gate.field_error()) fields = {{"password", gate.message}};
  Response r = ctx.ApiError(gate.http_status, gate.code, gate.message, fields);
  if (gate.code == "throttled") {
    r.Header("Retry-After", std::to_string(gate.retry_after.count()));
  }
  return r;
}

std::optional<Response> ApiReauthRefusal(Context& ctx, const Secret& password) {
  Result<ReauthGate> gate = CheckReauth(ctx, password, ReauthMode::kPassword);
  if (!gate.ok()) return ctx.Fail(gate.status(), "re-authenticating");
  if (!gate->open) return ReauthApiError(ctx, *gate);
  return std::nullopt;
}

// The one mapping of the core's outcome. `with_code`: the gate asked for
// the password and a code.
ReauthGate GateOf(Context& ctx, const ReauthOutcome& outcome, bool with_code) {
  if (outcome.lock_started) ctx.app().metrics().CountLockout();
  switch (outcome.status) {
    case ReauthStatus::kOk: {
      ReauthGate open;
      open.open = true;
      open.http_status = 200;
      open.window_ends_at = outcome.window_ends_at;
      return open;
    }
    case ReauthStatus::kRequired:
      return with_code ? Closed(403, "reauth_required",
                                "Enter your password and a code from your "
                                "authenticator.")
                       : Closed(403, "reauth_required",
                                "Enter your password to continue.");
    case ReauthStatus::kWrongPassword:
    case ReauthStatus::kWrongCode:
      return with_code ? Closed(403, "wrong_credentials",
                                "The password or the code is not correct.")
                       : Closed(403, "wrong_password",
                                "The password is not correct.");
    case ReauthStatus::kLocked: {
      ReauthGate g = Closed(403, "locked",
                            "This account is temporarily locked after too "
                            "many failed sign-ins. Try again later.");
      g.retry_after = outcome.retry_after;
      return g;
    }
    case ReauthStatus::kThrottled: {
      ReauthGate g = Closed(429, "throttled",
                            "Too many failed attempts from your address. Try "
                            "again later.");
      g.retry_after = outcome.retry_after;
      return g;
    }
  }
  return Closed(403, "wrong_password", "The password is not correct.");
}

Result<ReauthGate> CheckReauth(Context& ctx, const Secret& password,
                               ReauthMode mode) {
  Reauthentication reauth(ctx.services(), ctx.sessions());
  LK_ASSIGN_OR_RETURN(
      ReauthOutcome outcome,
      reauth.Gate(*ctx.session(), password, mode, ctx.auth_context()));
  return GateOf(ctx, outcome, false);
}

Result<ReauthGate> CheckAdminReauth(Context& ctx, const Secret& password,
                                    std::string_view code) {
  Reauthentication reauth(ctx.services(), ctx.sessions());
  LK_ASSIGN_OR_RETURN(
      ReauthOutcome outcome,
      reauth.GateAdmin(*ctx.session(), password, code, ctx.auth_context()));
  return GateOf(ctx, outcome, true);
}

Result<ReauthGate> CheckEveryFactorReauth(Context& ctx, const Secret& password,
                                          std::string_view code) {
  Reauthentication reauth(ctx.services(), ctx.sessions());
  LK_ASSIGN_OR_RETURN(ReauthOutcome outcome,
                      reauth.GateEveryFactor(*ctx.session(), password, code,
                                             ctx.auth_context()));
  const User* user = ctx.user();
  return GateOf(ctx, outcome, user != nullptr && user->has_totp());
}

}  // namespace latchkey::portal
