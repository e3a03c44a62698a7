// GET/POST /forgot: asks for a password-reset link by email. The answer is
// the same whether or not an account uses the address (303 to
// /forgot?notice=reset_sent). Requests are counted by the core per typed
// address and per client address; over either limit the answer is 429
// (the count does not depend on whether the address is known, so this says
// nothing about accounts either). The link and its mail are made after
// the answer (forgot_flow.h), so a known address costs the same.
#include <string>

#include "latchkey/account/password_reset.h"
#include "portal/context.h"
#include "portal/core_fields.h"
#include "portal/forgot_flow.h"

namespace latchkey::portal {
namespace {

Response ShowForm(Context& ctx, std::string_view error,
                  const FieldErrors& errors, int status) {
  tmpl::Dict view = ctx.View("Forgot your password?");
  view["email"] = ctx.req().Field("email");
  if (!error.empty()) view["error"] = error;
  view["errors"] = errors.View();
  return ctx.Page("forgot", view, status);
}

}  // namespace

Response ForgotPage(Context& ctx) {
  // After a submit the page says only "check your mail": no form to send
  // again by reflex (each send counts against the limits).
  if (ctx.req().Query("notice").value_or("") == "reset_sent") {
    tmpl::Dict view = ctx.View("Check your mail");
    view["sent"] = true;
    return ctx.Page("forgot", view, 200);
  }
  return ShowForm(ctx, "", FieldErrors(), 200);
}

Response ForgotSubmit(Context& ctx) {
  const std::string_view email = ctx.req().Field("email");
  FieldErrors errors;
  if (email.empty()) {
    errors.Add("email", "Enter the email address of your account.");
    return ShowForm(ctx, "", errors, 422);
  }
  Result<latchkey::FieldErrors> asked = AskForResetLink(ctx, email);
  if (!asked.ok()) {
    if (asked.status().code() == StatusCode::kResourceExhausted) {
      Response r = ShowForm(ctx,
                            "Too many reset requests for this address or "
                            "from your network. Try again in an hour.",
                            FieldErrors(), 429);
      r.Header("Retry-After", std::to_string(kForgotPerAddress.window.count()));
      return r;
    }
    return ctx.Fail(asked.status(), "asking for a reset link");
  }
  if (!asked->empty()) {
    AddCoreErrors(*asked, errors);
    return ShowForm(ctx, "", errors, 422);
  }
  return ctx.Redirect("/forgot?notice=reset_sent");
}

}  // namespace latchkey::portal
