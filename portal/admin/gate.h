// The gate of the admin area (/admin and /api/v1/admin, route flag
// kAdminOnly), which the dispatcher runs before the handler:
//   1. the session's account holds the admin role, read from the database
//      on this request (Context::LoadSession skips the session cache for
//      admin routes): 403 forbidden otherwise;
//   2. the account has TOTP enrolled: 403 totp_required otherwise (a page
//      that sends the admin to /security to enrol);
//   3. a state-changing method needs the admin re-authentication window
//      (password and code, account/reauth.h) open: 403 reauth_required
//      otherwise (pages show the re-authentication form), except on the
//      re-authentication route itself (kAdminReauth).
#ifndef LATCHKEY_PORTAL_ADMIN_GATE_H_
#define LATCHKEY_PORTAL_ADMIN_GATE_H_

#include <optional>
#include <string>
#include <string_view>

#include "latchkey/account/user_admin.h"
#include "portal/context.h"

namespace latchkey::portal {

// Steps 1 and 2 (every admin request): the refusal, or nullopt.
std::optional<Response> AdminAccessRefusal(Context& ctx);
// Step 3 (state-changing admin requests, after the CSRF check): the
// refusal, or nullopt.
std::optional<Response> AdminWriteRefusal(Context& ctx);

// Whether the session's admin re-authentication window is open now.
bool AdminWindowOpenNow(Context& ctx);

// The acting admin for UserAdmin: the request's AuthContext, the account
// id and "by <username>" in the audit.
AdminActor ActorOf(Context& ctx);

// `path` if it is an admin page of this site ("/admin" or "/admin/..."
// without "//", "\\" or a scheme), else "/admin". For return_to / next
// fields that forms and links carry.
std::string AdminReturnPath(std::string_view path);

// `path` (an admin page, possibly with a query) with ?notice=`notice`
// appended, or &notice= when it has a query already.
std::string WithNotice(std::string_view path, std::string_view notice);

// The re-authentication form (templates/admin_reauth.html) with `status`:
// password and code, sending the admin to `return_to` afterwards.
Response RenderAdminReauth(Context& ctx, std::string_view return_to,
                           const FieldErrors& errors, std::string_view error,
                           int status);

// The form field that admin forms carry so that the re-authentication
// prompt can send the admin back to the page they were on.
inline constexpr std::string_view kReturnToField = "return_to";

}  // namespace latchkey::portal

#endif  // LATCHKEY_PORTAL_ADMIN_GATE_H_
