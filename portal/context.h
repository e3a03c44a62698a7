// Context: what a handler gets. It holds the request, lends the handler a
// Services (leased on first use), loads the session and its user on
// demand, hands out the CSRF token for forms, collects cookies to set, and
// builds the common responses (pages from templates, JSON, redirects and
// errors in the route's style).
//
// A handler runs on one thread from start to end (an HTTP thread, or a KDF
// worker for kKdfBound routes) and may block on the database; it never
// sees libmicrohttpd.
#ifndef LATCHKEY_PORTAL_CONTEXT_H_
#define LATCHKEY_PORTAL_CONTEXT_H_

#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "latchkey/base/status.h"
#include "latchkey/services/services.h"
#include "latchkey/services/services_pool.h"
#include "latchkey/store/audit.h"
#include "latchkey/store/session_store.h"
#include "latchkey/store/user_store.h"
#include "portal/app.h"
#include "portal/request.h"
#include "portal/response.h"
#include "portal/route.h"
#include "portal/template.h"

namespace latchkey::portal {

// Cookie base names; with secure cookies (Context::SecureCookies) they get
// the "__Host-" prefix.
inline constexpr std::string_view kSessionCookie = "lk_session";
inline constexpr std::string_view kPreSessionCookie = "lk_pre";
inline constexpr std::string_view kChallengeCookie = "lk_2fa";
// The form field and the API header that carry the CSRF token.
inline constexpr std::string_view kCsrfField = "csrf";
inline constexpr std::string_view kCsrfHeader = "X-CSRF-Token";

struct CookieOptions {
  bool http_only = true;
  std::optional<int64_t> max_age;  // seconds; none: ends with the browser
};

// Per-field form errors, shown next to each field (aria-describedby) and
// returned by the API as "fields".
class FieldErrors {
 public:
  // Keeps the first message per field.
  void Add(std::string_view field, std::string_view message);
  bool empty() const { return errors_.empty(); }
  bool Has(std::string_view field) const;
  // {field: message}, for a view's "errors".
  tmpl::Value View() const;
  nlohmann::json Json() const;

 private:
  std::map<std::string, std::string, std::less<>> errors_;
};

// Thrown (inside the portal only, caught by the dispatcher) when no
// Services came free in time: the request is answered 503.
struct ServicesBusy {};

class Context {
 public:
  // `services`: a Services the caller already holds (a KDF worker's);
  // nullptr: lease one from the app's pool on first use.
  Context(App& app, const Request& request, const Route& route,
          Services* services);
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  App& app() { return app_; }
  const Config& config() const { return app_.config(); }
  const Request& req() const { return request_; }
  const Route& route() const { return route_; }
  bool is_api() const { return (route_.flags & kApi) != 0; }

  // The Services for this request. Throws ServicesBusy if none comes free
  // within two seconds (the dispatcher answers 503).
  Services& services();
  // A SessionStore over services().
  SessionStore& sessions();

  // "portal" or "api", the client address and user agent.
  AuthContext auth_context() const;

  // --- Session ---
  // Loads the session named by the session cookie (once). Errors: db errors
  // (the dispatcher answers 503 for routes that need a session).
  Status LoadSession();
  // The session and its user, or nullptr (none, expired, the user gone or
  // deactivated, or LoadSession failed).
  const Session* session();
  const User* user();
  // Signs `user` in (account/sign_in.h: the login recorded, the old
  // session ended, a new one made, in one transaction) and sets the
  // session cookie.
  Status StartSession(const User& user);
  // Ends the current session (if any) and clears the cookie.
  Status EndSession();

  // --- CSRF ---
  // The token to put in forms (hidden field "csrf") and give API clients:
  // the session's, or a pre-session token (setting the pre-session cookie
  // if needed).
  std::string CsrfToken();
  // This browser's pre-session id (the lk_pre cookie), setting a fresh one
  // when the request has none of the right shape; "" if Random fails. The
  // second-factor challenge is bound to it.
  std::string PreSessionId();
  // Whether the request carries a valid token: the header X-CSRF-Token, or
  // on pages (not the API) also the form field "csrf". With
  // `session_only`, only the session's token counts.
  bool CsrfValid(bool session_only);

  // --- Cookies ---
  // Whether cookies are Secure and "__Host-" prefixed: the request came
  // over HTTPS (directly or from a trusted proxy), or [portal] base_url is
  // https (a TLS proxy in front, even one that talks plain HTTP to us and
  // sends no X-Forwarded-Proto).
  bool SecureCookies() const;
  // "__Host-<base>" when SecureCookies(), else "<base>".
  std::string CookieName(std::string_view base) const;
  std::optional<std::string_view> GetCookie(std::string_view base) const;
  // Path=/; SameSite=Lax; HttpOnly (unless told otherwise); Secure when
  // SecureCookies().
  void SetCookie(std::string_view base, std::string_view value,
                 const CookieOptions& options = {});
  void ClearCookie(std::string_view base);

  // --- Responses ---
  // The common view of every page: title, csrf, notice (from ?notice=, a
  // fixed text per known code), user {username, full_name, is_admin}.
  tmpl::Dict View(std::string_view title);
  // Renders template `name` (templates/<name>.html) with `view`.
  Response Page(std::string_view name, const tmpl::Dict& view,
                int status = 200);
  Response Json(const nlohmann::json& value, int status = 200);
  Response Redirect(std::string_view location) {
    return Response::Redirect(location);
  }
  // {"error", "message", "fields"} with `status`.
  Response ApiError(int status, std::string_view code, std::string_view message,
                    const nlohmann::json& fields = nullptr);
  // In the route's style: the API error above, or the error page.
  Response Error(int status, std::string_view code, std::string_view message);
  // For an unexpected Status from the core: logs it with a new incident id
  // and answers 503 (kUnavailable: "try again shortly") or 500, showing
  // only the incident id.
  Response Fail(const Status& status, std::string_view what);

  // Applies the cookies set so far to `response` (the dispatcher does
  // this; handlers need not).
  void ApplyCookies(Response& response);

 private:
  App& app_;
  const Request& request_;
  const Route& route_;
  Services* services_;
  std::optional<ServicesPool::Lease> lease_;
  std::unique_ptr<SessionStore> sessions_;
  // write_count() of services_'s connection when it was taken, plus the
  // session bookkeeping writes: a request that wrote more than that may
  // have changed what the session cache holds.
  uint64_t writes_base_ = 0;
  bool session_loaded_ = false;
  Status session_error_;
  std::optional<Session> session_;
  std::optional<User> user_;
  std::optional<std::string> csrf_token_;
  std::vector<std::string> set_cookies_;
};

// The text for a ?notice= code, or "" for an unknown code (so a link
// cannot put words on the page).
std::string_view NoticeText(std::string_view code);

}  // namespace latchkey::portal

#endif  // LATCHKEY_PORTAL_CONTEXT_H_
