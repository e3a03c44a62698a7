#include "latchkey/base/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

namespace latchkey {
namespace {

Status Errno(const std::string& path, std::string_view what, int err) {
  return IoError(path + ": " + std::string(what) + ": " + std::strerror(err));
}

// The directory part of `path` ("/" for "/x").
std::string DirOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// mkdir -p with mode 0755 for the directories it creates; the explicit
// chmod keeps them searchable by everyone whatever the umask (nss-sync's
// files serve every user's name lookups).
Status MakeDirectories(const std::string& dir) {
  for (size_t pos = 1; pos <= dir.size(); ++pos) {
    if (pos != dir.size() && dir[pos] != '/') continue;
    const std::string prefix = dir.substr(0, pos);
    if (::mkdir(prefix.c_str(), 0755) == 0) {
      if (::chmod(prefix.c_str(), 0755) != 0)
        return Errno(prefix, "cannot chmod", errno);
    } else if (errno != EEXIST) {
      return Errno(prefix, "cannot create directory", errno);
    }
  }
  return Status::Ok();
}

Status WriteAll(int fd, std::string_view bytes, const std::string& path) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Errno(path, "cannot write", errno);
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

// Removes the temp file unless it was renamed into place.
class TempFile {
 public:
  TempFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~TempFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!path_.empty()) ::unlink(path_.c_str());
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::string& path() const { return path_; }
  int fd() const { return fd_; }
  // A failed close can be a write error that surfaced late.
  Status Close() {
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) return Errno(path_, "cannot write", errno);
    return Status::Ok();
  }
  void Release() { path_.clear(); }

 private:
  std::string path_;
  int fd_;
};

}  // namespace

Status WriteFileAtomically(const std::string& path, std::string_view bytes,
                           mode_t mode, IfExists if_exists) {
  const std::string dir = DirOf(path);
  const std::string base = path.substr(path.rfind('/') + 1);
  std::string pattern = dir + (dir == "/" ? "." : "/.") + base + ".XXXXXX";
  std::vector<char> name(pattern.begin(), pattern.end());
  name.push_back('\0');
  const int fd = ::mkostemp(name.data(), O_CLOEXEC);
  if (fd < 0) return Errno(dir, "cannot create a file", errno);
  TempFile tmp(std::string(name.data()), fd);
  if (::fchmod(fd, mode) != 0) return Errno(tmp.path(), "cannot chmod", errno);
  LK_RETURN_IF_ERROR(WriteAll(fd, bytes, tmp.path()));
  if (::fsync(fd) != 0) return Errno(tmp.path(), "cannot sync", errno);
  LK_RETURN_IF_ERROR(tmp.Close());
  if (if_exists == IfExists::kReplace) {
    if (::rename(tmp.path().c_str(), path.c_str()) != 0)
      return Errno(path, "cannot replace", errno);
    tmp.Release();
  } else if (::link(tmp.path().c_str(), path.c_str()) != 0) {
    // EEXIST instead of replacing a file; the temp name is then removed
    // (as it is after a successful link).
    if (errno == EEXIST) return AlreadyExists(path + " exists");
    return Errno(path, "cannot create", errno);
  }
  // The rename (or link) is only durable once the directory entry is on disk.
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return Errno(dir, "cannot open directory", errno);
  const int rc = ::fsync(dfd);
  const int err = errno;
  ::close(dfd);
  if (rc != 0 && err != EINVAL) return Errno(dir, "cannot sync", err);
  return Status::Ok();
}

Status ReplaceFileAtomically(const std::string& path, std::string_view bytes,
                             mode_t mode) {
  LK_RETURN_IF_ERROR(MakeDirectories(DirOf(path)));
  return WriteFileAtomically(path, bytes, mode, IfExists::kReplace);
}

}  // namespace latchkey
