#include "portal/context.h"

#include <chrono>

#include "latchkey/account/sign_in.h"
#include "portal/log.h"

namespace latchkey::portal {
namespace {

constexpr std::chrono::milliseconds kLeaseWait{2000};

struct Notice {
  std::string_view code;
  std::string_view text;
};
// Add a line here for each new ?notice= code.
constexpr Notice kNotices[] = {
    {"signed_out", "You have signed out."},
    {"signin_required", "Sign in to continue."},
    {"step_expired", "The sign-in step has expired. Sign in again."},
    {"bad_code", "That password or code is not correct. Sign in again."},
    {"profile_saved", "Your profile has been saved."},
    {"avatar_saved", "Your picture has been updated."},
    {"avatar_removed", "Your picture has been removed."},
    {"email_change_sent",
     "We have sent a confirmation link to the new address. The change takes "
     "effect when you follow it."},
    {"password_changed",
     "Your password has been changed. Every other session of your account "
     "has ended."},
    {"totp_disabled", "Two-step sign-in is off."},
    {"session_revoked", "That session has ended."},
    {"other_sessions_ended",
     "Every other session of your account has ended. This one goes on."},
    {"registered",
     "Almost done: we have sent a link to your email address. Open it to "
     "confirm the address, then sign in."},
    {"activation_sent",
     "If that account is waiting for confirmation, a new link is on its way "
     "to its email address."},
    {"reset_sent",
     "If an account uses that address, a link to choose a new password is "
     "on its way. It is valid for one hour."},
    {"password_reset",
     "Your new password is set and every session of your account has ended. "
     "Sign in with the new password."},
    {"admin_reauth_ok",
     "Confirmed. For the next 10 minutes you can make changes here without "
     "confirming again."},
    // Admin area, roles and audit log part
    {"role_created", "The role has been created."},
    {"role_deleted",
     "The role has been deleted. The accounts that held it no longer do."},
    // Invitations and reset links (issue 11, part "invite"):
    {"reset_mail_sent",
     "A password reset mail is on its way to the user. Its link is valid "
     "for one hour."},
    {"invitation_accepted",
     "Your password is set and your account is ready. Sign in with it."},
    {"invitation_resent",
     "A new invitation is on its way; the older invitation links no longer "
     "work."},
    // The admin area's user page (part "actions").
    {"admin_user_activated", "The account is active: it can sign in."},
    {"admin_user_deactivated",
     "The account is deactivated: it cannot sign in, and its portal "
     "sessions have ended."},
    {"admin_user_locked", "The account is locked by an administrator."},
    {"admin_user_unlocked", "The administrator lock has ended."},
    {"admin_password_lock_cleared",
     "The password lock and the failed sign-in count are cleared."},
    {"admin_roles_saved", "The roles are saved."},
    {"admin_email_verified", "The email address is marked verified."},
    {"admin_totp_reset",
     "Two-step sign-in is off for this account and its recovery codes are "
     "deleted."},
    {"admin_sessions_revoked",
     "Every portal session of the account has ended."},
    {"admin_session_revoked", "That session has ended."},
    {"admin_expiry_saved", "The expiry dates are saved."},
    {"admin_user_deleted",
     "The account is deleted. Its audit trail stays, and its uid is never "
     "given again."},
    // SSH public keys (issue 12, part "sshkeys").
    {"ssh_key_added",
     "The SSH key is added. A notice about it is mailed to your verified "
     "address."},
    {"ssh_key_removed",
     "The SSH key is removed. Hosts stop accepting it within a minute."},
    // Fleet mode: hosts and host groups (issue 12, part "groups").
    {"host_group_created",
     "The host group has been created. It admits nobody until a rule below "
     "lets a role in."},
    {"host_group_deleted", "The host group and its rules have been deleted."},
    {"access_rule_added", "The rule has been added."},
    {"access_rule_removed", "The rule has been removed."},
    {"admin_host_moved", "The host is in its new group."},
    {"admin_host_flag_saved", "The host's password reset setting is saved."},
    {"admin_host_revoked",
     "The host is revoked: the directory refuses its credential from now "
     "on."},
};

}  // namespace

std::string_view NoticeText(std::string_view code) {
  for (const Notice& n : kNotices) {
    if (n.code == code) return n.text;
  }
  return {};
}

void FieldErrors::Add(std::string_view field, std::string_view message) {
  errors_.try_emplace(std::string(field), std::string(message));
}

bool FieldErrors::Has(std::string_view field) const {
  return errors_.find(field) != errors_.end();
}

tmpl::Value FieldErrors::View() const {
  tmpl::Dict d;
  for (const auto& [k, v] : errors_) d[k] = v;
  return d;
}

nlohmann::json FieldErrors::Json() const {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [k, v] : errors_) j[k] = v;
  return j;
}

