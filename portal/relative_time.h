// Times on pages: relative for reading ("5 minutes ago", "in 3 days"),
// with the exact UTC time beside it for a title attribute. Rendered on the
// server, so no script is needed.
#ifndef LATCHKEY_PORTAL_RELATIVE_TIME_H_
#define LATCHKEY_PORTAL_RELATIVE_TIME_H_

#include <cstdint>
#include <string>

#include "portal/template.h"

namespace latchkey::portal {

// `when` relative to `now` (both Unix seconds): "just now" within a
// minute either way, else "N minutes|hours|days ago" or "in N ...", in the
// largest whole unit (days past 48 hours, hours past 90 minutes), and
// singular for 1 ("1 minute ago", "in 1 day").
std::string RelativeTime(int64_t when, int64_t now);

// For a template: {"ago": RelativeTime, "utc": "2026-12-04 22:10 UTC",
// "iso": "2026-12-04T22:10:00Z"}, e.g.
//   {{#last_seen}}<time datetime="{{iso}}"
//   title="{{utc}}">{{ago}}</time>{{/last_seen}}
tmpl::Dict TimeView(int64_t when, int64_t now);

}  // namespace latchkey::portal

#endif  // LATCHKEY_PORTAL_RELATIVE_TIME_H_
