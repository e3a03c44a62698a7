// POST /logout: ends the session on the server, then back to sign-in.
#include "latchkey/store/audit.h"
#include "portal/context.h"

namespace latchkey::portal {

Response LogoutSubmit(Context& ctx) {
  const User* user = ctx.user();
  if (user != nullptr) {
    // Best effort: the session ends whether or not the row is written.
    (void)ctx.services().audit().Record(AuditEvent::kSessionClose, user->id,
                                        user->username, ctx.auth_context(),
                                        AuditOutcome::kOk, "logout");
  }
  const Status ended = ctx.EndSession();
  if (!ended.ok()) return ctx.Fail(ended, "ending a session");
  return ctx.Redirect("/login?notice=signed_out");
}

}  // namespace latchkey::portal
