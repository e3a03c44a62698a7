// GET /invite?token=: an invitation's set-password form (the username is
// shown), or a page that says the link is used, expired or unknown. POST
// /invite (token, password, confirm; on the KDF pool) sets the password
// through the policy, marks the email verified and activates the account
// (account/invitation.h); then 303 to /login?notice=invitation_accepted.
// A bad form does not use the link up.
#include <string>

#include "latchkey/account/invitation.h"
#include "latchkey/auth/password_policy.h"
#include "latchkey/base/secret.h"
#include "portal/context.h"
#include "portal/core_fields.h"

namespace latchkey::portal {
namespace {

Response ShowInviteState(Context& ctx, LinkState state) {
  int status = 404;
  std::string_view heading = "This invitation is not valid";
  std::string_view message =
      "We do not know this invitation link. Check that you opened the whole "
      "link from the mail, or ask your administrator for a new invitation.";
  if (state == LinkState::kUsed) {
    status = 409;
    heading = "This invitation was already used";
    message =
        "This invitation has already been accepted, or a newer one replaced "
        "it. Sign in with the password you chose, or ask your administrator "
        "for a new invitation.";
  } else if (state == LinkState::kExpired) {
    status = 409;
    heading = "This invitation has expired";
    message =
        "Invitations are valid for 7 days. Ask your administrator to send a "
        "new one.";
  }
  tmpl::Dict view = ctx.View(heading);
  view["heading"] = heading;
  view["message"] = message;
  view["form"] = false;
  return ctx.Page("invite", view, status);
}

Response ShowInviteForm(Context& ctx, std::string_view token,
                        const FieldErrors& errors, int status) {
  tmpl::Dict view = ctx.View("Choose your password");
  view["heading"] = "Choose your password";
  view["form"] = true;
  view["new_account"] = true;
  view["token"] = token;
  view["errors"] = errors.View();
  view["password_rules"] = PasswordRules(ctx.config().security);
  if (!errors.empty()) {
    view["error"] = "Please correct the fields marked below.";
  }
  return ctx.Page("invite", view, status);
}

}  // namespace

Response InvitePage(Context& ctx) {
  const std::string token(ctx.req().Query("token").value_or(""));
  if (token.empty()) return ShowInviteState(ctx, LinkState::kInvalid);
  AccountLinks links(ctx.services());
  Result<LinkState> state = links.CheckInvitation(token);
  if (!state.ok()) return ctx.Fail(state.status(), "checking an invitation");
  if (*state != LinkState::kOk) return ShowInviteState(ctx, *state);
  return ShowInviteForm(ctx, token, FieldErrors(), 200);
}

Response InviteSubmit(Context& ctx) {
  const std::string token(ctx.req().Field("token"));
  if (token.empty()) return ShowInviteState(ctx, LinkState::kInvalid);
  const Secret password(ctx.req().Field("password"));
  const Secret confirm(ctx.req().Field("confirm"));
  AccountLinks links(ctx.services());
  Result<ResetResult> result =
      links.AcceptInvitation(token, password, confirm, ctx.auth_context());
  if (!result.ok()) {
    return ctx.Fail(result.status(), "accepting an invitation");
  }
  if (result->link != LinkState::kOk) return ShowInviteState(ctx, result->link);
  if (!result->errors.empty()) {
    FieldErrors errors;
    AddCoreErrors(result->errors, errors);
    return ShowInviteForm(ctx, token, errors, 422);
  }
  return ctx.Redirect("/login?notice=invitation_accepted");
}

}  // namespace latchkey::portal
