// The name rule both nss-sync and FilterNssMap apply. Private to
// liblatchkey_core.
#ifndef LATCHKEY_SRC_NSS_NSS_NAMES_H_
#define LATCHKEY_SRC_NSS_NSS_NAMES_H_

#include <optional>
#include <string>
#include <string_view>

#include "base/passwd_files.h"

namespace latchkey::nss_internal {

// Why `name` cannot have a passwd entry here, or nullopt if it can. Only
// the operating system's names count as reserved here: an account whose
// name was reserved after it was made keeps working (doctor lists it).
std::optional<std::string> NameProblem(std::string_view name,
                                       const LocalAccounts& local);

// A name or other untrusted value for a message: cut to 64 bytes, with
// control characters as '?'.
std::string Shown(std::string_view name);

}  // namespace latchkey::nss_internal

#endif  // LATCHKEY_SRC_NSS_NSS_NAMES_H_
