// GET /metrics: Prometheus text format (see metrics.h).
#include "portal/context.h"

namespace latchkey::portal {

Response MetricsPage(Context& ctx) {
  Response r = Response::Text(ctx.app().metrics().RenderText());
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  return r;
}

}  // namespace latchkey::portal
