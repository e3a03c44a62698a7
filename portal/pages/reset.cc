// GET /reset?token=: the form for a new password, or a page that says the
// link is used, expired or unknown. POST /reset (token, password, confirm;
// on the KDF pool) sets it through the core, which ends every session of
// the account, voids the other reset links, mails a confirmation and leaves
// TOTP alone; then 303 to /login?notice=password_reset.
#include <string>

#include "latchkey/account/link_state.h"
#include "latchkey/account/password_reset.h"
#include "latchkey/auth/password_policy.h"
#include "latchkey/base/secret.h"
#include "portal/context.h"
#include "portal/core_fields.h"

namespace latchkey::portal {
namespace {

// A page for a link that cannot be used.
Response ShowLinkState(Context& ctx, LinkState state) {
  int status = 404;
  std::string_view heading = "This link is not valid";
  std::string_view message =
      "We do not know this reset link. Check that you opened the whole link "
      "from the mail, or ask for a new one.";
  if (state == LinkState::kUsed) {
    status = 409;
    heading = "This link was already used";
    message =
        "This reset link has already been used, or the password was changed "
        "since. Sign in with your current password, or ask for a new link.";
  } else if (state == LinkState::kExpired) {
    status = 409;
    heading = "This link has expired";
    message = "Reset links are valid for one hour. Ask for a new one.";
  }
  tmpl::Dict view = ctx.View(heading);
  view["heading"] = heading;
  view["message"] = message;
  view["form"] = false;
  return ctx.Page("reset", view, status);
}

Response ShowForm(Context& ctx, std::string_view token,
                  const FieldErrors& errors, int status) {
  tmpl::Dict view = ctx.View("Choose a new password");
  view["heading"] = "Choose a new password";
  view["form"] = true;
  view["token"] = token;
  view["errors"] = errors.View();
  view["password_rules"] = PasswordRules(ctx.config().security);
  if (!errors.empty())
    view["error"] = "Please correct the fields marked below.";
  return ctx.Page("reset", view, status);
}

}  // namespace

Response ResetPage(Context& ctx) {
  const std::string token(ctx.req().Query("token").value_or(""));
  if (token.empty()) return ShowLinkState(ctx, LinkState::kInvalid);
  PasswordReset reset(ctx.services());
  Result<LinkState> state = reset.CheckLink(token);
  if (!state.ok()) return ctx.Fail(state.status(), "checking a reset link");
  if (*state != LinkState::kOk) return ShowLinkState(ctx, *state);
  return ShowForm(ctx, token, FieldErrors(), 200);
}

Response ResetSubmit(Context& ctx) {
  const std::string token(ctx.req().Field("token"));
  if (token.empty()) return ShowLinkState(ctx, LinkState::kInvalid);
  const Secret password(ctx.req().Field("password"));
  const Secret confirm(ctx.req().Field("confirm"));
  PasswordReset reset(ctx.services());
  Result<ResetResult> result =
      reset.Reset(token, password, confirm, ctx.auth_context());
  if (!result.ok()) return ctx.Fail(result.status(), "resetting a password");
  if (result->link != LinkState::kOk) return ShowLinkState(ctx, result->link);
  if (!result->errors.empty()) {
    FieldErrors errors;
    AddCoreErrors(result->errors, errors);
    return ShowForm(ctx, token, errors, 422);
  }
  ctx.app().NudgeMail();
  return ctx.Redirect("/login?notice=password_reset");
}

}  // namespace latchkey::portal
