#include "latchkey/base/encoding.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace latchkey {
namespace {

using Pair = std::pair<std::string, std::string>;

// RFC 4648 section 10 test vectors.
const std::vector<Pair> kBase64Vectors = {{"", ""},
                                          {"f", "Zg=="},
                                          {"fo", "Zm8="},
                                          {"foo", "Zm9v"},
                                          {"foob", "Zm9vYg=="},
                                          {"fooba", "Zm9vYmE="},
                                          {"foobar", "Zm9vYmFy"}};
const std::vector<Pair> kBase32Vectors = {{"", ""},
                                          {"f", "MY======"},
                                          {"fo", "MZXQ===="},
                                          {"foo", "MZXW6==="},
                                          {"foob", "MZXW6YQ="},
                                          {"fooba", "MZXW6YTB"},
                                          {"foobar", "MZXW6YTBOI======"}};
const std::vector<Pair> kBase16Vectors = {{"", ""},
                                          {"f", "66"},
                                          {"fo", "666f"},
                                          {"foo", "666f6f"},
                                          {"foob", "666f6f62"},
                                          {"fooba", "666f6f6261"},
                                          {"foobar", "666f6f626172"}};

std::string StripPadding(std::string s) {
  while (!s.empty() && s.back() == '=') s.pop_back();
  return s;
}

std::string Hex(const Sha256Digest& d) { return HexEncode(DigestView(d)); }

TEST(Base64Test, Rfc4648VectorsPadded) {
  for (const auto& [plain, encoded] : kBase64Vectors) {
    EXPECT_EQ(Base64Encode(plain), encoded) << plain;
    EXPECT_EQ(Base64Encode(plain, /*pad=*/true), encoded) << plain;
    auto decoded = Base64Decode(encoded);
    ASSERT_TRUE(decoded.has_value()) << encoded;
    EXPECT_EQ(*decoded, plain);
  }
}

TEST(Base64Test, UnpaddedEncodeAndDecode) {
  for (const auto& [plain, encoded] : kBase64Vectors) {
    const std::string bare = StripPadding(encoded);
    EXPECT_EQ(Base64Encode(plain, /*pad=*/false), bare) << plain;
    auto decoded = Base64Decode(bare);
    ASSERT_TRUE(decoded.has_value()) << bare;
    EXPECT_EQ(*decoded, plain);
  }
}

TEST(Base64Test, RejectsGarbageWhitespaceAndBadPadding) {
  EXPECT_FALSE(Base64Decode("Zm9v YmFy").has_value());
  EXPECT_FALSE(Base64Decode("Zm9v\nYmFy").has_value());
  EXPECT_FALSE(Base64Decode("Zm9v!mFy").has_value());
  EXPECT_FALSE(Base64Decode("Zm9vYmFy-_").has_value());  // url alphabet
  EXPECT_FALSE(Base64Decode("Z").has_value());           // impossible length
  EXPECT_FALSE(Base64Decode("Zg=").has_value());         // short padding
  EXPECT_FALSE(Base64Decode("Zg===").has_value());       // too much padding
  EXPECT_FALSE(Base64Decode("Z===").has_value());
  EXPECT_FALSE(Base64Decode("Zg==Zg==").has_value());  // data after pad
  EXPECT_FALSE(Base64Decode("Zh==").has_value());      // non-zero tail bits
}

TEST(Base64Test, RoundTripsAllByteValues) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  for (size_t n = 0; n <= all.size(); n += 7) {
    const std::string part = all.substr(0, n);
    EXPECT_EQ(Base64Decode(Base64Encode(part)), part);
    EXPECT_EQ(Base64Decode(Base64Encode(part, false)), part);
    EXPECT_EQ(Base64UrlDecode(Base64UrlEncode(part)), part);
  }
}

TEST(Base64UrlTest, UsesUrlAlphabetWithoutPadding) {
  const std::string bytes("\xfb\xff\xbf", 3);
  EXPECT_EQ(Base64Encode(bytes), "+/+/");
  EXPECT_EQ(Base64UrlEncode(bytes), "-_-_");
  EXPECT_EQ(Base64UrlEncode("f"), "Zg");
  EXPECT_EQ(Base64UrlEncode("foobar"), "Zm9vYmFy");
}

