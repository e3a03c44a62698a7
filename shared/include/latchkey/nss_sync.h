// NSS sync: writes passwd and group files for libnss-extrausers from the
// database, so sshd (which calls getpwnam before PAM) knows database users,
// and name lookups keep working while the database is down.
#ifndef LATCHKEY_NSS_SYNC_H_
#define LATCHKEY_NSS_SYNC_H_

#include <string>
#include <vector>

#include "latchkey/config.h"
#include "latchkey/result.h"

namespace latchkey {

class Services;

struct NssSyncReport {
  int users_written = 0;   // passwd entries written
  int uids_assigned = 0;   // users that got a uid in this run
  bool changed = false;    // false: files were already up to date
  // Users left out, one line each with the reason (e.g. "root: a local
  // account of that name exists").
  std::vector<std::string> skipped;
};

// Assigns a uid from [nss] uid_min..uid_max to every user that has none
// (once; kept in users.uid, never reused while the user exists, never a
// uid or gid that /etc/passwd or /etc/group already uses), then writes the
// passwd and group files named in config.nss atomically (temp file in the
// same directory, fsync, rename; mode 0644). Active users only. Each user
// gets a primary group of the same name and number. Errors: Unavailable
// (database), ResourceExhausted (uid range full), IoError (files).
Result<NssSyncReport> SyncNss(Services& services);

}  // namespace latchkey

#endif  // LATCHKEY_NSS_SYNC_H_
