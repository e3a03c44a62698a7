#include "portal/api/link_errors.h"

#include <string>

namespace latchkey::portal {

Response LinkError(Context& ctx, LinkState state) {
  switch (state) {
    case LinkState::kUsed:
      return ctx.ApiError(409, "token_used",
                          "This link was already used or has been replaced "
                          "by a newer one.");
    case LinkState::kExpired:
      return ctx.ApiError(409, "token_expired", "This link has expired.");
    case LinkState::kOk:
    case LinkState::kInvalid:
      break;
  }
  return ctx.ApiError(404, "token_invalid", "This link is not valid.");
}

Response Throttled(Context& ctx, Seconds window) {
  Response r =
      ctx.ApiError(429, "throttled", "Too many requests. Try again later.");
  r.Header("Retry-After", std::to_string(window.count()));
  return r;
}

}  // namespace latchkey::portal
