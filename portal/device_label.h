// A short, human label for a session's User-Agent ("Firefox on Linux",
// "Safari on iPhone", "curl"), for the security page's list of sessions.
// Only a hint for the person reading the list: the header is whatever the
// client chose to send.
#ifndef LATCHKEY_PORTAL_DEVICE_LABEL_H_
#define LATCHKEY_PORTAL_DEVICE_LABEL_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "latchkey/store/session_store.h"
#include "portal/template.h"

namespace latchkey::portal {

// "<browser> on <system>", or just one of them when the other is not
// recognised; for an unrecognised agent its first product token (up to 40
// characters), or "Unknown device" for an empty one.
std::string DeviceLabel(std::string_view user_agent);

// A session as the lists show it (the security page, an admin's user
// page): handle, device (DeviceLabel), user_agent, ip ("unknown" when
// none), last_seen and created (TimeView against `now`), current.
tmpl::Dict SessionView(const SessionInfo& session, int64_t now);

}  // namespace latchkey::portal

#endif  // LATCHKEY_PORTAL_DEVICE_LABEL_H_