Context::Context(App& app, const Request& request, const Route& route,
                 Services* services)
    : app_(app), request_(request), route_(route), services_(services) {
  if (services_ != nullptr) writes_base_ = services_->db().write_count();
}

Context::~Context() {
  // Before the answer leaves: the next request sees what this one changed.
  if (services_ != nullptr && services_->db().write_count() != writes_base_) {
    app_.session_cache().Clear();
  }
}

Services& Context::services() {
  if (services_ == nullptr) {
    lease_ = app_.pool().Acquire(kLeaseWait);
    if (!lease_) throw ServicesBusy{};
    services_ = lease_->get();
    writes_base_ = services_->db().write_count();
  }
  return *services_;
}

SessionStore& Context::sessions() {
  if (!sessions_) {
    Services& s = services();
    sessions_ = std::make_unique<SessionStore>(s.db(), s.clock(), s.random(),
                                               config().session);
  }
  return *sessions_;
}

AuthContext Context::auth_context() const {
  AuthContext ctx;
  ctx.service = is_api() ? "api" : "portal";
  ctx.rhost = request_.client_ip;
  ctx.user_agent = std::string(request_.Header("User-Agent").value_or(""));
  return ctx;
}

Status Context::LoadSession() {
  if (session_loaded_) return session_error_;
  session_loaded_ = true;
  const std::optional<std::string_view> cookie = GetCookie(kSessionCookie);
  if (!cookie || cookie->empty()) return Status::Ok();
  // Pages that only read may use the cache; anything that changes state
  // decides on what the database says now.
  // Admin routes read the role (and TOTP) fresh on every request.
  const bool fresh =
      IsStateChanging(request_.method) || (route_.flags & kAdminOnly) != 0;
  SessionCache* cache = fresh ? nullptr : &app_.session_cache();
  SessionStore& store = sessions();
  const uint64_t writes_before = services().db().write_count();
  Result<std::optional<SignedIn>> found = store.LookupWithUser(*cookie, cache);
  // Refreshing last_seen_at (or dropping a timed-out row) changes nothing
  // another request could have cached.
  writes_base_ += services().db().write_count() - writes_before;
  if (!found.ok()) {
    session_error_ = found.status();
    return session_error_;
  }
  if (!*found) return Status::Ok();
  if (!(*found)->user.is_active) {
    // A deactivated account keeps no session.
    (void)sessions().Destroy(*cookie);
    return Status::Ok();
  }
  session_ = std::move((*found)->session);
  user_ = std::move((*found)->user);
  return Status::Ok();
}

const Session* Context::session() {
  if (!LoadSession().ok()) return nullptr;
  return session_ ? &*session_ : nullptr;
}

const User* Context::user() {
  if (!LoadSession().ok()) return nullptr;
  return user_ ? &*user_ : nullptr;
}

Status Context::StartSession(const User& user) {
  SignInRequest sign_in;
  sign_in.user_id = user.id;
  sign_in.old_session_id = GetCookie(kSessionCookie);
  sign_in.client_ip = request_.client_ip;
  sign_in.user_agent = request_.Header("User-Agent").value_or("");
  LK_ASSIGN_OR_RETURN(NewSession created,
                      SignIn(services(), sessions(), sign_in));
  SetCookie(kSessionCookie, created.id.view());
  session_loaded_ = true;
  session_error_ = Status::Ok();
  session_ = std::move(created.session);
  user_ = user;
  csrf_token_.reset();
  return Status::Ok();
}

Status Context::EndSession() {
  Status result;
  if (const std::optional<std::string_view> old = GetCookie(kSessionCookie)) {
    result = sessions().Destroy(*old);
  }
  ClearCookie(kSessionCookie);
  session_loaded_ = true;
  session_.reset();
  user_.reset();
  csrf_token_.reset();
  return result;
}

std::string Context::CsrfToken() {
  if (csrf_token_) return *csrf_token_;
  if (const Session* s = session()) {
    csrf_token_ = CsrfTokens::ForSession(s->csrf_secret);
    return *csrf_token_;
  }
  const std::string pre = PreSessionId();
  if (pre.empty()) return {};
  csrf_token_ = app_.csrf().ForPreSession(pre);
  return *csrf_token_;
}

std::string Context::PreSessionId() {
  std::string pre(GetCookie(kPreSessionCookie).value_or(""));
  if (!CsrfTokens::IsPreSessionId(pre)) {
    Result<std::string> fresh =
        CsrfTokens::NewPreSessionId(SystemRandom::Shared());
    if (!fresh.ok()) return {};
    pre = std::move(*fresh);
    SetCookie(kPreSessionCookie, pre);
  }
  return pre;
}

