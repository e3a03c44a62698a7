#include "latchkey/account/qr_svg.h"

#include <qrencode.h>

#include <cerrno>
#include <memory>

namespace latchkey {
namespace {

constexpr int kQuietZone = 4;

struct QrFree {
  void operator()(QRcode* q) const { QRcode_free(q); }
};

}  // namespace

Result<std::string> QrSvg(std::string_view text) {
  if (text.empty() || text.find('\0') != std::string_view::npos) {
    return InvalidArgument("a QR code needs non-empty text without NUL");
  }
  const std::string s(text);
  errno = 0;
  std::unique_ptr<QRcode, QrFree> qr(
      QRcode_encodeString(s.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, 1));
  if (!qr) {
    if (errno == ERANGE || errno == EINVAL) {
      return InvalidArgument("the text is too long for a QR code");
    }
    return Internal("libqrencode failed to encode the text");
  }
  const int width = qr->width;
  const int size = width + 2 * kQuietZone;
  std::string path;
  path.reserve(static_cast<size_t>(width * width) * 4);
  // One horizontal run of dark modules per "M x y h n v1 h-n z".
  for (int y = 0; y < width; ++y) {
    int x = 0;
    while (x < width) {
      if ((qr->data[y * width + x] & 1) == 0) {
        ++x;
        continue;
      }
      int run = 1;
      while (x + run < width && (qr->data[y * width + x + run] & 1) != 0) {
        ++run;
      }
      path += "M" + std::to_string(x + kQuietZone) + " " +
              std::to_string(y + kQuietZone) + "h" + std::to_string(run) +
              "v1h-" + std::to_string(run) + "z";
      x += run;
    }
  }
  const std::string n = std::to_string(size);
  return "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + n + " " +
         n +
         "\" shape-rendering=\"crispEdges\" role=\"img\" "
         "aria-label=\"QR code\"><rect width=\"" +
         n + "\" height=\"" + n + "\" fill=\"#fff\"/><path fill=\"#000\" d=\"" +
         path + "\"/></svg>";
}

}  // namespace latchkey
