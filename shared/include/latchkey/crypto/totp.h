// TOTP (RFC 6238) through liboath, plus one-time recovery codes.
#ifndef LATCHKEY_CRYPTO_TOTP_H_
#define LATCHKEY_CRYPTO_TOTP_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "latchkey/base/random.h"
#include "latchkey/base/result.h"
#include "latchkey/base/secret.h"
#include "latchkey/config/config.h"

namespace latchkey {

enum class TotpCheck {
  kAccepted,  // a code within the window, for a step after last_step
  kWrong,     // no step in the window matches
  kReplayed,  // matches a step at or before last_step: refused
};

struct TotpVerdict {
  TotpCheck check = TotpCheck::kWrong;
  int64_t step = 0;  // the matching step when kAccepted or kReplayed
};

class Totp {
 public:
  // digits, period and window from the config; the HMAC is SHA-1 (what
  // authenticator apps expect). A period of 0 is treated as 30.
  explicit Totp(const TotpConfig& config);

  // A new 20-byte (160-bit) key.
  Result<Secret> GenerateKey(Random& random) const;

  // The code for `unix_time`. Errors: InvalidArgument for digits outside
  // 6..8, an empty key or a time before 1970; Internal if liboath fails.
  Result<std::string> CodeAt(const Secret& key, int64_t unix_time) const;

  // Checks `code` (digits only; spaces are ignored) against steps
  // now-window..now+window. `last_step` is the last step accepted for this
  // user: a match at or before it is kReplayed (a fresh match wins over a
  // replayed one). Anything but exactly `digits` ASCII digits is kWrong.
  // Every step in the window is compared in constant time. The caller must
  // store the new step atomically (see UserStore) so two racing uses give
  // one success.
  TotpVerdict Verify(const Secret& key, std::string_view code,
                     int64_t unix_time, std::optional<int64_t> last_step) const;

  // otpauth://totp/ISSUER:ACCOUNT?secret=BASE32&issuer=ISSUER&algorithm=SHA1
  // &digits=D&period=P, with issuer and account percent-encoded.
  std::string OtpauthUri(std::string_view account, const Secret& key) const;

  int64_t StepAt(int64_t unix_time) const;

 private:
  TotpConfig config_;
};

inline constexpr int kRecoveryCodeCount = 10;

// Ten codes such as "k7qm-2xhd-9cpt" (lower-case base32 minus look-alike
// characters, ~60 bits each), shown to the user once. The alphabet is
// "23456789abcdefghjkmnpqrstuvwxyz" (no 0/o, 1/l/i), drawn uniformly by
// rejection sampling. Errors: InvalidArgument if count is not 0..100; the
// Random's error if it fails.
Result<std::vector<Secret>> GenerateRecoveryCodes(
    Random& random, int count = kRecoveryCodeCount);

// The form in which a code is compared and hashed: lower-case, with spaces
// and dashes removed, so "K7QM 2XHD 9CPT" matches.
Secret NormalizeRecoveryCode(std::string_view code);

}  // namespace latchkey

#endif  // LATCHKEY_CRYPTO_TOTP_H_
