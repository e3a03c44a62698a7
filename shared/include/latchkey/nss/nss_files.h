// The libnss-extrausers files in the nss-sync format, for both writers:
// `latchkeyctl nss-sync` (from the database) and latchkey-agent (from a
// directory's map, which it does not trust: FilterNssMap).
#ifndef LATCHKEY_NSS_NSS_FILES_H_
#define LATCHKEY_NSS_NSS_FILES_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "latchkey/base/result.h"
#include "latchkey/config/config.h"

namespace latchkey {

// One line of the passwd file: "name:x:uid:gid:gecos:home:shell".
struct NssPasswdEntry {
  std::string name;
  int64_t uid = 0;
  int64_t gid = 0;
  std::string gecos;
  std::string home;
  std::string shell;
  bool operator==(const NssPasswdEntry&) const = default;
};

// One line of the group file: "name:x:gid:member,member".
struct NssGroupEntry {
  std::string name;
  int64_t gid = 0;
  std::vector<std::string> members;
  bool operator==(const NssGroupEntry&) const = default;
};

// The GECOS field for a full name: ',' and ':' and control characters
// become spaces, runs of spaces collapse, ends are trimmed.
std::string NssGecos(std::string_view full_name);

// Writes config.group_file, then config.passwd_file (a passwd line should
// not name a gid that has no group yet), each sorted by id, atomically
// (ReplaceFileAtomically, mode 0644; directories created 0755). A file that
// already holds exactly the new text with mode 0644 is not rewritten.
// Returns whether either file changed. The entries must already be checked
// (no ':' or newline in a field): this only formats. Errors: IoError naming
// the path.
Result<bool> WriteNssFiles(const NssConfig& config,
                           std::vector<NssPasswdEntry> users,
                           std::vector<NssGroupEntry> groups);

// What of a directory's map may go into this host's files.
struct NssMapVerdict {
  std::vector<NssPasswdEntry> users;  // accepted, in the map's order
  std::vector<NssGroupEntry> groups;  // accepted (members filtered)
  std::vector<std::string> skipped;   // "<shown name>: <reason>" each
};

// Applies this host's own rules to every entry of a map it received, so
// a compromised directory cannot push uid 0 or a local name to a host:
//  - a user: a valid Unix user name (CheckUsernameForm), not an operating
//    system name (IsSystemUsername), no user or group of that name in the
//    local files; uid and gid within config.uid_min..uid_max (so never 0),
//    neither used by a local user or group; gecos made safe (NssGecos);
//    home and shell absolute paths without ':' or control characters; no
//    name or uid given twice;
//  - a group: the same name rules; gid within the range and not local;
//    members that are not valid names or are local users are dropped (and
//    listed).
// An entry failing a check is left out and listed in `skipped` (the name
// cut to 64 bytes, control characters shown as '?'). The local files are
// read with fgetpwent_r/fgetgrent_r, never through NSS. Errors: IoError
// when a local file cannot be read (then no entry can be trusted).
Result<NssMapVerdict> FilterNssMap(const NssConfig& config,
                                   const std::vector<NssPasswdEntry>& users,
                                   const std::vector<NssGroupEntry>& groups,
                                   const std::string& local_passwd,
                                   const std::string& local_group);

}  // namespace latchkey

#endif  // LATCHKEY_NSS_NSS_FILES_H_
