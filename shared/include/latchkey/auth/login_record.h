// LoginRecorder: what a door records when a login session opens and closes
// (the PAM session phase), whatever authenticated the user (a password
// through latchkey, an ssh key, su from root).
#ifndef LATCHKEY_AUTH_LOGIN_RECORD_H_
#define LATCHKEY_AUTH_LOGIN_RECORD_H_

#include <cstdint>
#include <optional>
#include <string_view>

#include "latchkey/base/status.h"
#include "latchkey/store/audit.h"
#include "latchkey/store/user_store.h"

namespace latchkey {

// Not thread-safe (the stores share one Connection).
class LoginRecorder {
 public:
  LoginRecorder(UserStore& users, AuditLog& audit);

  // A session of `username` opened: one session_open audit row (service,
  // tty and rhost from `ctx`; detail "pid N" when ctx.pid is set) and
  // last_login_at = now. `host_uid`: the uid the host's NSS gives the name
  // (see HoldsHostUid in name_on_host.h); an account without it is not
  // this name's here. Errors: NotFound "no user named '...'" when the
  // database does not know the name or the account does not hold
  // `host_uid` (a local or foreign account: nothing recorded); db errors.
  Status Opened(std::string_view username, const AuthContext& ctx,
                std::optional<int64_t> host_uid = std::nullopt);

  // The session closed: one session_close row. Errors as for Opened.
  Status Closed(std::string_view username, const AuthContext& ctx,
                std::optional<int64_t> host_uid = std::nullopt);

 private:
  Status Record(AuditEvent event, std::string_view username,
                const AuthContext& ctx, std::optional<int64_t> host_uid);

  UserStore& users_;
  AuditLog& audit_;
};

}  // namespace latchkey

#endif  // LATCHKEY_AUTH_LOGIN_RECORD_H_
