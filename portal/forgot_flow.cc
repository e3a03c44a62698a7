#include "portal/forgot_flow.h"

#include <string>
#include <utility>

#include "latchkey/account/password_reset.h"
#include "portal/log.h"

namespace latchkey::portal {

Result<latchkey::FieldErrors> AskForResetLink(Context& ctx,
                                              std::string_view email) {
  PasswordReset reset(ctx.services());
  LK_ASSIGN_OR_RETURN(PasswordReset::ForgotCheck check,
                      reset.CheckForgot(email, ctx.auth_context()));
  if (!check.errors.empty()) return std::move(check.errors);
  App& app = ctx.app();
  const bool queued = app.after_answer().Submit(
      [&app, address = std::move(check.address),
       auth = ctx.auth_context()](Services& services) {
        PasswordReset later(services);
        const Status sent = later.SendResetLink(address, auth);
        if (!sent.ok()) {
          LogLine("forgot: making a reset link: " + sent.ToString());
          return;
        }
        app.NudgeMail();
      });
  if (!queued) return Unavailable("the after-answer queue is full");
  return latchkey::FieldErrors();
}

}  // namespace latchkey::portal
