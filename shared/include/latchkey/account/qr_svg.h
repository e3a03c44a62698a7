// QR codes as inline SVG (for TOTP enrolment), through libqrencode.
#ifndef LATCHKEY_ACCOUNT_QR_SVG_H_
#define LATCHKEY_ACCOUNT_QR_SVG_H_

#include <string>
#include <string_view>

#include "latchkey/base/result.h"

namespace latchkey {

// An <svg> element showing `text` as a QR code (error correction level M,
// 8-bit mode, the smallest version that fits) with a 4-module quiet zone:
// viewBox "0 0 N N" in module units, a white background rect and one black
// <path>. It holds only numbers and fixed markup, so it can be put into a
// page without escaping; it has role="img" and aria-label="QR code".
// Errors: InvalidArgument if `text` is empty, holds NUL or is too long for
// a QR code; Internal if libqrencode fails otherwise.
Result<std::string> QrSvg(std::string_view text);

}  // namespace latchkey

#endif  // LATCHKEY_ACCOUNT_QR_SVG_H_
