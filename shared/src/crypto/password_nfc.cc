// Unicode normalisation of passwords (NFC) through ICU's C API.
#include <openssl/crypto.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>

#include <climits>
#include <vector>

#include "crypto/password_hash_internal.h"

namespace latchkey::hash_internal {
namespace {

// A UTF-16 buffer that is wiped when it goes: it holds password text.
struct WipedUtf16 {
  std::vector<UChar> v;
  ~WipedUtf16() {
    if (!v.empty()) OPENSSL_cleanse(v.data(), v.size() * sizeof(UChar));
  }
};

}  // namespace

std::optional<Secret> NfcPassword(std::string_view password) {
  if (password.empty() || password.size() > INT32_MAX / 4) return std::nullopt;
  bool ascii = true;
  for (char c : password) {
    if (static_cast<unsigned char>(c) >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) return std::nullopt;  // ASCII is always NFC
  UErrorCode err = U_ZERO_ERROR;
  const UNormalizer2* nfc = unorm2_getNFCInstance(&err);
  if (U_FAILURE(err)) return std::nullopt;

  // u_strFromUTF8 refuses ill-formed UTF-8 (U_INVALID_CHAR_FOUND).
  WipedUtf16 in;
  in.v.resize(password.size() + 1);
  int32_t in_len = 0;
  u_strFromUTF8(in.v.data(), static_cast<int32_t>(in.v.size()), &in_len,
                password.data(), static_cast<int32_t>(password.size()), &err);
  if (U_FAILURE(err)) return std::nullopt;
  if (unorm2_isNormalized(nfc, in.v.data(), in_len, &err) && U_SUCCESS(err)) {
    return std::nullopt;
  }
  err = U_ZERO_ERROR;
  // NFC of a string is at most 3 times as long in UTF-16 (ICU's bound).
  WipedUtf16 out;
  out.v.resize(static_cast<size_t>(in_len) * 3 + 1);
  const int32_t out_len =
      unorm2_normalize(nfc, in.v.data(), in_len, out.v.data(),
                       static_cast<int32_t>(out.v.size()), &err);
  if (U_FAILURE(err)) return std::nullopt;
  int32_t utf8_len = 0;
  u_strToUTF8(nullptr, 0, &utf8_len, out.v.data(), out_len, &err);
  if (err != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(err)) return std::nullopt;
  err = U_ZERO_ERROR;
  Secret result = Secret::OfSize(static_cast<size_t>(utf8_len));
  u_strToUTF8(result.mutable_data(), utf8_len, nullptr, out.v.data(), out_len,
              &err);
  // U_STRING_NOT_TERMINATED_WARNING is expected: the Secret has no NUL.
  if (U_FAILURE(err)) return std::nullopt;
  if (result.view() == password) return std::nullopt;
  return result;
}

}  // namespace latchkey::hash_internal
