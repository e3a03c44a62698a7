// PNG and JPEG bytes built for tests: structurally valid images of any
// size (the PNG's pixel data is a real zlib stream for tiny sizes), and the
// pieces to build broken ones.
#ifndef LATCHKEY_TESTS_SUPPORT_TEST_IMAGES_H_
#define LATCHKEY_TESTS_SUPPORT_TEST_IMAGES_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace latchkey::testing {

// "\x89PNG\r\n\x1a\n".
extern const std::string kPngSignature;

// Big-endian integers.
std::string Be32(uint32_t v);
std::string Be16(uint32_t v);
// CRC-32 as PNG computes it (bitwise; independent of the code under test).
uint32_t PngCrc32(std::string_view bytes);
// length | type | data | CRC.
std::string PngChunk(std::string_view type, std::string_view data);
std::string PngIhdr(uint32_t width, uint32_t height, uint8_t depth = 8,
                    uint8_t color_type = 2);
// A zlib stream holding `raw` in one stored block.
std::string ZlibStored(std::string_view raw);
// An RGB PNG of width x height.
std::string TestPng(uint32_t width, uint32_t height);

// FF marker | length | data.
std::string JpegSegment(uint8_t marker, std::string_view data);
// A one-component frame header (SOF0 = 0xC0, SOF2 = 0xC2, ...).
std::string JpegSof(uint8_t marker, uint32_t width, uint32_t height);
// A one-component scan header.
std::string JpegSos();
// SOI, APP0 (JFIF), DQT, SOF, DHT, SOS, entropy data with a stuffed 0xFF
// and a restart marker (and a second scan when progressive), EOI.
std::string TestJpeg(uint32_t width, uint32_t height, bool progressive = false);

}  // namespace latchkey::testing

#endif  // LATCHKEY_TESTS_SUPPORT_TEST_IMAGES_H_
