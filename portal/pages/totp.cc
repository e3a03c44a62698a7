// Two-step sign-in on /security (kNeedsSession):
//   POST /security/totp          a new key: QR code + the secret as text
//   POST /security/totp/confirm  the code from the app turns it on; the
//                                recovery codes are shown once
//   POST /security/totp/disable  turns it off; needs the password (KDF
//                                pool)
// Nothing is stored until the code is right: the new key travels sealed
// in the hidden "pending" field (see totp_enrolment.h).
#include <string>

#include "latchkey/account/qr_svg.h"
#include "latchkey/account/totp_enrolment.h"
#include "latchkey/base/encoding.h"
#include "portal/core_fields.h"
#include "portal/pages/security_page.h"
#include "portal/reauth_gate.h"

namespace latchkey::portal {
namespace {

// Where the template wants the QR code. Values are always escaped, so no
// value can produce this comment; only the template file holds it.
constexpr std::string_view kQrMarker = "<!--latchkey:qr-->";

// "ABCD EFGH ...": easier to type by hand; apps ignore the spaces.
std::string Grouped(std::string_view b32) {
  std::string out;
  for (size_t i = 0; i < b32.size(); ++i) {
    if (i > 0 && i % 4 == 0) out += ' ';
    out += b32[i];
  }
  return out;
}

struct EnrolStep {
  std::string pending;
  std::string secret_base32;  // as shown (and sent back to show again)
  std::string qr_svg;         // from the core; "" when it cannot be made
};

Response ShowEnrol(Context& ctx, const EnrolStep& step,
                   const FieldErrors& errors, int status) {
  tmpl::Dict view = ctx.View("Set up two-step sign-in");
  view["pending"] = step.pending;
  view["secret"] = step.secret_base32;
  view["secret_grouped"] = Grouped(step.secret_base32);
  view["has_qr"] = !step.qr_svg.empty();
  view["digits"] = static_cast<int64_t>(ctx.config().totp.digits);
  view["errors"] = errors.View();
  Response page = ctx.Page("totp_enrol", view, status);
  const size_t at = page.body.find(kQrMarker);
  if (at != std::string::npos) {
    page.body.replace(at, kQrMarker.size(), step.qr_svg);
  }
  return page;
}

// The step again after a wrong code, from the secret the form carried back
// (the QR code is drawn from it again; the pending key decides what counts).
EnrolStep StepFromForm(Context& ctx, std::string_view pending,
                       std::string_view shown) {
  EnrolStep step;
  step.pending = std::string(pending);
  std::string compact;
  for (const char c : shown) {
    if (c != ' ') compact += c;
  }
  std::optional<std::string> raw = Base32Decode(compact);
  if (!raw || raw->empty() || raw->size() > 64) return step;
  step.secret_base32 = compact;
  const Secret key = Secret::Take(*raw);
  std::string uri_text =
      ctx.services().totp().OtpauthUri(ctx.user()->username, key);
  const Secret uri = Secret::Take(uri_text);
  Result<std::string> svg = QrSvg(uri.view());
  if (svg.ok()) step.qr_svg = std::move(*svg);
  return step;
}

}  // namespace

Response TotpEnrolSubmit(Context& ctx) {
  if (ctx.user()->has_totp()) return ctx.Redirect("/security");
  TotpEnrolment enrolment(ctx.services());
  Result<TotpSetup> setup = enrolment.Begin(ctx.user()->id);
  if (!setup.ok()) return ctx.Fail(setup.status(), "starting TOTP set-up");
  EnrolStep step;
  step.pending = std::move(setup->pending);
  step.secret_base32 = std::string(setup->secret_base32.view());
  step.qr_svg = std::move(setup->qr_svg);
  return ShowEnrol(ctx, step, FieldErrors(), 200);
}

Response TotpConfirmSubmit(Context& ctx) {
  if (ctx.user()->has_totp()) return ctx.Redirect("/security");
  const std::string_view pending = ctx.req().Field("pending");
  const std::string_view code = ctx.req().Field("code");
  TotpEnrolment enrolment(ctx.services());
  Result<TotpConfirmation> confirmed =
      enrolment.Confirm(ctx.user()->id, pending, code, ctx.auth_context());
  if (confirmed.status().code() == StatusCode::kFailedPrecondition &&
      ctx.services().secret_box().ok()) {
    SecurityForm form;
    form.error = "The set-up has expired. Start again.";
    return RenderSecurity(ctx, form, 422);
  }
  if (!confirmed.ok()) {
    return ctx.Fail(confirmed.status(), "confirming TOTP set-up");
  }
  if (!confirmed->ok()) {
    FieldErrors errors;
    AddCoreErrors(confirmed->errors, errors);
    return ShowEnrol(ctx, StepFromForm(ctx, pending, ctx.req().Field("secret")),
                     errors, 422);
  }
  ctx.app().NudgeMail();
  return ShowRecoveryCodes(ctx, confirmed->recovery_codes, true);
}

Response TotpDisableSubmit(Context& ctx) {
  if (!ctx.user()->has_totp()) return ctx.Redirect("/security");
  const Secret password(ctx.req().Field("password"));
  Result<ReauthGate> gate = CheckReauth(ctx, password, ReauthMode::kPassword);
  if (!gate.ok()) return ctx.Fail(gate.status(), "re-authenticating");
  if (!gate->open) {
    SecurityForm form;
    if (gate->field_error()) {
      form.errors.Add("disable_password", gate->message);
    } else {
      form.error = gate->message;
    }
    return RenderSecurity(ctx, form, gate->http_status);
  }
  TotpEnrolment enrolment(ctx.services());
  const Status off = enrolment.Disable(ctx.user()->id, ctx.auth_context());
  if (off.code() == StatusCode::kFailedPrecondition) {
    return ctx.Redirect("/security");
  }
  if (!off.ok()) return ctx.Fail(off, "turning TOTP off");
  ctx.app().NudgeMail();
  return ctx.Redirect("/security?notice=totp_disabled");
}

}  // namespace latchkey::portal
