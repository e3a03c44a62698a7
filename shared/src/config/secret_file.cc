// ReadSecretFile / ReadSecretKey: secrets read straight into Secret buffers,
// never through a std::string that would leave a copy behind.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "config/config_file.h"
#include "latchkey/base/encoding.h"
#include "latchkey/config/config.h"

namespace latchkey {
namespace {

using config_internal::OctalMode;

// Passwords and keys are short; anything bigger is the wrong file.
constexpr size_t kMaxSecretBytes = 64 * 1024;
constexpr size_t kKeyBytes = 32;

// `s` without one trailing "\n" or "\r\n".
std::string_view WithoutNewline(std::string_view s) {
  if (s.ends_with("\r\n")) return s.substr(0, s.size() - 2);
  if (s.ends_with('\n')) return s.substr(0, s.size() - 1);
  return s;
}

// Takes a decoded key if it has the right length; wipes the decoder's
// buffer either way.
std::optional<Secret> TakeKey(std::optional<std::string> decoded) {
  if (!decoded) return std::nullopt;
  std::optional<Secret> out;
  if (decoded->size() == kKeyBytes) {
    out = Secret::Take(*decoded);
  } else {
    WipeString(*decoded);
  }
  return out;
}

bool IsHex(std::string_view s) {
  for (const char c : s) {
    const bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
                    (c >= 'A' && c <= 'F');
    if (!ok) return false;
  }
  return true;
}

}  // namespace

Result<Secret> ReadSecretFile(const std::string& path, bool strip_newline) {
  config_internal::Fd fd;
  struct stat st {};
  LK_RETURN_IF_ERROR(config_internal::OpenRegularFile(path, fd, st));
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    return PermissionDenied(
        path +
        ": refusing a secret file that group or others can access (mode " +
        OctalMode(st.st_mode) + "): chmod go-rwx " + path);
  }
  // A file someone else owns is theirs to change: they could swap the key.
  const uid_t reader = ::geteuid();
  if (st.st_uid != reader) {
    return PermissionDenied(
        path + ": refusing a secret file owned by uid " +
        std::to_string(st.st_uid) + " (mode " + OctalMode(st.st_mode) +
        "); it must belong to the user that reads it (uid " +
        std::to_string(reader) + "): chown " + std::to_string(reader) + " " +
        path);
  }

  // One byte of slack tells "exactly the limit" from "too big".
  Secret buf = Secret::OfSize(kMaxSecretBytes + 1);
  size_t used = 0;
  while (used < buf.size()) {
    const ssize_t n =
        ::read(fd.get(), buf.mutable_data() + used, buf.size() - used);
    if (n < 0) {
      if (errno == EINTR) continue;
      return config_internal::ReadError(path, errno);
    }
    if (n == 0) break;
    used += static_cast<size_t>(n);
  }
  if (used > kMaxSecretBytes) {
    return InvalidArgument(path + ": larger than 64 KiB, not a secret file");
  }
  std::string_view content = buf.view().substr(0, used);
  if (strip_newline) content = WithoutNewline(content);
  return Secret(content);  // `buf` is wiped when it goes out of scope
}

Result<Secret> ReadSecretKey(const std::string& path) {
  Result<Secret> file = ReadSecretFile(path, /*strip_newline=*/false);
  if (!file.ok()) return file.status();
  const std::string_view content = file->view();

  // Raw bytes, possibly followed by "\n". Only "\n": a raw key may end in '\r'.
  if (content.size() == kKeyBytes) return Secret(content);
  if (content.size() == kKeyBytes + 1 && content.back() == '\n') {
    return Secret(content.substr(0, kKeyBytes));
  }
  const std::string_view text = WithoutNewline(content);
  if (text.size() == 2 * kKeyBytes && IsHex(text)) {
    if (std::optional<Secret> key = TakeKey(HexDecode(text)))
      return std::move(*key);
  }
  // Base64 of 32 bytes is 44 characters with padding, 43 without.
  if (text.size() == 44 || text.size() == 43) {
    if (std::optional<Secret> key = TakeKey(Base64Decode(text)))
      return std::move(*key);
  }
  return InvalidArgument(
      path +
      ": the secret key must be 32 bytes (raw, hex or base64); run "
      "latchkeyctl gen-key");
}

}  // namespace latchkey
