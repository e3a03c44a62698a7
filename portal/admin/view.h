// The common view of every admin page: Context::View plus the admin
// navigation (admin_nav.html), the re-authentication window's state and
// the page's own address for forms' return_to.
#ifndef LATCHKEY_PORTAL_ADMIN_VIEW_H_
#define LATCHKEY_PORTAL_ADMIN_VIEW_H_

#include <string>
#include <string_view>

#include "portal/context.h"

namespace latchkey::portal {

// `section` marks the current navigation entry: "overview", "users",
// "roles" or "audit". Adds: admin_nav.<section> = true; admin_window_open
// (bool) and admin_window_until ("14:05 UTC"); return_to (this page's path
// and query, AdminReturnPath-checked).
// `raw` for a URL query value: everything but unreserved characters
// (A-Z a-z 0-9 - _ . ~) %-encoded.
std::string QueryEscape(std::string_view raw);

tmpl::Dict AdminView(Context& ctx, std::string_view title,
                     std::string_view section);

}  // namespace latchkey::portal

#endif  // LATCHKEY_PORTAL_ADMIN_VIEW_H_
