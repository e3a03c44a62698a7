#include "portal/dispatch.h"

#include <exception>
#include <optional>

#include "latchkey/store/audit.h"
#include "portal/admin/gate.h"
#include "portal/context.h"
#include "portal/log.h"

namespace latchkey::portal {
namespace {

// A route used for error answers outside the table.
constexpr Route kPageErrors{"/", kGet, nullptr, kNone};
constexpr Route kApiErrors{"/api/", kGet, nullptr, kApi};

const Route& ErrorRoute(const Request& request) {
  return request.WantsJson() ? kApiErrors : kPageErrors;
}

Response ErrorFor(App& app, const Request& request, int status,
                  std::string_view code, std::string_view message) {
  Context ctx(app, request, ErrorRoute(request), nullptr);
  return ctx.Error(status, code, message);
}

Response Run(App& app, const Request& request, const Route& route,
             Services* services) {
  Context ctx(app, request, route, services);
  const bool needs_session = (route.flags & (kNeedsSession | kAdminOnly)) != 0;
  if (needs_session) {
    const Status loaded = ctx.LoadSession();
    if (!loaded.ok()) return ctx.Fail(loaded, "loading the session");
    if (ctx.session() == nullptr) {
      Response r = ctx.is_api()
                       ? ctx.ApiError(401, "unauthenticated", "Sign in first.")
                       : ctx.Redirect("/login?notice=signin_required");
      if (ctx.GetCookie(kSessionCookie)) ctx.ClearCookie(kSessionCookie);
      ctx.ApplyCookies(r);
      return r;
    }
    if ((route.flags & kAdminOnly) != 0) {
      if (std::optional<Response> refused = AdminAccessRefusal(ctx)) {
        ctx.ApplyCookies(*refused);
        return std::move(*refused);
      }
    }
  }
  if (IsStateChanging(request.method) && !ctx.CsrfValid(needs_session)) {
    Response r = ctx.Error(
        403, "csrf",
        ctx.is_api() ? "Missing or invalid CSRF token (X-CSRF-Token)."
                     : "This form has expired. Go back, reload the page and "
                       "try again.");
    ctx.ApplyCookies(r);
    return r;
  }
  if ((route.flags & kAdminOnly) != 0 && IsStateChanging(request.method)) {
    if (std::optional<Response> refused = AdminWriteRefusal(ctx)) {
      ctx.ApplyCookies(*refused);
      return std::move(*refused);
    }
  }
  Response response = route.handler(ctx);
  ctx.ApplyCookies(response);
  return response;
}

}  // namespace

Response Dispatch(App& app, const Request& request, const Route& route,
                  Services* services) noexcept {
  try {
    return Run(app, request, route, services);
  } catch (const ServicesBusy&) {
    try {
      return BusyResponse(app, request);
    } catch (...) {
      return InternalErrorResponse(app, request, "answering busy");
    }
  } catch (const std::exception& e) {
    return InternalErrorResponse(
        app, request, std::string("exception in handler: ") + e.what());
  } catch (...) {
    return InternalErrorResponse(app, request, "unknown exception in handler");
  }
}

Response NotFoundResponse(App& app, const Request& request) {
  return ErrorFor(app, request, 404, "not_found",
                  "There is no page at this address.");
}

Response MethodNotAllowedResponse(App& app, const Request& request,
                                  const std::string& allow) {
  Response r = ErrorFor(app, request, 405, "method_not_allowed",
                        "This address does not accept " +
                            std::string(MethodName(request.method)) + ".");
  r.Header("Allow", allow);
  return r;
}

Response TooLargeResponse(App& app, const Request& request) {
  Response r =
      ErrorFor(app, request, 413, "too_large", "The request is too large.");
  r.Header("Connection", "close");
  return r;
}

Response BadRequestResponse(App& app, const Request& request,
                            std::string_view message) {
  return ErrorFor(app, request, 400, "bad_request", message);
}

Response NotTextResponse(App& app, const Request& request,
                         std::string_view field) {
  constexpr std::string_view kWhy =
      "must be text in UTF-8, without NUL characters";
  // Bounded, and shown escaped: the name is the client's.
  const std::string name = EscapeLogField(field, 64);
  if (request.WantsJson()) {
    Context ctx(app, request, kApiErrors, nullptr);
    nlohmann::json fields = nlohmann::json::object();
    fields[name] = kWhy;
    return ctx.ApiError(422, "invalid", "Some fields are missing or wrong.",
                        fields);
  }
  return ErrorFor(app, request, 422, "invalid",
                  "The field \"" + name + "\" " + std::string(kWhy) +
                      ". Go back, correct it and try again.");
}

Response BusyResponse(App& app, const Request& request) {
  Response r = ErrorFor(app, request, 503, "busy",
                        "The server is busy. Try again in a moment.");
  r.Header("Retry-After", "1");
  return r;
}

Response InternalErrorResponse(App& app, const Request& request,
                               std::string_view what) noexcept {
  try {
    // The request id: the access line with the same id names the route.
    // Not the path, which may hold a token (/reset/{token}).
    const std::string incident =
        request.id.empty() ? NewIncidentId() : request.id;
    LogLine(LogPriority::kErr,
            "incident " + incident + ": " + std::string(what) + " (" +
                std::string(MethodName(request.method)) + ")");
    return ErrorFor(
        app, request, 500, "internal",
        "Something went wrong on our side. Incident " + incident + ".");
  } catch (...) {
    Response r;
    r.status = 500;
    r.content_type = "text/plain; charset=utf-8";
    r.body = "Internal error\n";
    return r;
  }
}

}  // namespace latchkey::portal
