// NSS sync: writes passwd and group files for libnss-extrausers from the
// database, so sshd (which calls getpwnam before PAM) knows database users,
// and name lookups keep working while the database is down.
#ifndef LATCHKEY_NSS_NSS_SYNC_H_
#define LATCHKEY_NSS_NSS_SYNC_H_

#include <string>
#include <vector>

#include "latchkey/base/clock.h"
#include "latchkey/base/result.h"
#include "latchkey/config/config.h"
#include "latchkey/db/db.h"
#include "latchkey/nss/nss_files.h"

namespace latchkey {

struct NssSyncReport {
  int users_written = 0;  // passwd entries in the files now on disk
  int uids_assigned = 0;  // users that got a uid in this run
  bool changed = false;   // false: files were already up to date
  // Users left out, one line each with the reason (e.g. "root: a local
  // account of that name exists").
  std::vector<std::string> skipped;
};

// The host's own account files, read with fgetpwent_r/fgetgrent_r (never
// through NSS, so the extrausers files themselves do not count). Tests
// point these at files of their own.
struct NssLocalFiles {
  std::string passwd = "/etc/passwd";
  std::string group = "/etc/group";
};

// Assigns a uid from [nss] uid_min..uid_max to every active user that has
// none (when the database login may: a host's PAM role may not, and then
// such a user is skipped, saying so): the lowest number that was never given
// (no user holds it in users.uid and it has no tombstone in given_uids) and
// that is no uid or gid in the local passwd or group file. It is kept in
// users.uid, and its tombstone written in the same transaction; the tombstone
// outlives the account, so a uid is never given twice, not even after a delete
// (a new account would otherwise inherit the old one's files on every host).
// Both are unique keys: when another host takes the same number first, the next
// free one is tried. A uid is never changed while the user exists, and kept
// when the range is later changed. Then writes the passwd and group files named
// in config.nss, sorted by uid, atomically (temp file in the same directory,
// fsync, rename, fsync of the directory; mode 0644; the directory is created
// 0755 if missing). A file that already holds exactly the new text is not
// rewritten (report.changed = false).
//
// Active users only. Each user gets a primary group of the same name and
// number. Lines: "name:x:uid:uid:full name:home_base/name:shell" (the full
// name with ':' ',' and control characters turned into spaces) and
// "name:x:uid:". A user is skipped (and listed in report.skipped, with no
// uid assigned) if its name is no valid Unix user name (CheckUsernameForm)
// or is an operating-system name (IsSystemUsername; not the longer list of
// reserved names, which accounts from before may hold), or if a local user
// or group of that name exists; a user
// whose stored uid a local account now uses is skipped too.
//
// Errors: Unavailable (database; no file is touched, so lookups keep
// working from the last files), ResourceExhausted (uid range full: the
// files are still written for every user that has a uid, and the message
// says how many users were left without one), IoError (local account files
// unreadable, or the files could not be written; naming the path).
Result<NssSyncReport> SyncNss(db::Connection& db, const Clock& clock,
                              const NssConfig& config,
                              const NssLocalFiles& local = {});

// The directory map (fleet mode, docs/fleet-protocol.md): the entries
// SyncNss writes, as data, for the hosts' agents to write themselves.
struct NssMap {
  std::vector<NssPasswdEntry> users;  // sorted by uid
  std::vector<NssGroupEntry> groups;
};

// The map of every active user that already has a uid (none is assigned:
// latchkeyctl nss-sync or the admin side gives uids), with SyncNss's name
// rules and uid bounds, but without a local-file check: each host's agent
// applies its own uid range and local names. Never holds an email or a
// hash. Errors: the db layer's.
Result<NssMap> ReadNssMap(db::Connection& db, const NssConfig& config);

}  // namespace latchkey

#endif  // LATCHKEY_NSS_NSS_SYNC_H_
