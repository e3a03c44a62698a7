// One-time recovery codes (declared in totp.h).
#include <openssl/crypto.h>

#include <array>
#include <cstdint>
#include <string>

#include "latchkey/crypto/totp.h"

namespace latchkey {
namespace {

// Digits 2-9 and lower-case letters without i, l and o: 0/o, 1/l/i are the
// pairs people misread on paper. 31 symbols, so 12 of them carry
// 12 * log2(31) ~ 59.4 bits.
constexpr std::string_view kAlphabet = "23456789abcdefghjkmnpqrstuvwxyz";
static_assert(kAlphabet.size() == 31);
constexpr size_t kSymbols = 12;
constexpr size_t kGroup = 4;
// Random bytes at or above this are thrown away, so `byte % 31` is uniform
// (248 = 8 * 31).
constexpr unsigned kAcceptBelow = 256 - 256 % kAlphabet.size();
constexpr int kMaxCount = 100;

}  // namespace

Result<std::vector<Secret>> GenerateRecoveryCodes(Random& random, int count) {
  if (count < 0 || count > kMaxCount) {
    return InvalidArgument("recovery code count must be 0..100");
  }
  std::vector<Secret> codes;
  codes.reserve(static_cast<size_t>(count));
  // "xxxx-xxxx-xxxx": 12 symbols and 2 dashes.
  std::array<char, kSymbols + kSymbols / kGroup - 1> code{};
  std::array<uint8_t, 32> pool{};
  size_t used = pool.size();  // refill on first use
  for (int i = 0; i < count; ++i) {
    size_t pos = 0;
    for (size_t n = 0; n < kSymbols;) {
      if (used == pool.size()) {
        const Status s = random.Fill(pool);
        if (!s.ok()) {
          OPENSSL_cleanse(code.data(), code.size());
          OPENSSL_cleanse(pool.data(), pool.size());
          return s;
        }
        used = 0;
      }
      const uint8_t b = pool[used++];
      if (b >= kAcceptBelow) continue;
      if (n > 0 && n % kGroup == 0) code[pos++] = '-';
      code[pos++] = kAlphabet[b % kAlphabet.size()];
      ++n;
    }
    codes.emplace_back(std::string_view(code.data(), code.size()));
  }
  OPENSSL_cleanse(code.data(), code.size());
  OPENSSL_cleanse(pool.data(), pool.size());
  return codes;
}

Secret NormalizeRecoveryCode(std::string_view code) {
  Secret out = Secret::OfSize(code.size());
  size_t n = 0;
  for (const char c : code) {
    if (c == ' ' || c == '-') continue;
    out.mutable_data()[n++] =
        (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  Secret trimmed(std::string_view(out.view().data(), n));
  return trimmed;
}

}  // namespace latchkey
