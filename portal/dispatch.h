// Dispatch: runs one matched route for one request - session and role
// checks, the CSRF check for state-changing methods, the handler - and
// never throws: anything escaping the handler becomes a 500 page with an
// incident id (logged), a missing Services a 503.
#ifndef LATCHKEY_PORTAL_DISPATCH_H_
#define LATCHKEY_PORTAL_DISPATCH_H_

#include "latchkey/services/services.h"
#include "portal/app.h"
#include "portal/request.h"
#include "portal/response.h"
#include "portal/route.h"

namespace latchkey::portal {

// `services`: the KDF worker's Services, or nullptr to lease on demand.
// The response carries the cookies the handler set.
Response Dispatch(App& app, const Request& request, const Route& route,
                  Services* services) noexcept;

// Answers for requests that never reach a handler, in the style of the
// path (JSON under /api/, else a page).
Response NotFoundResponse(App& app, const Request& request);
Response MethodNotAllowedResponse(App& app, const Request& request,
                                  const std::string& allow);
Response TooLargeResponse(App& app, const Request& request);
Response BadRequestResponse(App& app, const Request& request,
                            std::string_view message);
// 422 for a form field or JSON member `field` that is not text (not UTF-8,
// or holds a NUL): the API's {"error": "invalid", "fields": {field: ...}},
// or an error page that names the field.
Response NotTextResponse(App& app, const Request& request,
                         std::string_view field);
// 503 + Retry-After: 1 (KDF queue full or slow).
Response BusyResponse(App& app, const Request& request);
// 500 with a new incident id, logged with `what`.
Response InternalErrorResponse(App& app, const Request& request,
                               std::string_view what) noexcept;

}  // namespace latchkey::portal

#endif  // LATCHKEY_PORTAL_DISPATCH_H_
