#include "latchkey/account/image_check.h"

#include <array>
#include <cstddef>

#include "latchkey/base/strings.h"

namespace latchkey {
namespace {

constexpr std::string_view kPngMagic("\x89PNG\r\n\x1a\n", 8);

// CRC-32 (ISO-HDLC, as PNG uses), table built at compile time.
constexpr std::array<uint32_t, 256> MakeCrcTable() {
  std::array<uint32_t, 256> table{};
  for (uint32_t n = 0; n < 256; ++n) {
    uint32_t c = n;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    table[n] = c;
  }
  return table;
}
constexpr std::array<uint32_t, 256> kCrcTable = MakeCrcTable();

uint32_t Crc32(std::string_view bytes) {
  uint32_t c = 0xFFFFFFFFu;
  for (const char ch : bytes) {
    c = kCrcTable[(c ^ static_cast<uint8_t>(ch)) & 0xFF] ^ (c >> 8);
  }
  return c ^ 0xFFFFFFFFu;
}

uint8_t Byte(std::string_view b, size_t i) {
  return static_cast<uint8_t>(b[i]);
}
uint32_t Be32(std::string_view b, size_t i) {
  return (uint32_t{Byte(b, i)} << 24) | (uint32_t{Byte(b, i + 1)} << 16) |
         (uint32_t{Byte(b, i + 2)} << 8) | uint32_t{Byte(b, i + 3)};
}
uint32_t Be16(std::string_view b, size_t i) {
  return (uint32_t{Byte(b, i)} << 8) | uint32_t{Byte(b, i + 1)};
}

bool IsAsciiLetter(uint8_t c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

// The outcome of a structural parse: kNone with the dimensions, or the
// problem with a message.
struct Parsed {
  ImageProblem problem = ImageProblem::kNone;
  std::string message;
  uint32_t width = 0;
  uint32_t height = 0;
};

Parsed Bad(std::string message) {
  return {ImageProblem::kMalformed, std::move(message), 0, 0};
}

bool PngDepthValid(uint8_t color_type, uint8_t depth) {
  switch (color_type) {
    case 0:
      return depth == 1 || depth == 2 || depth == 4 || depth == 8 ||
             depth == 16;
    case 3:
      return depth == 1 || depth == 2 || depth == 4 || depth == 8;
    case 2:
    case 4:
    case 6:
      return depth == 8 || depth == 16;
    default:
      return false;
  }
}

Parsed ParsePng(std::string_view b) {
  Parsed out;
  size_t pos = kPngMagic.size();
  bool first = true;
  bool seen_plte = false;
  bool seen_idat = false;
  bool idat_done = false;
  uint8_t color_type = 0;
  while (true) {
    if (b.size() - pos < 12) {
      return Bad("the PNG image is truncated (no IEND chunk)");
    }
    const uint32_t length = Be32(b, pos);
    if (length > 0x7FFFFFFFu || length > b.size() - pos - 12) {
      return Bad("the PNG image is truncated or has a bad chunk length");
    }
    const std::string_view type = b.substr(pos + 4, 4);
    for (const char c : type) {
      if (!IsAsciiLetter(static_cast<uint8_t>(c))) {
        return Bad("the PNG image has a malformed chunk type");
      }
    }
    const std::string_view data = b.substr(pos + 8, length);
    if (Crc32(b.substr(pos + 4, 4 + size_t{length})) !=
        Be32(b, pos + 8 + length)) {
      return Bad("the PNG image has a chunk with a wrong CRC");
    }
    pos += 12 + size_t{length};

    if (first) {
      if (type != "IHDR" || length != 13) {
        return Bad("the PNG image does not start with an IHDR chunk");
      }
      out.width = Be32(data, 0);
      out.height = Be32(data, 4);
      const uint8_t depth = Byte(data, 8);
      color_type = Byte(data, 9);
      if (out.width == 0 || out.height == 0 || out.width > 0x7FFFFFFFu ||
          out.height > 0x7FFFFFFFu) {
        return Bad("the PNG image has invalid dimensions");
      }
      if (!PngDepthValid(color_type, depth) || Byte(data, 10) != 0 ||
          Byte(data, 11) != 0 || Byte(data, 12) > 1) {
        return Bad("the PNG image has an invalid IHDR chunk");
      }
      first = false;
      continue;
    }
    if (type == "IDAT") {
      if (idat_done) return Bad("the PNG image has split IDAT chunks");
      seen_idat = true;
      continue;
    }
    if (seen_idat) idat_done = true;
    if (type == "IEND") {
      if (length != 0) return Bad("the PNG image has a malformed IEND chunk");
      if (!seen_idat) return Bad("the PNG image has no image data");
      if (color_type == 3 && !seen_plte) {
        return Bad("the PNG image has no palette");
      }
      if (pos != b.size()) {
        out.problem = ImageProblem::kTrailingData;
        out.message = "the PNG image has data after its end (IEND)";
      }
      return out;
    }
    if (type == "PLTE") {
      if (seen_plte || seen_idat || color_type == 0 || color_type == 4 ||
          length == 0 || length % 3 != 0 || length > 3 * 256) {
        return Bad("the PNG image has a misplaced or malformed palette");
      }
      seen_plte = true;
      continue;
    }
    if (type == "IHDR") return Bad("the PNG image has two IHDR chunks");
    // Upper-case first letter: a critical chunk we do not know, which a
    // decoder must refuse; ancillary (lower-case) chunks are allowed.
    if (type[0] >= 'A' && type[0] <= 'Z') {
      return Bad("the PNG image has an unknown critical chunk");
    }
  }
}

bool IsSof(uint8_t m) {
  return m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
}

// Markers with a length-prefixed segment that we skip over.
bool IsSkippableSegment(uint8_t m) {
  return m == 0xC4 ||                 // DHT
         m == 0xCC ||                 // DAC
         m == 0xDB ||                 // DQT
         m == 0xDC ||                 // DNL
         m == 0xDD ||                 // DRI
         m == 0xDE || m == 0xDF ||    // DHP, EXP
         (m >= 0xE0 && m <= 0xEF) ||  // APPn
         m == 0xFE;                   // COM
}

Parsed ParseJpeg(std::string_view b) {
  Parsed out;
  size_t pos = 2;  // after SOI
  bool seen_sof = false;
  bool seen_sos = false;
  while (true) {
    if (pos >= b.size()) return Bad("the JPEG image is truncated (no EOI)");
    if (Byte(b, pos) != 0xFF) {
      return Bad("the JPEG image has data where a marker should be");
    }
    while (pos < b.size() && Byte(b, pos) == 0xFF) ++pos;  // fill bytes
    if (pos >= b.size()) return Bad("the JPEG image is truncated (no EOI)");
    const uint8_t marker = Byte(b, pos++);
    if (marker == 0xD9) {  // EOI
      if (!seen_sof || !seen_sos) {
        return Bad("the JPEG image ends before its image data");
      }
      if (pos != b.size()) {
        out.problem = ImageProblem::kTrailingData;
        out.message = "the JPEG image has data after its end (EOI)";
      }
      return out;
    }
    if (marker == 0x01) continue;  // TEM: no segment
    if (marker == 0x00 || marker == 0xD8 ||
        (marker >= 0xD0 && marker <= 0xD7)) {
      return Bad("the JPEG image has a misplaced marker");
    }
    if (b.size() - pos < 2) return Bad("the JPEG image is truncated");
    const uint32_t length = Be16(b, pos);
    if (length < 2 || length > b.size() - pos) {
      return Bad("the JPEG image is truncated or has a bad segment length");
    }
    const std::string_view seg = b.substr(pos, length);
    if (IsSof(marker)) {
      if (seen_sof) return Bad("the JPEG image has more than one frame");
      if (length < 8 || length != 8 + 3 * uint32_t{Byte(seg, 7)} ||
          Byte(seg, 7) == 0) {
        return Bad("the JPEG image has a malformed frame header");
      }
      out.height = Be16(seg, 3);
      out.width = Be16(seg, 5);
      if (out.width == 0 || out.height == 0) {
        return Bad("the JPEG image has invalid dimensions");
      }
      seen_sof = true;
      pos += length;
      continue;
    }
    if (marker == 0xDA) {  // SOS, then entropy-coded data up to a marker
      if (!seen_sof) return Bad("the JPEG image has a scan before its frame");
      if (length < 6 || length != 6 + 2 * uint32_t{Byte(seg, 2)} ||
          Byte(seg, 2) == 0) {
        return Bad("the JPEG image has a malformed scan header");
      }
      size_t p = pos + length;
      while (true) {
        if (p >= b.size()) return Bad("the JPEG image is truncated (no EOI)");
        if (Byte(b, p) != 0xFF) {
          ++p;
          continue;
        }
        if (p + 1 >= b.size()) return Bad("the JPEG image is truncated");
        const uint8_t next = Byte(b, p + 1);
        if (next == 0x00 || (next >= 0xD0 && next <= 0xD7)) {
          p += 2;  // stuffed 0xFF or a restart marker: still in the scan
          continue;
        }
        break;  // a marker (possibly after fill bytes) ends the scan
      }
      seen_sos = true;
      pos = p;
      continue;
    }
    if (!IsSkippableSegment(marker)) {
      return Bad("the JPEG image has an unsupported marker");
    }
    pos += length;
  }
}

std::string TypeName(ImageType type) {
  return type == ImageType::kPng ? "PNG" : "JPEG";
}

ImageCheck Problem(ImageProblem problem, std::string message) {
  ImageCheck out;
  out.problem = problem;
  out.message = std::move(message);
  return out;
}

// A declared type for a message: printable ASCII only, bounded.
std::string Shown(std::string_view declared) {
  std::string out;
  for (const char c : declared.substr(0, 64)) {
    out += (c >= 0x20 && c < 0x7F) ? c : '?';
  }
  return out.empty() ? "no type" : out;
}

}  // namespace

std::string_view ImageContentType(ImageType type) {
  return type == ImageType::kPng ? "image/png" : "image/jpeg";
}

std::optional<ImageType> SniffImageType(std::string_view bytes) {
  if (bytes.starts_with(kPngMagic)) return ImageType::kPng;
  if (bytes.size() >= 3 && Byte(bytes, 0) == 0xFF && Byte(bytes, 1) == 0xD8 &&
      Byte(bytes, 2) == 0xFF) {
    return ImageType::kJpeg;
  }
  return std::nullopt;
}

std::optional<ImageType> ImageTypeFromContentType(std::string_view declared) {
  const size_t semi = declared.find(';');
  if (semi != std::string_view::npos) declared = declared.substr(0, semi);
  declared = Trim(declared);
  if (EqualsIgnoreCase(declared, "image/png")) return ImageType::kPng;
  if (EqualsIgnoreCase(declared, "image/jpeg") ||
      EqualsIgnoreCase(declared, "image/jpg") ||
      EqualsIgnoreCase(declared, "image/pjpeg")) {
    return ImageType::kJpeg;
  }
  return std::nullopt;
}

std::string_view ImageProblemName(ImageProblem problem) {
  switch (problem) {
    case ImageProblem::kNone:
      return "none";
    case ImageProblem::kEmpty:
      return "empty";
    case ImageProblem::kTooLarge:
      return "too_large";
    case ImageProblem::kUnknownFormat:
      return "unknown_format";
    case ImageProblem::kMislabelled:
      return "mislabelled";
    case ImageProblem::kMalformed:
      return "malformed";
    case ImageProblem::kTrailingData:
      return "trailing_data";
    case ImageProblem::kTooManyPixels:
      return "too_many_pixels";
  }
  return "unknown";
}

ImageCheck CheckImage(std::string_view bytes, std::string_view declared_type,
                      const ImageLimits& limits) {
  if (bytes.empty()) return Problem(ImageProblem::kEmpty, "the file is empty");
  if (bytes.size() > limits.max_bytes) {
    return Problem(ImageProblem::kTooLarge,
                   "the image is larger than " +
                       std::to_string(limits.max_bytes) + " bytes");
  }
  const std::optional<ImageType> sniffed = SniffImageType(bytes);
  if (!sniffed) {
    return Problem(ImageProblem::kUnknownFormat,
                   "only PNG and JPEG images are accepted");
  }
  const ImageType type = *sniffed;
  const std::optional<ImageType> declared =
      ImageTypeFromContentType(declared_type);
  if (declared != type) {
    return Problem(ImageProblem::kMislabelled,
                   "mislabelled upload: the file is a " + TypeName(type) +
                       " image but was sent as " + Shown(declared_type));
  }
  Parsed parsed = type == ImageType::kPng ? ParsePng(bytes) : ParseJpeg(bytes);
  if (parsed.problem != ImageProblem::kNone) {
    return Problem(parsed.problem, std::move(parsed.message));
  }
  if (parsed.width > limits.max_width || parsed.height > limits.max_height) {
    return Problem(ImageProblem::kTooManyPixels,
                   "the image is " + std::to_string(parsed.width) + "x" +
                       std::to_string(parsed.height) + " pixels; at most " +
                       std::to_string(limits.max_width) + "x" +
                       std::to_string(limits.max_height) + " are allowed");
  }
  ImageCheck out;
  out.info = ImageInfo{type, parsed.width, parsed.height};
  return out;
}

}  // namespace latchkey
