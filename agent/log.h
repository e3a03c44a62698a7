// latchkey-agent's log: syslog (LOG_AUTHPRIV) as a daemon, stderr in the
// foreground. Callers never pass a password, a token or a verifier.
// Thread-safe.
#ifndef LATCHKEY_AGENT_LOG_H_
#define LATCHKEY_AGENT_LOG_H_

#include <string_view>

namespace latchkey::agent {

enum class LogLevel { kError, kWarning, kInfo, kDebug };

// Chooses the sink once, before any thread logs: stderr when `foreground`,
// else syslog with the ident "latchkey-agent".
void InitLog(bool foreground);

// One line; control characters are shown as '?'.
void Log(LogLevel level, std::string_view message);

}  // namespace latchkey::agent

#endif  // LATCHKEY_AGENT_LOG_H_
