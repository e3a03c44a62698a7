// Whose is a login name on this host? A name is latchkey's only where it is
// latchkey's (docs/pam.md, "Whose name is it?"): a database account must
// never become the password of one of the host's own accounts, nor of an
// account that another NSS source (LDAP, sssd) gives the name.
#ifndef LATCHKEY_NSS_NAME_ON_HOST_H_
#define LATCHKEY_NSS_NAME_ON_HOST_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "latchkey/config/config.h"
#include "latchkey/store/user_store.h"

namespace latchkey {

struct NameOnHost {
  enum class Kind {
    kCandidate,   // may be a latchkey account: go on to the database
    kInvalid,     // fails CheckUsernameForm ("alice ", "Alice", a tab, ...)
    kLocal,       // an entry of the host's own passwd file
    kForeignUid,  // NSS gives the name a uid outside uid_min..uid_max
    kUnknowable,  // the local file or NSS could not be read
  };
  Kind kind = Kind::kUnknowable;
  // kCandidate only: the uid NSS gives the name, if it has an entry. The
  // database account counts on this host only if it holds that uid
  // (HoldsHostUid).
  std::optional<int64_t> nss_uid;
  // For the log: why the name is not a candidate (kUnknowable: the file
  // or NSS error). Holds no part of the name.
  std::string reason;

  bool candidate() const { return kind == Kind::kCandidate; }
};

// The checks that need no database, in order: CheckUsernameForm; an entry
// of nss.local_passwd_file (read with fgetpwent_r, never through NSS, so
// the extrausers files that nss-sync writes do not count); an NSS entry
// (getpwnam_r) whose uid lies outside nss.uid_min..uid_max. A name without
// an NSS entry is a candidate without nss_uid. Thread-safe; reads the
// passwd file on every call.
NameOnHost CheckNameOnHost(std::string_view name, const NssConfig& nss);

// Whether `user`, the account the name found, is the one the host's NSS
// means: no NSS entry (nullopt), or users.uid equal to `nss_uid`. An account
// that fails this is answered as an unknown name.
bool HoldsHostUid(const User& user, std::optional<int64_t> nss_uid);

}  // namespace latchkey

#endif  // LATCHKEY_NSS_NAME_ON_HOST_H_
