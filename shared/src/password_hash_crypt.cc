// crypt(3) hashes ($y$, $6$, $2b$/$2y$/$2a$) through libxcrypt's crypt_rn,
// which is thread-safe because all its state lives in the caller's
// struct crypt_data.
//
// bcrypt only ever reads the first 72 bytes of a password: that is the
// format, and verifying a $2b$ hash inherits it. Such hashes are replaced by
// Argon2id at the next successful login (NeedsRehash), and the limit goes
// with them.
#include <crypt.h>
#include <openssl/crypto.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "password_hash_internal.h"

namespace latchkey::hash_internal {
namespace {

struct CryptDataDeleter {
  void operator()(crypt_data* d) const {
    OPENSSL_cleanse(d, sizeof(*d));
    delete d;
  }
};

// The digits at the start of `s`, as a number; nullopt if there are none or
// if they do not fit comfortably in 64 bits.
std::optional<uint64_t> LeadingNumber(std::string_view s) {
  uint64_t v = 0;
  size_t i = 0;
  for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
    if (i >= 18) return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(s[i] - '0');
  }
  if (i == 0) return std::nullopt;
  return v;
}

// Refuses costs that would tie up a CPU for minutes. crypt(3) itself accepts
// bcrypt cost 31 (hours) and sha512crypt rounds up to 999,999,999.
Status CheckCryptCost(std::string_view stored) {
  if (stored.size() >= 7 && stored[0] == '$' && stored[1] == '2' &&
      stored[3] == '$') {
    const auto cost = LeadingNumber(stored.substr(4));
    if (cost && *cost > kBcryptMaxCost) {
      return InvalidArgument("bcrypt cost above " +
                             std::to_string(kBcryptMaxCost) + " refused");
    }
  }
  constexpr std::string_view kRounds = "$6$rounds=";
  if (stored.substr(0, kRounds.size()) == kRounds) {
    const auto rounds = LeadingNumber(stored.substr(kRounds.size()));
    if (!rounds || *rounds > kSha512CryptMaxRounds) {
      return InvalidArgument("sha512crypt rounds above " +
                             std::to_string(kSha512CryptMaxRounds) +
                             " refused");
    }
  }
  return Status::Ok();
}

// The part of a crypt string that is not the hash: the first 29 characters
// for bcrypt ("$2b$NN$" and 22 of salt), else up to the last '$'.
std::string_view SettingPart(std::string_view s) {
  if (s.size() >= 4 && s[0] == '$' && s[1] == '2' && s[3] == '$') {
    return s.substr(0, std::min<size_t>(s.size(), 29));
  }
  const size_t last = s.rfind('$');
  return last == std::string_view::npos ? s : s.substr(0, last + 1);
}

}  // namespace

Result<bool> VerifyCrypt(std::string_view password, std::string_view stored) {
  if (stored.size() >= CRYPT_OUTPUT_SIZE ||
      stored.find('\0') != std::string_view::npos) {
    return InvalidArgument("malformed crypt(3) hash");
  }
  LK_RETURN_IF_ERROR(CheckCryptCost(stored));
  // crypt(3) cannot take a longer passphrase, so no crypt hash can be of one.
  if (password.size() >= CRYPT_MAX_PASSPHRASE_SIZE) return false;

  // crypt(3) reads a C string and would stop at a NUL, so "a\0b" would
  // match the hash of "a". We still run it (same work) but never accept.
  const bool has_nul = password.find('\0') != std::string_view::npos;
  Secret phrase = Secret::OfSize(password.size() + 1);
  std::memcpy(phrase.mutable_data(), password.data(), password.size());
  const std::string setting(stored);

  // Value-initialised: crypt_rn wants a zeroed struct on first use.
  std::unique_ptr<crypt_data, CryptDataDeleter> data(new crypt_data());
  errno = 0;
  const char* out = crypt_rn(phrase.view().data(), setting.c_str(), data.get(),
                             static_cast<int>(sizeof(crypt_data)));
  if (out == nullptr || out[0] == '*') {
    if (errno == ENOMEM) return Internal("crypt(3) ran out of memory");
    return InvalidArgument("malformed or unsupported crypt(3) hash");
  }
  const std::string_view computed(out);
  // Lengths and salts are public; a mismatch there means the stored string
  // is truncated, padded or has a salt crypt(3) would not have produced.
  if (computed.size() != stored.size() ||
      SettingPart(computed) != SettingPart(stored)) {
    return InvalidArgument("malformed crypt(3) hash");
  }
  const bool match = ConstantTimeEquals(computed, stored);
  return match && !has_nul;
}

}  // namespace latchkey::hash_internal
