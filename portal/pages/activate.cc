// GET /activate?token=: uses an activation link from the mail. A used,
// expired or unknown link gets a page that says which, with a form to ask
// for a new mail. GET/POST /activate/resend: that form on its own; the
// answer is the same whether or not the account exists or still waits for
// confirmation, and too many requests (per typed login and per client
// address, counted by the core) get 429.
#include <string>

#include "latchkey/link_state.h"
#include "latchkey/registration.h"
#include "portal/context.h"

namespace latchkey::portal {
namespace {

struct LinkPage {
  int status;
  std::string_view heading;
  std::string_view message;
};

LinkPage ForState(LinkState state) {
  switch (state) {
    case LinkState::kOk:
      return {200, "Email address confirmed", ""};
    case LinkState::kUsed:
      return {409, "This link was already used",
              "This confirmation link has already been used, or a newer one "
              "was sent since. If your address is confirmed, just sign in; "
              "otherwise ask for a new mail below."};
    case LinkState::kExpired:
      return {409, "This link has expired",
              "Confirmation links are valid for 48 hours. Ask for a new mail "
              "below."};
    case LinkState::kInvalid:
      break;
  }
  return {404, "This link is not valid",
          "We do not know this confirmation link. Check that you opened the "
          "whole link from the mail, or ask for a new mail below."};
}

Response ShowResend(Context& ctx, std::string_view error,
                    const FieldErrors& errors, int status) {
  tmpl::Dict view = ctx.View("Confirm your email address");
  view["login"] = ctx.req().Field("login");
  if (!error.empty()) view["error"] = error;
  view["errors"] = errors.View();
  return ctx.Page("activate_resend", view, status);
}

}  // namespace

Response ActivatePage(Context& ctx) {
  const std::string token(ctx.req().Query("token").value_or(""));
  LinkState state = LinkState::kInvalid;
  if (!token.empty()) {
    Registration registration(ctx.services());
    Result<LinkState> used = registration.Activate(token, ctx.auth_context());
    if (!used.ok()) return ctx.Fail(used.status(), "activating an account");
    state = *used;
  }
  const LinkPage page = ForState(state);
  tmpl::Dict view = ctx.View(page.heading);
  view["ok"] = state == LinkState::kOk;
  view["heading"] = page.heading;
  view["message"] = page.message;
  view["resend"] = state != LinkState::kOk;
  view["errors"] = tmpl::Dict();
  return ctx.Page("activate", view, page.status);
}

Response ActivateResendPage(Context& ctx) {
  return ShowResend(ctx, "", FieldErrors(), 200);
}

Response ActivateResendSubmit(Context& ctx) {
  const std::string_view login = ctx.req().Field("login");
  if (login.empty()) {
    FieldErrors errors;
    errors.Add("login", "Enter the email address or username.");
    return ShowResend(ctx, "", errors, 422);
  }
  Registration registration(ctx.services());
  const Status sent = registration.ResendActivation(login, ctx.auth_context());
  if (sent.code() == StatusCode::kResourceExhausted) {
    Response r = ShowResend(ctx,
                            "Too many requests for a new mail. Try again in "
                            "an hour.",
                            FieldErrors(), 429);
    r.Header("Retry-After", std::to_string(kResendPerLogin.window.count()));
    return r;
  }
  if (!sent.ok()) return ctx.Fail(sent, "sending a new activation mail");
  ctx.app().NudgeMail();
  return ctx.Redirect("/activate/resend?notice=activation_sent");
}

}  // namespace latchkey::portal
