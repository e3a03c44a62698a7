// Password policy: length limits from the config (counted in Unicode code
// points, never truncated) plus libpwquality's checks, which honour
// /etc/security/pwquality.conf.
#ifndef LATCHKEY_AUTH_PASSWORD_POLICY_H_
#define LATCHKEY_AUTH_PASSWORD_POLICY_H_

#include <string>
#include <string_view>

#include "latchkey/base/status.h"
#include "latchkey/config/config.h"

namespace latchkey {

// The rules Check applies, as one or two sentences to show beside a new
// password field before anything is typed, e.g. "Use 12 to 256
// characters. Not your username or email address, and not a common
// password." (the last part only with [security] pwquality on).
std::string PasswordRules(const SecurityConfig& config);

// Our sentence for a libpwquality refusal code (PWQ_ERROR_*, negative),
// instead of libpwquality's English phrase: e.g. PWQ_ERROR_CRACKLIB_CHECK
// gives "The password is too common or based on a dictionary word."
// Codes we do not know give "The password is not acceptable."
std::string PwqualityRefusal(int code);

class PasswordPolicy {
 public:
  explicit PasswordPolicy(const SecurityConfig& config);

  // OK if acceptable. Otherwise InvalidArgument whose message is one
  // sentence for a person, e.g. "The password must be at least 12
  // characters long." Never echoes the password. Rejects invalid UTF-8 and
  // NUL bytes; any other Unicode is allowed. `username`, `email` and
  // `old_password` may be empty; when given, passwords too similar to them
  // are refused.
  Status Check(std::string_view password, std::string_view username,
               std::string_view email,
               std::string_view old_password = {}) const;

 private:
  SecurityConfig config_;
};

}  // namespace latchkey

#endif  // LATCHKEY_AUTH_PASSWORD_POLICY_H_
