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
// "roles", "hosts", "host_groups" (issue 12, part "groups") or "audit". Adds:
// admin_nav.<section> = true; admin_window_open (bool) and admin_window_until
// ("14:05 UTC"); return_to (this page's path and query,
// AdminReturnPath-checked).
tmpl::Dict AdminView(Context& ctx, std::string_view title,
                     std::string_view section);

// `raw` for a URL's query string: everything but unreserved characters
// (RFC 3986) %-encoded.
std::string QueryEscape(std::string_view raw);

}  // namespace latchkey::portal

#endif  // LATCHKEY_PORTAL_ADMIN_VIEW_H_
