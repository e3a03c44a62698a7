#include "latchkey/base/encoding.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <cstddef>
#include <cstdint>

namespace latchkey {
namespace {

constexpr char kBase64Std[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kBase64Url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr char kBase32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
constexpr char kHex[] = "0123456789abcdef";

constexpr int8_t kInvalid = -1;

// A 256-entry reverse table for an alphabet.
using ReverseTable = std::array<int8_t, 256>;

constexpr ReverseTable MakeReverse(const char* alphabet, size_t n) {
  ReverseTable t{};
  for (auto& v : t) v = kInvalid;
  for (size_t i = 0; i < n; ++i) {
    t[static_cast<uint8_t>(alphabet[i])] = static_cast<int8_t>(i);
  }
  return t;
}

constexpr ReverseTable kBase64StdRev = MakeReverse(kBase64Std, 64);
constexpr ReverseTable kBase64UrlRev = MakeReverse(kBase64Url, 64);
constexpr ReverseTable kBase32Rev = MakeReverse(kBase32, 32);

std::string EncodeBase64With(std::string_view bytes, const char* alphabet,
                             bool pad) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  const auto byte = [&](size_t k) {
    return static_cast<uint32_t>(static_cast<uint8_t>(bytes[k]));
  };
  for (; i + 3 <= bytes.size(); i += 3) {
    const uint32_t v = (byte(i) << 16) | (byte(i + 1) << 8) | byte(i + 2);
    out.push_back(alphabet[(v >> 18) & 63]);
    out.push_back(alphabet[(v >> 12) & 63]);
    out.push_back(alphabet[(v >> 6) & 63]);
    out.push_back(alphabet[v & 63]);
  }
  const size_t rest = bytes.size() - i;
  if (rest == 1) {
    const uint32_t v = byte(i) << 16;
    out.push_back(alphabet[(v >> 18) & 63]);
    out.push_back(alphabet[(v >> 12) & 63]);
    if (pad) out.append("==");
  } else if (rest == 2) {
    const uint32_t v = (byte(i) << 16) | (byte(i + 1) << 8);
    out.push_back(alphabet[(v >> 18) & 63]);
    out.push_back(alphabet[(v >> 12) & 63]);
    out.push_back(alphabet[(v >> 6) & 63]);
    if (pad) out.push_back('=');
  }
  return out;
}

// Strict decoder: padding is optional, but if present it must make the
// length a multiple of 4. Non-zero trailing bits are refused so that each
// byte string has exactly one accepted encoding.
std::optional<std::string> DecodeBase64With(std::string_view text,
                                            const ReverseTable& rev) {
  size_t data_len = text.size();
  while (data_len > 0 && text[data_len - 1] == '=') --data_len;
  const size_t pad_len = text.size() - data_len;
  if (pad_len > 2) return std::nullopt;
  if (pad_len > 0 && text.size() % 4 != 0) return std::nullopt;
  if (data_len % 4 == 1) return std::nullopt;

  std::string out;
  out.reserve(data_len / 4 * 3 + 2);
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < data_len; ++i) {
    const int8_t v = rev[static_cast<uint8_t>(text[i])];
    if (v == kInvalid) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

}  // namespace

std::string Base64UrlEncode(std::string_view bytes) {
  return EncodeBase64With(bytes, kBase64Url, /*pad=*/false);
}

std::optional<std::string> Base64UrlDecode(std::string_view text) {
  return DecodeBase64With(text, kBase64UrlRev);
}

std::string Base64Encode(std::string_view bytes, bool pad) {
  return EncodeBase64With(bytes, kBase64Std, pad);
}

std::optional<std::string> Base64Decode(std::string_view text) {
  return DecodeBase64With(text, kBase64StdRev);
}

std::string Base32Encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() * 8 + 4) / 5);
  uint32_t acc = 0;
  int bits = 0;
  for (const char c : bytes) {
    acc = (acc << 8) | static_cast<uint8_t>(c);
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out.push_back(kBase32[(acc >> bits) & 31]);
    }
  }
  if (bits > 0) out.push_back(kBase32[(acc << (5 - bits)) & 31]);
  return out;
}

std::optional<std::string> Base32Decode(std::string_view text) {
  std::string out;
  out.reserve(text.size() * 5 / 8);
  uint32_t acc = 0;
  int bits = 0;
  size_t symbols = 0;
  bool in_padding = false;
  for (const char c : text) {
    if (c == ' ') continue;
    if (c == '=') {
      in_padding = true;
      continue;
    }
    if (in_padding) return std::nullopt;  // data after padding
    char upper = c;
    if (upper >= 'a' && upper <= 'z') upper = static_cast<char>(c - 'a' + 'A');
    const int8_t v = kBase32Rev[static_cast<uint8_t>(upper)];
    if (v == kInvalid) return std::nullopt;
    acc = (acc << 5) | static_cast<uint32_t>(v);
    bits += 5;
    ++symbols;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  // Lengths 1, 3 and 6 (mod 8) cannot come from whole bytes.
  const size_t r = symbols % 8;
  if (r == 1 || r == 3 || r == 6) return std::nullopt;
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

std::string HexEncode(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const char c : bytes) {
    const auto b = static_cast<uint8_t>(c);
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

std::optional<std::string> HexDecode(std::string_view text) {
  if (text.size() % 2 != 0) return std::nullopt;
  const auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(text.size() / 2);
  for (size_t i = 0; i < text.size(); i += 2) {
    const int hi = nibble(text[i]);
    const int lo = nibble(text[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>((hi << 4) | lo));
  }
  return out;
}

Sha256Digest Sha256(std::string_view bytes) {
  Sha256Digest d{};
  unsigned int len = 0;
  // With a fixed, built-in digest EVP_Digest fails only when memory runs
  // out; the signature has no error path, so the digest then stays zeroed.
  EVP_Digest(bytes.data(), bytes.size(), d.data(), &len, EVP_sha256(), nullptr);
  return d;
}

Sha256Digest HmacSha256(std::string_view key, std::string_view message) {
  Sha256Digest d{};
  unsigned int len = 0;
  // HMAC() with a null key pointer and zero length is allowed; pass a
  // non-null pointer anyway, as some OpenSSL versions reject null.
  static constexpr unsigned char kEmpty[1] = {0};
  const void* key_ptr = key.empty() ? static_cast<const void*>(kEmpty)
                                    : static_cast<const void*>(key.data());
  HMAC(EVP_sha256(), key_ptr, static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(),
       d.data(), &len);
  return d;
}

}  // namespace latchkey
