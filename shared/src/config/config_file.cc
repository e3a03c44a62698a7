#include "config/config_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <system_error>

namespace latchkey::config_internal {

Fd::~Fd() { reset(-1); }

void Fd::reset(int fd) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

Status ReadError(const std::string& path, int err) {
  return IoError(path + ": cannot read: " +
                 std::error_code(err, std::generic_category()).message());
}

Status OpenRegularFile(const std::string& path, Fd& fd, struct stat& st) {
  // O_NONBLOCK: a FIFO put there by mistake must not hang a login.
  fd.reset(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (fd.get() < 0) return ReadError(path, errno);
  if (::fstat(fd.get(), &st) != 0) return ReadError(path, errno);
  if (!S_ISREG(st.st_mode))
    return IoError(path + ": cannot read: not a regular file");
  return Status::Ok();
}

std::string OctalMode(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

}  // namespace latchkey::config_internal
