// PasswordPolicy: our own limits first (code points, NUL, UTF-8, username and
// email), then libpwquality with the system's /etc/security/pwquality.conf.
// libpwquality's dictionary check reads cracklib's dictionary
// (cracklib-runtime); without it every password fails that check.
#include "latchkey/auth/password_policy.h"

#include <pwquality.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "latchkey/base/field_errors.h"
#include "latchkey/base/secret.h"
#include "latchkey/base/strings.h"

namespace latchkey {
namespace {

constexpr size_t kMinUsernameMatch = 3;
constexpr size_t kMinEmailMatch = 4;
// Case-insensitive (ASCII) containment. `password_lower` is already lowered.
bool Contains(std::string_view password_lower, std::string_view needle) {
  return password_lower.find(AsciiLower(needle)) != std::string_view::npos;
}

// A NUL-terminated copy that is wiped when it goes away.
Secret CString(std::string_view s) {
  Secret out = Secret::OfSize(s.size() + 1);
  if (!s.empty()) std::memcpy(out.mutable_data(), s.data(), s.size());
  return out;
}

// libpwquality's own text, for errors of the library itself (these go to
// the operator's log, not to a person choosing a password).
std::string PwqMessage(int code, void* aux) {
  char buf[PWQ_MAX_ERROR_MESSAGE_LEN];
  // pwquality_strerror also frees `aux`.
  const char* text = pwquality_strerror(buf, sizeof(buf), code, aux);
  if (text == nullptr || *text == '\0')
    return "The password is not acceptable.";
  return Sentence(text);
}

// Codes that say something went wrong in the library, not in the password.
bool IsLibraryFailure(int code) {
  switch (code) {
    case PWQ_ERROR_FATAL_FAILURE:
    case PWQ_ERROR_INTEGER:
    case PWQ_ERROR_CFGFILE_OPEN:
    case PWQ_ERROR_CFGFILE_MALFORMED:
    case PWQ_ERROR_UNKNOWN_SETTING:
    case PWQ_ERROR_NON_INT_SETTING:
    case PWQ_ERROR_NON_STR_SETTING:
    case PWQ_ERROR_MEM_ALLOC:
    case PWQ_ERROR_RNG:
    case PWQ_ERROR_GENERATION_FAILED:
      return true;
    default:
      return false;
  }
}

struct PwqDeleter {
  void operator()(pwquality_settings_t* p) const { pwquality_free_settings(p); }
};

Status CheckWithPwquality(std::string_view password, std::string_view username,
                          std::string_view old_password) {
  // Fresh settings per call: no state shared between threads, and an edit of
  // pwquality.conf takes effect without a restart.
  std::unique_ptr<pwquality_settings_t, PwqDeleter> pwq(
      pwquality_default_settings());
  if (!pwq) return Internal("libpwquality: out of memory");
  void* aux = nullptr;
  const int read_rc = pwquality_read_config(pwq.get(), nullptr, &aux);
  if (read_rc == PWQ_ERROR_CFGFILE_OPEN) {
    PwqMessage(read_rc, aux);  // no file: the library's defaults apply
  } else if (read_rc != 0) {
    return Internal("cannot read the password quality configuration: " +
                    PwqMessage(read_rc, aux));
  }

  const Secret pw = CString(password);
  const Secret old = CString(old_password);
  const std::string user(username);
  aux = nullptr;
  // cracklib's dictionary lookup (under pwquality_check) does not document
  // itself as thread-safe, and the portal checks passwords on several
  // threads at once: serialise the check. It takes well under a millisecond.
  static std::mutex cracklib_mutex;
  int rc = 0;
  {
    std::lock_guard<std::mutex> lock(cracklib_mutex);
    rc = pwquality_check(pwq.get(), pw.view().data(),
                         old_password.empty() ? nullptr : old.view().data(),
                         username.empty() ? nullptr : user.c_str(), &aux);
  }
  if (rc >= 0) return Status::Ok();  // a score 0..100
  // pwquality_strerror frees `aux` either way.
  std::string message = PwqMessage(rc, aux);
  if (IsLibraryFailure(rc)) return Internal("libpwquality: " + message);
  return InvalidArgument(PwqualityRefusal(rc));
}

}  // namespace

std::string PasswordRules(const SecurityConfig& config) {
  std::string out = "Use " + std::to_string(config.min_password_length) +
                    " to " + std::to_string(config.max_password_length) +
                    " characters. Not your username or email address";
  out += config.pwquality ? ", and not a common password." : ".";
  return out;
}

std::string PwqualityRefusal(int code) {
  switch (code) {
    case PWQ_ERROR_TOO_SIMILAR:
      return "The new password is too similar to the old one.";
    case PWQ_ERROR_SAME_PASSWORD:
      return "The new password must differ from the old one.";
    case PWQ_ERROR_CASE_CHANGES_ONLY:
      return "The new password must differ from the old one by more than "
             "changes of case.";
    case PWQ_ERROR_ROTATED:
      return "The new password must not be the old one rotated.";
    case PWQ_ERROR_MIN_DIGITS:
      return "The password needs more digits.";
    case PWQ_ERROR_MIN_UPPERS:
      return "The password needs more upper-case letters.";
    case PWQ_ERROR_MIN_LOWERS:
      return "The password needs more lower-case letters.";
    case PWQ_ERROR_MIN_OTHERS:
      return "The password needs more characters that are neither letters "
             "nor digits.";
    case PWQ_ERROR_MIN_CLASSES:
      return "The password needs more kinds of characters: lower-case and "
             "upper-case letters, digits, others.";
    case PWQ_ERROR_MIN_LENGTH:
      return "The password is shorter than this system allows.";
    case PWQ_ERROR_EMPTY_PASSWORD:
      return "Enter a password.";
    case PWQ_ERROR_PALINDROME:
      return "The password must not read the same backwards.";
    case PWQ_ERROR_MAX_CONSECUTIVE:
      return "The password repeats one character too many times in a row.";
    case PWQ_ERROR_MAX_CLASS_REPEAT:
      return "The password has too many characters of one kind in a row.";
    case PWQ_ERROR_MAX_SEQUENCE:
      return "The password contains too long a sequence, such as 12345 or "
             "abcde.";
    case PWQ_ERROR_CRACKLIB_CHECK:
      return "The password is too common or based on a dictionary word.";
    case PWQ_ERROR_USER_CHECK:
      return "The password must not contain the username.";
    case PWQ_ERROR_GECOS_CHECK:
      return "The password must not contain your name.";
    case PWQ_ERROR_BAD_WORDS:
      return "The password contains a word that is not allowed.";
    default:
      return "The password is not acceptable.";
  }
}

PasswordPolicy::PasswordPolicy(const SecurityConfig& config)
    : config_(config) {}

Status PasswordPolicy::Check(std::string_view password,
                             std::string_view username, std::string_view email,
                             std::string_view old_password) const {
  if (password.find('\0') != std::string_view::npos) {
    return InvalidArgument("The password must not contain a NUL character.");
  }
  const long length = Utf8Length(password);
  if (length < 0) {
    return InvalidArgument("The password must be valid UTF-8 text.");
  }
  if (static_cast<unsigned long>(length) < config_.min_password_length) {
    return InvalidArgument("The password must be at least " +
                           std::to_string(config_.min_password_length) +
                           " characters long.");
  }
  if (static_cast<unsigned long>(length) > config_.max_password_length) {
    return InvalidArgument("The password must be at most " +
                           std::to_string(config_.max_password_length) +
                           " characters long.");
  }
  if (!old_password.empty() && ConstantTimeEquals(password, old_password)) {
    return InvalidArgument("The new password must differ from the old one.");
  }

  std::string lower = AsciiLower(password);
  const bool has_username =
      username.size() >= kMinUsernameMatch && Contains(lower, username);
  bool has_email = false;
  if (!email.empty()) {
    const size_t at = email.rfind('@');
    const std::string_view local =
        at == std::string_view::npos ? email : email.substr(0, at);
    // "alice+shop@example.org": "alice" gives the owner away as well.
    const std::string_view base = local.substr(0, local.find('+'));
    has_email = (local.size() >= kMinEmailMatch && Contains(lower, local)) ||
                (base.size() >= kMinEmailMatch && Contains(lower, base));
  }
  WipeString(lower);
  if (has_username) {
    return InvalidArgument("The password must not contain the username.");
  }
  if (has_email) {
    return InvalidArgument("The password must not contain the email address.");
  }

  if (!config_.pwquality) return Status::Ok();
  return CheckWithPwquality(password, username, old_password);
}

}  // namespace latchkey
