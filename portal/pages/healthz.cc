// GET /healthz: 200 {"status":"ok"} when the database answers a ping,
// else 503 {"status":"unavailable"}.
#include "portal/context.h"
#include "portal/log.h"

namespace latchkey::portal {

Response HealthCheck(Context& ctx) {
  const Status ping = ctx.services().db().Ping();
  if (!ping.ok()) {
    LogLine("healthz: database ping failed: " + ping.ToString());
    return ctx.Json({{"status", "unavailable"}, {"database", "down"}}, 503);
  }
  return ctx.Json({{"status", "ok"}, {"database", "up"}});
}

}  // namespace latchkey::portal
