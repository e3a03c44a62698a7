// Dropping root after binding: the portal runs as the [portal] user.
#ifndef LATCHKEY_PORTAL_PRIVILEGES_H_
#define LATCHKEY_PORTAL_PRIVILEGES_H_

#include <string>

#include "latchkey/base/status.h"

namespace latchkey::portal {

// If the process runs as root (real or effective uid 0): takes `user`'s
// supplementary groups (initgroups), gid and uid, and checks that root
// cannot be regained. Not root: does nothing. Errors: FailedPrecondition
// "refusing to run as root: ..." when the user does not exist or is root
// itself; Internal naming the call that failed.
Status DropPrivileges(const std::string& user);

}  // namespace latchkey::portal

#endif  // LATCHKEY_PORTAL_PRIVILEGES_H_
