#include "portal/privileges.h"

#include <grp.h>
#include <pwd.h>
#include <sys/types.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace latchkey::portal {

Status DropPrivileges(const std::string& user) {
  if (::getuid() != 0 && ::geteuid() != 0) return Status::Ok();
  std::vector<char> buf(16384);
  passwd pw{};
  passwd* found = nullptr;
  const int rc =
      ::getpwnam_r(user.c_str(), &pw, buf.data(), buf.size(), &found);
  if (rc != 0 || found == nullptr) {
    return FailedPrecondition("refusing to run as root: the [portal] user '" +
                              user +
                              "' does not exist (create it, or set "
                              "[portal] user)");
  }
  if (pw.pw_uid == 0) {
    return FailedPrecondition("refusing to run as root: the [portal] user '" +
                              user + "' is root");
  }
  if (::initgroups(pw.pw_name, pw.pw_gid) != 0) {
    return Internal(std::string("initgroups: ") + std::strerror(errno));
  }
  if (::setgid(pw.pw_gid) != 0) {
    return Internal(std::string("setgid: ") + std::strerror(errno));
  }
  if (::setuid(pw.pw_uid) != 0) {
    return Internal(std::string("setuid: ") + std::strerror(errno));
  }
  if (::setuid(0) == 0 || ::geteuid() == 0) {
    return Internal("dropping privileges failed: root can be regained");
  }
  return Status::Ok();
}

}  // namespace latchkey::portal
