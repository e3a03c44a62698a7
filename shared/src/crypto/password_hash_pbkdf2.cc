// PBKDF2-HMAC-SHA256 through OpenSSL, in the PHC/passlib and Django forms.
#include <openssl/evp.h>

#include <climits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "crypto/password_hash_internal.h"
#include "latchkey/base/encoding.h"

namespace latchkey::hash_internal {
namespace {

constexpr std::string_view kPhcPrefix = "$pbkdf2-sha256$";
constexpr std::string_view kDjangoPrefix = "pbkdf2_sha256$";

// Splits "a$b$c" into exactly three fields; nullopt for any other count.
std::optional<std::array<std::string_view, 3>> SplitThree(std::string_view s) {
  std::array<std::string_view, 3> out;
  for (size_t i = 0; i < 2; ++i) {
    const size_t pos = s.find('$');
    if (pos == std::string_view::npos) return std::nullopt;
    out[i] = s.substr(0, pos);
    s.remove_prefix(pos + 1);
  }
  if (s.find('$') != std::string_view::npos) return std::nullopt;
  out[2] = s;
  return out;
}

// Standard base64, or passlib's "adapted base64" which writes '.' for '+'.
// The two alphabets differ only there, so one translation accepts both.
std::optional<std::string> DecodeEitherBase64(std::string_view text) {
  std::string std_text(text);
  for (char& c : std_text) {
    if (c == '.') c = '+';
  }
  return Base64Decode(std_text);
}

Status Malformed(std::string_view what, std::string_view why) {
  return InvalidArgument("malformed " + std::string(what) +
                         " hash: " + std::string(why));
}

Status CheckHashSize(std::string_view what, size_t n) {
  if (n < kPbkdf2MinHashBytes || n > kPbkdf2MaxHashBytes) {
    return Malformed(what, "hash must be 16 to 64 bytes");
  }
  return Status::Ok();
}

}  // namespace

Status CheckPbkdf2Iterations(uint32_t iterations) {
  if (iterations < 1 || iterations > kPbkdf2MaxIterations) {
    return InvalidArgument("pbkdf2 iterations must be 1.." +
                           std::to_string(kPbkdf2MaxIterations));
  }
  return Status::Ok();
}

Result<Pbkdf2Parsed> ParsePbkdf2Sha256(std::string_view stored) {
  constexpr std::string_view kWhat = "pbkdf2-sha256";
  if (stored.substr(0, kPhcPrefix.size()) != kPhcPrefix) {
    return Malformed(kWhat, "wrong prefix");
  }
  const auto f = SplitThree(stored.substr(kPhcPrefix.size()));
  if (!f) return Malformed(kWhat, "wrong number of fields");
  std::string_view rounds = (*f)[0];
  if (rounds.substr(0, 2) == "i=") rounds.remove_prefix(2);
  const auto iterations = ParseDecimal(rounds);
  if (!iterations) return Malformed(kWhat, "bad iteration count");
  LK_RETURN_IF_ERROR(CheckPbkdf2Iterations(*iterations));
  auto salt = DecodeEitherBase64((*f)[1]);
  auto hash = DecodeEitherBase64((*f)[2]);
  if (!salt || !hash) return Malformed(kWhat, "bad base64");
  if (salt->empty() || salt->size() > kPbkdf2MaxSaltBytes) {
    return Malformed(kWhat, "bad salt length");
  }
  LK_RETURN_IF_ERROR(CheckHashSize(kWhat, hash->size()));
  return Pbkdf2Parsed{*iterations, std::move(*salt), std::move(*hash)};
}

Result<Pbkdf2Parsed> ParseDjangoPbkdf2(std::string_view stored) {
  constexpr std::string_view kWhat = "Django pbkdf2_sha256";
  if (stored.substr(0, kDjangoPrefix.size()) != kDjangoPrefix) {
    return Malformed(kWhat, "wrong prefix");
  }
  const auto f = SplitThree(stored.substr(kDjangoPrefix.size()));
  if (!f) return Malformed(kWhat, "wrong number of fields");
  const auto iterations = ParseDecimal((*f)[0]);
  if (!iterations) return Malformed(kWhat, "bad iteration count");
  LK_RETURN_IF_ERROR(CheckPbkdf2Iterations(*iterations));
  const std::string_view salt = (*f)[1];
  if (salt.empty() || salt.size() > kPbkdf2MaxSaltBytes) {
    return Malformed(kWhat, "bad salt length");
  }
  auto hash = Base64Decode((*f)[2]);
  if (!hash) return Malformed(kWhat, "bad base64");
  LK_RETURN_IF_ERROR(CheckHashSize(kWhat, hash->size()));
  return Pbkdf2Parsed{*iterations, std::string(salt), std::move(*hash)};
}

Result<Secret> Pbkdf2Sha256Raw(std::string_view password, std::string_view salt,
                               uint32_t iterations, size_t out_len) {
  if (password.size() > INT_MAX || salt.size() > INT_MAX || out_len > INT_MAX ||
      iterations > INT_MAX) {
    return InvalidArgument("pbkdf2 input too long");
  }
  Secret out = Secret::OfSize(out_len);
  if (PKCS5_PBKDF2_HMAC(
          password.data(), static_cast<int>(password.size()),
          reinterpret_cast<const unsigned char*>(salt.data()),
          static_cast<int>(salt.size()), static_cast<int>(iterations),
          EVP_sha256(), static_cast<int>(out_len),
          reinterpret_cast<unsigned char*>(out.mutable_data())) != 1) {
    return Internal("PKCS5_PBKDF2_HMAC failed");
  }
  return out;
}

std::string FormatPbkdf2Sha256(uint32_t iterations, std::string_view salt,
                               std::string_view hash) {
  std::string s(kPhcPrefix);
  s += "i=" + std::to_string(iterations) + "$";
  s += Base64Encode(salt, /*pad=*/false);
  s += "$";
  s += Base64Encode(hash, /*pad=*/false);
  return s;
}

Result<bool> VerifyPbkdf2(std::string_view password,
                          const Pbkdf2Parsed& parsed) {
  LK_ASSIGN_OR_RETURN(Secret derived,
                      Pbkdf2Sha256Raw(password, parsed.salt, parsed.iterations,
                                      parsed.hash.size()));
  return ConstantTimeEquals(derived.view(), parsed.hash);
}

}  // namespace latchkey::hash_internal
