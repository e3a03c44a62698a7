// GET /metrics: Prometheus text format (see metrics.h), for the clients in
// [portal] metrics_allow or with the metrics_token_file's bearer token
// (App::MayReadMetrics); 403 for anyone else.
#include "portal/context.h"

namespace latchkey::portal {

Response MetricsPage(Context& ctx) {
  const Request& req = ctx.req();
  if (!ctx.app().MayReadMetrics(req.client_ip,
                                req.Header("Authorization").value_or(""))) {
    return ctx.Error(403, "forbidden",
                     "The metrics are not for this address ([portal] "
                     "metrics_allow, metrics_token_file).");
  }
  Response r = Response::Text(ctx.app().metrics().RenderText());
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  return r;
}

}  // namespace latchkey::portal
