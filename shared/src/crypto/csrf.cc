#include "latchkey/crypto/csrf.h"

#include <algorithm>
#include <span>

#include "latchkey/base/encoding.h"

namespace latchkey {
namespace {

constexpr std::string_view kSessionLabel = "latchkey-csrf-v1";
constexpr size_t kIdChars = 43;

}  // namespace

std::string CsrfTokens::ForSession(const Secret& csrf_secret) {
  return Base64UrlEncode(
      DigestView(HmacSha256(csrf_secret.view(), kSessionLabel)));
}

bool CsrfTokens::CheckSession(const Secret& csrf_secret,
                              std::string_view token) {
  if (csrf_secret.empty()) return false;
  return ConstantTimeEquals(ForSession(csrf_secret), token);
}

Result<std::string> CsrfTokens::NewPreSessionId(Random& random) {
  uint8_t raw[32];
  LK_RETURN_IF_ERROR(random.Fill(std::span<uint8_t>(raw, sizeof raw)));
  std::string id = Base64UrlEncode(
      std::string_view(reinterpret_cast<const char*>(raw), sizeof raw));
  std::fill(std::begin(raw), std::end(raw), uint8_t{0});
  return id;
}

bool CsrfTokens::IsPreSessionId(std::string_view id) {
  return id.size() == kIdChars && std::all_of(id.begin(), id.end(), [](char c) {
           return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                  (c >= '0' && c <= '9') || c == '-' || c == '_';
         });
}

std::string CsrfTokens::ForPreSession(std::string_view pre_id) const {
  if (!IsPreSessionId(pre_id)) return {};
  return Base64UrlEncode(DigestView(key_.Mac(pre_id)));
}

bool CsrfTokens::CheckPreSession(std::string_view pre_id,
                                 std::string_view token) const {
  if (!IsPreSessionId(pre_id)) return false;
  return ConstantTimeEquals(ForPreSession(pre_id), token);
}

}  // namespace latchkey
