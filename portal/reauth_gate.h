// The "password re-entered within the last 10 minutes" gate in front of
// TOTP disable, email change and new recovery codes (pages and API), over
// the core's Reauthentication and the session's re-auth window.
#ifndef LATCHKEY_PORTAL_REAUTH_GATE_H_
#define LATCHKEY_PORTAL_REAUTH_GATE_H_

#include <string_view>

#include "latchkey/base/result.h"
#include "latchkey/base/secret.h"
#include "portal/context.h"

namespace latchkey::portal {

struct ReauthGate {
  bool open = false;  // go ahead
  // When closed: the status and API code, and the message for the
  // "password" field (or the whole form, for locked / throttled).
  int http_status = 403;
  std::string_view code;  // reauth_required, wrong_password, locked,
                          // throttled
  std::string_view message;
  bool field_error() const {
    return code == "reauth_required" || code == "wrong_password";
  }
};

enum class ReauthMode {
  kWindow,    // open within the session's re-auth window; otherwise the
              // password (if given) is checked
  kPassword,  // the password is always checked (TOTP disable)
};

// For the signed-in session of `ctx`. With a non-empty `password` that has
// to be checked: one KDF (so only on kKdfBound routes), and on success the
// session's re-auth window starts now. An empty one where a check is
// needed: closed with reauth_required. Errors: db errors (answer with
// ctx.Fail).
Result<ReauthGate> CheckReauth(Context& ctx, const Secret& password,
                               ReauthMode mode);

// The API's answer for a closed gate: its status and code, the message,
// and fields.password for reauth_required / wrong_password; Retry-After
// when throttled.
Response ReauthApiError(Context& ctx, const ReauthGate& gate);

// Starts the session's re-auth window now (after a successful check).
Status MarkReauthenticated(Context& ctx);

}  // namespace latchkey::portal

#endif  // LATCHKEY_PORTAL_REAUTH_GATE_H_