TEST(Base64UrlTest, DecodesWithOrWithoutPadding) {
  EXPECT_EQ(Base64UrlDecode("Zg"), std::string("f"));
  EXPECT_EQ(Base64UrlDecode("Zg=="), std::string("f"));
  EXPECT_EQ(Base64UrlDecode("-_-_"), std::string("\xfb\xff\xbf", 3));
}

TEST(Base64UrlTest, RejectsStandardAlphabetAndGarbage) {
  EXPECT_FALSE(Base64UrlDecode("+/+/").has_value());
  EXPECT_FALSE(Base64UrlDecode("Zm9v YmFy").has_value());
  EXPECT_FALSE(Base64UrlDecode("Zm9v.mFy").has_value());
  EXPECT_FALSE(Base64UrlDecode("Zg=").has_value());
}

TEST(Base32Test, Rfc4648Vectors) {
  for (const auto& [plain, encoded] : kBase32Vectors) {
    EXPECT_EQ(Base32Encode(plain), StripPadding(encoded)) << plain;
    auto padded = Base32Decode(encoded);
    ASSERT_TRUE(padded.has_value()) << encoded;
    EXPECT_EQ(*padded, plain);
    auto bare = Base32Decode(StripPadding(encoded));
    ASSERT_TRUE(bare.has_value()) << encoded;
    EXPECT_EQ(*bare, plain);
  }
}

TEST(Base32Test, DecodeIgnoresCaseAndSpaces) {
  EXPECT_EQ(Base32Decode("mzxw 6ytb oi"), std::string("foobar"));
  EXPECT_EQ(Base32Decode("MzXw6YtBoI"), std::string("foobar"));
}

TEST(Base32Test, RejectsInvalidInput) {
  EXPECT_FALSE(Base32Decode("MZXW1").has_value());  // '1' not in alphabet
  EXPECT_FALSE(Base32Decode("MZXW8").has_value());
  EXPECT_FALSE(Base32Decode("MZ-XW").has_value());
  EXPECT_FALSE(Base32Decode("M").has_value());  // impossible length
  EXPECT_FALSE(Base32Decode("MZX").has_value());
  EXPECT_FALSE(Base32Decode("MY==MY").has_value());  // data after pad
  EXPECT_FALSE(Base32Decode("MZ").has_value());      // non-zero tail bits
}

TEST(Base32Test, RoundTripsRandomishBytes) {
  std::string bytes;
  for (int i = 0; i < 64; ++i) bytes.push_back(static_cast<char>(i * 37 + 11));
  for (size_t n = 0; n <= bytes.size(); ++n) {
    const std::string part = bytes.substr(0, n);
    EXPECT_EQ(Base32Decode(Base32Encode(part)), part) << n;
  }
}

TEST(HexTest, Rfc4648Vectors) {
  for (const auto& [plain, encoded] : kBase16Vectors) {
    EXPECT_EQ(HexEncode(plain), encoded);
    EXPECT_EQ(HexDecode(encoded), plain);
  }
}

TEST(HexTest, DecodeAcceptsUpperCaseAndRejectsGarbage) {
  EXPECT_EQ(HexDecode("DEADbeef"), std::string("\xde\xad\xbe\xef", 4));
  EXPECT_FALSE(HexDecode("abc").has_value());
  EXPECT_FALSE(HexDecode("zz").has_value());
  EXPECT_FALSE(HexDecode("0x12").has_value());
  EXPECT_FALSE(HexDecode("12 34").has_value());
}

TEST(Sha256Test, Fips180Vectors) {
  EXPECT_EQ(Hex(Sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Hex(Sha256("")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(
      Hex(Sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(HmacSha256Test, Rfc4231Cases1And2) {
  const std::string key1(20, '\x0b');
  EXPECT_EQ(Hex(HmacSha256(key1, "Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  EXPECT_EQ(Hex(HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(HmacSha256Test, Rfc4231Case6LongKey) {
  const std::string key(131, '\xaa');
  EXPECT_EQ(Hex(HmacSha256(
                key, "Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST(HmacSha256Test, EmptyKeyIsDefined) {
  // HMAC-SHA256 with an empty key and message (a widely published value).
  EXPECT_EQ(Hex(HmacSha256("", "")),
            "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

}  // namespace
}  // namespace latchkey
