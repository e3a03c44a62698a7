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
#include <optional>
#include <string>
#include <string_view>

#include "crypto/password_hash_internal.h"

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
// Then, within those, refuses (as "needs reset") costs above the caps.
Status CheckCryptCost(std::string_view stored, const CostCaps& caps) {
  if (stored.size() >= 7 && stored[0] == '$' && stored[1] == '2' &&
      stored[3] == '$') {
    const auto cost = LeadingNumber(stored.substr(4));
    if (cost && *cost > kBcryptMaxCost) {
      return InvalidArgument("bcrypt cost above " +
                             std::to_string(kBcryptMaxCost) + " refused");
    }
    if (cost && *cost > caps.bcrypt_cost) {
      return AboveCap("bcrypt cost above " + std::to_string(caps.bcrypt_cost));
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
    if (*rounds > caps.sha512crypt_rounds) {
      return AboveCap("sha512crypt rounds above " +
                      std::to_string(caps.sha512crypt_rounds));
    }
  }
  return Status::Ok();
}

// The index of `c` in crypt(3)'s alphabet "./0-9A-Za-z", or -1.
int Itoa64Index(char c) {
  if (c == '.') return 0;
  if (c == '/') return 1;
  if (c >= '0' && c <= '9') return c - '0' + 2;
  if (c >= 'A' && c <= 'Z') return c - 'A' + 12;
  if (c >= 'a' && c <= 'z') return c - 'a' + 38;
  return -1;
}

// One of yescrypt's variable-length numbers, consumed from the front of
// `s`: a first character below index 48 is the whole value (plus `min`);
// each higher range of first characters adds one more 6-bit character.
std::optional<uint64_t> TakeYescryptNumber(std::string_view& s, uint64_t min) {
  if (s.empty()) return std::nullopt;
  const int first = Itoa64Index(s.front());
  if (first < 0) return std::nullopt;
  s.remove_prefix(1);
  uint64_t value = min;
  uint32_t start = 0, end = 47, more = 0, bits = 0;
  while (static_cast<uint32_t>(first) > end) {
    value += static_cast<uint64_t>(end + 1 - start) << bits;
    start = end + 1;
    end = start + (62 - end) / 2;
    ++more;
    bits += 6;
  }
  value += static_cast<uint64_t>(first - start) << bits;
  for (; more > 0; --more) {
    if (s.empty()) return std::nullopt;
    const int next = Itoa64Index(s.front());
    if (next < 0) return std::nullopt;
    s.remove_prefix(1);
    bits -= 6;
    value += static_cast<uint64_t>(next) << bits;
  }
  return value;
}

// "$y$" flavor N_log2 r [have [p] [t] [g] [NROM_log2]] "$": crypt(3) would
// run a stored hash with N = 2^40 or t = 10^6 until it runs out of memory
// or for days. The bounds are the ones Argon2id's parameters get.
Status CheckYescryptCost(std::string_view stored, const CostCaps& caps) {
  if (stored.substr(0, 3) != "$y$") return Status::Ok();
  const Status malformed = InvalidArgument("malformed yescrypt parameters");
  std::string_view s = stored.substr(3);
  const std::optional<uint64_t> flavor = TakeYescryptNumber(s, 0);
  const std::optional<uint64_t> n_log2 = TakeYescryptNumber(s, 1);
  const std::optional<uint64_t> r = TakeYescryptNumber(s, 1);
  if (!flavor || !n_log2 || !r) return malformed;
  uint64_t p = 1, t = 0;
  if (!s.empty() && s.front() != '$') {
    const std::optional<uint64_t> have = TakeYescryptNumber(s, 1);
    if (!have || *have > 15) return malformed;
    std::optional<uint64_t> field;
    if ((*have & 1) != 0) {
      if (!(field = TakeYescryptNumber(s, 2))) return malformed;
      p = *field;
    }
    if ((*have & 2) != 0) {
      if (!(field = TakeYescryptNumber(s, 1))) return malformed;
      t = *field;
    }
    for (uint64_t bit : {uint64_t{4}, uint64_t{8}}) {  // g, NROM: no cost
      if ((*have & bit) != 0 && !TakeYescryptNumber(s, 1)) return malformed;
    }
  }
  if (s.empty() || s.front() != '$') return malformed;
  // 128 * r * p bytes per N: at most 4 GiB in all.
  constexpr uint64_t kMaxBytes = uint64_t{4} << 30;
  const bool too_costly = *n_log2 > 32 || *r > (uint64_t{1} << 24) ||
                          p > kArgon2MaxParallelism || t > kArgon2MaxTime ||
                          (128 * *r * p) > (kMaxBytes >> *n_log2);
  if (too_costly) {
    return InvalidArgument("yescrypt cost above 4 GiB of memory, " +
                           std::to_string(kArgon2MaxTime) + " passes or " +
                           std::to_string(kArgon2MaxParallelism) +
                           " lanes refused");
  }
  if ((128 * *r * p) > (caps.yescrypt_bytes >> *n_log2) ||
      t > caps.yescrypt_time) {
    return AboveCap("yescrypt cost above " +
                    std::to_string(caps.yescrypt_bytes >> 20) + " MiB or " +
                    std::to_string(caps.yescrypt_time) + " extra passes");
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

Result<bool> VerifyCrypt(std::string_view password, std::string_view stored,
                         const CostCaps& caps) {
  if (stored.size() >= CRYPT_OUTPUT_SIZE ||
      stored.find('\0') != std::string_view::npos) {
    return InvalidArgument("malformed crypt(3) hash");
  }
  LK_RETURN_IF_ERROR(CheckCryptCost(stored, caps));
  LK_RETURN_IF_ERROR(CheckYescryptCost(stored, caps));
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
