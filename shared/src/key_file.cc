#include "latchkey/key_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "latchkey/secret.h"

namespace latchkey {
namespace {

Status Errno(const std::string& path, std::string_view what, int err) {
  return IoError(path + ": " + std::string(what) + ": " + std::strerror(err));
}

// Removes the temp file unless released (it was renamed or linked).
class TempFile {
 public:
  explicit TempFile(std::string path) : path_(std::move(path)) {}
  ~TempFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!path_.empty()) ::unlink(path_.c_str());
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;

  const std::string& path() const { return path_; }
  int fd() const { return fd_; }
  void set_fd(int fd) { fd_ = fd; }
  // Closes, reporting a failed close (a write error that surfaced late).
  Status Close() {
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) return Errno(path_, "cannot write", errno);
    return Status::Ok();
  }
  void Release() { path_.clear(); }

 private:
  std::string path_;
  int fd_ = -1;
};

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

// The rename is only durable once the directory entry is on disk.
Status SyncDirectory(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Errno(dir, "cannot open directory", errno);
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0 && err != EINVAL) return Errno(dir, "cannot sync", err);
  return Status::Ok();
}

}  // namespace

Status WriteSecretKeyFile(const std::string& path, Random& random,
                          bool overwrite) {
  if (path.empty()) return InvalidArgument("the key file path is empty");
  struct stat st {};
  if (!overwrite && ::lstat(path.c_str(), &st) == 0) {
    return AlreadyExists(path + " exists");
  }
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "."
                          : slash == 0               ? "/"
                                                     : path.substr(0, slash);
  const std::string base =
      slash == std::string::npos ? path : path.substr(slash + 1);

  std::string pattern = dir + "/." + base + ".XXXXXX";
  std::vector<char> name(pattern.begin(), pattern.end());
  name.push_back('\0');
  const int fd = ::mkostemp(name.data(), O_CLOEXEC);
  if (fd < 0) return Errno(dir, "cannot create a file", errno);
  TempFile tmp(std::string(name.data()));
  tmp.set_fd(fd);
  if (::fchmod(fd, 0600) != 0) return Errno(tmp.path(), "cannot chmod", errno);

  Secret key = Secret::OfSize(kSecretKeyBytes);
  LK_RETURN_IF_ERROR(random.Fill(std::span<uint8_t>(
      reinterpret_cast<uint8_t*>(key.mutable_data()), key.size())));
  LK_RETURN_IF_ERROR(WriteAll(fd, key.view(), tmp.path()));
  if (::fsync(fd) != 0) return Errno(tmp.path(), "cannot sync", errno);
  LK_RETURN_IF_ERROR(tmp.Close());

  if (overwrite) {
    if (::rename(tmp.path().c_str(), path.c_str()) != 0) {
      return Errno(path, "cannot replace", errno);
    }
    tmp.Release();
  } else {
    // link() fails with EEXIST instead of replacing a file that appeared
    // since the check above; the temp name is then removed.
    if (::link(tmp.path().c_str(), path.c_str()) != 0) {
      if (errno == EEXIST) return AlreadyExists(path + " exists");
      return Errno(path, "cannot create", errno);
    }
  }
  return SyncDirectory(dir);
}

}  // namespace latchkey
