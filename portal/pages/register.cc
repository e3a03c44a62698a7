// GET/POST /register: full name, username, email, password, confirm. POST
// runs on the KDF pool (kKdfBound). Errors appear next to each field (texts
// and password policy from the core). A valid form gets the same answer
// whether or not the email address was already registered (the core mails
// the address's owner instead): 303 to /login?notice=registered.
#include "latchkey/account/registration.h"
#include "latchkey/auth/password_policy.h"
#include "latchkey/base/secret.h"
#include "portal/context.h"
#include "portal/core_fields.h"

namespace latchkey::portal {
namespace {

// The text for a closed sign-up, or "" when it is open.
std::string_view ClosedText(const Config& config) {
  switch (config.portal.registration) {
    case RegistrationMode::kOpen:
      return {};
    case RegistrationMode::kClosed:
      return "Registration is closed. Ask an administrator for an account.";
    case RegistrationMode::kInvite:
      return "Accounts are by invitation only. Ask an administrator for an "
             "invitation.";
  }
  return "Registration is closed.";
}

Response ShowForm(Context& ctx, const FieldErrors& errors, int status) {
  tmpl::Dict view = ctx.View("Create an account");
  if (const std::string_view closed = ClosedText(ctx.config());
      !closed.empty()) {
    view["closed"] = closed;
    return ctx.Page("register", view, status == 200 ? 403 : status);
  }
  // Passwords are never sent back.
  if (ctx.req().method == Method::kPost) {
    view["full_name"] = ctx.req().Field("full_name");
    view["username"] = ctx.req().Field("username");
    view["email"] = ctx.req().Field("email");
  }
  view["errors"] = errors.View();
  view["new_account"] = true;
  view["password_rules"] = PasswordRules(ctx.config().security);
  if (!errors.empty())
    view["error"] = "Please correct the fields marked below.";
  return ctx.Page("register", view, status);
}

}  // namespace

Response RegisterPage(Context& ctx) {
  if (ctx.session() != nullptr) return ctx.Redirect("/profile");
  return ShowForm(ctx, FieldErrors(), 200);
}

Response RegisterSubmit(Context& ctx) {
  const Request& req = ctx.req();
  RegistrationForm form;
  form.full_name = std::string(req.Field("full_name"));
  form.username = std::string(req.Field("username"));
  form.email = std::string(req.Field("email"));
  form.password = Secret(req.Field("password"));
  form.confirm = Secret(req.Field("confirm"));

  Registration registration(ctx.services());
  Result<latchkey::FieldErrors> result =
      registration.Register(form, ctx.auth_context());
  if (!result.ok()) {
    if (result.status().code() == StatusCode::kPermissionDenied) {
      return ShowForm(ctx, FieldErrors(), 403);
    }
    return ctx.Fail(result.status(), "registering an account");
  }
  if (!result->empty()) {
    FieldErrors errors;
    AddCoreErrors(*result, errors);
    return ShowForm(ctx, errors, 422);
  }
  // A mail was queued either way (activation, or "someone tried").
  ctx.app().NudgeMail();
  return ctx.Redirect("/login?notice=registered");
}

}  // namespace latchkey::portal
