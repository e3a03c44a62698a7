// SessionStore: the portal's server-side sessions (the `sessions` table).
//
// A session id is 32 random bytes, handed to the browser base64url-encoded
// (43 characters, the cookie value); only its SHA-256 is stored, so a copy
// of the table does not let anyone in. Each session also has a random
// 32-byte csrf_secret from which the CSRF tokens of its forms are derived
// (see csrf.h).
//
// Timeouts come from [session]: a session ends `idle_timeout` after it was
// last seen and `absolute_timeout` after it was created, whichever is
// first. last_seen_at is written at most once per RefreshInterval() (one
// minute, or half the idle timeout when that is shorter), so a busy session
// costs one UPDATE per minute, not one per request; the idle timeout is
// therefore exact to within that interval. expires_at always holds the
// earlier of the two deadlines as of the last refresh, so PurgeExpired is
// a single indexed DELETE.
#ifndef LATCHKEY_STORE_SESSION_STORE_H_
#define LATCHKEY_STORE_SESSION_STORE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "latchkey/base/clock.h"
#include "latchkey/base/random.h"
#include "latchkey/base/result.h"
#include "latchkey/base/secret.h"
#include "latchkey/config/config.h"
#include "latchkey/db/db.h"
#include "latchkey/store/user_store.h"

namespace latchkey {

// A live session. Times are Unix seconds (UTC).
struct Session {
  std::string id_sha256;  // 32 raw bytes (AccountService's keep_session)
  std::string handle;     // what lists show and Revoke takes (see below)
  int64_t user_id = 0;
  int64_t created_at = 0;
  int64_t last_seen_at = 0;
  int64_t expires_at = 0;  // the earlier deadline as of the last refresh
  std::optional<int64_t> reauth_at;        // password last re-entered
  std::optional<int64_t> admin_reauth_at;  // password and TOTP code last
                                           // re-entered (the admin area)
  std::string ip;
  std::string user_agent;
  Secret csrf_secret;  // 32 bytes
};

// A session as the "active sessions" list shows it.
struct SessionInfo {
  std::string handle;
  int64_t created_at = 0;
  int64_t last_seen_at = 0;
  int64_t expires_at = 0;
  std::string ip;
  std::string user_agent;
  bool current = false;  // the session named by `current_handle`
};

class SessionCache;

// A live session with its account (LookupWithUser).
struct SignedIn {
  Session session;
  User user;
};

struct NewSession {
  Secret id;  // the cookie value: base64url of 32 random bytes
  Session session;
};

// The handle of a session: the first 16 hex characters (lower-case) of
// HexEncode(id_sha256). Not secret and not enough to use the session.
std::string SessionHandle(std::string_view id_sha256);

// Not thread-safe (one Connection). Errors common to every call: db errors
// (Unavailable, Internal).
class SessionStore {
 public:
  SessionStore(db::Connection& db, const Clock& clock, Random& random,
               SessionConfig config);

  // A new session for `user_id`. `ip` is cut to 45 bytes and `user_agent`
  // to 255 characters (escaped as for the audit log). Errors: NotFound "no
  // user with id N".
  Result<NewSession> Create(int64_t user_id, std::string_view ip,
                            std::string_view user_agent);

  // The session for a cookie value, or nullopt if there is none or it has
  // timed out (a timed-out row is deleted). Malformed values (wrong length
  // or alphabet) are nullopt without a query. Writes last_seen_at (and
  // expires_at) when the stored last_seen_at is older than
  // RefreshInterval().
  Result<std::optional<Session>> Lookup(std::string_view id);
  // The same, with the session's account (roles included) read in the
  // same query: one round trip for a signed-in page. With a `cache` (see
  // session_cache.h), a fresh enough entry that is not due for its
  // last_seen_at refresh is answered without the database, and what the
  // database answered is stored (or the entry dropped).
  Result<std::optional<SignedIn>> LookupWithUser(std::string_view id,
                                                 SessionCache* cache = nullptr);

  // Ends the session with this cookie value (no error if there is none).
  Status Destroy(std::string_view id);
  // Ends every session of the user except the one whose id_sha256 is
  // `except_sha256` (empty: all). Returns how many ended.
  Result<uint64_t> DestroyAllForUser(int64_t user_id,
                                     std::string_view except_sha256 = {});
  // The user's live sessions, newest last_seen first.
  Result<std::vector<SessionInfo>> ListForUser(
      int64_t user_id, std::string_view current_handle = {});
  // Ends the user's session with this handle. Returns false if the user has
  // no such session (a handle of another user's session never matches).
  Result<bool> Revoke(int64_t user_id, std::string_view handle);

  // Records that the password was re-entered now in this session (sets
  // reauth_at; the window itself is account/reauth.h's rule).
  Status MarkReauthenticated(Session& session);
  // Records that the password and a TOTP code were re-entered now (sets
  // admin_reauth_at and reauth_at).
  Status MarkAdminReauthenticated(Session& session);

  // Deletes timed-out sessions of all users (at most `limit` rows per call).
  Result<uint64_t> PurgeExpired(uint64_t limit = 1000);

  Seconds RefreshInterval() const;

 private:
  int64_t DeadlineFrom(int64_t created_at, int64_t last_seen_at) const;

  db::Connection& db_;
  const Clock& clock_;
  Random& random_;
  SessionConfig config_;
};

}  // namespace latchkey

#endif  // LATCHKEY_STORE_SESSION_STORE_H_
