// A short, human label for a session's User-Agent ("Firefox on Linux",
// "Safari on iPhone", "curl"), for the security page's list of sessions.
// Only a hint for the person reading the list: the header is whatever the
// client chose to send.
#ifndef LATCHKEY_PORTAL_DEVICE_LABEL_H_
#define LATCHKEY_PORTAL_DEVICE_LABEL_H_

#include <string>
#include <string_view>

namespace latchkey::portal {

// "<browser> on <system>", or just one of them when the other is not
// recognised; for an unrecognised agent its first product token (up to 40
// characters), or "Unknown device" for an empty one.
std::string DeviceLabel(std::string_view user_agent);

}  // namespace latchkey::portal

#endif  // LATCHKEY_PORTAL_DEVICE_LABEL_H_
