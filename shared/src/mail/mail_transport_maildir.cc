// maildir: each message a file in DIR/new, written to DIR/tmp first and
// renamed (atomic on one file system), so a reader never sees half a mail.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "latchkey/base/clock.h"
#include "latchkey/base/encoding.h"
#include "latchkey/base/random.h"
#include "mail/mail_transport_internal.h"

namespace latchkey::internal {
namespace {

std::string Errno(const std::string& what) {
  return what + ": " + std::strerror(errno);
}

Status EnsureDir(const std::string& path) {
  if (::mkdir(path.c_str(), 0700) == 0 || errno == EEXIST) {
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
      return Status::Ok();
    }
    return IoError(path + " is not a directory");
  }
  return IoError(Errno("cannot create " + path));
}

Status WriteAll(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return IoError(Errno("cannot write " + path));
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

class MaildirTransport final : public MailTransport {
 public:
  explicit MaildirTransport(std::string dir) : dir_(std::move(dir)) {}

  Status Send(std::string_view from, std::string_view to,
              std::string_view message) override {
    LK_RETURN_IF_ERROR(EnsureDir(dir_));
    for (const char* sub : {"/tmp", "/new", "/cur"}) {
      LK_RETURN_IF_ERROR(EnsureDir(dir_ + sub));
    }
    // Maildir files use LF line ends; the envelope goes in front as an
    // MTA's local delivery would record it.
    std::string text = "Return-Path: <" + std::string(from) + ">\n" +
                       "Delivered-To: " + std::string(to) + "\n";
    text.reserve(text.size() + message.size());
    for (size_t i = 0; i < message.size(); ++i) {
      if (message[i] == '\r' && i + 1 < message.size() &&
          message[i + 1] == '\n') {
        continue;
      }
      text += message[i];
    }
    LK_ASSIGN_OR_RETURN(const std::string name, UniqueName());
    const std::string tmp = dir_ + "/tmp/" + name;
    const std::string dest = dir_ + "/new/" + name;
    const int fd =
        ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return IoError(Errno("cannot create " + tmp));
    Status written = WriteAll(fd, text, tmp);
    if (written.ok() && ::fsync(fd) != 0) {
      written = IoError(Errno("cannot sync " + tmp));
    }
    if (::close(fd) != 0 && written.ok()) {
      written = IoError(Errno("cannot close " + tmp));
    }
    if (written.ok() && ::rename(tmp.c_str(), dest.c_str()) != 0) {
      written = IoError(Errno("cannot rename " + tmp + " to " + dest));
    }
    if (!written.ok()) {
      ::unlink(tmp.c_str());
      return written;
    }
    const std::string new_dir = dir_ + "/new";
    const int dfd = ::open(new_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
      ::fsync(dfd);
      ::close(dfd);
    }
    return Status::Ok();
  }

  std::string Describe() const override { return "maildir:" + dir_; }

 private:
  // time.M<micros>P<pid>Q<count>R<random>.<host>: unique across processes
  // and hosts sharing the directory, as the maildir convention asks.
  Result<std::string> UniqueName() {
    uint8_t rnd[8];
    LK_RETURN_IF_ERROR(SystemRandom::Shared().Fill(rnd));
    const int64_t micros = SystemClock::Shared().NowUnixMicros();
    char host[256] = "localhost";
    ::gethostname(host, sizeof host - 1);
    std::string safe_host;
    for (const char* c = host; *c != '\0'; ++c) {
      safe_host += (*c == '/' || *c == ':') ? '_' : *c;
    }
    return std::to_string(micros / 1'000'000) + ".M" +
           std::to_string(micros % 1'000'000) + "P" +
           std::to_string(::getpid()) + "Q" +
           std::to_string(count_.fetch_add(1) + 1) + "R" +
           HexEncode(std::string_view(reinterpret_cast<char*>(rnd), 8)) + "." +
           safe_host;
  }

  std::string dir_;
  std::atomic<uint64_t> count_{0};
};

}  // namespace

Result<std::unique_ptr<MailTransport>> MakeMaildirTransport(
    std::string_view dir) {
  std::string d(dir);
  while (d.size() > 1 && d.back() == '/') d.pop_back();
  return std::unique_ptr<MailTransport>(new MaildirTransport(std::move(d)));
}

}  // namespace latchkey::internal
