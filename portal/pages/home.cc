// GET /: to the profile when signed in, else to the sign-in page.
#include "portal/context.h"

namespace latchkey::portal {

Response HomePage(Context& ctx) {
  return ctx.Redirect(ctx.session() != nullptr ? "/profile" : "/login");
}

}  // namespace latchkey::portal
