// Private: UTF-8 sequence checks shared by the audit escaper and the
// user-field validators.
#ifndef LATCHKEY_SRC_BASE_UTF8_SEQ_H_
#define LATCHKEY_SRC_BASE_UTF8_SEQ_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace latchkey::internal {

// The length (1-4) of the well-formed UTF-8 sequence starting at s[i], or 0
// if none starts there (stray continuation byte, overlong form, surrogate,
// beyond U+10FFFF, truncated). Sets *code_point when non-null.
inline size_t Utf8SequenceAt(std::string_view s, size_t i,
                             uint32_t* code_point = nullptr) {
  const auto b = [&](size_t k) { return static_cast<uint8_t>(s[i + k]); };
  const size_t left = s.size() - i;
  const uint8_t c = b(0);
  size_t len = 0;
  uint32_t cp = 0;
  uint32_t min = 0;
  if (c < 0x80) {
    if (code_point) *code_point = c;
    return 1;
  } else if ((c & 0xE0) == 0xC0) {
    len = 2, cp = c & 0x1Fu, min = 0x80;
  } else if ((c & 0xF0) == 0xE0) {
    len = 3, cp = c & 0x0Fu, min = 0x800;
  } else if ((c & 0xF8) == 0xF0) {
    len = 4, cp = c & 0x07u, min = 0x10000;
  } else {
    return 0;
  }
  if (left < len) return 0;
  for (size_t k = 1; k < len; ++k) {
    if ((b(k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b(k) & 0x3Fu);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  if (code_point) *code_point = cp;
  return len;
}

// Control characters: C0, DEL and C1.
inline bool IsControl(uint32_t cp) {
  return cp < 0x20 || (cp >= 0x7F && cp < 0xA0);
}

}  // namespace latchkey::internal

#endif  // LATCHKEY_SRC_BASE_UTF8_SEQ_H_
