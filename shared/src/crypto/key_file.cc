#include "latchkey/crypto/key_file.h"

#include <sys/stat.h>

#include <span>
#include <string_view>

#include "base/atomic_file.h"
#include "latchkey/base/secret.h"

namespace latchkey {

Status WriteSecretKeyFile(const std::string& path, Random& random,
                          bool overwrite) {
  if (path.empty()) return InvalidArgument("the key file path is empty");
  struct stat st {};
  if (!overwrite && ::lstat(path.c_str(), &st) == 0) {
    return AlreadyExists(path + " exists");
  }
  Secret key = Secret::OfSize(kSecretKeyBytes);
  LK_RETURN_IF_ERROR(random.Fill(std::span<uint8_t>(
      reinterpret_cast<uint8_t*>(key.mutable_data()), key.size())));
  // A key that appeared since the check above is never replaced.
  return internal::WriteFileAtomically(
      path, key.view(), 0600,
      overwrite ? internal::IfExists::kReplace : internal::IfExists::kFail);
}

}  // namespace latchkey
