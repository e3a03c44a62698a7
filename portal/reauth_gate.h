// The portal's words for the core's re-authentication gates
// (account/reauth.h): the password window in front of TOTP disable, email
// change and new recovery codes; password and code for the admin area
// (admin/reauth.cc) and for adding an SSH key; pages and API. One mapping
// from the core's outcome to status, code and message for all of them.
#ifndef LATCHKEY_PORTAL_REAUTH_GATE_H_
#define LATCHKEY_PORTAL_REAUTH_GATE_H_

#include <optional>
#include <string_view>

#include "latchkey/account/reauth.h"
#include "latchkey/base/result.h"
#include "latchkey/base/secret.h"
#include "portal/context.h"

namespace latchkey::portal {

struct ReauthGate {
  bool open = false;           // go ahead
  int64_t window_ends_at = 0;  // open: Unix seconds (the core's window)
  // When closed: the status and API code, and the message for the
  // "password" field (or the whole form, for locked / throttled).
  int http_status = 403;
  std::string_view code;  // reauth_required, wrong_password (password
                          // only) or wrong_credentials (password and
                          // code), locked, throttled
  std::string_view message;
  Seconds retry_after{0};  // throttled: from the core's outcome
  bool field_error() const {
    return code == "reauth_required" || code == "wrong_password" ||
           code == "wrong_credentials";
  }
};

// Reauthentication::Gate for the signed-in session of `ctx`. With a
// non-empty `password` that has to be checked: one KDF (so only on
// kKdfBound routes), and on success the session's re-auth window starts
// now. An empty one where a check is needed: closed with reauth_required.
// Errors: db errors (answer with ctx.Fail).
Result<ReauthGate> CheckReauth(Context& ctx, const Secret& password,
                               ReauthMode mode);

// Reauthentication::GateAdmin (password AND code; admin/reauth.cc) for the
// signed-in session of `ctx`: one KDF when checked (kKdfBound routes).
// Closed: reauth_required, wrong_credentials (a wrong code says no more
// than a wrong password), locked, throttled. Errors: db errors.
Result<ReauthGate> CheckAdminReauth(Context& ctx, const Secret& password,
                                    std::string_view code);

// Reauthentication::GateEveryFactor (adding an SSH key) for the signed-in
// session of `ctx`: as CheckAdminReauth for an account with TOTP, as
// CheckReauth(kWindow) for one without (whose messages then ask for the
// password only). Errors: db errors.
Result<ReauthGate> CheckEveryFactorReauth(Context& ctx, const Secret& password,
                                          std::string_view code);

// The API's answer for a closed gate: its status and code, the message,
// and fields.password for reauth_required / wrong_password; Retry-After
// when throttled.
Response ReauthApiError(Context& ctx, const ReauthGate& gate);

// For an API call: the error response when the gate (CheckReauth with
// this password, always checked) stays closed, or the db error's; nullopt
// when the caller may go ahead.
std::optional<Response> ApiReauthRefusal(Context& ctx, const Secret& password);

// Whether the session of `ctx` is within its re-auth window now.
bool ReauthWindowOpenNow(Context& ctx);

}  // namespace latchkey::portal

#endif  // LATCHKEY_PORTAL_REAUTH_GATE_H_
