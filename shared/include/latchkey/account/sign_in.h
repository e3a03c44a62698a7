// Sign-in: what happens once a login is verified (the Authenticator said
// kOk), in one transaction. The portal's pages and API both end a login
// here.
#ifndef LATCHKEY_ACCOUNT_SIGN_IN_H_
#define LATCHKEY_ACCOUNT_SIGN_IN_H_

#include <cstdint>
#include <optional>
#include <string_view>

#include "latchkey/base/result.h"
#include "latchkey/services/services.h"
#include "latchkey/store/session_store.h"

namespace latchkey {

struct SignInRequest {
  int64_t user_id = 0;
  // The session the browser held before (its cookie value), if any: it
  // ends, so every sign-in gets a new id (no session fixation).
  std::optional<std::string_view> old_session_id;
  std::string_view client_ip;
  std::string_view user_agent;
};

// In ONE transaction: records the login (users.last_login_at, as the PAM
// session phase does), ends the old session and creates the new one. The
// user row's UPDATE comes first: it takes the row's exclusive lock before
// the session INSERT reads it, so two sign-ins of one account queue
// instead of deadlocking (each holding a shared lock, both wanting more).
// Nothing is kept if a step fails. Errors: NotFound "no user with id N";
// db errors.
Result<NewSession> SignIn(Services& services, SessionStore& sessions,
                          const SignInRequest& request);

}  // namespace latchkey

#endif  // LATCHKEY_ACCOUNT_SIGN_IN_H_
