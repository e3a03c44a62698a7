// The common view of every admin page: Context::View plus the admin
// navigation (admin_nav.html), the re-authentication window's state and
// the page's own address for forms' return_to.
#ifndef LATCHKEY_PORTAL_ADMIN_VIEW_H_
#define LATCHKEY_PORTAL_ADMIN_VIEW_H_

#include <string>
#include <string_view>

#include "portal/context.h"

namespace latchkey::portal {

// A query value for a URL: everything but unreserved characters is
// %-encoded.
std::string QueryEscape(std::string_view raw);

// `section` marks the current navigation entry: "overview", "users",
// "roles" or "audit". Adds: admin_nav.<section> = true; admin_window_open
// (bool) and admin_window_until ("14:05 UTC"); return_to (this page's path
// and query, AdminReturnPath-checked).
tmpl::Dict AdminView(Context& ctx, std::string_view title,
                     std::string_view section);

}  // namespace latchkey::portal

#endif  // LATCHKEY_PORTAL_ADMIN_VIEW_H_
