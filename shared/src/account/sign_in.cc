#include "latchkey/account/sign_in.h"

namespace latchkey {

Result<NewSession> SignIn(Services& services, SessionStore& sessions,
                          const SignInRequest& request) {
  LK_ASSIGN_OR_RETURN(db::Transaction tx,
                      db::Transaction::Start(services.db()));
  LK_RETURN_IF_ERROR(services.users().RecordLogin(request.user_id));
  if (request.old_session_id) {
    LK_RETURN_IF_ERROR(sessions.Destroy(*request.old_session_id));
  }
  LK_ASSIGN_OR_RETURN(
      NewSession created,
      sessions.Create(request.user_id, request.client_ip, request.user_agent));
  LK_RETURN_IF_ERROR(tx.Commit());
  return created;
}

}  // namespace latchkey
