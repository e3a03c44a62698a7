// GET/POST /email: move the account to a new address (kNeedsSession). The
// password must have been re-entered within the last 10 minutes; when it
// has not, the form asks for it (so POST runs on the KDF pool). The change
// waits for the link mailed to the new address; the old one gets a notice.
//
// GET/POST /email/confirm?token=: the link from that mail. GET only shows a
// button: mail scanners that fetch links must not confirm for the user.
#include "latchkey/account/email_change.h"

#include "portal/core_fields.h"
#include "portal/reauth_gate.h"

namespace latchkey::portal {
namespace {

Response ShowForm(Context& ctx, std::string_view email, std::string_view error,
                  const FieldErrors& errors, int status) {
  tmpl::Dict view = ctx.View("Change your email");
  view["current_email"] = ctx.user()->email;
  view["email"] = email;
  view["need_password"] = !ReauthWindowOpenNow(ctx);
  if (!error.empty()) view["error"] = error;
  view["errors"] = errors.View();
  return ctx.Page("email_change", view, status);
}

Response ShowConfirm(Context& ctx, std::string_view token,
                     std::string_view state, int status) {
  tmpl::Dict view = ctx.View("Confirm your new email");
  view["token"] = token;
  if (!state.empty()) view[std::string(state)] = true;
  view["signed_in"] = ctx.session() != nullptr;
  return ctx.Page("email_confirm", view, status);
}

}  // namespace

Response EmailChangePage(Context& ctx) {
  return ShowForm(ctx, "", "", FieldErrors(), 200);
}

Response EmailChangeSubmit(Context& ctx) {
  const std::string email(ctx.req().Field("email"));
  const Secret password(ctx.req().Field("password"));
  Result<ReauthGate> gate = CheckReauth(ctx, password, ReauthMode::kWindow);
  if (!gate.ok()) return ctx.Fail(gate.status(), "re-authenticating");
  if (!gate->open) {
    FieldErrors errors;
    if (gate->field_error()) errors.Add("password", gate->message);
    return ShowForm(ctx, email, gate->field_error() ? "" : gate->message,
                    errors, gate->http_status);
  }
  EmailChange change(ctx.services());
  Result<latchkey::FieldErrors> asked =
      change.Request(ctx.user()->id, email, ctx.auth_context());
  if (asked.status().code() == StatusCode::kResourceExhausted) {
    Response r =
        ShowForm(ctx, email, "Too many email changes. Try again later.",
                 FieldErrors(), 429);
    r.Header("Retry-After", std::to_string(kEmailChangePerUser.window.count()));
    return r;
  }
  if (!asked.ok())
    return ctx.Fail(asked.status(), "requesting an email change");
  if (asked->empty()) {
    ctx.app().NudgeMail();
    return ctx.Redirect("/profile?notice=email_change_sent");
  }
  FieldErrors errors;
  AddCoreErrors(*asked, errors);
  return ShowForm(ctx, email, "", errors, 422);
}

Response EmailConfirmPage(Context& ctx) {
  const std::string_view token = ctx.req().Query("token").value_or("");
  if (token.empty()) return ShowConfirm(ctx, "", "invalid", 400);
  return ShowConfirm(ctx, token, "", 200);
}

Response EmailConfirmSubmit(Context& ctx) {
  const std::string token(ctx.req().Field("token"));
  if (token.empty()) return ShowConfirm(ctx, "", "invalid", 400);
  EmailChange change(ctx.services());
  Result<LinkState> state = change.Confirm(token, ctx.auth_context());
  if (state.status().code() == StatusCode::kAlreadyExists) {
    return ShowConfirm(ctx, "", "taken", 409);
  }
  if (!state.ok())
    return ctx.Fail(state.status(), "confirming an email change");
  switch (*state) {
    case LinkState::kOk:
      return ShowConfirm(ctx, "", "done", 200);
    case LinkState::kUsed:
      return ShowConfirm(ctx, "", "used", 410);
    case LinkState::kExpired:
      return ShowConfirm(ctx, "", "expired", 410);
    case LinkState::kInvalid:
      break;
  }
  return ShowConfirm(ctx, "", "invalid", 400);
}

}  // namespace latchkey::portal
