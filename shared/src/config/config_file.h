// Opening the config and secret files. Private to liblatchkey_core.
#ifndef LATCHKEY_SRC_CONFIG_CONFIG_FILE_H_
#define LATCHKEY_SRC_CONFIG_CONFIG_FILE_H_

#include <sys/stat.h>

#include <string>

#include "latchkey/base/status.h"

namespace latchkey::config_internal {

// Owns a file descriptor; closes it on destruction.
class Fd {
 public:
  Fd() = default;
  ~Fd();
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  void reset(int fd);

 private:
  int fd_ = -1;
};

// Opens `path` read-only (without blocking on a FIFO) and fstat()s the open
// descriptor, so the checks and the read concern the same file. Errors:
// IoError "<path>: cannot read: <strerror>", or "<path>: cannot read: not a
// regular file".
Status OpenRegularFile(const std::string& path, Fd& fd, struct stat& st);

// "0644": the permission bits in octal.
std::string OctalMode(mode_t mode);

// "<path>: cannot read: <strerror(err)>" as an IoError.
Status ReadError(const std::string& path, int err);

}  // namespace latchkey::config_internal

#endif  // LATCHKEY_SRC_CONFIG_CONFIG_FILE_H_
