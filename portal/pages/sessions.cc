// POST /security/sessions/{id}/revoke: ends one of the user's sessions
// ({id}: the handle the list shows). Revoking the current one signs out.
// POST /security/sessions/others: ends every session of the user but this
// one (other_sessions.h).
#include "portal/context.h"
#include "portal/other_sessions.h"

namespace latchkey::portal {

Response SessionRevokeSubmit(Context& ctx) {
  const std::string_view handle = ctx.req().Param("id");
  if (handle == ctx.session()->handle) {
    const Status ended = ctx.EndSession();
    if (!ended.ok()) return ctx.Fail(ended, "ending the session");
    return ctx.Redirect("/login?notice=signed_out");
  }
  Result<bool> revoked = ctx.sessions().Revoke(ctx.user()->id, handle);
  if (!revoked.ok()) return ctx.Fail(revoked.status(), "revoking a session");
  if (!*revoked) {
    return ctx.Error(404, "not_found",
                     "That session has already ended or is not yours.");
  }
  return ctx.Redirect("/security?notice=session_revoked");
}

Response OtherSessionsEndSubmit(Context& ctx) {
  Result<uint64_t> ended = EndOtherSessions(ctx);
  if (!ended.ok()) return ctx.Fail(ended.status(), "ending other sessions");
  return ctx.Redirect("/security?notice=other_sessions_ended");
}

}  // namespace latchkey::portal
