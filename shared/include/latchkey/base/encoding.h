// Byte encodings and digests used across the core.
#ifndef LATCHKEY_BASE_ENCODING_H_
#define LATCHKEY_BASE_ENCODING_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "latchkey/base/secret.h"

namespace latchkey {

// RFC 4648 base64url without padding.
std::string Base64UrlEncode(std::string_view bytes);
// Accepts input with or without padding; nullopt on any invalid character.
std::optional<std::string> Base64UrlDecode(std::string_view text);

// RFC 4648 standard base64 (with padding), and a decoder that also accepts
// missing padding (as PHC strings omit it).
std::string Base64Encode(std::string_view bytes, bool pad = true);
std::optional<std::string> Base64Decode(std::string_view text);

// RFC 4648 base32 (A-Z2-7), no padding. Decoding ignores spaces and case.
std::string Base32Encode(std::string_view bytes);
std::optional<std::string> Base32Decode(std::string_view text);

std::string HexEncode(std::string_view bytes);
std::optional<std::string> HexDecode(std::string_view text);

using Sha256Digest = std::array<uint8_t, 32>;
Sha256Digest Sha256(std::string_view bytes);
Sha256Digest HmacSha256(std::string_view key, std::string_view message);
inline std::string_view DigestView(const Sha256Digest& d) {
  return {reinterpret_cast<const char*>(d.data()), d.size()};
}

}  // namespace latchkey

#endif  // LATCHKEY_BASE_ENCODING_H_
