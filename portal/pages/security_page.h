// The /security page as its handlers render it (TOTP, recovery codes,
// sessions), with the state of the form that was just sent (if any).
#ifndef LATCHKEY_PORTAL_PAGES_SECURITY_PAGE_H_
#define LATCHKEY_PORTAL_PAGES_SECURITY_PAGE_H_

#include <string>
#include <vector>

#include "latchkey/base/secret.h"
#include "portal/context.h"

namespace latchkey::portal {

struct SecurityForm {
  // "disable_password" (the TOTP-off form), "codes_password" (the new
  // recovery codes form).
  FieldErrors errors;
  std::string error;  // for the whole page (locked, throttled, ...)
};

// Renders templates/security.html for the signed-in user. Errors of the
// core while reading the page's data answer through ctx.Fail.
Response RenderSecurity(Context& ctx, const SecurityForm& form, int status);

// The page that shows new recovery codes, once (templates/
// recovery_codes.html); `just_enabled` after TOTP was turned on.
Response ShowRecoveryCodes(Context& ctx, const std::vector<Secret>& codes,
                           bool just_enabled);

}  // namespace latchkey::portal

#endif  // LATCHKEY_PORTAL_PAGES_SECURITY_PAGE_H_
