#include "latchkey/crypto/mac_key.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <memory>
#include <string>

namespace latchkey {
namespace {

constexpr size_t kKeyBytes = 32;

struct KdfDeleter {
  void operator()(EVP_KDF* k) const { EVP_KDF_free(k); }
};
struct KdfCtxDeleter {
  void operator()(EVP_KDF_CTX* c) const { EVP_KDF_CTX_free(c); }
};

}  // namespace

Result<MacKey> MacKey::Derive(const Secret& key, std::string_view label) {
  if (key.size() != kKeyBytes) {
    return InvalidArgument("a MAC key must be 32 bytes");
  }
  if (label.empty()) return InvalidArgument("a MAC key needs a label");
  std::unique_ptr<EVP_KDF, KdfDeleter> kdf(
      EVP_KDF_fetch(nullptr, "HKDF", nullptr));
  if (!kdf) return Internal("OpenSSL has no HKDF");
  std::unique_ptr<EVP_KDF_CTX, KdfCtxDeleter> ctx(EVP_KDF_CTX_new(kdf.get()));
  if (!ctx) return Internal("EVP_KDF_CTX_new failed");
  std::string info = "latchkey:";
  info.append(label);
  char digest[] = "SHA256";
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_octet_string(
          OSSL_KDF_PARAM_KEY, const_cast<char*>(key.view().data()), key.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info.data(),
                                        info.size()),
      OSSL_PARAM_construct_end(),
  };
  Secret subkey = Secret::OfSize(kKeyBytes);
  if (EVP_KDF_derive(ctx.get(),
                     reinterpret_cast<unsigned char*>(subkey.mutable_data()),
                     kKeyBytes, params) != 1) {
    return Internal("HKDF failed");
  }
  return MacKey(std::move(subkey));
}

Sha256Digest MacKey::Mac(std::string_view message) const {
  return HmacSha256(subkey_.view(), message);
}

}  // namespace latchkey
