#include "portal/other_sessions.h"

#include <string>

#include "latchkey/store/audit.h"

namespace latchkey::portal {

Result<uint64_t> EndOtherSessions(Context& ctx) {
  const User& user = *ctx.user();
  LK_ASSIGN_OR_RETURN(uint64_t ended, ctx.sessions().DestroyAllForUser(
                                          user.id, ctx.session()->id_sha256));
  LK_RETURN_IF_ERROR(ctx.services().audit().Record(
      AuditEvent::kOtherSessionsEnded, user.id, user.username,
      ctx.auth_context(), AuditOutcome::kOk,
      std::to_string(ended) + " ended by the user"));
  return ended;
}

}  // namespace latchkey::portal
