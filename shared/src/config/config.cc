// LoadConfig: open, check the file's type, owner and mode, read, parse.
#include "latchkey/config/config.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "config/config_file.h"

namespace latchkey {
namespace {

using config_internal::OctalMode;

// No sane config is near this; a bigger file is a mistake (or /dev/zero).
constexpr size_t kMaxConfigBytes = 1 << 20;

}  // namespace

Result<Config> LoadConfig(const std::string& path) {
  config_internal::Fd fd;
  struct stat st {};
  LK_RETURN_IF_ERROR(config_internal::OpenRegularFile(path, fd, st));

  const bool world_readable = (st.st_mode & S_IROTH) != 0;
  const bool world_writable = (st.st_mode & S_IWOTH) != 0;
  if (world_readable || world_writable) {
    const std::string mode = " (mode " + OctalMode(st.st_mode) + ")";
    const std::string fix = ": chmod o-rwx " + path;
    if (world_readable && world_writable) {
      return PermissionDenied(
          path + ": refusing a world-readable and world-writable config file" +
          mode + "; it holds secrets and anyone could change it" + fix);
    }
    if (world_readable) {
      return PermissionDenied(path + ": refusing a world-readable config file" +
                              mode + "; it holds secrets" + fix);
    }
    return PermissionDenied(path + ": refusing a world-writable config file" +
                            mode + "; anyone could change it" + fix);
  }
  if ((st.st_mode & S_IWGRP) != 0) {
    return PermissionDenied(path +
                            ": refusing a group-writable config file (mode " +
                            OctalMode(st.st_mode) +
                            "); its group could change it: chmod g-w " + path);
  }
  // Whoever owns the file decides what the module trusts: root, or the user
  // reading it (a test or a private setup). Nobody else.
  const uid_t reader = ::geteuid();
  if (st.st_uid != 0 && st.st_uid != reader) {
    return PermissionDenied(
        path + ": refusing a config file owned by uid " +
        std::to_string(st.st_uid) + " (mode " + OctalMode(st.st_mode) +
        "); it must belong to root or to the user that reads it (uid " +
        std::to_string(reader) + "): chown root " + path);
  }

  std::string text;
  char buf[8192];
  while (true) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return config_internal::ReadError(path, errno);
    }
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
    if (text.size() > kMaxConfigBytes) {
      return IoError(path +
                     ": cannot read: larger than 1 MiB, not a config file");
    }
  }

  Result<Config> config = ParseConfig(text, path);
  if (!config.ok()) return config.status();
  config->path = path;
  return config;
}

bool ConfigFileMissing(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) != 0 && errno == ENOENT;
}

}  // namespace latchkey
