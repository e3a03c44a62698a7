#include "base/passwd_files.h"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

namespace latchkey::nss_internal {
namespace {

Status Errno(const std::string& path, std::string_view what, int err) {
  return IoError(path + ": " + std::string(what) + ": " + std::strerror(err));
}

class File {
 public:
  explicit File(FILE* f) : f_(f) {}
  ~File() {
    if (f_ != nullptr) fclose(f_);
  }
  File(const File&) = delete;
  File& operator=(const File&) = delete;
  FILE* get() const { return f_; }

 private:
  FILE* f_;
};

// Calls `next(buf, size, &entry)` (a fgetpwent_r/fgetgrent_r wrapper) for
// each entry and `use(entry)` on it. On ERANGE the line is read again with a
// bigger buffer, as glibc's own fgetpwent does.
template <typename Entry, typename Next, typename Use>
Status ForEachEntry(const std::string& path, Next next, Use use) {
  File f(fopen(path.c_str(), "re"));
  if (f.get() == nullptr) return Errno(path, "cannot read", errno);
  std::vector<char> buf(16 * 1024);
  for (;;) {
    const off_t pos = ftello(f.get());
    Entry entry{};
    Entry* result = nullptr;
    const int rc = next(f.get(), &entry, buf.data(), buf.size(), &result);
    if (rc == ERANGE) {
      if (buf.size() >= 64 * 1024 * 1024 || fseeko(f.get(), pos, SEEK_SET) != 0)
        return IoError(path + ": cannot read: a line is too long");
      buf.resize(buf.size() * 2);
      continue;
    }
    if (rc == ENOENT) break;
    if (rc != 0) return Errno(path, "cannot read", rc);
    if (result == nullptr) break;
    use(*result);
  }
  if (ferror(f.get())) return Errno(path, "cannot read", errno);
  return Status::Ok();
}

}  // namespace

Result<LocalAccounts> ReadLocalAccounts(const std::string& passwd_path,
                                        const std::string& group_path) {
  LocalAccounts local;
  LK_RETURN_IF_ERROR(ForEachEntry<struct passwd>(
      passwd_path, ::fgetpwent_r, [&](const struct passwd& pw) {
        const std::string name = pw.pw_name != nullptr ? pw.pw_name : "";
        local.user_names.insert(name);
        local.ids.emplace(static_cast<uint32_t>(pw.pw_uid),
                          "local user '" + name + "'");
        local.ids.emplace(static_cast<uint32_t>(pw.pw_gid),
                          "the primary group of local user '" + name + "'");
      }));
  LK_RETURN_IF_ERROR(ForEachEntry<struct group>(
      group_path, ::fgetgrent_r, [&](const struct group& gr) {
        const std::string name = gr.gr_name != nullptr ? gr.gr_name : "";
        local.group_names.insert(name);
        local.ids.emplace(static_cast<uint32_t>(gr.gr_gid),
                          "local group '" + name + "'");
      }));
  return local;
}

Result<bool> PasswdFileHasUser(const std::string& passwd_path,
                               std::string_view name) {
  bool found = false;
  LK_RETURN_IF_ERROR(ForEachEntry<struct passwd>(
      passwd_path, ::fgetpwent_r, [&](const struct passwd& pw) {
        found = found || (pw.pw_name != nullptr && name == pw.pw_name);
      }));
  return found;
}

Result<std::optional<FileState>> ReadFileState(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::optional<FileState>();
    return Errno(path, "cannot read", errno);
  }
  FileState state;
  struct stat st {};
  Status status;
  if (::fstat(fd, &st) != 0) {
    status = Errno(path, "cannot stat", errno);
  } else {
    state.mode = st.st_mode & 07777;
    char buf[8192];
    for (;;) {
      const ssize_t n = ::read(fd, buf, sizeof buf);
      if (n == 0) break;
      if (n < 0) {
        if (errno == EINTR) continue;
        status = Errno(path, "cannot read", errno);
        break;
      }
      state.bytes.append(buf, static_cast<size_t>(n));
    }
  }
  ::close(fd);
  if (!status.ok()) return status;
  return std::optional<FileState>(std::move(state));
}

}  // namespace latchkey::nss_internal