bool Context::CsrfValid(bool session_only) {
  // The API takes the header only (docs/api.md); pages take the form field
  // or the header.
  std::string_view token =
      is_api() ? std::string_view() : request_.Field(kCsrfField);
  if (token.empty()) token = request_.Header(kCsrfHeader).value_or("");
  if (token.empty()) return false;
  if (const Session* s = session()) {
    if (CsrfTokens::CheckSession(s->csrf_secret, token)) return true;
  }
  if (session_only) return false;
  const std::optional<std::string_view> pre = GetCookie(kPreSessionCookie);
  return pre && app_.csrf().CheckPreSession(*pre, token);
}

bool Context::SecureCookies() const {
  return request_.is_https || config().portal.base_url.starts_with("https://");
}

std::string Context::CookieName(std::string_view base) const {
  return (SecureCookies() ? "__Host-" : "") + std::string(base);
}

std::optional<std::string_view> Context::GetCookie(
    std::string_view base) const {
  return request_.Cookie(CookieName(base));
}

void Context::SetCookie(std::string_view base, std::string_view value,
                        const CookieOptions& options) {
  std::string c = CookieName(base);
  c += '=';
  c += value;
  c += "; Path=/; SameSite=Lax";
  if (options.http_only) c += "; HttpOnly";
  if (SecureCookies()) c += "; Secure";
  if (options.max_age) c += "; Max-Age=" + std::to_string(*options.max_age);
  set_cookies_.push_back(std::move(c));
}

void Context::ClearCookie(std::string_view base) {
  CookieOptions o;
  o.max_age = 0;
  SetCookie(base, "", o);
}

void Context::ApplyCookies(Response& response) {
  for (std::string& c : set_cookies_) {
    response.headers.emplace_back("Set-Cookie", std::move(c));
  }
  set_cookies_.clear();
}

tmpl::Dict Context::View(std::string_view title) {
  tmpl::Dict view;
  view["title"] = title;
  view["csrf"] = CsrfToken();
  if (const std::optional<std::string_view> code = request_.Query("notice")) {
    const std::string_view text = NoticeText(*code);
    if (!text.empty()) view["notice"] = text;
  }
  if (const User* u = user()) {
    tmpl::Dict who;
    who["username"] = u->username;
    who["full_name"] = u->full_name;
    who["is_admin"] = u->HasRole("admin");
    view["user"] = std::move(who);
  }
  return view;
}

Response Context::Page(std::string_view name, const tmpl::Dict& view,
                       int status) {
  Result<std::string> html = app_.templates().Render(name, tmpl::Value(view));
  if (!html.ok()) return Fail(html.status(), "rendering a page");
  return Response::Html(std::move(*html), status);
}

Response Context::Json(const nlohmann::json& value, int status) {
  return Response::Json(value, status);
}

Response Context::ApiError(int status, std::string_view code,
                           std::string_view message,
                           const nlohmann::json& fields) {
  return Response::Json(ApiErrorBody(code, message, fields), status);
}

Response Context::Error(int status, std::string_view code,
                        std::string_view message) {
  if (is_api() || request_.WantsJson()) {
    return ApiError(status, code, message);
  }
  tmpl::Dict view;
  view["title"] = "Error";
  view["status"] = status;
  view["message"] = message;
  Result<std::string> html =
      app_.templates().Render("error", tmpl::Value(view));
  if (!html.ok()) {
    return Response::Text(std::string(message) + "\n", status);
  }
  return Response::Html(std::move(*html), status);
}

Response Context::Fail(const Status& status, std::string_view what) {
  // The request id, shared with the access line. The route's pattern, not
  // the path: a path may hold a token (/reset/{token}).
  const std::string incident =
      request_.id.empty() ? NewIncidentId() : request_.id;
  LogLine(LogPriority::kErr,
          "incident " + incident + ": " + std::string(what) + " (" +
              std::string(MethodName(request_.method)) + " " +
              std::string(route_.pattern) + "): " + status.ToString());
  const bool unavailable = status.code() == StatusCode::kUnavailable;
  const int code = unavailable ? 503 : 500;
  const std::string message =
      (unavailable ? "The service is unavailable right now. Try again "
                     "shortly. Incident "
                   : "Something went wrong on our side. Incident ") +
      incident + ".";
  Response r = Error(code, unavailable ? "unavailable" : "internal", message);
  return r;
}

}  // namespace latchkey::portal
