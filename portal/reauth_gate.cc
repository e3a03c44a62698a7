#include "portal/reauth_gate.h"

#include "latchkey/account/reauth.h"

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

Status MarkReauthenticated(Context& ctx) {
  // MarkReauthenticated names the session by its id hash alone; the
  // context's copy is read-only, and this request does not read reauth_at
  // again.
  Session mark;
  mark.id_sha256 = ctx.session()->id_sha256;
  return ctx.sessions().MarkReauthenticated(mark);
}

Response ReauthApiError(Context& ctx, const ReauthGate& gate) {
  nlohmann::json fields = nullptr;
  if (gate.field_error()) fields = {{"password", gate.message}};
  Response r = ctx.ApiError(gate.http_status, gate.code, gate.message, fields);
  if (gate.code == "throttled") r.Header("Retry-After", "60");
  return r;
}

Result<ReauthGate> CheckReauth(Context& ctx, const Secret& password,
                               ReauthMode mode) {
  if (mode == ReauthMode::kWindow &&
      ctx.sessions().ReauthValid(*ctx.session())) {
    ReauthGate open;
    open.open = true;
    return open;
  }
  if (password.empty()) {
    return Closed(403, "reauth_required", "Enter your password to continue.");
  }
  Reauthentication reauth(ctx.services());
  LK_ASSIGN_OR_RETURN(
      ReauthOutcome outcome,
      reauth.Check(ctx.user()->id, password, ctx.auth_context()));
  if (outcome.lock_started) ctx.app().metrics().CountLockout();
  switch (outcome.status) {
    case ReauthStatus::kOk: {
      LK_RETURN_IF_ERROR(MarkReauthenticated(ctx));
      ReauthGate open;
      open.open = true;
      return open;
    }
    case ReauthStatus::kWrongPassword:
      return Closed(403, "wrong_password", "The password is not correct.");
    case ReauthStatus::kLocked:
      return Closed(403, "locked",
                    "This account is temporarily locked after too many "
                    "failed sign-ins. Try again later.");
    case ReauthStatus::kThrottled:
      return Closed(429, "throttled",
                    "Too many failed attempts from your address. Try again "
                    "later.");
  }
  return Closed(403, "wrong_password", "The password is not correct.");
}

}  // namespace latchkey::portal
