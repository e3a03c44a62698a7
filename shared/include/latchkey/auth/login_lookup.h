// LookUpLogin: what a login attempt reads before the KDF, in one round
// trip: the account it names and whether its remote address is over the
// failure limit. The same answers as UserStore::FindByLogin (or
// FindByUsername) and LockoutStore::IpBlocked, asked together, because on a
// busy or idle server every round trip a login waits for is time the
// attacker-facing KDF budget does not cover.
#ifndef LATCHKEY_AUTH_LOGIN_LOOKUP_H_
#define LATCHKEY_AUTH_LOGIN_LOOKUP_H_

#include <optional>
#include <string_view>

#include "latchkey/base/clock.h"
#include "latchkey/base/result.h"
#include "latchkey/config/config.h"
#include "latchkey/db/db.h"
#include "latchkey/store/user_store.h"

namespace latchkey {

struct LoginLookup {
  // The address has ip_max_failures or more failures in its window (never
  // for rhost "" or ip_max_failures = 0).
  bool address_blocked = false;
  // The account, roles included; nullopt for none (also for a malformed
  // email or a username longer than any that can exist).
  std::optional<User> user;
};

// `login` is an email if it contains '@' and `usernames_only` is false
// (normalized first), else a username (exact). Errors: those of the db
// layer.
Result<LoginLookup> LookUpLogin(db::Connection& db, const Clock& clock,
                                const LockoutConfig& lockout,
                                std::string_view login, bool usernames_only,
                                std::string_view rhost,
                                std::string_view host = {});

}  // namespace latchkey

#endif  // LATCHKEY_AUTH_LOGIN_LOOKUP_H_
