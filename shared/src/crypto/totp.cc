#include "latchkey/crypto/totp.h"

#include <liboath/oath.h>
#include <openssl/crypto.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <ctime>
#include <limits>
#include <string>

#include "latchkey/base/encoding.h"

namespace latchkey {
namespace {

constexpr size_t kKeyBytes = 20;
constexpr uint32_t kDefaultPeriod = 30;
constexpr uint32_t kMinDigits = 6;
constexpr uint32_t kMaxDigits = 8;
// Far more than any sane window; bounds the work an odd config can cause.
constexpr int64_t kMaxWindow = 10;

// oath_init is process-wide and idempotent; a function-local static runs it
// exactly once even under concurrent first use. oath_done is never called:
// other code in the host process (another PAM module) may be using liboath.
int OathInit() {
  static const int rc = oath_init();
  return rc;
}

// RFC 3986 unreserved characters pass through; everything else is %XX.
std::string PercentEncode(std::string_view s) {
  static constexpr char kHexUpper[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (const char c : s) {
    const auto b = static_cast<uint8_t>(c);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
        (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
        c == '~') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHexUpper[b >> 4]);
      out.push_back(kHexUpper[b & 15]);
    }
  }
  return out;
}

}  // namespace

Totp::Totp(const TotpConfig& config) : config_(config) {
  // A zero period has no meaning and would divide by zero; the config
  // parser rejects it, this only keeps a hand-built config safe.
  if (config_.period == 0) config_.period = kDefaultPeriod;
}

Result<Secret> Totp::GenerateKey(Random& random) const {
  Secret key = Secret::OfSize(kKeyBytes);
  LK_RETURN_IF_ERROR(random.Fill(std::span<uint8_t>(
      reinterpret_cast<uint8_t*>(key.mutable_data()), key.size())));
  return key;
}

int64_t Totp::StepAt(int64_t unix_time) const {
  const auto p = static_cast<int64_t>(config_.period);
  // Floor division, also for times before the epoch.
  int64_t q = unix_time / p;
  if (unix_time % p != 0 && unix_time < 0) --q;
  return q;
}

Result<std::string> Totp::CodeAt(const Secret& key, int64_t unix_time) const {
  if (config_.digits < kMinDigits || config_.digits > kMaxDigits) {
    return InvalidArgument("totp digits must be 6..8");
  }
  if (key.empty()) return InvalidArgument("empty totp key");
  if (unix_time < 0) return InvalidArgument("totp time before the epoch");
  if (const int rc = OathInit(); rc != OATH_OK) {
    return Internal(std::string("oath_init: ") + oath_strerror(rc));
  }
  std::array<char, kMaxDigits + 1> buf{};
  const int rc = oath_totp_generate2(
      key.view().data(), key.size(), static_cast<time_t>(unix_time),
      config_.period, OATH_TOTP_DEFAULT_START_TIME, config_.digits,
      /*flags=SHA-1*/ 0, buf.data());
  if (rc != OATH_OK) {
    return Internal(std::string("oath_totp_generate2: ") + oath_strerror(rc));
  }
  std::string code(buf.data(), config_.digits);
  OPENSSL_cleanse(buf.data(), buf.size());
  return code;
}

TotpVerdict Totp::Verify(const Secret& key, std::string_view code,
                         int64_t unix_time,
                         std::optional<int64_t> last_step) const {
  TotpVerdict verdict;
  std::string typed;
  typed.reserve(code.size());
  for (const char c : code) {
    if (c == ' ') continue;
    if (c < '0' || c > '9') return verdict;  // kWrong
    typed.push_back(c);
  }
  if (typed.size() != config_.digits) return verdict;

  const int64_t now_step = StepAt(unix_time);
  const int64_t window =
      std::min<int64_t>(static_cast<int64_t>(config_.window), kMaxWindow);
  const auto period = static_cast<int64_t>(config_.period);
  // Every step in the window is computed and compared (no early exit), so
  // the time taken does not tell which step matched.
  std::optional<int64_t> fresh;     // earliest match after last_step
  std::optional<int64_t> replayed;  // latest match at or before last_step
  for (int64_t step = now_step - window; step <= now_step + window; ++step) {
    if (step < 0 || step > std::numeric_limits<int64_t>::max() / period) {
      continue;
    }
    auto expected = CodeAt(key, step * period);
    if (!expected.ok()) continue;
    const bool match = ConstantTimeEquals(*expected, typed);
    WipeString(*expected);
    if (!match) continue;
    if (last_step.has_value() && step <= *last_step) {
      replayed = step;
    } else if (!fresh.has_value()) {
      fresh = step;
    }
  }
  WipeString(typed);
  if (fresh.has_value()) {
    verdict.check = TotpCheck::kAccepted;
    verdict.step = *fresh;
  } else if (replayed.has_value()) {
    verdict.check = TotpCheck::kReplayed;
    verdict.step = *replayed;
  }
  return verdict;
}

std::string Totp::OtpauthUri(std::string_view account,
                             const Secret& key) const {
  const std::string issuer = PercentEncode(config_.issuer);
  std::string secret = Base32Encode(key.view());
  std::string uri = "otpauth://totp/" + issuer + ":" + PercentEncode(account) +
                    "?secret=" + secret + "&issuer=" + issuer +
                    "&algorithm=SHA1&digits=" + std::to_string(config_.digits) +
                    "&period=" + std::to_string(config_.period);
  WipeString(secret);
  return uri;
}

}  // namespace latchkey
