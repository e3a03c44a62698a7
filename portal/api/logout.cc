// POST /api/v1/logout: ends the session; 204.
#include "latchkey/store/audit.h"
#include "portal/context.h"

namespace latchkey::portal {

Response ApiLogout(Context& ctx) {
  if (const User* user = ctx.user()) {
    (void)ctx.services().audit().Record(AuditEvent::kSessionClose, user->id,
                                        user->username, ctx.auth_context(),
                                        AuditOutcome::kOk, "logout");
  }
  const Status ended = ctx.EndSession();
  if (!ended.ok()) return ctx.Fail(ended, "ending a session");
  return Response::NoContent();
}

}  // namespace latchkey::portal
