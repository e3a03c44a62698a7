// GET /activate?token=: the link from the mail. It only looks at the
// token: a usable one gets a confirm button (a form that POSTs the token
// with the pre-session CSRF token), so a mail scanner that opens links
// activates nothing. POST /activate: uses the token. A used, expired or
// unknown link gets a page that says which, with a form to ask for a new
// mail. GET/POST /activate/resend: that form on its own; the answer is the
// same whether or not the account exists or still waits for confirmation,
// and too many requests (per typed login and per client address, counted
// by the core) get 429.
#include <string>

#include "latchkey/account/link_state.h"
#include "latchkey/account/registration.h"
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

// The page for a link in `state`; `token` is shown in the confirm form.
Response ShowLink(Context& ctx, LinkState state, bool confirm,
                  std::string_view token) {
  const LinkPage page = ForState(state);
  const bool usable = state == LinkState::kOk;
  tmpl::Dict view =
      ctx.View(confirm && usable ? "Confirm your email address" : page.heading);
  view["confirm"] = confirm && usable;
  view["token"] = token;
  view["ok"] = !confirm && usable;
  view["failed"] = !usable;
  view["heading"] = page.heading;
  view["message"] = page.message;
  view["resend"] = !usable;
  view["errors"] = tmpl::Dict();
  return ctx.Page("activate", view, page.status);
}

}  // namespace

Response ActivatePage(Context& ctx) {
  const std::string token(ctx.req().Query("token").value_or(""));
  LinkState state = LinkState::kInvalid;
  if (!token.empty()) {
    Registration registration(ctx.services());
    Result<LinkState> seen = registration.CheckActivation(token);
    if (!seen.ok()) {
      return ctx.Fail(seen.status(), "checking an activation link");
    }
    state = *seen;
  }
  return ShowLink(ctx, state, /*confirm=*/true, token);
}

Response ActivateSubmit(Context& ctx) {
  const std::string token(ctx.req().Field("token"));
  LinkState state = LinkState::kInvalid;
  if (!token.empty()) {
    Registration registration(ctx.services());
    Result<LinkState> used = registration.Activate(token, ctx.auth_context());
    if (!used.ok()) return ctx.Fail(used.status(), "activating an account");
    state = *used;
  }
  return ShowLink(ctx, state, /*confirm=*/false, "");
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
