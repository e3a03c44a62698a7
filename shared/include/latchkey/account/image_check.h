// Image check for avatar uploads: PNG or JPEG recognised by magic bytes,
// with the container structure parsed strictly (PNG chunks with their
// CRCs, JPEG markers and segment lengths), the dimensions read from IHDR or
// the SOF marker, and nothing allowed after IEND or EOI. The pixel data is
// not decoded; the bytes are kept as uploaded and served with their true
// content type (see Profile::GetAvatar), under `nosniff`.
//
// Pure: no database, no files.
#ifndef LATCHKEY_ACCOUNT_IMAGE_CHECK_H_
#define LATCHKEY_ACCOUNT_IMAGE_CHECK_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace latchkey {

enum class ImageType { kPng, kJpeg };
// "image/png" or "image/jpeg".
std::string_view ImageContentType(ImageType type);

// The type a declared Content-Type names: "image/png"; "image/jpeg" (also
// "image/jpg" and "image/pjpeg"); case-insensitive, parameters after ';'
// ignored. nullopt for anything else (including "").
std::optional<ImageType> ImageTypeFromContentType(std::string_view declared);

// The type named by the magic bytes alone (no structure check), or
// nullopt.
std::optional<ImageType> SniffImageType(std::string_view bytes);

struct ImageInfo {
  ImageType type = ImageType::kPng;
  uint32_t width = 0;
  uint32_t height = 0;
};

struct ImageLimits {
  uint64_t max_bytes = 1048576;  // [portal] avatar_max_bytes
  uint32_t max_width = 4096;
  uint32_t max_height = 4096;
};

enum class ImageProblem {
  kNone,
  kEmpty,          // no bytes
  kTooLarge,       // more than max_bytes (HTTP 413)
  kUnknownFormat,  // neither PNG nor JPEG magic (HTTP 415)
  kMislabelled,    // declared type is not the real type (HTTP 415)
  kMalformed,      // broken or truncated structure (HTTP 422)
  kTrailingData,   // bytes after IEND / EOI (HTTP 422)
  kTooManyPixels,  // wider or taller than allowed, or 0 (HTTP 422)
};
// A stable snake_case name: "too_large", "mislabelled", ...
std::string_view ImageProblemName(ImageProblem problem);

struct ImageCheck {
  ImageProblem problem = ImageProblem::kNone;
  std::optional<ImageInfo> info;  // set iff problem == kNone
  std::string message;            // one sentence for a person; "" if ok

  bool ok() const { return problem == ImageProblem::kNone; }
};

// Checks `bytes` in this order: empty, size, magic (unknown format),
// declared type (mislabelled: the declared type must name the real type),
// structure, trailing data, dimensions. Messages name the problem, e.g.
// "mislabelled upload: the file is a PNG image but was sent as image/jpeg".
ImageCheck CheckImage(std::string_view bytes, std::string_view declared_type,
                      const ImageLimits& limits);

}  // namespace latchkey

#endif  // LATCHKEY_ACCOUNT_IMAGE_CHECK_H_
