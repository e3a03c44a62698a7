// UserSearch: the admin users list (issue 11), the one home for listing
// accounts: the portal's /admin/users and its API, and `latchkeyctl user
// list`. A prefix of username, email or full name (any case), filters,
// newest first by creation or by last sign-in, keyset paging with an
// opaque cursor, and a count that is exact up to a cap, so that it stays
// fast with a million accounts (sql/011_user_search.sql has the keys;
// bench/scale measures it).
#ifndef LATCHKEY_STORE_USER_SEARCH_H_
#define LATCHKEY_STORE_USER_SEARCH_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "latchkey/base/clock.h"
#include "latchkey/base/field_errors.h"
#include "latchkey/base/result.h"
#include "latchkey/db/db.h"
#include "latchkey/store/user_store.h"

namespace latchkey {

// Accounts a page shows unless told otherwise, and the most it may show.
inline constexpr uint32_t kUserPageSize = 50;
inline constexpr uint32_t kUserPageMax = 1000;
// The count is exact up to this many matches, then "10,000+".
inline constexpr int64_t kUserCountCap = 10'000;
// The longest search text, in bytes (an email's length).
inline constexpr size_t kUserSearchMaxBytes = 254;

// Newest first: by created_at, or by last_login_at (accounts that never
// signed in come last). id breaks ties, newest first too.
enum class UserSort { kCreated, kLastLogin };

// "created" or "last-login" (the names the portal, API and CLI take).
std::string_view UserSortName(UserSort sort);

// Where the previous page ended: that row's sort value (Unix
// microseconds; nullopt for "never signed in") and its id.
struct UserCursor {
  UserSort sort = UserSort::kCreated;
  std::optional<int64_t> micros;
  int64_t id = 0;
};

// The opaque text form (base64url) given to clients as next_cursor.
std::string EncodeUserCursor(const UserCursor& cursor);
// nullopt for text that EncodeUserCursor did not make.
std::optional<UserCursor> DecodeUserCursor(std::string_view text);

struct UserQuery {
  // Prefix of the username, the email or the full name, any case; "" =
  // everyone. With an '@' in it, only emails are searched.
  std::string prefix;
  std::optional<bool> active;    // is_active; nullopt = either
  bool password_locked = false;  // only: the password lock holds now
  bool admin_locked = false;     // only: the admin lock holds now
  bool unverified = false;       // only: email not verified
  std::optional<bool> totp;      // TOTP enrolled; nullopt = either
  std::string role;              // only holders of this role; "" = any
  UserSort sort = UserSort::kCreated;
  std::optional<UserCursor> after;  // the page after this row; none = first
  uint32_t limit = kUserPageSize;   // 1..kUserPageMax
};

// The names every door uses for a UserQuery's parts (the portal's query
// string, the API's, and the CLI's options mapped onto them):
//   q, active, inactive, password_locked, admin_locked, unverified
//   (flags: 1/on/true/yes or 0/off/false/no; "" = not set), totp (on|off;
//   "" = either), role, sort (created|last-login), after (a cursor), limit.
// `param(name)` returns the value given for `name`, or nullopt.
// Returns the query, or InvalidArgument with a sentence for the first bad
// value; `errors` then holds one sentence per bad parameter, by name.
Result<UserQuery> ParseUserQuery(
    const std::function<std::optional<std::string_view>(std::string_view)>&
        param,
    FieldErrors& errors);

struct UserPage {
  // The accounts, roles included. User carries the password hash and the
  // sealed TOTP key as every User does: no door shows either.
  std::vector<User> users;
  std::string next_cursor;    // "" on the last page
  int64_t count = 0;          // matches, exact up to the cap
  bool count_capped = false;  // more than `count` match ("10,000+")
};

// Errors common to every call: Unavailable / Internal from the db layer.
// Not thread-safe (it uses one Connection).
class UserSearch {
 public:
  // `count_cap`: the count is exact up to it (tests use a small one).
  UserSearch(db::Connection& db, const Clock& clock,
             int64_t count_cap = kUserCountCap);

  // One page of accounts matching `query`, in its order, after its cursor.
  // Errors also: InvalidArgument with a sentence for a person, and the
  // same sentence in `errors` under the parameter's name: "role" (no role
  // by that name), "q" (too long), "after" (a cursor of another order),
  // "limit" (out of range).
  Result<UserPage> Find(const UserQuery& query, FieldErrors& errors);

 private:
  db::Connection& db_;
  const Clock& clock_;
  int64_t count_cap_;
};

}  // namespace latchkey

#endif  // LATCHKEY_STORE_USER_SEARCH_H_
