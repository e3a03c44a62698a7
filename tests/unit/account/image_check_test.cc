// CheckImage on PNG and JPEG bytes built here: valid tiny images, and each
// way an upload can be wrong (truncated, wrong magic, bad CRC, huge
// dimensions, trailing junk, mislabelled).
#include "latchkey/account/image_check.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <string>

#include "latchkey/base/encoding.h"
#include "support/test_images.h"

namespace latchkey {
namespace {

using testing::Be16;
using testing::Be32;
using testing::TestJpeg;
using testing::TestPng;
using testing::ZlibStored;

const std::string& kPngMagic = testing::kPngSignature;

std::string Chunk(std::string_view type, std::string_view data) {
  return testing::PngChunk(type, data);
}
std::string Ihdr(uint32_t w, uint32_t h, uint8_t depth = 8, uint8_t color = 2) {
  return testing::PngIhdr(w, h, depth, color);
}
std::string Png(uint32_t w, uint32_t h) { return TestPng(w, h); }
std::string Segment(uint8_t marker, std::string_view data) {
  return testing::JpegSegment(marker, data);
}
std::string Sof(uint8_t marker, uint32_t w, uint32_t h) {
  return testing::JpegSof(marker, w, h);
}
std::string Sos() { return testing::JpegSos(); }
std::string Jpeg(uint32_t w, uint32_t h, bool progressive = false) {
  return TestJpeg(w, h, progressive);
}

ImageLimits Limits() { return ImageLimits{}; }

TEST(ImageCheckTest, AcceptsATinyPng) {
  const ImageCheck c = CheckImage(Png(3, 2), "image/png", Limits());
  ASSERT_TRUE(c.ok()) << c.message;
  EXPECT_EQ(c.info->type, ImageType::kPng);
  EXPECT_EQ(c.info->width, 3u);
  EXPECT_EQ(c.info->height, 2u);
  EXPECT_EQ(c.message, "");
}

TEST(ImageCheckTest, AcceptsAPngMadeByZlib) {
  // Written by Python's zlib/struct: a 2x1 RGB image, deflate-compressed.
  const auto png = HexDecode(
      "89504e470d0a1a0a0000000d49484452000000020000000108020000007b40e8dd0000"
      "000d4944415478da63f8cf0004ff01070001ff3d7d8c490000000049454e44ae426082");
  ASSERT_TRUE(png.has_value());
  const ImageCheck c = CheckImage(*png, "image/png", Limits());
  ASSERT_TRUE(c.ok()) << c.message;
  EXPECT_EQ(c.info->width, 2u);
  EXPECT_EQ(c.info->height, 1u);
}

TEST(ImageCheckTest, AcceptsJpegsBaselineAndProgressive) {
  ImageCheck c = CheckImage(Jpeg(5, 7), "image/jpeg", Limits());
  ASSERT_TRUE(c.ok()) << c.message;
  EXPECT_EQ(c.info->type, ImageType::kJpeg);
  EXPECT_EQ(c.info->width, 5u);
  EXPECT_EQ(c.info->height, 7u);
  c = CheckImage(Jpeg(640, 480, true), "image/jpeg", Limits());
  ASSERT_TRUE(c.ok()) << c.message;
  EXPECT_EQ(c.info->width, 640u);
  EXPECT_EQ(c.info->height, 480u);
  // Aliases and parameters of the declared type.
  EXPECT_TRUE(CheckImage(Jpeg(1, 1), "IMAGE/JPG", Limits()).ok());
  EXPECT_TRUE(CheckImage(Jpeg(1, 1), "image/pjpeg; q=1", Limits()).ok());
  EXPECT_TRUE(CheckImage(Png(1, 1), " image/png ; charset=x", Limits()).ok());
}

TEST(ImageCheckTest, EveryTruncationOfAValidImageIsRefused) {
  for (const std::string& full : {Png(2, 2), Jpeg(2, 2), Jpeg(3, 3, true)}) {
    const std::string type =
        full.starts_with(kPngMagic) ? "image/png" : "image/jpeg";
    ASSERT_TRUE(CheckImage(full, type, Limits()).ok());
    for (size_t n = 0; n < full.size(); ++n) {
      const ImageCheck c = CheckImage(full.substr(0, n), type, Limits());
      EXPECT_FALSE(c.ok()) << type << " cut to " << n << " bytes";
      if (n >= 3) {
        EXPECT_EQ(c.problem, n >= 8 || type == "image/jpeg"
                                 ? ImageProblem::kMalformed
                                 : ImageProblem::kUnknownFormat)
            << type << " cut to " << n << ": " << c.message;
      }
    }
  }
  EXPECT_EQ(CheckImage("", "image/png", Limits()).problem,
            ImageProblem::kEmpty);
}

TEST(ImageCheckTest, WrongMagicIsAnUnknownFormat) {
  std::string gif = "GIF89a" + std::string(40, '\0');
  ImageCheck c = CheckImage(gif, "image/png", Limits());
  EXPECT_EQ(c.problem, ImageProblem::kUnknownFormat);
  EXPECT_EQ(c.message, "only PNG and JPEG images are accepted");
  std::string png = Png(1, 1);
  png[1] = 'Q';  // \x89QNG
  EXPECT_EQ(CheckImage(png, "image/png", Limits()).problem,
            ImageProblem::kUnknownFormat);
  EXPECT_EQ(CheckImage("<svg xmlns='http://www.w3.org/2000/svg'/>", "image/png",
                       Limits())
                .problem,
            ImageProblem::kUnknownFormat);
  EXPECT_FALSE(SniffImageType("\xff\xd8").has_value());
  EXPECT_EQ(SniffImageType(Jpeg(1, 1)), ImageType::kJpeg);
}

TEST(ImageCheckTest, MislabelledUploadsAreRefused) {
  ImageCheck c = CheckImage(Png(4, 4), "image/jpeg", Limits());
  EXPECT_EQ(c.problem, ImageProblem::kMislabelled);
  EXPECT_EQ(c.message,
            "mislabelled upload: the file is a PNG image but was sent as "
            "image/jpeg");
  c = CheckImage(Jpeg(4, 4), "image/png", Limits());
  EXPECT_EQ(c.problem, ImageProblem::kMislabelled);
  EXPECT_EQ(CheckImage(Png(4, 4), "", Limits()).problem,
            ImageProblem::kMislabelled);
  EXPECT_EQ(CheckImage(Png(4, 4), "application/octet-stream", Limits()).problem,
            ImageProblem::kMislabelled);
  // The declared type is shown, but only as printable ASCII.
  c = CheckImage(Png(4, 4), std::string("text/\x01<b>", 9), Limits());
  EXPECT_EQ(c.message,
            "mislabelled upload: the file is a PNG image but was sent as "
            "text/?<b>");
}

TEST(ImageCheckTest, TrailingDataIsRefused) {
  ImageCheck c = CheckImage(Png(2, 2) + "junk", "image/png", Limits());
  EXPECT_EQ(c.problem, ImageProblem::kTrailingData);
  EXPECT_EQ(c.message, "the PNG image has data after its end (IEND)");
  // A polyglot: a whole second file after IEND.
  EXPECT_EQ(CheckImage(Png(2, 2) + Png(2, 2), "image/png", Limits()).problem,
            ImageProblem::kTrailingData);
  c = CheckImage(Jpeg(2, 2) + "<?php ?>", "image/jpeg", Limits());
  EXPECT_EQ(c.problem, ImageProblem::kTrailingData);
  EXPECT_EQ(
      CheckImage(Jpeg(2, 2) + std::string(1, '\0'), "image/jpeg", Limits())
          .problem,
      ImageProblem::kTrailingData);
}

TEST(ImageCheckTest, DimensionsAreLimited) {
  EXPECT_TRUE(CheckImage(Png(4096, 4096), "image/png", Limits()).ok());
  ImageCheck c = CheckImage(Png(4097, 1), "image/png", Limits());
  EXPECT_EQ(c.problem, ImageProblem::kTooManyPixels);
  EXPECT_EQ(c.message,
            "the image is 4097x1 pixels; at most 4096x4096 are allowed");
  EXPECT_EQ(CheckImage(Png(1, 100000), "image/png", Limits()).problem,
            ImageProblem::kTooManyPixels);
  EXPECT_EQ(
      CheckImage(Png(0x7FFFFFFF, 0x7FFFFFFF), "image/png", Limits()).problem,
      ImageProblem::kTooManyPixels);
  EXPECT_EQ(CheckImage(Jpeg(65535, 65535), "image/jpeg", Limits()).problem,
            ImageProblem::kTooManyPixels);
  EXPECT_EQ(CheckImage(Jpeg(4096, 4097), "image/jpeg", Limits()).problem,
            ImageProblem::kTooManyPixels);
  // Zero or out-of-range dimensions are not images at all.
  EXPECT_EQ(CheckImage(Png(0, 5), "image/png", Limits()).problem,
            ImageProblem::kMalformed);
  EXPECT_EQ(CheckImage(Png(0x80000000u, 1), "image/png", Limits()).problem,
            ImageProblem::kMalformed);
  EXPECT_EQ(CheckImage(Jpeg(5, 0), "image/jpeg", Limits()).problem,
            ImageProblem::kMalformed);
  ImageLimits small;
  small.max_width = 2;
  small.max_height = 2;
  EXPECT_EQ(CheckImage(Png(3, 2), "image/png", small).problem,
            ImageProblem::kTooManyPixels);
}

TEST(ImageCheckTest, SizeIsLimited) {
  ImageLimits limits;
  const std::string png = Png(2, 2);
  limits.max_bytes = png.size();
  EXPECT_TRUE(CheckImage(png, "image/png", limits).ok());
  limits.max_bytes = png.size() - 1;
  const ImageCheck c = CheckImage(png, "image/png", limits);
  EXPECT_EQ(c.problem, ImageProblem::kTooLarge);
  EXPECT_EQ(c.message, "the image is larger than " +
                           std::to_string(png.size() - 1) + " bytes");
}

TEST(ImageCheckTest, PngStructureIsCheckedStrictly) {
  const std::string ihdr = Ihdr(2, 2);
  const std::string idat = Chunk("IDAT", ZlibStored("xx"));
  const std::string iend = Chunk("IEND", "");
  const auto check = [](const std::string& bytes) {
    return CheckImage(bytes, "image/png", ImageLimits{});
  };
  EXPECT_TRUE(check(kPngMagic + ihdr + idat + iend).ok());
  // Ancillary chunks are fine, also between IHDR and IDAT.
  EXPECT_TRUE(check(kPngMagic + ihdr + Chunk("tEXt", "k\0v") + idat +
                    Chunk("tIME", std::string(7, '\1')) + iend)
                  .ok());
  // A wrong CRC anywhere.
  std::string bad = kPngMagic + ihdr + idat + iend;
  bad[kPngMagic.size() + ihdr.size() + 9] ^= 1;  // a byte of IDAT's data
  ImageCheck c = check(bad);
  EXPECT_EQ(c.problem, ImageProblem::kMalformed);
  EXPECT_EQ(c.message, "the PNG image has a chunk with a wrong CRC");
  // No IDAT, IDAT split by another chunk, IHDR not first, two IHDRs.
  EXPECT_EQ(check(kPngMagic + ihdr + iend).problem, ImageProblem::kMalformed);
  EXPECT_EQ(
      check(kPngMagic + ihdr + idat + Chunk("tEXt", "a") + idat + iend).problem,
      ImageProblem::kMalformed);
  EXPECT_EQ(check(kPngMagic + Chunk("tEXt", "a") + ihdr + idat + iend).problem,
            ImageProblem::kMalformed);
  EXPECT_EQ(check(kPngMagic + ihdr + ihdr + idat + iend).problem,
            ImageProblem::kMalformed);
  // An unknown critical chunk, a chunk type that is not letters.
  EXPECT_EQ(check(kPngMagic + ihdr + Chunk("ABCD", "") + idat + iend).problem,
            ImageProblem::kMalformed);
  EXPECT_EQ(check(kPngMagic + ihdr + Chunk("a1cd", "") + idat + iend).problem,
            ImageProblem::kMalformed);
  // A chunk length pointing past the end, IEND with data.
  std::string longer = kPngMagic + ihdr + idat + iend;
  longer[kPngMagic.size() + ihdr.size() + 3] = '\x7f';
  EXPECT_EQ(check(longer).problem, ImageProblem::kMalformed);
  EXPECT_EQ(check(kPngMagic + ihdr + idat + Chunk("IEND", "x")).problem,
            ImageProblem::kMalformed);
  // Invalid bit depth for the colour type, a palette image without PLTE.
  EXPECT_EQ(check(kPngMagic + Ihdr(2, 2, 3, 2) + idat + iend).problem,
            ImageProblem::kMalformed);
  EXPECT_EQ(check(kPngMagic + Ihdr(2, 2, 8, 3) + idat + iend).problem,
            ImageProblem::kMalformed);
  EXPECT_TRUE(check(kPngMagic + Ihdr(2, 2, 8, 3) + Chunk("PLTE", "\1\2\3") +
                    idat + iend)
                  .ok());
  EXPECT_EQ(
      check(kPngMagic + Ihdr(2, 2, 8, 3) + Chunk("PLTE", "\1\2") + idat + iend)
          .problem,
      ImageProblem::kMalformed);
}

TEST(ImageCheckTest, JpegStructureIsCheckedStrictly) {
  const auto check = [](const std::string& bytes) {
    return CheckImage(bytes, "image/jpeg", ImageLimits{});
  };
  const std::string soi = "\xff\xd8";
  const std::string eoi = "\xff\xd9";
  const std::string sof = Sof(0xC0, 8, 8);
  const std::string scan = Sos() + "\x01\x02";
  EXPECT_TRUE(check(soi + sof + scan + eoi).ok());
  // Fill bytes before a marker are allowed.
  EXPECT_TRUE(check(soi + "\xff\xff" + sof.substr(1) + scan + eoi).ok());
  // No frame, no scan, scan before the frame, two frames.
  EXPECT_EQ(check(soi + scan + eoi).problem, ImageProblem::kMalformed);
  EXPECT_EQ(check(soi + sof + eoi).problem, ImageProblem::kMalformed);
  EXPECT_EQ(check(soi + sof + sof + scan + eoi).problem,
            ImageProblem::kMalformed);
  // A segment length past the end, or below 2.
  EXPECT_EQ(check(soi + "\xff\xe0\x7f\xff" + sof + scan + eoi).problem,
            ImageProblem::kMalformed);
  EXPECT_EQ(check(soi + std::string("\xff\xe0\x00\x01", 4) + sof + scan + eoi)
                .problem,
            ImageProblem::kMalformed);
  // Garbage where a marker should be; a second SOI; a stray restart marker.
  EXPECT_EQ(check(soi + sof + std::string(1, '\0') + scan + eoi).problem,
            ImageProblem::kMalformed);
  EXPECT_EQ(check(soi + soi + sof + scan + eoi).problem,
            ImageProblem::kMalformed);
  EXPECT_EQ(check(soi + "\xff\xd3" + sof + scan + eoi).problem,
            ImageProblem::kMalformed);
  // A frame header whose length does not match its component count.
  std::string bad_sof = sof;
  bad_sof[9] = '\x02';
  EXPECT_EQ(check(soi + bad_sof + scan + eoi).problem,
            ImageProblem::kMalformed);
  // An unsupported marker (JPEG-LS SOF55, reserved 0x02).
  EXPECT_EQ(check(soi + Segment(0xF7, "abc") + sof + scan + eoi).problem,
            ImageProblem::kMalformed);
  EXPECT_EQ(check(soi + Segment(0x02, "abc") + sof + scan + eoi).problem,
            ImageProblem::kMalformed);
  // Data that runs to the end without EOI.
  EXPECT_EQ(check(soi + sof + scan + std::string("\xff\x00\x01", 3)).problem,
            ImageProblem::kMalformed);
  // Other frame types carry dimensions too (arithmetic, lossless).
  const ImageCheck c = check(soi + Sof(0xC9, 33, 44) + scan + eoi);
  ASSERT_TRUE(c.ok()) << c.message;
  EXPECT_EQ(c.info->width, 33u);
  EXPECT_EQ(c.info->height, 44u);
}

TEST(ImageCheckTest, NamesAndContentTypes) {
  EXPECT_EQ(ImageContentType(ImageType::kPng), "image/png");
  EXPECT_EQ(ImageContentType(ImageType::kJpeg), "image/jpeg");
  EXPECT_EQ(ImageTypeFromContentType("image/gif"), std::nullopt);
  EXPECT_EQ(ImageTypeFromContentType("image/pngx"), std::nullopt);
  EXPECT_EQ(ImageProblemName(ImageProblem::kMislabelled), "mislabelled");
  EXPECT_EQ(ImageProblemName(ImageProblem::kTooLarge), "too_large");
  EXPECT_EQ(ImageProblemName(ImageProblem::kTrailingData), "trailing_data");
}

}  // namespace
}  // namespace latchkey
