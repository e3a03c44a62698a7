// "Forgot my password", shared by POST /forgot and POST /api/v1/forgot:
// the limits and the address check run now, and the reset link and its
// mail (only for a known address) after the answer, on the AfterAnswer
// thread, so a known and an unknown address cost the request the same.
#ifndef LATCHKEY_PORTAL_FORGOT_FLOW_H_
#define LATCHKEY_PORTAL_FORGOT_FLOW_H_

#include <string_view>

#include "latchkey/base/field_errors.h"
#include "latchkey/base/result.h"
#include "portal/context.h"

namespace latchkey::portal {

// Empty FieldErrors: accepted (the link, if any, follows); field "email"
// when the text is not an address. Errors: ResourceExhausted over the
// core's limits (PasswordReset::CheckForgot); Unavailable when the
// after-answer queue is full (the same for every address); db errors.
Result<latchkey::FieldErrors> AskForResetLink(Context& ctx,
                                              std::string_view email);

}  // namespace latchkey::portal

#endif  // LATCHKEY_PORTAL_FORGOT_FLOW_H_
