#include "support/test_images.h"

namespace latchkey::testing {

const std::string kPngSignature("\x89PNG\r\n\x1a\n", 8);

std::string Be32(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>((v >> 16) & 0xFF),
          static_cast<char>((v >> 8) & 0xFF), static_cast<char>(v & 0xFF)};
}

std::string Be16(uint32_t v) {
  return {static_cast<char>((v >> 8) & 0xFF), static_cast<char>(v & 0xFF)};
}

uint32_t PngCrc32(std::string_view bytes) {
  uint32_t c = 0xFFFFFFFFu;
  for (const char ch : bytes) {
    c ^= static_cast<uint8_t>(ch);
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
  }
  return c ^ 0xFFFFFFFFu;
}

std::string PngChunk(std::string_view type, std::string_view data) {
  const std::string body = std::string(type) + std::string(data);
  return Be32(static_cast<uint32_t>(data.size())) + body + Be32(PngCrc32(body));
}

std::string PngIhdr(uint32_t width, uint32_t height, uint8_t depth,
                    uint8_t color_type) {
  std::string d = Be32(width) + Be32(height);
  d += static_cast<char>(depth);
  d += static_cast<char>(color_type);
  d += std::string(3, '\0');  // compression, filter, interlace
  return PngChunk("IHDR", d);
}

std::string ZlibStored(std::string_view raw) {
  std::string z = "\x78\x01";
  z += '\x01';  // final stored block
  const auto n = static_cast<uint16_t>(raw.size());
  z += static_cast<char>(n & 0xFF);
  z += static_cast<char>(n >> 8);
  z += static_cast<char>(~n & 0xFF);
  z += static_cast<char>((~n >> 8) & 0xFF);
  z += raw;
  uint32_t a = 1, b = 0;  // Adler-32
  for (const char c : raw) {
    a = (a + static_cast<uint8_t>(c)) % 65521;
    b = (b + a) % 65521;
  }
  return z + Be32((b << 16) | a);
}

std::string TestPng(uint32_t width, uint32_t height) {
  // A filter byte and `width` RGB pixels per row; only tiny images get real
  // pixel data, larger ones a token IDAT (nothing here decodes it).
  std::string raw;
  if (uint64_t{width} * height <= 64) {
    for (uint32_t y = 0; y < height; ++y) {
      raw += '\0';
      raw += std::string(3 * size_t{width}, '\x7f');
    }
  } else {
    raw = "x";
  }
  return kPngSignature + PngIhdr(width, height) +
         PngChunk("IDAT", ZlibStored(raw)) + PngChunk("IEND", "");
}

std::string JpegSegment(uint8_t marker, std::string_view data) {
  return std::string{'\xff', static_cast<char>(marker)} +
         Be16(static_cast<uint32_t>(data.size() + 2)) + std::string(data);
}

std::string JpegSof(uint8_t marker, uint32_t width, uint32_t height) {
  std::string d = "\x08" + Be16(height) + Be16(width);
  d += std::string("\x01\x01\x11\x00", 4);  // 1 component, id 1, 1x1, table 0
  return JpegSegment(marker, d);
}

std::string JpegSos() {
  return JpegSegment(0xDA, std::string("\x01\x01\x00\x00\x3f\x00", 6));
}

std::string TestJpeg(uint32_t width, uint32_t height, bool progressive) {
  std::string j = "\xff\xd8";
  j += JpegSegment(
      0xE0, std::string("JFIF\0\x01\x01\x00\x00\x01\x00\x01\x00\x00", 14));
  j += JpegSegment(0xDB, std::string(1, '\0') + std::string(64, '\x01'));
  j += JpegSof(progressive ? 0xC2 : 0xC0, width, height);
  // DHT: class 0 id 0, one code of length 1, symbol 0.
  j += JpegSegment(0xC4, std::string("\x00\x01", 2) + std::string(16, '\0'));
  j += JpegSos();
  j += std::string("\x12\x34\xff\x00\x56\xff\xd0\x78", 8);
  if (progressive) {
    j += JpegSos();
    j += std::string("\x9a\xbc", 2);
  }
  j += "\xff\xd9";
  return j;
}

}  // namespace latchkey::testing
