// File work for nss-sync: the host's own account files, and the current
// state of the files it writes. Private to liblatchkey_core.
#ifndef LATCHKEY_SRC_BASE_PASSWD_FILES_H_
#define LATCHKEY_SRC_BASE_PASSWD_FILES_H_

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "latchkey/base/result.h"

namespace latchkey::nss_internal {

// What the local passwd and group files hold.
struct LocalAccounts {
  std::set<std::string> user_names;
  std::set<std::string> group_names;
  // Every uid and gid in either file (the primary gids in passwd too), with
  // who holds it, e.g. "local user 'bob'" or "local group 'adm'".
  std::map<uint32_t, std::string> ids;
};

// Reads both files with fgetpwent_r / fgetgrent_r. Errors: IoError naming
// the file (a missing file is an error too: without it no uid is safe).
Result<LocalAccounts> ReadLocalAccounts(const std::string& passwd_path,
                                        const std::string& group_path);

// Whether `passwd_path` has an entry named `name`, read with fgetpwent_r
// (thread-safe, unlike fgetpwent: the portal validates usernames on many
// threads). Errors: IoError naming the file, as ReadLocalAccounts.
Result<bool> PasswdFileHasUser(const std::string& passwd_path,
                               std::string_view name);

// The file's bytes and permission bits, or nullopt if it does not exist.
struct FileState {
  std::string bytes;
  mode_t mode = 0;
};
Result<std::optional<FileState>> ReadFileState(const std::string& path);

}  // namespace latchkey::nss_internal

#endif  // LATCHKEY_SRC_BASE_PASSWD_FILES_H_
