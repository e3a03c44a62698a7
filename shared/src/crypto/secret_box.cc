#include "latchkey/crypto/secret_box.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <array>
#include <climits>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <utility>

namespace latchkey {
namespace {

constexpr uint8_t kVersion = 0x01;
constexpr size_t kKeySize = 32;
constexpr size_t kNonceSize = 12;
constexpr size_t kTagSize = 16;
constexpr size_t kOverhead = 1 + kNonceSize + kTagSize;
// Small secrets only; also keeps every length inside OpenSSL's int.
constexpr size_t kMaxPlaintext = 1 << 20;

struct CtxFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using CtxPtr = std::unique_ptr<EVP_CIPHER_CTX, CtxFree>;

const unsigned char* U(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// The version byte is authenticated along with the caller's aad (version
// first, fixed length, so the two cannot be confused), so a future format
// cannot be passed off as this one.
bool FeedAad(EVP_CIPHER_CTX* ctx, std::string_view aad, bool encrypt) {
  const auto update = encrypt ? EVP_EncryptUpdate : EVP_DecryptUpdate;
  int len = 0;
  if (update(ctx, nullptr, &len, &kVersion, 1) != 1) return false;
  if (!aad.empty() &&
      update(ctx, nullptr, &len, U(aad), static_cast<int>(aad.size())) != 1) {
    return false;
  }
  return true;
}

}  // namespace

SecretBox::SecretBox(Secret key, Random& random)
    : key_(std::move(key)), random_(random) {}

Result<std::string> SecretBox::Seal(std::string_view plaintext,
                                    std::string_view aad) const {
  if (key_.size() != kKeySize) {
    return FailedPrecondition("secret key must be 32 bytes");
  }
  if (plaintext.size() > kMaxPlaintext || aad.size() > kMaxPlaintext) {
    return InvalidArgument("secret box input too large");
  }
  std::string out(kOverhead + plaintext.size(), '\0');
  auto* base = reinterpret_cast<unsigned char*>(out.data());
  base[0] = kVersion;
  unsigned char* nonce = base + 1;
  unsigned char* ct = nonce + kNonceSize;
  unsigned char* tag = ct + plaintext.size();

  LK_RETURN_IF_ERROR(random_.Fill(std::span<uint8_t>(nonce, kNonceSize)));

  CtxPtr ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return Internal("EVP_CIPHER_CTX_new failed");
  int len = 0;
  if (EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr,
                         nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN,
                          static_cast<int>(kNonceSize), nullptr) != 1 ||
      EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, U(key_.view()), nonce) !=
          1 ||
      !FeedAad(ctx.get(), aad, /*encrypt=*/true) ||
      EVP_EncryptUpdate(ctx.get(), ct, &len, U(plaintext),
                        static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), ct + len, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG,
                          static_cast<int>(kTagSize), tag) != 1) {
    return Internal("AES-256-GCM encryption failed");
  }
  return out;
}

Result<Secret> SecretBox::Open(std::string_view sealed,
                               std::string_view aad) const {
  if (key_.size() != kKeySize) {
    return FailedPrecondition("secret key must be 32 bytes");
  }
  if (sealed.size() < kOverhead) {
    return InvalidArgument("sealed data too short");
  }
  if (sealed.size() - kOverhead > kMaxPlaintext || aad.size() > kMaxPlaintext) {
    return InvalidArgument("sealed data too large");
  }
  if (static_cast<uint8_t>(sealed[0]) != kVersion) {
    return InvalidArgument("sealed data has an unknown version");
  }
  const unsigned char* nonce = U(sealed) + 1;
  const unsigned char* ct = nonce + kNonceSize;
  const size_t ct_len = sealed.size() - kOverhead;
  // EVP_CTRL_GCM_SET_TAG takes a non-const pointer.
  std::array<unsigned char, kTagSize> tag{};
  std::memcpy(tag.data(), ct + ct_len, kTagSize);

  // Decrypt straight into a Secret, so every exit path wipes the plaintext.
  Secret plain = Secret::OfSize(ct_len);
  auto* pt = reinterpret_cast<unsigned char*>(plain.mutable_data());
  unsigned char scratch[16];  // DecryptFinal writes nothing for GCM

  CtxPtr ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return Internal("EVP_CIPHER_CTX_new failed");
  int len = 0;
  if (EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr,
                         nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN,
                          static_cast<int>(kNonceSize), nullptr) != 1 ||
      EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, U(key_.view()), nonce) !=
          1 ||
      !FeedAad(ctx.get(), aad, /*encrypt=*/false) ||
      (ct_len > 0 && EVP_DecryptUpdate(ctx.get(), pt, &len, ct,
                                       static_cast<int>(ct_len)) != 1) ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG,
                          static_cast<int>(kTagSize), tag.data()) != 1) {
    return Internal("AES-256-GCM decryption failed");
  }
  if (EVP_DecryptFinal_ex(ctx.get(), scratch, &len) != 1) {
    return PermissionDenied("sealed data failed authentication");
  }
  return plain;
}

Sha256Digest SecretBox::Mac(std::string_view purpose,
                            std::string_view message) const {
  if (key_.size() != kKeySize) {
    // No error channel here: fail closed with a digest nobody can predict,
    // so it matches no stored value.
    Sha256Digest junk{};
    if (!random_.Fill(junk).ok()) junk.fill(0xff);
    return junk;
  }
  std::string label = "latchkey:";
  label.append(purpose);
  Sha256Digest subkey = HmacSha256(key_.view(), label);
  Sha256Digest mac = HmacSha256(DigestView(subkey), message);
  OPENSSL_cleanse(subkey.data(), subkey.size());
  return mac;
}

}  // namespace latchkey
