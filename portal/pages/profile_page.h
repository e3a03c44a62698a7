// The /profile page as the profile and avatar handlers render it, with the
// state of the form that was just sent (if any).
#ifndef LATCHKEY_PORTAL_PAGES_PROFILE_PAGE_H_
#define LATCHKEY_PORTAL_PAGES_PROFILE_PAGE_H_

#include <optional>
#include <string>

#include "portal/context.h"

namespace latchkey::portal {

struct ProfileForm {
  std::optional<std::string> full_name;  // as typed; none: the stored one
  FieldErrors errors;                    // "full_name", "avatar"
};

// Renders templates/profile.html for the signed-in user.
Response RenderProfile(Context& ctx, const ProfileForm& form, int status);

}  // namespace latchkey::portal

#endif  // LATCHKEY_PORTAL_PAGES_PROFILE_PAGE_H_
