// The module's arguments, as written after the module name in a PAM service
// file. Pure: no PAM calls, so it is unit-tested without a PAM stack.
#ifndef LATCHKEY_PAM_MODULE_OPTIONS_H_
#define LATCHKEY_PAM_MODULE_OPTIONS_H_

#include <string>
#include <vector>

#include "latchkey/auth/authenticator.h"
#include "latchkey/config/config.h"

namespace latchkey::pam {

struct ModuleOptions {
  std::string config = kDefaultConfigPath;  // config=PATH
  std::vector<std::string> require_roles;   // require_role=ROLE[,ROLE]
  TotpMode totp = TotpMode::kAuto;          // totp=auto|required|off
  bool use_first_pass = false;  // never prompt: use PAM_AUTHTOK or fail
  bool try_first_pass = false;  // reuse PAM_AUTHTOK when set (libpam's
                                // pam_get_authtok does this anyway)
  bool use_authtok = false;     // password: take the new password from an
                                // earlier module
  bool debug = false;           // log each outcome at LOG_DEBUG
  // password: root may set a database account's password without the
  // current one (as pam_unix lets root do for local accounts). Off: root
  // on one host cannot take over an account that logs in everywhere.
  bool root_may_reset = false;
};

struct ParsedOptions {
  ModuleOptions options;
  // One message per argument that was not understood ("unknown option
  // 'foo'", "bad value in 'totp=sometimes': ..."); the caller logs each
  // and carries on with the defaults, as PAM modules do.
  std::vector<std::string> problems;
};

// Parses argv[0..argc). Never fails; see ParsedOptions::problems.
ParsedOptions ParseOptions(int argc, const char** argv);

}  // namespace latchkey::pam

#endif  // LATCHKEY_PAM_MODULE_OPTIONS_H_
