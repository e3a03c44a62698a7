// LoginRecorder: what a door records when a login session opens and closes
// (the PAM session phase), whatever authenticated the user (a password
// through latchkey, an ssh key, su from root).
#ifndef LATCHKEY_LOGIN_RECORD_H_
#define LATCHKEY_LOGIN_RECORD_H_

#include <string_view>

#include "latchkey/audit.h"
#include "latchkey/status.h"
#include "latchkey/user_store.h"

namespace latchkey {

// Not thread-safe (the stores share one Connection).
class LoginRecorder {
 public:
  LoginRecorder(UserStore& users, AuditLog& audit);

  // A session of `username` opened: one session_open audit row (service,
  // tty and rhost from `ctx`; detail "pid N" when ctx.pid is set) and
  // last_login_at = now. Errors: NotFound "no user named '...'" when the
  // database does not know the name (a local account: nothing recorded);
  // db errors.
  Status Opened(std::string_view username, const AuthContext& ctx);

  // The session closed: one session_close row. Errors as for Opened.
  Status Closed(std::string_view username, const AuthContext& ctx);

 private:
  Status Record(AuditEvent event, std::string_view username,
                const AuthContext& ctx);

  UserStore& users_;
  AuditLog& audit_;
};

}  // namespace latchkey

#endif  // LATCHKEY_LOGIN_RECORD_H_
