#include "latchkey/nss/name_on_host.h"

#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "base/passwd_files.h"

namespace latchkey {
namespace {

// What getpwnam_r says about `name`: found (with its uid), not found, or an
// error. glibc reports "no entry" as 0 with no result; the man page lists
// ENOENT, ESRCH, EBADF and EPERM as what some NSS modules return instead.
struct NssLookup {
  bool found = false;
  int64_t uid = 0;
  int error = 0;
};

NssLookup LookUpNss(const std::string& name) {
  NssLookup out;
  long hint = sysconf(_SC_GETPW_R_SIZE_MAX);
  std::vector<char> buf(hint > 0 ? static_cast<size_t>(hint) : 4096);
  for (;;) {
    struct passwd pw {};
    struct passwd* result = nullptr;
    const int rc =
        getpwnam_r(name.c_str(), &pw, buf.data(), buf.size(), &result);
    if (rc == ERANGE && buf.size() < 1024 * 1024) {
      buf.resize(buf.size() * 2);
      continue;
    }
    if (rc == 0 && result != nullptr) {
      out.found = true;
      out.uid = static_cast<int64_t>(result->pw_uid);
      return out;
    }
    if (rc == 0 || rc == ENOENT || rc == ESRCH || rc == EBADF || rc == EPERM) {
      return out;
    }
    out.error = rc;
    return out;
  }
}

}  // namespace

NameOnHost CheckNameOnHost(std::string_view name, const NssConfig& nss) {
  NameOnHost out;
  if (!CheckUsernameForm(name).ok()) {
    out.kind = NameOnHost::Kind::kInvalid;
    out.reason = "not a valid latchkey username";
    return out;
  }
  const Result<bool> local =
      nss_internal::PasswdFileHasUser(nss.local_passwd_file, name);
  if (!local.ok()) {
    out.kind = NameOnHost::Kind::kUnknowable;
    out.reason = local.status().message();
    return out;
  }
  if (*local) {
    out.kind = NameOnHost::Kind::kLocal;
    out.reason = "a local account of " + nss.local_passwd_file;
    return out;
  }
  const NssLookup entry = LookUpNss(std::string(name));
  if (entry.error != 0) {
    out.kind = NameOnHost::Kind::kUnknowable;
    out.reason =
        std::string("NSS lookup failed: ") + std::strerror(entry.error);
    return out;
  }
  if (entry.found && (entry.uid < nss.uid_min || entry.uid > nss.uid_max)) {
    out.kind = NameOnHost::Kind::kForeignUid;
    out.reason = "NSS gives it uid " + std::to_string(entry.uid) +
                 ", outside [nss] uid_min..uid_max";
    return out;
  }
  out.kind = NameOnHost::Kind::kCandidate;
  if (entry.found) out.nss_uid = entry.uid;
  return out;
}

bool HoldsHostUid(const User& user, std::optional<int64_t> nss_uid) {
  return !nss_uid || user.uid == nss_uid;
}

}  // namespace latchkey
