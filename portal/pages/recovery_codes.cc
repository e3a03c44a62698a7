// POST /security/recovery-codes: new recovery codes, shown once; the old
// ones stop working (kNeedsSession). The password must have been
// re-entered within the last 10 minutes; otherwise the form carries it (so
// the route runs on the KDF pool).
#include "latchkey/account/totp_enrolment.h"
#include "portal/pages/security_page.h"
#include "portal/reauth_gate.h"

namespace latchkey::portal {

Response ShowRecoveryCodes(Context& ctx, const std::vector<Secret>& codes,
                           bool just_enabled) {
  tmpl::Dict view = ctx.View("Your recovery codes");
  tmpl::List list;
  for (const Secret& c : codes) list.emplace_back(std::string(c.view()));
  view["codes"] = std::move(list);
  view["just_enabled"] = just_enabled;
  return ctx.Page("recovery_codes", view, 200);
}

Response RecoveryCodesSubmit(Context& ctx) {
  if (!ctx.user()->has_totp()) return ctx.Redirect("/security");
  const Secret password(ctx.req().Field("password"));
  Result<ReauthGate> gate = CheckReauth(ctx, password, ReauthMode::kWindow);
  if (!gate.ok()) return ctx.Fail(gate.status(), "re-authenticating");
  if (!gate->open) {
    SecurityForm form;
    if (gate->field_error()) {
      form.errors.Add("codes_password", gate->message);
    } else {
      form.error = gate->message;
    }
    return RenderSecurity(ctx, form, gate->http_status);
  }
  TotpEnrolment enrolment(ctx.services());
  Result<std::vector<Secret>> codes =
      enrolment.RegenerateRecoveryCodes(ctx.user()->id, ctx.auth_context());
  if (codes.status().code() == StatusCode::kFailedPrecondition) {
    return ctx.Redirect("/security");
  }
  if (!codes.ok()) return ctx.Fail(codes.status(), "making recovery codes");
  ctx.app().NudgeMail();
  return ShowRecoveryCodes(ctx, *codes, false);
}

}  // namespace latchkey::portal
