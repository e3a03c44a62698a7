// GET/POST /password: change the password with the current one
// (kNeedsSession; POST runs on the KDF pool). Every other session of the
// account ends; this one stays.
#include "latchkey/account/password_change.h"
#include "latchkey/auth/password_policy.h"
#include "portal/core_fields.h"

namespace latchkey::portal {
namespace {

Response ShowForm(Context& ctx, std::string_view error,
                  const FieldErrors& errors, int status) {
  tmpl::Dict view = ctx.View("Change your password");
  if (!error.empty()) view["error"] = error;
  view["errors"] = errors.View();
  view["password_rules"] = PasswordRules(ctx.config().security);
  return ctx.Page("password", view, status);
}

}  // namespace

Response PasswordPage(Context& ctx) {
  return ShowForm(ctx, "", FieldErrors(), 200);
}

Response PasswordSubmit(Context& ctx) {
  OwnPasswordForm form{Secret(ctx.req().Field("current_password")),
                       Secret(ctx.req().Field("password")),
                       Secret(ctx.req().Field("confirm"))};
  PasswordChange change(ctx.services());
  Result<OwnPasswordResult> result = change.Change(
      ctx.user()->id, form, ctx.session()->id_sha256, ctx.auth_context());
  if (!result.ok()) return ctx.Fail(result.status(), "changing the password");
  if (result->locked) {
    return ShowForm(ctx,
                    "This account is temporarily locked after too many failed "
                    "sign-ins. Try again later.",
                    FieldErrors(), 403);
  }
  if (!result->ok()) {
    FieldErrors errors;
    AddCoreErrors(result->errors, errors);
    // A wrong current password is refused (403); a bad form is 422.
    return ShowForm(
        ctx, "", errors,
        errors.Has("current_password") && !form.current.empty() ? 403 : 422);
  }
  ctx.app().NudgeMail();
  return ctx.Redirect("/profile?notice=password_changed");
}

}  // namespace latchkey::portal
