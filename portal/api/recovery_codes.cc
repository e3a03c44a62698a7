// POST /api/v1/recovery-codes (kNeedsSession): new recovery codes, the old
// ones stop working. Needs the session's re-auth window (POST
// /api/v1/reauth): 403 reauth_required otherwise. 200 {"recovery_codes"};
// 409 when two-step sign-in is off.
#include "latchkey/account/totp_enrolment.h"
#include "portal/reauth_gate.h"

namespace latchkey::portal {

Response ApiRecoveryCodes(Context& ctx) {
  if (!ctx.user()->has_totp()) {
    return ctx.ApiError(409, "totp_disabled", "Two-step sign-in is not on.");
  }
  // Never a password here (not a KDF route): the window must be open.
  Result<ReauthGate> gate = CheckReauth(ctx, Secret(), ReauthMode::kWindow);
  if (!gate.ok()) return ctx.Fail(gate.status(), "checking re-auth");
  if (!gate->open) {
    return ctx.ApiError(403, "reauth_required",
                        "Confirm your password first (POST /api/v1/reauth).");
  }
  TotpEnrolment enrolment(ctx.services());
  Result<std::vector<Secret>> codes =
      enrolment.RegenerateRecoveryCodes(ctx.user()->id, ctx.auth_context());
  if (codes.status().code() == StatusCode::kFailedPrecondition) {
    return ctx.ApiError(409, "totp_disabled", "Two-step sign-in is not on.");
  }
  if (!codes.ok()) return ctx.Fail(codes.status(), "making recovery codes");
  ctx.app().NudgeMail();
  nlohmann::json list = nlohmann::json::array();
  for (const Secret& c : *codes) list.push_back(std::string(c.view()));
  return ctx.Json({{"recovery_codes", list}});
}

}  // namespace latchkey::portal
