// The portal's own log: one line per call on stderr (the journal under
// systemd), with a UTC timestamp. Audit events go through the core's
// AuditLog (syslog, LOG_AUTHPRIV), not here. Never log secrets, and bound
// attacker strings with LogValue (audit.h).
#ifndef LATCHKEY_PORTAL_LOG_H_
#define LATCHKEY_PORTAL_LOG_H_

#include <string>
#include <string_view>

namespace latchkey::portal {

// Writes "<time> latchkey-portal: <line>\n" with one write(2).
void LogLine(std::string_view line);

// A short random id for an error shown to a person and logged with the
// details ("incident 3f9a1c2e7b4d").
std::string NewIncidentId();

}  // namespace latchkey::portal

#endif  // LATCHKEY_PORTAL_LOG_H_
