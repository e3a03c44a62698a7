// HostStore: the `hosts` table (migration 007). Every host that runs the
// PAM module is a row, named by the admin, with (in direct mode) its own
// database login `lk_host_<name>`@'%' that holds only the latchkey_pam
// role, so one host can be revoked without touching the others. A later
// fleet mode keeps its hosts in the same table (kind "fleet").
//
// The rows are written by `latchkeyctl host add|revoke` with latchkeyctl's
// own login (the schema owner, or a login with INSERT and UPDATE on hosts).
// The SQL that creates or drops a host's database login needs CREATE USER
// and GRANT rights, which only a database admin should hold: HostLoginSql
// and HostDropSql give it as text, to print or to run on an admin
// connection. Neither door's role may read or write `hosts`.
#ifndef LATCHKEY_STORE_HOST_STORE_H_
#define LATCHKEY_STORE_HOST_STORE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "latchkey/base/clock.h"
#include "latchkey/base/random.h"
#include "latchkey/base/result.h"
#include "latchkey/base/secret.h"
#include "latchkey/db/db.h"

namespace latchkey {

struct Host {
  int64_t id = 0;
  std::string name;
  std::string kind;                     // "direct" or "fleet"
  std::string db_user;                  // "" if none
  int64_t created_at = 0;               // Unix seconds
  std::optional<int64_t> last_seen_at;  // fleet: the directory's Touch
  std::optional<int64_t> revoked_at;
  // Fleet mode (migration 015):
  std::optional<int64_t> group_id;
  std::string group_name;  // "" when none
  bool may_reset_passwords = false;
  std::string agent_version;  // "" until the host has called
};

// A fleet host's token: "lkh_" and 43 base64url characters (256 random
// bits). Only its SHA-256 is stored.
inline constexpr std::string_view kHostTokenPrefix = "lkh_";

// What AddFleet returns: the row and the token, shown this once.
struct NewFleetHost {
  Host host;
  Secret token;
};

// A host name: 1..48 characters of a-z, 0-9, '.', '-' and '_', starting
// with a letter or digit (so lk_host_<name> fits MariaDB's 80-character
// user names, and needs no quoting beyond '...'). Errors: InvalidArgument
// saying what is allowed.
Status ValidateHostName(std::string_view name);

// "lk_host_<name>".
std::string HostDbUser(std::string_view name);

// The statements that create a host's login with the PAM role, for a
// password whose mysql_native_password hash is given (so the printed text
// never holds the password itself):
//   CREATE USER 'lk_host_web1'@'%' IDENTIFIED BY PASSWORD '*…';
//   GRANT latchkey_pam TO 'lk_host_web1'@'%';
//   SET DEFAULT ROLE latchkey_pam FOR 'lk_host_web1'@'%';
// `name` must have passed ValidateHostName.
std::string HostLoginSql(std::string_view name, const Secret& password);
// DROP USER IF EXISTS 'lk_host_<name>'@'%';
std::string HostDropSql(std::string_view name);

// The mysql_native_password hash of `password`: "*" and 40 upper-case hex
// digits of SHA1(SHA1(password)).
std::string NativePasswordHash(const Secret& password);

// Not thread-safe (one Connection). Errors: the db layer's, and those named.
class HostStore {
 public:
  HostStore(db::Connection& db, const Clock& clock);

  // Records a direct-mode host with db_user HostDbUser(name). Errors:
  // InvalidArgument (name), AlreadyExists "host 'web1' exists" (revoked
  // hosts keep their name).
  Result<Host> Add(std::string_view name);
  // Records a fleet host (kind 'fleet', no db_user) in the host group
  // `group_name`, with a fresh token from `random` whose SHA-256 only is
  // stored. Errors: InvalidArgument (name), NotFound "no host group 'x';
  // create it with latchkeyctl host-group add x", AlreadyExists as Add,
  // Random's error.
  Result<NewFleetHost> AddFleet(std::string_view name,
                                std::string_view group_name,
                                bool may_reset_passwords, Random& random);
  // The fleet host whose token is `token`, or nullopt for an unknown,
  // malformed or revoked one (one lookup by the token's SHA-256, a unique
  // key; a revoked host is refused from the statement after revoked_at is
  // set). Never logs the token.
  Result<std::optional<Host>> Authenticate(std::string_view token);
  // last_seen_at = now and agent_version (cut to 64 printable ASCII
  // characters; "" keeps the stored one). Callers throttle it.
  Status Touch(int64_t host_id, std::string_view agent_version);
  // Every host, by name.
  Result<std::vector<Host>> List();
  Result<std::optional<Host>> Find(std::string_view name);
  // Sets revoked_at = now. Errors: NotFound "no host 'web1'". A host
  // already revoked keeps its first revoked_at; returns the row.
  Result<Host> Revoke(std::string_view name);

 private:
  db::Connection& db_;
  const Clock& clock_;
};

}  // namespace latchkey

#endif  // LATCHKEY_STORE_HOST_STORE_H_
