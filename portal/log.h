// The portal's own log: one line per call on stderr (the journal under
// systemd), with a UTC timestamp. Audit events go through the core's
// AuditLog (syslog, LOG_AUTHPRIV), not here. Never log secrets, and bound
// attacker strings with LogValue (audit.h).
#ifndef LATCHKEY_PORTAL_LOG_H_
#define LATCHKEY_PORTAL_LOG_H_

#include <string>
#include <string_view>

namespace latchkey::portal {

// Writes "<time> latchkey-portal: <line>\n" with one write(2) (after any
// buffered access lines).
void LogLine(std::string_view line);

// The syslog priorities of portal lines. journald (SyslogLevelPrefix=,
// on by default) reads a leading "<N>" on a stderr line as its priority.
enum class LogPriority { kErr = 3, kWarning = 4, kNotice = 5, kInfo = 6 };

// As LogLine, with "<N>" (the priority) in front.
void LogLine(LogPriority priority, std::string_view line);

// An access line (AccessLine): buffered, and written by FlushAccessLog, by
// the next LogLine, or once 16 KiB are waiting. Thread-safe.
void LogAccess(LogPriority priority, std::string_view line);
// Writes the buffered access lines now. The portal's main loop calls it
// every second and at the end.
void FlushAccessLog();

// The priority of a request's access line: info for 1xx-3xx, notice for
// 4xx, err for 5xx.
LogPriority AccessPriority(int status);

// One request's access line:
//   access GET /reset/{token} 200 3.2ms id=3f9a1c2e7b4d
// `route` is the route's pattern, never the requested path (which may hold
// a token), and "-" for a request no route matched; nothing of the query
// string or the body is logged.
std::string AccessLine(std::string_view method, std::string_view route,
                       int status, double seconds, std::string_view id);

// A request's id (12 hex digits: a random prefix per process and a
// counter), in its access line and its incident lines.
std::string NewRequestId();

// A short random id for an error shown to a person and logged with the
// details ("incident 3f9a1c2e7b4d").
std::string NewIncidentId();

}  // namespace latchkey::portal

#endif  // LATCHKEY_PORTAL_LOG_H_
