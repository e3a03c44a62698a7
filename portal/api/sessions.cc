// The signed-in user's sessions (kNeedsSession):
//   GET    /api/v1/sessions       200 {"sessions": [{"id", "device",
//                                 "user_agent", "ip", "created_at",
//                                 "last_seen_at", "expires_at",
//                                 "current"}]}, newest first; times are
//                                 Unix seconds
//   DELETE /api/v1/sessions/{id}  204 (the current one too: that signs
//                                 out); 404 unknown or not yours
//   POST   /api/v1/sessions/end-others
//                                 200 {"ended": N}: every session but this
//                                 one ends (other_sessions.h)
#include "portal/context.h"
#include "portal/device_label.h"
#include "portal/other_sessions.h"

namespace latchkey::portal {

Response ApiSessionsList(Context& ctx) {
  Result<std::vector<SessionInfo>> sessions =
      ctx.sessions().ListForUser(ctx.user()->id, ctx.session()->handle);
  if (!sessions.ok()) return ctx.Fail(sessions.status(), "listing sessions");
  nlohmann::json list = nlohmann::json::array();
  for (const SessionInfo& s : *sessions) {
    list.push_back({{"id", s.handle},
                    {"device", DeviceLabel(s.user_agent)},
                    {"user_agent", s.user_agent},
                    {"ip", s.ip},
                    {"created_at", s.created_at},
                    {"last_seen_at", s.last_seen_at},
                    {"expires_at", s.expires_at},
                    {"current", s.current}});
  }
  return ctx.Json({{"sessions", list}});
}

Response ApiSessionRevoke(Context& ctx) {
  const std::string_view handle = ctx.req().Param("id");
  if (handle == ctx.session()->handle) {
    const Status ended = ctx.EndSession();
    if (!ended.ok()) return ctx.Fail(ended, "ending the session");
    return Response::NoContent();
  }
  Result<bool> revoked = ctx.sessions().Revoke(ctx.user()->id, handle);
  if (!revoked.ok()) return ctx.Fail(revoked.status(), "revoking a session");
  if (!*revoked) {
    return ctx.ApiError(404, "not_found",
                        "No such session (it has ended, or it is not yours).");
  }
  return Response::NoContent();
}

Response ApiSessionsEndOthers(Context& ctx) {
  Result<uint64_t> ended = EndOtherSessions(ctx);
  if (!ended.ok()) return ctx.Fail(ended.status(), "ending other sessions");
  return ctx.Json({{"ended", *ended}});
}

}  // namespace latchkey::portal
